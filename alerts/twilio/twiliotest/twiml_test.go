package twiliotest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

func TestBadTwiMLEndsTheCall(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"not XML", `<Response><Say>open`, 12100},
		{"two roots", `<Response/><Response/>`, 12100},
		{"root", `<Reply><Say>x</Say></Reply>`, 12200},
		{"unknown verb", `<Response><Dial>+31612345678</Dial></Response>`, 12200},
		{"unknown attribute", `<Response><Say lang="nl-NL">x</Say></Response>`, 12200},
		{"bad value", `<Response><Gather numDigits="one"><Say>x</Say></Gather></Response>`, 12200},
		{"gather child", `<Response><Gather><Redirect>/call</Redirect></Gather></Response>`, 12200},
		{"empty say", `<Response><Say language="nl-NL"> </Say></Response>`, 12200},
		{"relative play", `<Response><Play>/audio/ok.mp3</Play></Response>`, 12200},
		{"text in hangup", `<Response><Hangup>now</Hangup></Response>`, 12200},
	} {
		a.twiml("/call", tc.body)
		got := placed(t, s, rc, a, to)
		if got.Status != "completed" || len(got.Errors) != 1 || got.Errors[0].Code != tc.code || got.Errors[0].URL != a.URL+"/call" ||
			len(got.Played) != 0 || got.Fetches != 1 {
			t.Errorf("%s: %+v", tc.name, got)
		}
	}
	// Not TwiML at all: the wrong type, or an error page.
	a.handle("/call", func(url.Values) (int, string, string) { return 200, "text/html", "<Response/>" })
	if got := placed(t, s, rc, a, to); len(got.Errors) != 1 || got.Errors[0].Code != 12300 {
		t.Errorf("text/html: %+v", got.Errors)
	}
	a.handle("/call", func(url.Values) (int, string, string) { return 500, "text/xml", "<Response/>" })
	if got := placed(t, s, rc, a, to); len(got.Errors) != 1 || got.Errors[0].Code != 11200 || got.Status != "completed" {
		t.Errorf("500: %+v", got)
	}
}

func TestRedirectLoopIsCapped(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	a.twiml("/call", `<Response><Say>Rond.</Say><Redirect>call</Redirect></Response>`)
	got := placed(t, s, rc, a, to)
	if got.Status != "completed" || got.Fetches != 20 || len(a.got("/call")) != 20 || len(got.Errors) != 1 || got.Errors[0].Code != 14106 {
		t.Errorf("loop: status %s fetches %d errors %+v", got.Status, got.Fetches, got.Errors)
	}
}

func TestPlayOfAMissingFileIsSkipped(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	a.twiml("/call", `<Response><Play>`+a.URL+`/audio/expired.mp3</Play><Say>Daarna.</Say></Response>`)
	got := placed(t, s, rc, a, to)
	if len(got.Played) != 2 || got.Played[0].Fetched || got.Played[0].URL != a.URL+"/audio/expired.mp3" ||
		got.Played[1].Text != "Daarna." || len(got.Errors) != 1 || got.Errors[0].Code != 11200 || got.Status != "completed" {
		t.Errorf("call %+v", got)
	}
}

func TestCancelARingingCall(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	a.twiml("/call", `<Response><Say>Nooit.</Say></Response>`)
	hold := make(chan struct{})
	defer close(hold)
	s.ScriptCall(to, twiliotest.CallScript{Hold: hold})
	c, err := call(rc, a, to)
	if err != nil {
		t.Fatal(err)
	}
	a.waitEvent("ringing")
	u, err := rc.Api.UpdateCall(*c.Sid, (&openapi.UpdateCallParams{}).SetStatus("canceled"))
	if err != nil || deref(u.Status) != "canceled" {
		t.Fatalf("cancel: %+v %v", u, err)
	}
	got, ok := s.WaitForCall(*c.Sid, 5*time.Second)
	last := got.Events[len(got.Events)-1]
	if !ok || got.Status != "canceled" || got.Fetches != 0 || last.Event != "completed" || last.CallStatus != "canceled" {
		t.Errorf("canceled call %+v", got)
	}
	_, err = rc.Api.UpdateCall(*c.Sid, (&openapi.UpdateCallParams{}).SetStatus("canceled"))
	restError(t, err, 400, 21220)
}

func TestHangUpACallInProgress(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	// The service ends the call while Twilio waits for its TwiML.
	a.handle("/call", func(f url.Values) (int, string, string) {
		if _, err := rc.Api.UpdateCall(f.Get("CallSid"), (&openapi.UpdateCallParams{}).SetStatus("completed")); err != nil {
			t.Errorf("hang up: %v", err)
		}
		return 200, "application/xml", `<Response><Say>Een.</Say><Say>Twee.</Say></Response>`
	})
	got := placed(t, s, rc, a, to)
	if got.Status != "completed" || len(got.Played) != 0 || got.Fetches != 1 {
		t.Errorf("hung up: %+v", got)
	}
}

func TestRecord(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	audio := []byte("RIFF....WAVEfmt ")
	s.ScriptCall(to, twiliotest.CallScript{Recordings: []twiliotest.Recording{{Audio: audio, Duration: 7, Digits: "#"}}})
	a.twiml("/call", `<Response><Say>Spreek na de piep.</Say><Record action="/recorded" maxLength="60" playBeep="true" `+
		`finishOnKey="#" recordingStatusCallback="/recstatus"/><Say>Niets.</Say></Response>`)
	a.twiml("/recorded", `<Response><Say>Opgenomen.</Say></Response>`)
	got := placed(t, s, rc, a, to)
	rec, st := a.got("/recorded"), a.got("/recstatus")
	if len(rec) != 1 || len(st) != 1 || got.Fetches != 2 || len(got.Errors) != 0 || got.Played[len(got.Played)-1].Text != "Opgenomen." {
		t.Fatalf("call %+v, action %v, status %v", got, rec, st)
	}
	f := rec[0]
	if f.Get("Digits") != "#" || f.Get("RecordingDuration") != "7" || !strings.HasPrefix(f.Get("RecordingSid"), "RE") ||
		st[0].Get("RecordingUrl") != f.Get("RecordingUrl") || st[0].Get("RecordingStatus") != "completed" {
		t.Errorf("action %v status %v", f, st[0])
	}
	for _, suffix := range []string{"", ".wav", ".mp3"} {
		req, _ := http.NewRequest(http.MethodGet, f.Get("RecordingUrl")+suffix, nil)
		req.SetBasicAuth(sid, token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != string(audio) || resp.Header.Get("Content-Type") != "audio/x-wav" {
			t.Errorf("recording%s: %s %q", suffix, resp.Status, body)
		}
	}
	resp, err := http.Get(f.Get("RecordingUrl"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("recording without credentials: %s", resp.Status)
	}
}
