package deploy

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// requireTool finds a command on PATH. Without it the test skips, naming the
// tool; in CI (CI set) it fails instead when install says how CI gets it.
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" && install != "" {
		t.Fatalf("%s is not on PATH: CI must install it (%s)", name, install)
	}
	if install != "" {
		t.Skipf("%s is not on PATH (%s installs it)", name, install)
	}
	t.Skipf("%s is not on PATH", name)
	return ""
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// secrets are the settings whose values never appear in a deploy file.
var secrets = []string{"NABIJ_ADMIN_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"}

// optionalSecrets are secrets of a feature a school may leave off (sign-in
// with the school's accounts, PostgreSQL): given as a file in the config file
// too, but shipped only in the examples of that feature.
var optionalSecrets = []string{"NABIJ_OIDC_CLIENT_SECRET", "NABIJ_DATABASE_URL"}

func isSecret(env string) bool {
	return slices.Contains(secrets, env) || slices.Contains(optionalSecrets, env)
}

// readmeSetting is one variable of the README's settings tables.
type readmeSetting struct {
	Env     string
	Default string // "" when the README gives none
}

var (
	backticked = regexp.MustCompile("`([^`]*)`")
	envName    = regexp.MustCompile(`^(NABIJ|TWILIO)_[A-Z0-9_]+$`)
)

// readmeSettings reads the variables of README.md's tables ("Running it for a
// school", "Twilio"). A row's defaults, where given, pair with its variables:
// | `NABIJ_SEND_FROM`, `NABIJ_SEND_UNTIL` | `07:00`, `21:00` | … |
func readmeSettings(t *testing.T) []readmeSetting {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []readmeSetting
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(strings.Trim(strings.TrimSpace(sc.Text()), "|"), "|")
		if !strings.HasPrefix(strings.TrimSpace(sc.Text()), "|") || len(cells) < 2 {
			continue
		}
		var names []string
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			if envName.MatchString(m[1]) {
				names = append(names, m[1])
			}
		}
		if len(names) == 0 {
			continue
		}
		var defaults []string
		if len(cells) >= 3 {
			for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
				defaults = append(defaults, m[1])
			}
		}
		for i, name := range names {
			s := readmeSetting{Env: name}
			if len(defaults) == len(names) {
				s.Default = defaults[i]
			}
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d settings in README.md's tables: has their layout changed?", len(out))
	}
	return out
}

// configKey is a variable's key in the config file: lower-cased, without
// NABIJ_; a secret is only ever given as a file, its key ending in _file.
func configKey(env string) string {
	key := strings.ToLower(strings.TrimPrefix(env, "NABIJ_"))
	if isSecret(env) {
		key += "_file"
	}
	return key
}

var commentedSetting = regexp.MustCompile(`^#\s?([a-z][a-z0-9_]*\s*=.*)$`)

// uncommented is the example with every commented-out setting switched on.
func uncommented(src string) string {
	var b strings.Builder
	for line := range strings.Lines(src) {
		if m := commentedSetting.FindStringSubmatch(strings.TrimRight(line, "\n")); m != nil {
			line = m[1] + "\n"
		}
		b.WriteString(line)
	}
	return b.String()
}

var secretish = regexp.MustCompile(`(?i)token|secret|password|passwd|credential|private|auth`)

// checkNoSecretValues fails on any key that names a secret unless it is a
// *_file key whose value is an absolute path.
func checkNoSecretValues(t *testing.T, prefix string, m map[string]any) {
	t.Helper()
	for key, v := range m {
		if sub, ok := v.(map[string]any); ok {
			checkNoSecretValues(t, prefix+key+".", sub)
			continue
		}
		if !secretish.MatchString(key) {
			continue
		}
		s, isString := v.(string)
		if !strings.HasSuffix(key, "_file") || !isString || !filepath.IsAbs(s) {
			t.Errorf("%s%s = %v: a secret appears only as a *_file key holding an absolute path", prefix, key, v)
		}
	}
}

func TestExampleConfig(t *testing.T) {
	src := string(readFile(t, "nabij.example.toml"))

	// As shipped: valid TOML that sets nothing, whatever the file's
	// precedence over the environment turns out to be.
	var shipped map[string]any
	if _, err := toml.Decode(src, &shipped); err != nil {
		t.Fatalf("nabij.example.toml: %v", err)
	}
	if len(shipped) != 0 {
		t.Errorf("nabij.example.toml sets %v as shipped; every setting stays commented out", shipped)
	}

	// Every setting switched on: still valid TOML (no duplicate key), the
	// README's settings exactly, with the README's defaults, no secret value.
	var all map[string]any
	if _, err := toml.Decode(uncommented(src), &all); err != nil {
		t.Fatalf("nabij.example.toml with its settings uncommented: %v", err)
	}
	checkNoSecretValues(t, "", all)
	want := map[string]readmeSetting{}
	for _, s := range readmeSettings(t) {
		if s.Env == "NABIJ_CONFIG" { // the file's own path
			continue
		}
		want[configKey(s.Env)] = s
	}
	for key, s := range want {
		v, ok := all[key]
		switch {
		case !ok:
			t.Errorf("nabij.example.toml has no %s (README.md's %s)", key, s.Env)
		case s.Default != "" && fmt.Sprint(v) != s.Default:
			t.Errorf("nabij.example.toml: %s = %v, README.md's default for %s is %s", key, v, s.Env, s.Default)
		}
	}
	for key := range all {
		if _, ok := want[key]; !ok {
			t.Errorf("nabij.example.toml: %s is no setting in README.md's tables", key)
		}
	}
	for _, env := range append(slices.Clone(secrets), optionalSecrets...) {
		if _, ok := all[strings.ToLower(strings.TrimPrefix(env, "NABIJ_"))]; ok {
			t.Errorf("nabij.example.toml names the secret %s itself; give it as a file", env)
		}
	}
}

// The environment file ships the names of the secrets, never values.
func TestEnvExample(t *testing.T) {
	keys := envExampleKeys(t, "systemd/nabij.env.example")
	if !slices.Equal(keys, secrets) {
		t.Errorf("nabij.env.example sets %v, want the secrets %v", keys, secrets)
	}
}

// envExampleKeys reads an example env file: KEY=value lines and comments,
// every value empty. It returns the keys, sorted.
func envExampleKeys(t *testing.T, file string) []string {
	t.Helper()
	var keys []string
	for n, line := range strings.Split(string(readFile(t, file)), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || !regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`).MatchString(key) {
			t.Errorf("%s:%d: %q is not KEY=value", file, n+1, line)
			continue
		}
		if value != "" {
			t.Errorf("%s:%d: %s has a value; the example leaves secrets empty", file, n+1, key)
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys
}

// serviceModule is the module path of the service, whose root is this
// module's parent directory.
const serviceModule = "github.com/nabij-isk/nabij"

// moduleRoot is the go command and the root of the service's module, the
// parent of this one (deploy/ is a module of its own, so that the service's
// go.mod holds none of the libraries these tests read deploy files with).
func moduleRoot(t *testing.T) (goCmd, root string) {
	t.Helper()
	goCmd = requireTool(t, "go", "")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goCmd, "list", "-m")
	cmd.Dir = root
	cmd.Env = serviceEnv()
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != serviceModule {
		t.Fatalf("%s is not the root of %s: go list -m: %v %s", root, serviceModule, err, out)
	}
	return goCmd, root
}

// serviceEnv is the environment for the go command in the service's module:
// that module alone, as the Dockerfile builds it, whatever go.work a
// developer may have.
func serviceEnv() []string {
	return append(os.Environ(), "GOWORK=off")
}

// buildNabij builds ./cmd/nabij into a temporary directory.
func buildNabij(t *testing.T) string {
	t.Helper()
	goCmd, root := moduleRoot(t)
	bin := filepath.Join(t.TempDir(), "nabij")
	cmd := exec.Command(goCmd, "build", "-o", bin, "./cmd/nabij")
	cmd.Dir = root
	cmd.Env = serviceEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/nabij: %v\n%s", err, out)
	}
	return bin
}

// configCheck runs `nabij config check FILE` with none of the tester's
// NABIJ_ or TWILIO_ variables.
func configCheck(t *testing.T, bin, file string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, "config", "check", file)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NABIJ_") && !strings.HasPrefix(kv, "TWILIO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

var pathSetting = regexp.MustCompile(`(?m)^([a-z_]+) = "(/[^"]*)"$`)

// nabij itself reads the example, as shipped and with every setting on:
// every key must be one it knows, every value one it accepts, and each
// setting must then come from the file.
func TestExampleConfigWithNabij(t *testing.T) {
	bin := buildNabij(t)
	if out, err := configCheck(t, bin, "nabij.example.toml"); err != nil {
		t.Fatalf("nabij config check nabij.example.toml: %v\n%s", err, out)
	}

	// With every setting on, the files it names must exist: make them.
	dir := t.TempDir()
	files := map[string][]byte{
		"whatsapp_templates": []byte("[alert_absent]\nnl = \"HX0123456789abcdef0123456789abcdef\"\n"),
		"protocol":           readFile(t, "../protocol/default.toml"),
		"database_url_file":  []byte("postgres://nabij:PASSWORD@localhost:5432/nabij?sslmode=disable\n"),
	}
	src := pathSetting.ReplaceAllStringFunc(uncommented(string(readFile(t, "nabij.example.toml"))), func(line string) string {
		key := pathSetting.FindStringSubmatch(line)[1]
		content, ok := files[key]
		if strings.HasSuffix(key, "_file") && !ok {
			content, ok = []byte("not-a-real-secret-but-32-bytes-or-more\n"), true
		}
		if !ok {
			return line
		}
		path := filepath.Join(dir, key)
		writeFile(t, path, content)
		return fmt.Sprintf("%s = %q", key, path)
	})
	file := filepath.Join(dir, "nabij.toml")
	writeFile(t, file, []byte(src))
	out, err := configCheck(t, bin, file)
	if err != nil {
		t.Fatalf("nabij config check, every setting of nabij.example.toml on: %v\n%s", err, out)
	}
	for _, s := range readmeSettings(t) {
		if s.Env == "NABIJ_CONFIG" || strings.HasSuffix(s.Env, "_FILE") {
			continue
		}
		found := false
		for line := range strings.Lines(out) {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, s.Env+" ") {
				found = true
				if !strings.Contains(line, "config file") {
					t.Errorf("nabij config check: %s does not come from the file: %s", s.Env, line)
				}
			}
		}
		if !found {
			t.Errorf("nabij config check does not list %s", s.Env)
		}
	}
}
