package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/store"
)

func TestBackupWhileRunningAndRestore(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	h := startHarness(t, map[string]string{"NABIJ_DATA": data})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	for _, d := range []string{"2026-11-23", "2026-11-24", "2026-11-26"} {
		h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/"+d, coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1002", "kind": "absent"}]}`, nil)
	eventually(t, "the alert sent", func() bool { return len(h.twilio.Messages()) == 1 })

	backup := filepath.Join(t.TempDir(), "nabij-backup.db")
	env := map[string]string{"NABIJ_DATA": data, "NABIJ_ADMIN_TOKEN": adminToken}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"backup", backup, "--url", h.url}, getenv, &out, &errOut); code != 0 {
		t.Fatalf("backup while running: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "running service") {
		t.Errorf("backup output %q", out.String())
	}
	// A write after the backup: the live store is now newer. Writes are
	// stamped with the wall clock: the write waits until the clock has
	// passed the backup's last write.
	info, err := store.ReadInfo(backup)
	if err != nil {
		t.Fatal(err)
	}
	for !time.Now().After(info.WrittenAt) {
		time.Sleep(time.Millisecond)
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-27", coord, `{"absences": []}`, nil)
	if code := run(context.Background(), []string{"restore", backup}, getenv, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "in use") {
		t.Errorf("restore over a running service: exit %d, %q", code, errOut.String())
	}
	if err := h.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"restore", backup}, getenv, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "--force") {
		t.Fatalf("restore over a newer store: exit %d, %q", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"restore", backup, "--force"}, getenv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "before-restore") {
		t.Fatalf("restore --force: exit %d, %q %q", code, out.String(), errOut.String())
	}

	// The restored store has every list, message and escalation of the backup.
	h2 := startHarness(t, map[string]string{"NABIJ_DATA": data})
	var list struct{ Absences []struct{ Student string } }
	for _, d := range []string{"2026-11-23", "2026-11-24", "2026-11-26", "2026-11-30"} {
		h2.mustCall(200, "GET", "/api/v1/classes/1A/absences/"+d, coord, nil, &list)
		if len(list.Absences) != 1 {
			t.Errorf("restored list of %s: %+v", d, list)
		}
	}
	var msgs []messageJSON
	h2.mustCall(200, "GET", "/api/v1/messages", coord, nil, &msgs)
	if len(msgs) != 1 {
		t.Errorf("restored messages: %d, want 1", len(msgs))
	}
	var cases []escalationJSON
	h2.mustCall(200, "GET", "/api/v1/escalations", coord, nil, &cases)
	if len(cases) != 2 {
		t.Errorf("restored escalations: %d, want 2", len(cases))
	}
	// Backing up a stopped store reads it directly.
	if err := h2.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(context.Background(), []string{"backup", filepath.Join(t.TempDir(), "b.db")}, getenv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "from "+data) {
		t.Errorf("backup of a stopped store: exit %d, %q %q", code, out.String(), errOut.String())
	}
}

// A backup made while alerts wait in their hold, restored after they went
// out: the restored store holds them as queued, and nothing says they went.
// Each is looked up at Twilio before it is sent, found, and not sent again.
// (Found by an operator's review: every one went to its family twice.)
func TestARestoreSendsNothingTwice(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	h := startHarness(t, map[string]string{"NABIJ_DATA": data, "NABIJ_HOLD": "3s", "NABIJ_CLOCK": "2026-11-30T08:50:00+01:00"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, fiveAbsent, nil)
	backup := filepath.Join(t.TempDir(), "held.db")
	env := map[string]string{"NABIJ_DATA": data, "NABIJ_ADMIN_TOKEN": adminToken}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"backup", backup, "--url", h.url}, getenv, &out, &errOut); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errOut.String())
	}
	if n := len(h.twilio.Messages()); n != 0 {
		t.Fatalf("%d messages sent before the backup: the hold did not hold them", n)
	}
	if _, ok := h.twilio.WaitForMessages(4, 20*time.Second); !ok {
		t.Fatalf("the held alerts were not sent")
	}
	h.settled(coord)
	sent := len(h.twilio.Messages())
	if err := h.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(context.Background(), []string{"restore", backup, "--force"}, getenv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "looked up at Twilio") {
		t.Fatalf("restore: exit %d, %q %q", code, out.String(), errOut.String())
	}
	h2 := startHarness(t, map[string]string{"NABIJ_DATA": data, "NABIJ_TWILIO_API_URL": h.twilio.URL(), "NABIJ_CLOCK": "2026-11-30T08:52:00+01:00"})
	eventually(t, "every restored alert settled", func() bool {
		var msgs []messageJSON
		h2.mustCall(200, "GET", "/api/v1/messages", coord, nil, &msgs)
		for _, m := range msgs {
			if m.Status == "queued" || m.Status == "sending" {
				return false
			}
		}
		return len(msgs) == sent
	})
	if n := len(h.twilio.Messages()); n != sent {
		t.Errorf("Twilio has %d messages after the restore, want the %d sent before it", n, sent)
	}
	if h.twilio.ListRequests() < 1 {
		t.Errorf("no lookup at Twilio")
	}
}
