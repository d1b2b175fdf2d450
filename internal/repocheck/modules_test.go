package repocheck

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// serviceModule is the module path of the service.
const serviceModule = "github.com/nabij-isk/nabij"

// goTool is the go command, or a skip naming what is missing.
func goTool(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: the module checks run the go command")
	}
	return goCmd
}

// runGo runs the go command in the service's module (that module alone,
// whatever go.work a developer has) and returns its standard output.
func runGo(t *testing.T, goCmd string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(goCmd, args...)
	cmd.Env = append(cmd.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// directDependencies lists the modules go.mod requires directly (those not
// marked // indirect).
func directDependencies(t *testing.T, goCmd string) []string {
	t.Helper()
	out := runGo(t, goCmd, "list", "-m", "-f", "{{if not (or .Main .Indirect)}}{{.Path}}{{end}}", "all")
	deps := strings.Fields(string(out))
	if len(deps) < 5 {
		t.Fatalf("go list -m found only %d direct dependencies: %v", len(deps), deps)
	}
	return deps
}

// whyAnswers parses `go mod why -m` output: each module with the first line
// of its shortest path, or the tool's parenthesised "does not need" sentence.
func whyAnswers(out string) map[string]string {
	answers := map[string]string{}
	var module string
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "# "):
			module = strings.TrimPrefix(line, "# ")
		case line == "" || module == "":
		default:
			if _, seen := answers[module]; !seen {
				answers[module] = line
			}
		}
	}
	return answers
}

// Every direct dependency is there for the service: `go mod why -m` finds a
// path to it from one of the service's packages or their tests (-vendor:
// not from a dependency's tests). A library only the deploy checks use
// belongs in deploy/go.mod.
func TestEveryDirectDependencyIsTheServices(t *testing.T) {
	goCmd := goTool(t)
	deps := directDependencies(t, goCmd)
	out := string(runGo(t, goCmd, append([]string{"mod", "why", "-m", "-vendor"}, deps...)...))
	answers := whyAnswers(out)
	for _, dep := range deps {
		first, ok := answers[dep]
		switch {
		case !ok:
			t.Errorf("go mod why -m %s gave no answer:\n%s", dep, out)
		case !strings.HasPrefix(first, serviceModule+"/") && first != serviceModule:
			t.Errorf("go.mod requires %s directly, but no package of the service needs it: go mod why says %s", dep, first)
		}
	}
}

// deployOnly are the module path prefixes of the libraries the deploy checks
// read their files with; they belong to deploy/go.mod, never to the service.
var deployOnly = []string{"k8s.io/", "sigs.k8s.io/", "github.com/moby/buildkit", "github.com/moby/patternmatcher", "github.com/compose-spec/", "github.com/caddyserver/"}

// The service's go.mod names none of the deploy checks' libraries, not even
// as an indirect requirement: a build of the service never downloads them.
func TestServiceModuleHasNoDeployLibraries(t *testing.T) {
	goCmd := goTool(t)
	var mod struct {
		Module  struct{ Path string }
		Require []struct{ Path string }
	}
	out := runGo(t, goCmd, "mod", "edit", "-json", filepath.Join(moduleRoot(t, goCmd), "go.mod"))
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	if mod.Module.Path != serviceModule {
		t.Fatalf("go.mod is module %s, want %s", mod.Module.Path, serviceModule)
	}
	for _, r := range mod.Require {
		for _, prefix := range deployOnly {
			if strings.HasPrefix(r.Path, prefix) {
				t.Errorf("go.mod requires %s, a library of the deploy checks (deploy/go.mod)", r.Path)
			}
		}
	}
}

// moduleRoot is the directory of the service's go.mod.
func moduleRoot(t *testing.T, goCmd string) string {
	t.Helper()
	gomod := strings.TrimSpace(string(runGo(t, goCmd, "env", "GOMOD")))
	if filepath.Base(gomod) != "go.mod" {
		t.Fatalf("go env GOMOD = %q: not in a module", gomod)
	}
	return filepath.Dir(gomod)
}
