package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFileEnvironmentAndFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "admin_token")
	writeFile(t, secret, "from-a-file-0123456789abcdef0123456789\n")
	file := filepath.Join(dir, "nabij.toml")
	writeFile(t, file, "school_name = \"ISK Noord\"\nhold = \"3m\"\naddr = \"127.0.0.1:9000\"\nadmin_token_file = \""+secret+"\"\n")
	env := map[string]string{"NABIJ_HOLD": "30s"}
	getenv := func(k string) string { return env[k] }

	l, err := newLayers(getenv, map[string]string{"NABIJ_ADDR": "127.0.0.1:9999"}, file)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(l.get)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SchoolName != "ISK Noord" || cfg.Hold.String() != "30s" || cfg.Addr != "127.0.0.1:9999" || cfg.AdminToken != "from-a-file-0123456789abcdef0123456789" {
		t.Errorf("config: school %q hold %s addr %s token %q; want the file's name, the environment's hold, the flag's address, the secret file", cfg.SchoolName, cfg.Hold, cfg.Addr, cfg.AdminToken)
	}

	writeFile(t, file, "school_nmae = \"typo\"\n")
	if _, err := newLayers(getenv, nil, file); err == nil || !strings.Contains(err.Error(), "school_nmae") {
		t.Errorf("an unknown key: %v", err)
	}

	writeFile(t, file, "school_name = \"ISK Noord\"\nadmin_token_file = \""+secret+"\"\n")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"config", "check", file}, getenv, &out, &errOut); code != 0 {
		t.Fatalf("config check: exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String(), "from-a-file-0123456789abcdef0123456789") || !strings.Contains(out.String(), "ISK Noord") || !strings.Contains(out.String(), "config file (_file)") {
		t.Errorf("config check output:\n%s", out.String())
	}
	writeFile(t, file, "hold = \"soon\"\n")
	env = map[string]string{}
	errOut.Reset()
	if code := run(context.Background(), []string{"config", "check", file}, getenv, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "NABIJ_HOLD") {
		t.Errorf("a bad value: exit %d, %q", code, errOut.String())
	}
}

// An admin token shorter than 32 bytes is refused by serve and by config
// check; the message gives its length, never the token.
func TestShortAdminTokenRefused(t *testing.T) {
	t.Parallel()
	env := map[string]string{"NABIJ_ADMIN_TOKEN": "short-but-not-32-bytes"}
	getenv := func(k string) string { return env[k] }
	if _, err := loadConfig(getenv); err == nil || !strings.Contains(err.Error(), "NABIJ_ADMIN_TOKEN") {
		t.Fatalf("a 22-byte admin token: %v", err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"config", "check"}, getenv, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "at least 32") || strings.Contains(errOut.String(), env["NABIJ_ADMIN_TOKEN"]) {
		t.Errorf("config check with a short token: exit %d, %q", code, errOut.String())
	}
	if code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, getenv, &out, &errOut); code != 2 {
		t.Errorf("serve with a short token: exit %d", code)
	}
	env["NABIJ_ADMIN_TOKEN"] = strings.Repeat("x", 32)
	if _, err := loadConfig(getenv); err != nil {
		t.Errorf("a 32-byte admin token: %v", err)
	}
	env["NABIJ_METRICS_ADDR"] = "nowhere"
	if _, err := loadConfig(getenv); err == nil || !strings.Contains(err.Error(), "NABIJ_METRICS_ADDR") {
		t.Errorf("a metrics address without a port: %v", err)
	}
}

// `config check` prints the value each setting takes when nothing sets
// it, and those are the README's: its settings table and nabij's defaults
// cannot drift apart.
func TestConfigCheckPrintsTheREADMEsDefaults(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(raw), "| variable | default | meaning |\n| --- | --- | --- |\n")
	if !ok {
		t.Fatal("the README has no settings table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	want := map[string]string{} // setting → its default, "" for none
	for _, row := range strings.Split(table, "\n") {
		cells := strings.Split(row, " | ")
		if len(cells) < 3 {
			t.Fatalf("a row of the settings table: %q", row)
		}
		names := strings.Split(strings.TrimPrefix(cells[0], "| "), ", ")
		var defaults []string
		if d := cells[1]; d != "—" && d != "embedded" {
			defaults = strings.Split(d, ", ")
		}
		if defaults != nil && len(defaults) != len(names) {
			t.Fatalf("the row %q names %d settings and %d defaults", row, len(names), len(defaults))
		}
		for i, n := range names {
			want[strings.Trim(n, "`")] = ""
			if defaults != nil {
				want[strings.Trim(n, "`")] = strings.Trim(defaults[i], "`")
			}
		}
	}
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"config", "check"}, func(string) string { return "" }, &out, &errOut); code != 0 {
		t.Fatalf("config check: exit %d: %s", code, errOut.String())
	}
	printed := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[len(f)-1] == "default" {
			printed[f[0]] = strings.Join(f[1:len(f)-1], " ")
		}
	}
	for n, def := range want {
		if got := cfg.defaults[n]; got != def {
			t.Errorf("%s: nabij's default is %q, the README's %q", n, got, def)
		}
		if def == "" {
			def = "— (not set)"
		}
		if printed[n] != def {
			t.Errorf("config check prints %s as %q, want %q", n, printed[n], def)
		}
	}
	if len(want) < 30 {
		t.Errorf("the README's settings table names %d settings: was it read whole?", len(want))
	}
}
