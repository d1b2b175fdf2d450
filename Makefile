# nabij — make help lists the targets.
GO      ?= go
BIN     ?= bin/nabij
PKGS    ?= ./...

.PHONY: help build run demo test race check fmt vet staticcheck deadcode vulncheck fuzz lint-openapi

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## build bin/nabij
	$(GO) build -o $(BIN) ./cmd/nabij

run: ## run the service with settings from the environment
	$(GO) run ./cmd/nabij serve

demo: ## run the service with the demo school
	$(GO) run ./cmd/nabij serve --demo

# deploy/ is a Go module of its own (the deploy checks, with the libraries
# that read deploy files), which the root's ./... does not reach.
test: ## run every test, the service's and the deploy checks' (deploy/go.mod): what CI runs
	$(GO) test $(PKGS)
	cd deploy && $(GO) test ./...

race: ## the tests under the race detector (needs gcc)
	$(GO) test -race -count=1 $(PKGS)

check: fmt vet staticcheck deadcode vulncheck fuzz test ## gofmt, go vet, staticcheck, deadcode, govulncheck, the fuzz targets briefly, the tests

fmt: ## fail when a file is not gofmt'ed
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet, the service and the deploy checks
	$(GO) vet $(PKGS)
	cd deploy && $(GO) vet ./...

staticcheck: ## staticcheck, from the Go module proxy, the service and the deploy checks
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)
	cd deploy && $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# deadcode lists the functions no program of the module (nabij, nabij-bench)
# reaches from its main; tests do not count. The Twilio stand-in,
# alerts/twilio/twiliotest, is left out on purpose: nabij-bench uses a part of
# it, and the rest (failures on demand, waiting for messages, sending
# webhooks) is there for the tests alone. So is internal/pgtest, the
# throwaway PostgreSQL server of the tests (and of nabij-bench's PostgreSQL
# runs). Anything else it names is code to
# use, delete, or move into the _test.go file of the test that needs it.
DEADCODE ?= golang.org/x/tools/cmd/deadcode@v0.52.0
deadcode: ## fail when a function no binary reaches is found (the Twilio stand-in, for tests, aside)
	@out=$$($(GO) run $(DEADCODE) ./cmd/nabij ./cmd/nabij-bench) || exit 1; \
	out=$$(printf '%s\n' "$$out" | grep -v -e '^alerts/twilio/twiliotest/' -e '^internal/pgtest/' -e '^$$' || true); \
	if [ -n "$$out" ]; then echo "deadcode: no program reaches these:"; echo "$$out"; exit 1; fi

# govulncheck needs its vulnerability database (vuln.go.dev, or GOVULNDB);
# where that cannot be reached, it says so and the check is not counted.
vulncheck: ## govulncheck, from the Go module proxy
	@out=$$($(GO) run golang.org/x/vuln/cmd/govulncheck@v1.1.4 $(PKGS) 2>&1); code=$$?; \
	if [ $$code -ne 0 ] && echo "$$out" | grep -q "fetching vulnerabilities"; then \
	  echo "govulncheck: the vulnerability database is not reachable from here: NOT CHECKED"; \
	else echo "$$out"; exit $$code; fi

# FUZZTIME is a duration (10s) or a count of executions (20000x); CI uses a
# count, which cannot race the fuzz coordinator's deadline (golang/go#75804).
FUZZTIME ?= 10s
fuzz: ## every fuzz target for FUZZTIME (seed corpora in testdata/fuzz)
	$(GO) test -run XXX -fuzz '^FuzzListBody$$' -fuzztime $(FUZZTIME) ./web
	$(GO) test -run XXX -fuzz '^FuzzRosterBody$$' -fuzztime $(FUZZTIME) ./web
	$(GO) test -run XXX -fuzz '^FuzzTwilioWebhook$$' -fuzztime $(FUZZTIME) ./web
	$(GO) test -run XXX -fuzz '^FuzzParseCSV$$' -fuzztime $(FUZZTIME) ./rosterimport
	$(GO) test -run XXX -fuzz '^FuzzParseDate$$' -fuzztime $(FUZZTIME) ./school
	$(GO) test -run XXX -fuzz '^FuzzCheck$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 10s ./voice/audio

# The OpenAPI linter, from npm (needs Node and npm: apt-get install nodejs
# npm), with the rules of docs/redocly.yaml. @redocly/cli 2 needs Node 20.19
# or later (Debian 13's nodejs); on an older Node (Debian 12's is 18) its
# 1.34 line, which runs there, lints with the same configuration.
REDOCLY     ?= @redocly/cli@2.77.0
REDOCLY_OLD ?= @redocly/cli@1.34.20
lint-openapi: ## lint docs/openapi.yaml with Redocly CLI, from npm (needs Node and npm)
	@cli=$(REDOCLY); \
	node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' || \
	  { cli=$(REDOCLY_OLD); echo "Node $$(node --version) is older than 20.19: linting with $$cli"; }; \
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --yes $$cli lint --config docs/redocly.yaml docs/openapi.yaml
