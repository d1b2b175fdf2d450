package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/voice/voicetest"
)

// TestAdminRecordsAMessageByPhone: the admin asks nabij to call her phone
// to record the Tigrinya absence message. The stand-in answers, hears what
// to speak (in Dutch), records 6 seconds and presses #; nabij fetches the
// recording from the stand-in with the account's credentials, checks it
// and keeps it, made by phone and spoken by whom she said, and tells her
// so on the call. The session records once. A second try that records
// silence is refused, and the call says why.
func TestAdminRecordsAMessageByPhone(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_TWILIO_VOICE_FROM": "+3197010000009"})
	const admin = "+31612349001"
	h.twilio.ScriptCall(admin, twiliotest.CallScript{Recordings: []twiliotest.Recording{
		{Audio: voicetest.Tone(6*time.Second, 8000, 16, -6), Duration: 6, Digits: "#"}}})
	ask := `{"language":"ti","kind":"absent","spoken_by":"Mehret T.","phone":"+31612349001"}`
	var session struct{ ID, Status string }
	h.mustCall(202, "POST", "/api/v1/recordings/calls", adminToken, ask, &session)
	if session.ID == "" || session.Status != "calling" {
		t.Fatalf("the answer %+v", session)
	}
	calls, ok := h.twilio.WaitForCalls(1, 10*time.Second)
	if !ok {
		t.Fatalf("calls %+v", calls)
	}
	c := calls[0]
	if c.To != admin || len(c.Errors) > 0 || len(c.Played) < 2 {
		t.Fatalf("the recording call: %+v", c)
	}
	if !strings.Contains(c.Played[0].Text, "afwezig") || !strings.Contains(c.Played[0].Text, "Tigrinya") || c.Played[0].Language != "nl-NL" {
		t.Errorf("the call asked %+v", c.Played[0])
	}
	if last := c.Played[len(c.Played)-1]; !strings.Contains(last.Text, "bewaard") || strings.Contains(last.Text, "niet bewaard") {
		t.Errorf("the call ended with %+v", last)
	}
	var list recordingsJSON
	h.mustCall(200, "GET", "/api/v1/recordings", adminToken, nil, &list)
	if len(list.Recordings) != 1 || list.Recordings[0].Source != "phone" || list.Recordings[0].SpokenBy != "Mehret T." ||
		list.Recordings[0].Language != "ti" || list.uses()["ti absent"] != "recording" {
		t.Fatalf("the recordings after the call: %+v", list)
	}
	// The session records once: Twilio's post again (signed) finds nothing.
	var done url.Values
	for _, r := range c.Requests {
		if strings.HasSuffix(r.URL, "/done") {
			done = r.Params
			if code := h.postWebhook(strings.TrimPrefix(r.URL, h.url), r.Params, authToken); code != 404 {
				t.Errorf("a second recording on one session: %d, want 404", code)
			}
		}
	}
	if done == nil {
		t.Fatal("the stand-in posted no recording")
	}

	// Silence: refused, and the admin hears why; the recording before stays.
	h.twilio.ScriptCall(admin, twiliotest.CallScript{Recordings: []twiliotest.Recording{
		{Audio: voicetest.Tone(6*time.Second, 8000, 16, -60), Duration: 6, Digits: "#"}}})
	h.mustCall(202, "POST", "/api/v1/recordings/calls", adminToken, ask, &session)
	calls, ok = h.twilio.WaitForCalls(2, 10*time.Second)
	if !ok {
		t.Fatalf("calls %+v", calls)
	}
	heard := ""
	for _, p := range calls[1].Played {
		heard += p.Text + " | "
	}
	if !strings.Contains(heard, "niet bewaard") || !strings.Contains(heard, "nothing audible") {
		t.Errorf("after a silent recording the call said %q", heard)
	}
	h.mustCall(200, "GET", "/api/v1/recordings", adminToken, nil, &list)
	if len(list.Recordings) != 1 || list.Recordings[0].Source != "phone" {
		t.Errorf("a refused recording changed the recordings: %+v", list.Recordings)
	}
	// Refusals place no call.
	h.mustCall(422, "POST", "/api/v1/recordings/calls", adminToken, `{"language":"ti","kind":"absent","spoken_by":"M.","phone":"112"}`, nil)
	if n := len(h.twilio.Calls()); n != 2 {
		t.Errorf("%d calls after a refused ask", n)
	}
}
