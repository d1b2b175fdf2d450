# nabij — make help lists the targets.
GO      ?= go
BIN     ?= bin/nabij
PKGS    ?= ./...

.PHONY: help build run demo test race check fmt vet staticcheck

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## build bin/nabij
	$(GO) build -o $(BIN) ./cmd/nabij

run: ## run the service with settings from the environment
	$(GO) run ./cmd/nabij serve

demo: ## run the service with the demo school
	$(GO) run ./cmd/nabij serve --demo

test: ## run the tests: the README's command, what CI runs
	$(GO) test $(PKGS)

race: ## the tests under the race detector (needs gcc)
	$(GO) test -race -count=1 $(PKGS)

check: fmt vet staticcheck test ## gofmt, go vet, staticcheck and the tests

fmt: ## fail when a file is not gofmt'ed
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet
	$(GO) vet $(PKGS)

staticcheck: ## staticcheck, installed from the Go module proxy
	$(GO) run honnef.co/go/tools/cmd/staticcheck@2025.1.1 $(PKGS)
