package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	appsv1 "k8s.io/api/apps/v1"
)

// dockerStages parses the Dockerfile with BuildKit's own parser, the one
// `docker build` runs, and its build checks (those of `docker build --check`
// that need no build): any warning fails.
func dockerStages(t *testing.T) []instructions.Stage {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(readFile(t, "Dockerfile")))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile:%d: %s", w.Location.Start.Line, w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, url, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		t.Errorf("Dockerfile:%d: %s: %s (%s)", line, rule, msg, url)
	}})
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return stages
}

func commands[T instructions.Command](stage instructions.Stage) []T {
	var out []T
	for _, c := range stage.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func env(stage instructions.Stage) map[string]string {
	out := map[string]string{}
	for _, e := range commands[*instructions.EnvCommand](stage) {
		for _, kv := range e.Env {
			out[kv.Key] = kv.Value
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	stages := dockerStages(t)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile: want a build stage and a final stage, got %d stage(s)", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	if !strings.HasPrefix(build.BaseName, "golang:1.26") {
		t.Errorf("build stage FROM %s, want golang:1.26", build.BaseName)
	}
	var goBuild string
	for _, r := range commands[*instructions.RunCommand](build) {
		if line := strings.Join(r.CmdLine, " "); strings.Contains(line, "go build") {
			goBuild = line
		}
	}
	for _, want := range []string{"-trimpath", `-ldflags "-s -w"`, "./cmd/nabij"} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("the build stage's go build (%q) lacks %s", goBuild, want)
		}
	}
	if env(build)["CGO_ENABLED"] != "0" && !strings.Contains(goBuild, "CGO_ENABLED=0") {
		t.Error("the build stage does not set CGO_ENABLED=0: the binary must be static")
	}

	if !strings.HasPrefix(final.BaseName, "gcr.io/distroless/static") && final.BaseName != "scratch" {
		t.Errorf("final stage FROM %s, want distroless static or scratch", final.BaseName)
	}
	copied := false
	for _, c := range commands[*instructions.CopyCommand](final) {
		copied = copied || (c.From == build.Name && c.DestPath == "/usr/local/bin/nabij")
	}
	if !copied {
		t.Errorf("the final stage does not copy the binary from stage %q to /usr/local/bin/nabij", build.Name)
	}
	users := commands[*instructions.UserCommand](final)
	if len(users) == 0 {
		t.Fatal("the final stage sets no USER: it would run as root")
	}
	uid := checkNonRootUser(t, users[len(users)-1].User)
	var sts appsv1.StatefulSet
	manifest(t, "statefulset.yaml", "apps/v1", "StatefulSet", &sts)
	if sc := sts.Spec.Template.Spec.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser != uid {
		t.Errorf("statefulset.yaml runs as %d, the image as %d", *sc.RunAsUser, uid)
	}

	e := env(final)
	if e["NABIJ_DATA"] != "/data" || e["NABIJ_ADDR"] != "0.0.0.0:8080" {
		t.Errorf("final stage ENV: want NABIJ_DATA=/data NABIJ_ADDR=0.0.0.0:8080, got %v", e)
	}
	if v := commands[*instructions.VolumeCommand](final); len(v) != 1 || strings.Join(v[0].Volumes, " ") != "/data" {
		t.Errorf("want VOLUME /data in the final stage")
	}
	if x := commands[*instructions.ExposeCommand](final); len(x) != 1 || strings.Join(x[0].Ports, " ") != "8080" {
		t.Errorf("want EXPOSE 8080 in the final stage")
	}
	// No shell or curl in the final image: a HEALTHCHECK could only fail.
	for _, h := range commands[*instructions.HealthCheckCommand](final) {
		if len(h.Health.Test) == 0 || h.Health.Test[0] != "NONE" {
			t.Errorf("HEALTHCHECK %v cannot run in the final image; the orchestrator probes /healthz", h.Health.Test)
		}
	}
	ep := commands[*instructions.EntrypointCommand](final)
	cmd := commands[*instructions.CmdCommand](final)
	if len(ep) != 1 || ep[0].PrependShell || strings.Join(ep[0].CmdLine, " ") != "/usr/local/bin/nabij" ||
		len(cmd) != 1 || cmd[0].PrependShell || strings.Join(cmd[0].CmdLine, " ") != "serve" {
		t.Error(`want ENTRYPOINT ["/usr/local/bin/nabij"] and CMD ["serve"] (exec form: there is no shell)`)
	}
}

// checkNonRootUser wants a numeric, non-zero uid (Kubernetes' runAsNonRoot
// cannot check a user name) and returns it.
func checkNonRootUser(t *testing.T, user string) int64 {
	t.Helper()
	name, group, _ := strings.Cut(user, ":")
	uid, err := strconv.ParseInt(name, 10, 64)
	if err != nil || uid == 0 {
		t.Errorf("USER %s: want a numeric uid other than 0", user)
	}
	if g, err := strconv.ParseInt(group, 10, 64); group != "" && (err != nil || g == 0) {
		t.Errorf("USER %s: want a numeric gid other than 0", user)
	}
	return uid
}

// BuildKit reads deploy/Dockerfile.dockerignore for a build with -f
// deploy/Dockerfile. Every file that `go build ./cmd/nabij` reads must stay
// in the context; what must never reach an image layer must not.
func TestDockerIgnore(t *testing.T) {
	f, err := os.Open("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	excluded := func(path string) bool {
		ok, err := pm.MatchesOrParentMatches(filepath.ToSlash(path))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	for _, path := range []string{".git/config", "nabij-data/nabij.db", "app.test", "cmd/nabij/nabij.test",
		"bin/nabij", "nabij", "deploy/nabij.env", "deploy/kubernetes/secret.yaml", "backup.db",
		"go.work", "deploy/go.mod", "docs/API.md"} {
		if !excluded(path) {
			t.Errorf("Dockerfile.dockerignore lets %s into the build context", path)
		}
	}
	_, files := buildInputs(t)
	for _, file := range append(files, "go.mod", "go.sum") {
		if excluded(file) {
			t.Errorf("Dockerfile.dockerignore leaves out %s, which the build needs", file)
		}
	}
}

// buildInputs lists the module's files that building ./cmd/nabij for Linux
// without cgo reads (Go files and embedded files), relative to the module root.
func buildInputs(t *testing.T) (root string, files []string) {
	t.Helper()
	goCmd, root := moduleRoot(t)
	cmd := exec.Command(goCmd, "list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module", "./cmd/nabij")
	cmd.Dir = root
	cmd.Env = append(serviceEnv(), "GOOS=linux", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir                 string
			GoFiles, EmbedFiles []string
			Module              *struct{ Main bool }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		for _, name := range append(p.GoFiles, p.EmbedFiles...) {
			rel, err := filepath.Rel(root, filepath.Join(p.Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, rel)
		}
	}
	if len(files) < 20 {
		t.Fatalf("go list found only %d files of ./cmd/nabij: %s", len(files), fmt.Sprint(files))
	}
	return root, files
}
