package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/internal/pgtest"
)

// TestPgDumpRestores is the README's backup and restore on PostgreSQL:
// pg_dump -Fc of a running nabij's database, pg_restore into a new empty
// one, and nabij on the restored database answers the lists, messages and
// cases of the one backed up.
func TestPgDumpRestores(t *testing.T) {
	t.Parallel()
	db := postgresDatabase(t)
	h := startHarness(t, map[string]string{"NABIJ_DATABASE_URL": db, "NABIJ_CLOCK": "2026-11-30T08:50:00+01:00"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	for _, d := range []string{"2026-11-24", "2026-11-25", "2026-11-26", "2026-11-30"} {
		h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/"+d, coord, `{"absences": [{"student": "2001", "kind": "absent"}]}`, nil)
	}
	h.waitForMessages(coord, "no message sending", func(m messageJSON) bool { return m.Status != "sending" })
	read := func(h *harness) (lists, messages, cases string) {
		var l, m, c any
		h.mustCall(200, "GET", "/api/v1/classes/1B/absences/2026-11-26", coord, nil, &l)
		var ms []messageJSON
		h.mustCall(200, "GET", "/api/v1/messages", coord, nil, &ms)
		for i := range ms {
			ms[i].Status = "" // may move on between the dump and the read
		}
		m = ms
		h.mustCall(200, "GET", "/api/v1/escalations", coord, nil, &c)
		return mustJSON(t, l), mustJSON(t, m), mustJSON(t, c)
	}
	l1, m1, c1 := read(h)
	if !strings.Contains(c1, `"student":"2001"`) || !strings.Contains(m1, `"student":"2001"`) {
		t.Fatalf("nothing to back up: cases %s, messages %.200s", c1, m1)
	}

	// Backed up while nabij runs: pg_dump reads one snapshot.
	dump := filepath.Join(t.TempDir(), "nabij.dump")
	if out, err := exec.Command(filepath.Join(pgtest.Bin(), "pg_dump"), "-Fc", "-f", dump, "-d", db).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	restored := postgresDatabase(t)
	if out, err := exec.Command(filepath.Join(pgtest.Bin(), "pg_restore"), "--no-owner", "-d", restored, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	if info, err := os.Stat(dump); err != nil || info.Size() == 0 {
		t.Fatalf("the dump: %v", err)
	}
	// The README's step after pg_restore: the messages that waited in the
	// dump are looked up before they are sent (here none waited).
	env := map[string]string{"NABIJ_DATABASE_URL": restored, "NABIJ_ADMIN_TOKEN": adminToken}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"restore", "--after-pg-restore"}, func(k string) string { return env[k] }, &out, &errOut); code != 0 || !strings.Contains(out.String(), "ready for nabij") {
		t.Fatalf("nabij restore --after-pg-restore: exit %d, %q %q", code, out.String(), errOut.String())
	}
	r := startHarness(t, map[string]string{"NABIJ_DATABASE_URL": restored, "NABIJ_CLOCK": "2026-11-30T08:50:00+01:00"})
	l2, m2, c2 := read(r)
	if l1 != l2 || m1 != m2 || c1 != c2 {
		t.Errorf("the restored database answers otherwise:\nlist %s\n  vs %s\nmessages %s\n  vs %s\ncases %s\n  vs %s", l2, l1, m2, m1, c2, c1)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
