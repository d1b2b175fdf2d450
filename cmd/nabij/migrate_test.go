package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestMigrateMovesTheDemoSchool: the demo school on bbolt, with lists of
// four days, the messages they made and the case they opened, is moved by
// `nabij migrate` into an empty PostgreSQL database; nabij started on that
// database answers every list, every message and every case as it did on
// bbolt. A second migrate into the same database is refused and changes
// nothing.
func TestMigrateMovesTheDemoSchool(t *testing.T) {
	t.Parallel()
	db := postgresDatabase(t)
	data := t.TempDir()
	h := startHarness(t, map[string]string{"NABIJ_DATA": data})
	if err := h.srv.svc.ReplaceRoster(context.Background(), demoRoster()); err != nil {
		t.Fatal(err)
	}
	coord := h.createUser("C. Jansen", "coordinator")
	var class []string
	for _, s := range demoRoster().Students {
		if s.Class == "1A" {
			class = append(class, s.ID)
		}
	}
	days := []string{"2026-11-24", "2026-11-25", "2026-11-26", "2026-11-30"}
	for _, d := range days {
		body := fmt.Sprintf(`{"absences": [{"student": %q, "kind": "absent"}, {"student": %q, "kind": "late", "minutes": 20}]}`, class[0], class[1])
		h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/"+d, coord, body, nil)
	}
	// Handed to the stand-in (a message due later stays queued).
	settled := func(h *harness) {
		h.waitForMessages(coord, "no message sending", func(m messageJSON) bool { return m.Status != "sending" })
	}
	settled(h)
	// What the API answers on bbolt, to be answered alike on PostgreSQL.
	answers := func(h *harness) map[string]string {
		out := map[string]string{}
		get := func(path string) {
			var v any
			h.mustCall(200, "GET", path, coord, nil, &v)
			raw, _ := json.Marshal(v)
			out[path] = string(raw)
		}
		for _, d := range days {
			get("/api/v1/classes/1A/absences/" + d)
			// A message as it was made; its status may still move on (a
			// delivery callback) while the store moves.
			var ms []messageJSON
			h.mustCall(200, "GET", "/api/v1/messages?date="+d, coord, nil, &ms)
			for i := range ms {
				ms[i].Status = ""
			}
			raw, _ := json.Marshal(ms)
			out["/api/v1/messages?date="+d] = string(raw)
		}
		get("/api/v1/escalations")
		get("/api/v1/tasks")
		return out
	}
	before := answers(h)
	var cases []map[string]any
	h.mustCall(200, "GET", "/api/v1/escalations", coord, nil, &cases)
	var messages []map[string]any
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &messages)
	if len(cases) == 0 || len(messages) == 0 {
		t.Fatalf("the demo school has %d cases and %d messages on the 30th: nothing to move", len(cases), len(messages))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	migrate := func() (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"migrate", "--from", data, "--to", db}, func(string) string { return "" }, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := migrate()
	if code != 0 {
		t.Fatalf("nabij migrate exited %d: %s%s", code, out, errOut)
	}
	want := fmt.Sprintf("3 classes, %d pupils, 1 staff, %d lists, %d messages, %d cases", len(demoRoster().Students), len(days), countMessages(t, before, days), len(cases))
	if !strings.Contains(out, want) || !strings.Contains(out, "each bucket counted on both sides and equal") {
		t.Errorf("nabij migrate said %q, want it to name %q", out, want)
	}
	if strings.Contains(out, "postgres://") || strings.Contains(out, "host=") {
		t.Errorf("nabij migrate printed the database's URL: %q", out)
	}
	if code, out, errOut := migrate(); code == 0 || !strings.Contains(errOut, "holds a nabij store already") {
		t.Errorf("a second migrate into the same database: exit %d, %q %q", code, out, errOut)
	}

	p := startHarness(t, map[string]string{"NABIJ_DATABASE_URL": db})
	after := answers(p)
	for path, was := range before {
		if after[path] != was {
			t.Errorf("GET %s on PostgreSQL:\n%s\non bbolt:\n%s", path, after[path], was)
		}
	}
	// The moved store goes on: a new list on PostgreSQL reaches the family.
	p.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord,
		fmt.Sprintf(`{"absences": [{"student": %q, "kind": "absent"}, {"student": %q, "kind": "late", "minutes": 20}, {"student": %q, "kind": "absent"}]}`, class[0], class[1], class[2]), nil)
	settled(p)
	var now []map[string]any
	p.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30&student="+class[2], coord, nil, &now)
	if len(now) == 0 {
		t.Error("a list posted after the move made no message")
	}
}

// countMessages is the messages of days in the answers taken.
func countMessages(t *testing.T, answers map[string]string, days []string) int {
	t.Helper()
	n := 0
	for _, d := range days {
		var ms []any
		if err := json.Unmarshal([]byte(answers["/api/v1/messages?date="+d]), &ms); err != nil {
			t.Fatal(err)
		}
		n += len(ms)
	}
	return n
}
