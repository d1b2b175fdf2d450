package main

import (
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

const fiveAbsent = `{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"},
	{"student": "1003", "kind": "absent"}, {"student": "1005", "kind": "absent"}]}`

// Twilio answers 503 and 429 for a while: afterwards every message is
// delivered, once.
func TestOutageLosesNothingAndSendsNothingTwice(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "NABIJ_RETRY_BACKOFF": "50ms"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.twilio.FailNext(8, twiliotest.Failure503)
	h.twilio.FailNext(8, twiliotest.Failure429)
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, fiveAbsent, nil)
	got, ok := h.twilio.WaitForMessages(4, 20*time.Second)
	if !ok {
		t.Fatalf("after the outage %d of 4 messages arrived", len(got))
	}
	h.settled(coord) // a retry still to come would be queued
	got = h.twilio.Messages()
	seen := map[string]int{}
	for _, m := range got {
		seen[m.To]++
	}
	if len(got) != 4 || len(seen) != 4 {
		t.Errorf("the stand-in accepted %d messages to %d numbers, want 4 to 4: %v", len(got), len(seen), seen)
	}
	if n := h.twilio.Requests(); n != 4+16 {
		t.Errorf("%d requests, want the 16 refused and the 4 accepted", n)
	}

	// Reach: per language and channel, what was sent, delivered and replied.
	eventually(t, "all delivered", func() bool {
		var msgs []messageJSON
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
		for _, m := range msgs {
			if m.Status != "delivered" {
				return false
			}
		}
		return len(msgs) == 4
	})
	h.reply("+31612345103", "2")
	var reach struct {
		Rows []struct {
			Language, Channel                      string
			Sent, Delivered, Read, Replied, Failed int
		}
	}
	eventually(t, "the reply counted", func() bool {
		h.mustCall(200, "GET", "/api/v1/reach?from=2026-11-30&to=2026-11-30", coord, nil, &reach)
		for _, r := range reach.Rows {
			if r.Language == "uk" && r.Replied == 1 {
				return true
			}
		}
		return false
	})
	want := map[string]bool{"ti/sms": true, "ar/whatsapp": true, "uk/sms": true, "nl/whatsapp": true}
	for _, r := range reach.Rows {
		if !want[r.Language+"/"+r.Channel] || r.Sent != 1 || r.Delivered != 1 || r.Failed != 0 {
			t.Errorf("reach row %+v", r)
		}
	}
	if len(reach.Rows) != 4 {
		t.Errorf("%d reach rows, want 4", len(reach.Rows))
	}
	h.mustCall(422, "GET", "/api/v1/reach?from=2026-11-30", coord, nil, nil)
}

// An outage longer than the alerts' validity: nothing arrives late in the
// day; each alert expires and becomes a task.
func TestOutageLongerThanValidityBecomesTasks(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "NABIJ_RETRY_BACKOFF": "50ms", "NABIJ_VALIDITY": "1s"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.twilio.FailNext(1000, twiliotest.Failure503)
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, fiveAbsent, nil)
	eventually(t, "four unreachable tasks", func() bool {
		var tasks []struct{ Kind string }
		h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
		n := 0
		for _, task := range tasks {
			if task.Kind == "unreachable" {
				n++
			}
		}
		return n == 4
	})
	h.twilio.ClearFailures()
	h.settled(coord) // an alert still to be tried would be queued
	if n := len(h.twilio.Messages()); n != 0 {
		t.Errorf("%d expired alerts were still sent", n)
	}
	var msgs []messageJSON
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
	for _, m := range msgs {
		if m.Status != "expired" {
			t.Errorf("message %s is %s, want expired", m.ID, m.Status)
		}
	}
}
