package main

// Secrets read from files, as systemd's credentials and Kubernetes' Secrets
// give them. (Found by an operator's review: serve started without an
// unreadable secret, on the log sender or an empty bbolt store of its own,
// and the admin commands read only NABIJ_ADMIN_TOKEN.)

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A secret file that cannot be read is an error of the configuration:
// config check says so (1), serve refuses to start (2) and makes no store.
func TestServeRefusesAnUnreadableSecretFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"twilio", map[string]string{
			"TWILIO_ACCOUNT_SID_FILE": "/nonexistent/twilio_account_sid",
			"TWILIO_AUTH_TOKEN_FILE":  "/nonexistent/twilio_auth_token",
			"NABIJ_PUBLIC_URL":        "https://nabij.example.nl",
			"NABIJ_TWILIO_FROM":       "+3197000000000",
		}},
		{"database", map[string]string{"NABIJ_DATABASE_URL_FILE": "/nonexistent/database_url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"NABIJ_DATA": dir, "NABIJ_METRICS_ADDR": "127.0.0.1:0"}
			for k, v := range tc.env {
				env[k] = v
			}
			getenv := func(k string) string { return env[k] }
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"config", "check"}, getenv, &out, &errOut); code != 1 {
				t.Fatalf("config check: exit %d, want 1", code)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			out.Reset()
			errOut.Reset()
			code := run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, getenv, &out, &errOut)
			_, statErr := os.Stat(filepath.Join(dir, "nabij.db"))
			if code != 2 || statErr == nil || strings.Contains(out.String()+errOut.String(), "nabij listening") {
				t.Errorf("serve with an unreadable secret file: exit %d (want 2), a bbolt store made: %v, output: %s", code, statErr == nil, out.String()+errOut.String())
			}
			if !strings.Contains(errOut.String(), "/nonexistent/") {
				t.Errorf("serve does not name the file it cannot read: %s", errOut.String())
			}
		})
	}
}

// nabij users reads the admin token as serve does, from a token file too.
func TestTheAdminCLIsReadTheTokenFromAFile(t *testing.T) {
	token := strings.Repeat("k", 44)
	file := filepath.Join(t.TempDir(), "admin_token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, `{"error":{"code":"unauthorized","message":"no"}}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	env := map[string]string{"NABIJ_ADMIN_TOKEN_FILE": file}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"users", "list", "--url", srv.URL}, getenv, &out, &errOut); code != 0 {
		t.Errorf("nabij users list with NABIJ_ADMIN_TOKEN_FILE: exit %d: %s", code, errOut.String())
	}
	env["NABIJ_ADMIN_TOKEN_FILE"] = "/nonexistent/admin_token"
	errOut.Reset()
	if code := run(context.Background(), []string{"users", "list", "--url", srv.URL}, getenv, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "/nonexistent/admin_token") {
		t.Errorf("nabij users list with an unreadable token file: exit %d: %s", code, errOut.String())
	}
}

// serve says in its log that it stops and that it stopped, so that an
// operator reading journalctl sees a stop asked for apart from a crash.
// (Found by an operator's review: a SIGTERM logged nothing.)
func TestServeLogsItsStop(t *testing.T) {
	env := map[string]string{"NABIJ_DATA": t.TempDir(), "NABIJ_METRICS_ADDR": "127.0.0.1:0"}
	var out, errOut syncBuffer
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &out, &errOut)
	}()
	eventually(t, "nabij listening", func() bool { return strings.Contains(errOut.String(), "nabij listening") })
	stop() // as a SIGTERM does (serve's context)
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	log := errOut.String()
	if !strings.Contains(log, "nabij stopping") || !strings.Contains(log, "nabij stopped") || strings.Index(log, "nabij stopping") > strings.Index(log, "nabij stopped") {
		t.Errorf("the log does not say serve stops and stopped:\n%s", log)
	}
}
