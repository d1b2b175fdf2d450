package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/alerts/twilio"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/voice"
)

// Recording by phone: fields refused before any call, no call without a
// voice number, and a session that ends after PhoneRecordingTTL or once
// used. The calls go to the Twilio stand-in, with a service that answers
// nothing (the webhooks are cmd/nabij's test).
func TestRecordByPhoneSessions(t *testing.T) {
	ts := newTestSchool(t)
	admin := ts.user("B. Beheer", school.RoleAdmin)
	if _, err := ts.svc.RecordByPhone(ts.ctx, admin, "ti", voice.KindAbsent, "M.", "+31612349001"); !errors.Is(err, ErrNoRecordingCalls) {
		t.Errorf("without a voice number: %v", err)
	}
	tw := twiliotest.NewServer("AC00000000000000000000000000000001", "token0000000000000000000000000001")
	t.Cleanup(tw.Close)
	tw.ScriptCall("+31612349001", twiliotest.CallScript{Outcome: twiliotest.CallNoAnswer})
	sender, err := twilio.New(twilio.Config{AccountSID: "AC00000000000000000000000000000001", AuthToken: "token0000000000000000000000000001",
		From: "+3197010000001", APIURL: tw.URL(), VoiceFrom: "+3197010000009", RecordURL: "http://127.0.0.1:1/webhooks/twilio/record"})
	if err != nil {
		t.Fatal(err)
	}
	ts.svc.RecordingCaller = sender

	var ve *school.ValidationError
	if _, err := ts.svc.RecordByPhone(ts.ctx, admin, "xx", "hymn", "", "112"); !errors.As(err, &ve) || len(ve.Details) != 4 {
		t.Errorf("four bad fields: %v", err)
	}
	// A landline: the refusal keeps the problem's id, for the admin page to
	// say it in its own language.
	if _, err := ts.svc.RecordByPhone(ts.ctx, admin, "ti", voice.KindAbsent, "M.", "0501234567"); !errors.As(err, &ve) || len(ve.Details) != 1 ||
		ve.Details[0].Problem == nil || ve.Details[0].Problem.ID != "phone_landline" {
		t.Errorf("a landline: %v", err)
	}
	if _, err := ts.svc.RecordByPhone(ts.ctx, ts.coord, "ti", voice.KindAbsent, "M.", "+31612349001"); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("a coordinator recorded: %v", err)
	}
	if n := tw.CallRequests(); n != 0 {
		t.Fatalf("%d calls placed for refused asks", n)
	}
	s, err := ts.svc.RecordByPhone(ts.ctx, admin, "ti", voice.KindAbsent, " M. ", "06 1234 9001")
	if err != nil {
		t.Fatal(err)
	}
	if s.Phone != "+31612349001" || s.SpokenBy != "M." || s.CallSID == "" || tw.CallRequests() != 1 {
		t.Errorf("the session %+v", s)
	}
	token := callToken(t, tw, s.CallSID)
	if got, ok := ts.svc.RecordingPrompt(token); !ok || got.ID != s.ID {
		t.Fatalf("the prompt of a live session: %+v %v", got, ok)
	}

	// A second session is used once: a recording from a host that is not
	// Twilio's is refused and ends it all the same.
	tw.ScriptCall("+31612349002", twiliotest.CallScript{Outcome: twiliotest.CallNoAnswer})
	s2, err := ts.svc.RecordByPhone(ts.ctx, admin, "ti", voice.KindLate, "M.", "+31612349002")
	if err != nil {
		t.Fatal(err)
	}
	token2 := callToken(t, tw, s2.CallSID)
	if _, err := ts.svc.PhoneRecordingDone(ts.ctx, token2, "https://recordings.example/x"); err == nil || errors.Is(err, school.ErrNotFound) {
		t.Errorf("a recording from another host: %v", err)
	}
	if _, err := ts.svc.PhoneRecordingDone(ts.ctx, token2, tw.URL()+"/x"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("a session used twice: %v", err)
	}
	if _, ok := ts.svc.RecordingPrompt(token2); ok {
		t.Error("a used session still prompts")
	}

	ts.now = ts.now.Add(PhoneRecordingTTL)
	if _, ok := ts.svc.RecordingPrompt(token); ok {
		t.Error("a session outlived PhoneRecordingTTL")
	}
	if _, err := ts.svc.PhoneRecordingDone(ts.ctx, token, tw.URL()+"/x"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("a recording on an expired session: %v", err)
	}
}

// callToken is the session token in the TwiML URL of the recording call
// sid, as Twilio has it.
func callToken(t *testing.T, tw *twiliotest.Server, sid string) string {
	t.Helper()
	c, ok := tw.CallBySID(sid)
	if !ok {
		t.Fatalf("no call %s at the stand-in", sid)
	}
	return c.URL[strings.LastIndex(c.URL, "/")+1:]
}
