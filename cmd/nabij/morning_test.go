package main

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/translations"
)

func render(t *testing.T, lang, names string) string {
	t.Helper()
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	body, err := cat.Render(lang, "alert_absent", map[string]any{"School": "ISK Test", "Names": names}, 1)
	if err != nil {
		t.Fatal(err)
	}
	hint, err := cat.Render(lang, "alert_reply_hint", nil, -1)
	if err != nil {
		t.Fatal(err)
	}
	return body + " " + hint
}

// TestMorningListReachesFamilies walks issue 2's path end to end: roster,
// users, a mentor's list, Twilio, status callbacks, corrections and refusals.
func TestMorningListReachesFamilies(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.twilio.FailDeliveryTo("whatsapp:+31612345004", "failed", 63016)

	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	otherMentor := h.createUser("B. Bakker", "mentor", "1B")
	coord := h.createUser("C. Jansen", "coordinator")

	list := `{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"},
	                       {"student": "1003", "kind": "late", "minutes": 20}]}`
	var res struct {
		Recorded int `json:"recorded"`
		Alerts   []struct {
			Message, Student, Contact, Channel, Language, Status string
		} `json:"alerts"`
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, list, &res)
	if res.Recorded != 3 || len(res.Alerts) != 4 {
		t.Fatalf("answer: recorded %d, %d alerts %+v; want 3 recorded, 4 alerts", res.Recorded, len(res.Alerts), res.Alerts)
	}

	// Four alerts and one SMS instead of the WhatsApp message that failed with 63016.
	got, ok := h.twilio.WaitForMessages(5, 10*time.Second)
	if !ok {
		t.Fatalf("the stand-in received %d messages, want 5: %+v", len(got), got)
	}
	want := []struct{ to, channel, body string }{
		{"+31612345002", "sms", render(t, "nl", "Amanuel T.")},
		{"+31612345003", "sms", render(t, "ti", "Amanuel T.")},
		{"whatsapp:+31612345001", "whatsapp", render(t, "nl", "Amanuel T.")},
		{"whatsapp:+31612345004", "whatsapp", render(t, "ar", "Layla H.")},
		{"+31612345004", "sms", render(t, "ar", "Layla H.")},
	}
	for _, w := range want {
		n := 0
		for _, m := range got {
			if m.To == w.to && m.Channel == w.channel {
				n++
				if m.Body != w.body {
					t.Errorf("to %s: body %q, want %q", w.to, m.Body, w.body)
				}
				if m.StatusCallback != h.url+"/webhooks/twilio/status" {
					t.Errorf("to %s: status callback %q", w.to, m.StatusCallback)
				}
				wantFrom := "+3197010000001"
				if w.channel == "whatsapp" {
					wantFrom = "whatsapp:+3197010000002"
				}
				if m.From != wantFrom {
					t.Errorf("to %s: from %q, want %q", w.to, m.From, wantFrom)
				}
			}
		}
		if n != 1 {
			t.Errorf("to %s via %s: %d messages, want exactly 1", w.to, w.channel, n)
		}
	}

	messages := func() []messageJSON {
		var out []messageJSON
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &out)
		return out
	}
	// Signed status callbacks from the stand-in reach the API: delivered, and
	// the failed WhatsApp message with its code.
	eventually(t, "delivered statuses and the 63016 failure on GET /api/v1/messages", func() bool {
		var delivered, failed int
		for _, m := range messages() {
			switch {
			case m.Status == "delivered":
				delivered++
			case m.Status == "failed" && m.ErrorCode != nil && *m.ErrorCode == 63016 && m.Channel == "whatsapp":
				failed++
			}
		}
		return delivered == 4 && failed == 1
	})

	// The same list again: no new message row, nothing sent.
	before := len(messages())
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, list, nil)
	// A correction: Amanuel was there after all, Ahmad is absent.
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor,
		`{"absences": [{"student": "1002", "kind": "absent"}, {"student": "1004", "kind": "absent"}]}`, nil)
	// And back: Amanuel's alerts went out already; they are not sent again.
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor,
		`{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"}, {"student": "1004", "kind": "absent"}]}`, nil)
	// Amanuel's alerts had gone out: each of his three contacts gets one
	// apology; no alert is sent again.
	after := messages()
	if len(after) != before+4 {
		t.Fatalf("%d messages after the repeats and corrections, want %d (Ahmad's alert and 3 apologies)", len(after), before+4)
	}
	got, ok = h.twilio.WaitForMessages(9, 10*time.Second)
	if !ok {
		t.Fatalf("the stand-in has %d messages, want 9", len(got))
	}
	h.settled(coord) // a wrong extra send would be queued, or a message not final
	got = h.twilio.Messages()
	if len(got) != 9 {
		t.Errorf("the stand-in has %d messages, want 9: something was sent twice", len(got))
	}
	seen := map[string]int{}
	for _, m := range got {
		seen[m.To+"|"+m.Body]++
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("sent %d times: %s", n, k)
		}
	}
	if seen["+31612345006|"+render(t, "fa-AF", "Ahmad R.")] != 1 {
		t.Errorf("Ahmad's father did not get his alert in Dari")
	}
	cat, _ := translations.Load()
	sorry, _ := cat.Render("ti", "apology", map[string]any{"School": "ISK Test", "Names": "Amanuel T."}, 1)
	if seen["+31612345003|"+sorry] != 1 {
		t.Errorf("Amanuel's mother did not get one apology in Tigrinya")
	}

	// A forged status callback is refused and changes nothing.
	var voogdSID string
	for _, m := range h.twilio.Messages() {
		if m.To == "+31612345002" {
			voogdSID = m.SID
		}
	}
	forged := url.Values{"MessageSid": {voogdSID}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}}
	if code := h.postWebhook("/webhooks/twilio/status", forged, "not-the-token"); code != 403 {
		t.Errorf("forged webhook: %d, want 403", code)
	}
	for _, m := range messages() {
		if m.Contact == "c-1001-1" && m.Status != "delivered" {
			t.Errorf("the voogd's message is %s after a forged callback, want delivered", m.Status)
		}
	}

	// A bad list is 422, names every bad entry, and applies nothing.
	var bad struct {
		Error struct {
			Code    string
			Details []struct{ Field, Message string }
		}
	}
	h.mustCall(422, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor,
		`{"absences": [{"student": "1003", "kind": "absent"}, {"student": "9999", "kind": "absent"}, {"student": "1001", "kind": "gone"}]}`, &bad)
	if len(bad.Error.Details) != 2 || bad.Error.Details[0].Field != "absences[1].student" || bad.Error.Details[1].Field != "absences[2].kind" {
		t.Errorf("422 details = %+v, want absences[1].student and absences[2].kind", bad.Error.Details)
	}
	var current struct {
		Absences []struct{ Student string } `json:"absences"`
	}
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", mentor, nil, &current)
	if len(current.Absences) != 3 {
		t.Errorf("after a refused list the list has %d entries, want the 3 of before", len(current.Absences))
	}

	// A mentor of another class may neither post nor read 1A's list.
	h.mustCall(403, "PUT", "/api/v1/classes/1A/absences/2026-11-30", otherMentor, list, nil)
	h.mustCall(403, "GET", "/api/v1/classes/1A/absences/2026-11-30", otherMentor, nil, nil)
	var theirs []messageJSON
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", otherMentor, nil, &theirs)
	if len(theirs) != 0 {
		t.Errorf("a mentor of 1B sees %d messages about 1A", len(theirs))
	}
}

// A list posted at 16:00 is recorded, sends no "good morning, we miss …"
// in the afternoon, says in its answer that no alert went out and why, and
// the coordinator's digest names the class. With NABIJ_ALERT_UNTIL later
// than the list, the same list alerts as before.
func TestAListAfterSchoolSendsNoAlert(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T16:00:00+01:00"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	coord := h.createUser("C. Jansen", "coordinator")
	var res struct {
		Recorded       int    `json:"recorded"`
		Alerts         []any  `json:"alerts"`
		AlertsWithheld string `json:"alerts_withheld"`
		Note           string `json:"note"`
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor,
		`{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1003", "kind": "late", "minutes": 30}]}`, &res)
	if res.Recorded != 2 || len(res.Alerts) != 0 {
		t.Errorf("a 16:00 list: recorded %d, alerts %+v; want 2 recorded and no alert", res.Recorded, res.Alerts)
	}
	if res.AlertsWithheld != "after_alert_until" || !strings.Contains(res.Note, "12:00") || !strings.Contains(res.Note, "16:00") {
		t.Errorf("the answer says alerts_withheld %q, note %q; want after_alert_until and why", res.AlertsWithheld, res.Note)
	}
	var msgs []messageJSON
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
	if len(msgs) != 0 {
		t.Errorf("a 16:00 list made %d messages: %+v", len(msgs), msgs)
	}
	if k, _ := h.entryOn(coord, "1A", "2026-11-30", "1001"); k != "absent" {
		t.Errorf("the late list was not recorded: Amanuel is %q", k)
	}
	var digest struct {
		LateLists []string `json:"late_lists"`
		Absent    int      `json:"absent"`
	}
	h.mustCall(200, "GET", "/api/v1/digest?date=2026-11-30", coord, nil, &digest)
	if !slices.Contains(digest.LateLists, "1A") || slices.Contains(digest.LateLists, "1B") {
		t.Errorf("the digest's late_lists = %v, want class 1A", digest.LateLists)
	}
	if n := h.twilio.Requests(); n != 0 {
		t.Errorf("%d sends after a 16:00 list", n)
	}

	// A school whose lessons end later says so: the same list alerts.
	h2 := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T16:00:00+01:00", "NABIJ_ALERT_UNTIL": "16:30"})
	h2.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord2 := h2.createUser("C. Jansen", "coordinator")
	res.Alerts, res.AlertsWithheld = nil, ""
	h2.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord2, `{"absences": [{"student": "1003", "kind": "absent"}]}`, &res)
	if len(res.Alerts) != 1 || res.AlertsWithheld != "" {
		t.Errorf("with NABIJ_ALERT_UNTIL=16:30 a 16:00 list: alerts %+v, withheld %q; want the alert", res.Alerts, res.AlertsWithheld)
	}
}
