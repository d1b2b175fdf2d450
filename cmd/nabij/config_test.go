package main

import (
	"bytes"
	"context"
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
