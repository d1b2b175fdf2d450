package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimulateReplaysHistoryThroughAnotherProtocol(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	h := startHarness(t, map[string]string{"NABIJ_DATA": data})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	for _, d := range []string{"2026-11-23", "2026-11-24"} {
		h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/"+d, coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	}
	env := map[string]string{"NABIJ_DATA": data}
	getenv := func(k string) string { return env[k] }

	// While the service runs, the store is locked: a clear refusal.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"simulate", "--from", "2026-11-01", "--to", "2026-11-30"}, getenv, &out, &errOut); code == 0 ||
		!strings.Contains(errOut.String(), "in use") {
		t.Errorf("simulate on a running store: exit %d, %q", code, errOut.String())
	}
	if err := h.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	// 12 hours in 2 days: below the default 16, above a stricter 12.
	strict := strings.Replace(string(mustRead(t, "../../protocol/default.toml")), "threshold = 16\nweeks = 4\nwindow = \"rolling\"\nmax_age = 17", "threshold = 12\nweeks = 4\nwindow = \"rolling\"\nmax_age = 17", 1)
	file := filepath.Join(t.TempDir(), "strict.toml")
	if err := os.WriteFile(file, []byte(strict), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		args    []string
		want    []string
		wantNot string
	}{
		"default": {[]string{"--from", "2026-11-01", "--to", "2026-11-30"},
			[]string{"pupil 1001", "= 2026-11-23  verzuimcoordinator ongeoorloofd-6u"}, "leerplicht-16u-4w"},
		"stricter": {[]string{"--from", "2026-11-01", "--to", "2026-11-30", "--protocol", file},
			[]string{"  2026-11-24  leerplicht         leerplicht-16u-4w", "12 lesuren"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			out.Reset()
			errOut.Reset()
			if code := run(context.Background(), append([]string{"simulate"}, tc.args...), getenv, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tc.wantNot != "" && strings.Contains(out.String(), tc.wantNot) {
				t.Errorf("output has %q:\n%s", tc.wantNot, out.String())
			}
		})
	}
	if code := run(context.Background(), []string{"simulate", "--from", "2026-11-30", "--to", "2026-11-01"}, getenv, &out, &errOut); code != 2 {
		t.Errorf("a reversed period: exit %d, want 2", code)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
