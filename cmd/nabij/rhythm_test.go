package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// The jobs of the school day's rhythm, run as the rhythm runs them.
func TestDeadlineTasksAndDigest(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentorA := h.createUser("A. de Vries", "mentor", "1A")
	mentorB := h.createUser("B. Bakker", "mentor", "1B")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentorA, `{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1003", "kind": "late", "minutes": 10}]}`, nil)

	monday := school.Date{Year: 2026, Month: 11, Day: 30}
	ctx := context.Background()
	for range 2 { // the job may run twice (a restart): one task per class and day
		missing, err := h.srv.svc.MissingLists(ctx, monday)
		if err != nil || len(missing) != 1 || missing[0] != "1B" {
			t.Fatalf("missing lists = %v, %v; want [1B]", missing, err)
		}
	}
	type task struct{ Kind, Class, Reason string }
	var tasks []task
	h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
	if len(tasks) != 1 || tasks[0].Kind != "missing_list" || tasks[0].Class != "1B" || !strings.Contains(tasks[0].Reason, "08:45") {
		t.Errorf("coordinator's tasks = %+v", tasks)
	}
	h.mustCall(200, "GET", "/api/v1/tasks", mentorB, nil, &tasks)
	if len(tasks) != 1 {
		t.Errorf("the mentor of 1B sees %d tasks, want their class's one", len(tasks))
	}
	h.mustCall(200, "GET", "/api/v1/tasks", mentorA, nil, &tasks)
	if len(tasks) != 0 {
		t.Errorf("the mentor of 1A sees another class's task: %+v", tasks)
	}

	if _, err := h.srv.svc.MorningDigest(ctx, monday); err != nil {
		t.Fatal(err)
	}
	var digest struct {
		Posted  []string `json:"classes_posted"`
		Missing []string `json:"classes_missing"`
		Absent  int      `json:"absent"`
		Late    int      `json:"late"`
		Tasks   int      `json:"open_tasks"`
	}
	h.mustCall(200, "GET", "/api/v1/digest?date=2026-11-30", coord, nil, &digest)
	if len(digest.Posted) != 1 || len(digest.Missing) != 1 || digest.Absent != 1 || digest.Late != 1 || digest.Tasks != 1 {
		t.Errorf("digest = %+v", digest)
	}
	h.mustCall(403, "GET", "/api/v1/digest?date=2026-11-30", mentorA, nil, nil)
}

func TestABadProtocolFileIsRefusedAtStart(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "protocol.toml")
	bad := strings.Replace(string(mustRead(t, "../../protocol/default.toml")), `level = "mentor"`, `level = "directeur"`, 1)
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NABIJ_PROTOCOL": file, "NABIJ_DATA": t.TempDir(), "NABIJ_ADDR": "127.0.0.1:0"}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, &out, &errOut)
	// 2, an error of the configuration, which the systemd unit does not
	// restart (RestartPreventExitStatus=2); config check refuses it too.
	// (Found by an operator's review: serve exited 1, config check said
	// the configuration was valid.)
	if code != 2 || !strings.Contains(errOut.String(), "line ") || !strings.Contains(errOut.String(), "directeur") {
		t.Errorf("serve with a bad protocol: exit %d, %q", code, errOut.String())
	}
	for _, f := range []string{file, filepath.Join(t.TempDir(), "missing.toml")} {
		env["NABIJ_PROTOCOL"] = f
		out.Reset()
		if code := run(context.Background(), []string{"config", "check"}, func(k string) string { return env[k] }, &out, &errOut); code != 1 {
			t.Errorf("config check with NABIJ_PROTOCOL=%s: exit %d, want 1 (%s)", filepath.Base(f), code, out.String())
		}
	}
}

// A sweep missed while nabij was down runs when it starts again: the case
// of Monday's absence opens on Tuesday morning, not a day late.
func TestAMissedSweepRunsAtStart(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	h := startHarness(t, map[string]string{"NABIJ_DATA": data})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	// Monday's list: a whole day absent reaches the 6-hour rule, which the
	// end-of-day sweep counts (a list counts the days before its own).
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	var open []escalationJSON
	h.mustCall(200, "GET", "/api/v1/escalations?status=open", coord, nil, &open)
	if len(open) != 0 {
		t.Fatalf("cases before the day's sweep: %+v", open)
	}
	if err := h.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Down through Monday's sweep at 17:00; up again on Tuesday morning.
	h2 := startHarness(t, map[string]string{"NABIJ_DATA": data, "NABIJ_CLOCK": monday.AddDate(0, 0, 1).Format(time.RFC3339)})
	eventually(t, "the 6-hour case of Monday", func() bool {
		h2.mustCall(200, "GET", "/api/v1/escalations?status=open", coord, nil, &open)
		return len(open) == 1 && open[0].Rule == "ongeoorloofd-6u" && open[0].Facts.ThresholdDay == "2026-11-30"
	})
	if !strings.Contains(h2.logs.String(), "catch-up sweep at start opened cases") {
		t.Errorf("the start's sweep did not say it opened a missed case")
	}
}
