package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/voice/voicetest"
)

// callRoster: two families who cannot read, reached by a phone call in
// Dutch (the speech engine's): Sami's mother, who answers, and Mila's
// father, who does not.
const callRoster = `{"classes": [{"id": "1A", "name": "ISK 1A"}],
 "students": [
  {"id": "3001", "name": "Sami R.", "class": "1A", "birth_date": "2011-04-04",
   "contacts": [{"id": "c-3001", "role": "parent", "name": "Moeder R.", "phone": "+31612347001", "language": "nl", "channel": "voice"}]},
  {"id": "3002", "name": "Mila D.", "class": "1A", "birth_date": "2011-05-05",
   "contacts": [{"id": "c-3002", "role": "parent", "name": "Vader D.", "phone": "+31612347002", "language": "nl", "channel": "voice"}]}]}`

// TestFamiliesWhoCannotReadAreCalled: an absence of a pupil whose parent
// cannot read is a phone call, placed through the Twilio stand-in's Calls
// API. The stand-in fetches nabij's TwiML (signed), checks it is TwiML as
// Twilio documents it, hears the message in Dutch without the pupil's
// name, and presses 1: Sami is sick, reported by his mother, and the
// message says "answered, 1". Mila's father does not answer: one more call
// 15 minutes later, unanswered too, and the coordinator's "call now" task
// names both tries. No text message is sent to either.
func TestFamiliesWhoCannotReadAreCalled(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: monday}
	h := startHarnessWith(t, map[string]string{"NABIJ_TWILIO_VOICE_FROM": "+3197010000009"}, func(c *config) { c.now = clock.Now })
	h.twilio.ScriptCall("+31612347001", twiliotest.CallScript{Keys: []string{"1"}})
	h.twilio.ScriptCall("+31612347002", twiliotest.CallScript{Outcome: twiliotest.CallNoAnswer})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, callRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor,
		`{"absences": [{"student": "3001", "kind": "absent"}, {"student": "3002", "kind": "absent"}]}`, nil)

	calls, ok := h.twilio.WaitForCalls(2, 10*time.Second)
	if !ok {
		t.Fatalf("%d calls done, want 2: %+v", len(calls), calls)
	}
	byTo := map[string]twiliotest.Call{}
	for _, c := range calls {
		byTo[c.To] = c
		if len(c.Errors) > 0 {
			t.Errorf("the call to %s met TwiML errors: %+v", c.To, c.Errors)
		}
		if c.From != "+3197010000009" || c.MachineDetection != "DetectMessageEnd" {
			t.Errorf("call %+v", c)
		}
	}
	mother := byTo["+31612347001"]
	if mother.Status != "completed" || strings.Join(mother.Keys, "") != "1" || len(mother.Played) < 2 {
		t.Fatalf("the mother's call: %+v", mother)
	}
	said := mother.Played[0]
	if said.Verb != "Say" || said.Language != "nl-NL" || !strings.Contains(said.Text, "Druk dan op 1") || strings.Contains(said.Text, "Sami") {
		t.Errorf("the call said %+v", said)
	}
	if last := mother.Played[len(mother.Played)-1]; !strings.Contains(last.Text, "Dank u wel") {
		t.Errorf("after key 1 the call said %+v", last)
	}
	if k, by := h.entry(coord, "1A", "3001"); k != "sick" || by != "c-3001" {
		t.Errorf("after key 1 Sami is %s (reported by %q), want sick by c-3001", k, by)
	}
	callOf := func(student string) []callJSON {
		var msgs []callJSON
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30&student="+student, coord, nil, &msgs)
		return msgs
	}
	eventually(t, "the mother's call to be answered, 1", func() bool {
		m := callOf("3001")
		return len(m) == 1 && m[0].Status == "delivered" && m[0].Call != nil && m[0].Call.Outcome == "answered" && m[0].Call.Keys == "1"
	})

	// Mila's father: no answer, tried once more after 15 minutes.
	eventually(t, "a second call to Mila's father, queued", func() bool {
		m := callOf("3002")
		return len(m) == 2 && m[0].Status == "failed" && m[1].Status == "queued" && m[1].RetryOf == m[0].ID
	})
	if n := len(h.twilio.Calls()); n != 2 {
		t.Fatalf("%d calls before the 15 minutes passed", n)
	}
	clock.Set(clock.Now().Add(16 * time.Minute))
	h.srv.dispatcher.Wake()
	if calls, ok := h.twilio.WaitForCalls(3, 10*time.Second); !ok {
		t.Fatalf("%d calls done, want 3", len(calls))
	}
	var tasks []struct {
		Kind, Student string
		Tried         []string
	}
	eventually(t, "the call-now task for Mila", func() bool {
		h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
		return len(tasks) == 1
	})
	if tasks[0].Kind != "unreachable" || tasks[0].Student != "3002" || len(tasks[0].Tried) != 2 ||
		tasks[0].Tried[0] != "parent c-3002 by phone, try 1: no-answer" || tasks[0].Tried[1] != "parent c-3002 by phone, try 2: no-answer" {
		t.Errorf("the task: %+v", tasks[0])
	}
	if n := len(h.twilio.Messages()); n != 0 {
		t.Errorf("%d text messages to families who cannot read", n)
	}
	if n := len(h.twilio.Calls()); n != 3 {
		t.Errorf("%d calls, want 3: nothing is tried a third time", n)
	}
}

// callJSON is a message of GET /api/v1/messages with its call.
type callJSON struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	RetryOf string `json:"retry_of"`
	Call    *struct {
		Try     int    `json:"try"`
		Outcome string `json:"outcome"`
		Keys    string `json:"keys"`
	} `json:"call"`
}

// TestACorrectedCall: a list corrected inside the hold calls no one; a
// correction after the call (here left on voicemail) is a short apology
// call, which asks for no key.
func TestACorrectedCall(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: monday}
	h := startHarnessWith(t, map[string]string{"NABIJ_TWILIO_VOICE_FROM": "+3197010000009", "NABIJ_HOLD": "2m"},
		func(c *config) { c.now = clock.Now })
	h.twilio.ScriptCall("+31612347001", twiliotest.CallScript{Outcome: twiliotest.CallMachine})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, callRoster, nil)
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	pastTheHold := func() {
		clock.Set(clock.Now().Add(2*time.Minute + time.Second))
		h.srv.dispatcher.Wake()
	}
	list := func(body string) {
		h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, body, nil)
	}
	// Inside the hold: Mila was there after all. No call.
	list(`{"absences": [{"student": "3002", "kind": "absent"}]}`)
	list(`{"absences": []}`)
	// Sami's absence goes out: voicemail takes it.
	list(`{"absences": [{"student": "3001", "kind": "absent"}]}`)
	pastTheHold()
	if calls, ok := h.twilio.WaitForCalls(1, 10*time.Second); !ok || calls[0].AnsweredBy != "machine_end_beep" {
		t.Fatalf("calls %+v", calls)
	}
	// He came in late after all: an apology call.
	list(`{"absences": []}`)
	pastTheHold()
	calls, ok := h.twilio.WaitForCalls(2, 10*time.Second)
	if !ok {
		t.Fatalf("%d calls, want the apology", len(calls))
	}
	for _, c := range calls {
		if c.To != "+31612347001" {
			t.Errorf("a call to %s, whose absence was corrected inside the hold", c.To)
		}
		if len(c.Errors) > 0 || len(c.Keys) > 0 {
			t.Errorf("call %+v", c)
		}
	}
	var sorry twiliotest.Call
	for _, c := range calls {
		if len(c.Played) > 0 && strings.Contains(c.Played[0].Text, "Sorry, onze fout") {
			sorry = c
		}
	}
	if sorry.SID == "" || len(sorry.Played) != 1 {
		t.Errorf("no apology call of one sentence: %+v", calls)
	}
}

// TestALostAnswerPlacesNoSecondCall: Twilio takes the call but its answer
// to nabij is lost (the stand-in never answers the create). The phone is
// answered at once and the mother presses 1 before nabij knows the call's
// SID: her webhooks are heard all the same (the message takes the SID from
// the first signed one), and the send that ended without an answer is
// looked up in the calls list, never placed again.
func TestALostAnswerPlacesNoSecondCall(t *testing.T) {
	t.Parallel()
	h := startHarnessWith(t, map[string]string{"NABIJ_TWILIO_VOICE_FROM": "+3197010000009", "NABIJ_RETRY_BACKOFF": "100ms"},
		func(c *config) { c.Twilio.Timeout = 500 * time.Millisecond })
	h.twilio.StallNext(1, true)
	h.twilio.ScriptCall("+31612347001", twiliotest.CallScript{Keys: []string{"1"}})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, callRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "3001", "kind": "absent"}]}`, nil)
	calls, ok := h.twilio.WaitForCalls(1, 10*time.Second)
	if !ok || len(calls[0].Errors) > 0 || strings.Join(calls[0].Keys, "") != "1" {
		t.Fatalf("the call: %+v", calls)
	}
	eventually(t, "the call recorded, answered with 1", func() bool {
		var msgs []callJSON
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30&student=3001", coord, nil, &msgs)
		return len(msgs) == 1 && msgs[0].Status == "delivered" && msgs[0].Call != nil && msgs[0].Call.Keys == "1"
	})
	h.idle(coord)
	if n := h.twilio.CallRequests(); n != 1 {
		t.Errorf("%d call requests: the call was placed again", n)
	}
	if k, by := h.entry(coord, "1A", "3001"); k != "sick" || by != "c-3001" {
		t.Errorf("Sami is %s (by %q)", k, by)
	}
}

// TestATigrinyaMotherHearsTheSchoolsRecording is the issue's own case: a
// Tigrinya-speaking mother who cannot read, reached by phone, and a
// recording of the message in Tigrinya the school uploaded (no speech
// engine speaks Tigrinya; without it her son's absence is a "call now"
// task at once, app's TestNoCallInALanguageNabijCannotSpeak). With it, his
// absence leads to one call after the hold; the stand-in fetches the TwiML, plays the recording from its
// signed link (an audio file, fetched without a password), and presses 1:
// her son is sick, reported by her, and the board says "called, answered,
// key 1". She is then thanked in Tigrinya, by the school's thanks recording.
func TestATigrinyaMotherHearsTheSchoolsRecording(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: monday}
	h := startHarnessWith(t, map[string]string{"NABIJ_TWILIO_VOICE_FROM": "+3197010000009", "NABIJ_HOLD": "2m"},
		func(c *config) { c.now = clock.Now })
	h.twilio.ScriptCall("+31612347003", twiliotest.CallScript{Keys: []string{"1"}})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, `{"classes": [{"id": "1A", "name": "ISK 1A"}],
 "students": [{"id": "3003", "name": "Amanuel T.", "class": "1A", "birth_date": "2011-06-06", "gender": "m",
   "contacts": [{"id": "c-3003", "role": "parent", "name": "Moeder T.", "phone": "+31612347003", "language": "ti", "channel": "voice"}]}]}`, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	for _, kind := range []string{"absent", "thanks"} {
		if code, body := h.uploadRecording(adminToken, "ti", kind, "Mehret T.", kind+".wav", voicetest.Tone(6*time.Second, 8000, 16, -6)); code != 201 {
			t.Fatalf("upload %s: %d %s", kind, code, body)
		}
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "3003", "kind": "absent"}]}`, nil)
	if n := len(h.twilio.Calls()); n != 0 {
		t.Fatalf("%d calls inside the hold", n)
	}
	clock.Set(clock.Now().Add(2*time.Minute + time.Second))
	h.srv.dispatcher.Wake()
	calls, ok := h.twilio.WaitForCalls(1, 10*time.Second)
	if !ok || len(calls) != 1 {
		t.Fatalf("calls %+v", calls)
	}
	c := calls[0]
	if len(c.Errors) > 0 || strings.Join(c.Keys, "") != "1" || len(c.Played) < 2 {
		t.Fatalf("the call: %+v", c)
	}
	for _, p := range c.Played {
		if p.Verb != "Play" || !strings.HasPrefix(p.URL, h.url+"/media/voice/") {
			t.Errorf("the call played %+v, want the school's recording", p)
		}
	}
	// The link is the recording's: an audio file anyone with the link gets,
	// and no list of recordings is reachable beside it.
	resp, err := http.Get(c.Played[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" {
		t.Errorf("the recording's link: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, err := http.Get(h.url + "/media/voice/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("/media/voice/ lists something")
		}
	}
	if k, by := h.entry(coord, "1A", "3003"); k != "sick" || by != "c-3003" {
		t.Errorf("after key 1 Amanuel is %s (reported by %q), want sick by c-3003", k, by)
	}
	eventually(t, "the call answered, 1", func() bool {
		var msgs []callJSON
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30&student=3003", coord, nil, &msgs)
		return len(msgs) == 1 && msgs[0].Status == "delivered" && msgs[0].Call != nil && msgs[0].Call.Outcome == "answered"
	})
	s := newStaff(h)
	if code := s.signIn(h.signInLink(h.userID("C. Jansen"))); code >= 400 {
		t.Fatalf("sign in: %d", code)
	}
	if code, board := s.get("/board?lang=en"); code != 200 || !strings.Contains(board, "called, answered, key 1") {
		t.Errorf("the board (%d) does not say the call was answered with key 1", code)
	}
}
