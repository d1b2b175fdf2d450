package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// NABIJ_ALERT_UNTIL is a time of day: 12:00 unless set, a bad one refused
// by serve and by `config check`, and the config file's alert_until read.
func TestAlertUntilSetting(t *testing.T) {
	t.Parallel()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Settings.AlertUntil != 12*time.Hour {
		t.Errorf("default NABIJ_ALERT_UNTIL = %v, want 12:00", cfg.Settings.AlertUntil)
	}
	env["NABIJ_ALERT_UNTIL"] = "13:30"
	if cfg, err = loadConfig(getenv); err != nil || cfg.Settings.AlertUntil != 13*time.Hour+30*time.Minute {
		t.Errorf("NABIJ_ALERT_UNTIL=13:30: %v, %v", cfg, err)
	}
	for _, bad := range []string{"25:00", "noon", "00:00"} {
		env["NABIJ_ALERT_UNTIL"] = bad
		if _, err := loadConfig(getenv); err == nil || !strings.Contains(err.Error(), "NABIJ_ALERT_UNTIL") {
			t.Errorf("NABIJ_ALERT_UNTIL=%s: %v, want refused", bad, err)
		}
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"config", "check"}, getenv, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "NABIJ_ALERT_UNTIL") {
			t.Errorf("config check with NABIJ_ALERT_UNTIL=%s: exit %d, %q", bad, code, errOut.String())
		}
	}
	delete(env, "NABIJ_ALERT_UNTIL")
	file := filepath.Join(t.TempDir(), "nabij.toml")
	if err := os.WriteFile(file, []byte("alert_until = \"11:15\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"config", "check", file}, getenv, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "NABIJ_ALERT_UNTIL") || !strings.Contains(out.String(), "11:15") {
		t.Errorf("config check of a file with alert_until: exit %d, %q %q", code, out.String(), errOut.String())
	}
}

// The admin page's settings in force name it too.
func TestAlertUntilOnTheAdminPage(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(func(k string) string {
		if k == "NABIJ_ALERT_UNTIL" {
			return "11:45"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range settingsView(cfg) {
		if kv[0] == "NABIJ_ALERT_UNTIL" {
			if kv[1] != "11:45" {
				t.Errorf("admin page shows NABIJ_ALERT_UNTIL %q, want 11:45", kv[1])
			}
			return
		}
	}
	t.Error("the admin page's settings leave NABIJ_ALERT_UNTIL out")
}
