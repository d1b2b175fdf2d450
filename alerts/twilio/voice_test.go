package twilio

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

const voiceFrom = "+3197010000002"

// voiceService answers a call's TwiML and status callbacks as nabij would,
// briefly.
func voiceService(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/status") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<Response><Say language="nl-NL">Bericht.</Say></Response>`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func voiceSender(t *testing.T, tw *twiliotest.Server, srv *httptest.Server, timeout time.Duration) *Sender {
	t.Helper()
	s, err := New(Config{AccountSID: sid, AuthToken: token, From: "+3197010000001", APIURL: tw.URL(), Timeout: timeout,
		VoiceFrom: voiceFrom, VoiceURL: srv.URL + "/twilio/voice"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendPlacesACall(t *testing.T) {
	tw := twiliotest.NewServer(sid, token)
	defer tw.Close()
	srv := voiceService(t)
	s := voiceSender(t, tw, srv, 0)
	rec, err := s.Send(context.Background(), alerts.Outgoing{ID: "m 1/2", To: "+31612345678", Channel: "voice"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != alerts.StatusSent || len(rec.ProviderID) != 34 || rec.ProviderID[:2] != "CA" {
		t.Fatalf("receipt %+v", rec)
	}
	c, ok := tw.WaitForCall(rec.ProviderID, 5*time.Second)
	if !ok {
		t.Fatalf("call not done: %+v", c)
	}
	if c.To != "+31612345678" || c.From != voiceFrom || c.URL != srv.URL+"/twilio/voice/m%201%2F2" || c.Method != "POST" ||
		c.StatusCallback != srv.URL+"/twilio/voice/m%201%2F2/status" || c.StatusCallbackMethod != "POST" ||
		len(c.StatusCallbackEvents) != 4 || c.MachineDetection != "DetectMessageEnd" || c.Timeout != 30 || c.TimeLimit != 180 {
		t.Errorf("call %+v", c)
	}
	if c.Status != "completed" || len(c.Errors) != 0 || len(c.Played) != 1 || len(c.Events) != 4 {
		t.Errorf("the call went %+v", c)
	}
	if n := len(tw.Messages()); n != 0 {
		t.Errorf("%d messages sent for a call", n)
	}
}

func TestVoiceNotConfigured(t *testing.T) {
	tw := twiliotest.NewServer(sid, token)
	defer tw.Close()
	s, err := New(Config{AccountSID: sid, AuthToken: token, From: "+3197010000001", APIURL: tw.URL()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), alerts.Outgoing{ID: "m", To: "+31612345678", Channel: "voice"})
	var se *alerts.SendError
	if !errors.As(err, &se) || se.Retryable || alerts.IsAccountRefusal(err) || se.Code == 21212 {
		t.Errorf("unconfigured voice: %#v", err)
	}
	if tw.CallRequests() != 0 {
		t.Errorf("Twilio was asked")
	}
}

func TestCallRefusalsAreClassified(t *testing.T) {
	tw := twiliotest.NewServer(sid, token)
	defer tw.Close()
	s := voiceSender(t, tw, voiceService(t), 0)
	out := alerts.Outgoing{ID: "m", To: "+31612345678", Channel: "voice"}
	for _, tc := range []struct {
		f     twiliotest.Failure
		retry bool
	}{
		{twiliotest.Failure429, true}, {twiliotest.Failure503, true},
		{twiliotest.FailureInvalidNumber, false},
		{twiliotest.Failure{HTTPStatus: 400, Code: 13224, Message: "Invalid phone number"}, false},
		{twiliotest.Failure{HTTPStatus: 400, Code: 21215, Message: "Geo Permission configuration is not permitting call"}, false},
	} {
		tw.FailNext(1, tc.f)
		_, err := s.Send(context.Background(), out)
		var se *alerts.SendError
		if !errors.As(err, &se) || se.Code != tc.f.Code || se.HTTPStatus != tc.f.HTTPStatus || se.Retryable != tc.retry {
			t.Errorf("failure %+v: err %#v, want retryable %v", tc.f, err, tc.retry)
		}
	}
	// A number Twilio itself finds no number.
	_, err := s.Send(context.Background(), alerts.Outgoing{ID: "m", To: "0612345678", Channel: "voice"})
	if se := (*alerts.SendError)(nil); !errors.As(err, &se) || se.Code != 21211 || se.Retryable {
		t.Errorf("invalid number: %#v", err)
	}
	if n := len(tw.Calls()); n != 0 {
		t.Errorf("%d calls placed", n)
	}
}

// A call whose creation got no answer is found in the calls list, so it is
// not placed twice; only a call since the claim counts, the earliest.
func TestLookupFindsTheCall(t *testing.T) {
	tw := twiliotest.NewServer(sid, token)
	defer tw.Close()
	srv := voiceService(t)
	s := voiceSender(t, tw, srv, 300*time.Millisecond)
	other := "+31687654321"
	tw.ScriptCall(other, twiliotest.CallScript{Outcome: twiliotest.CallBusy})
	earlier, err := s.Send(context.Background(), alerts.Outgoing{ID: "m0", To: other, Channel: "voice"})
	if err != nil {
		t.Fatal(err)
	}
	claimed := time.Now()
	out := alerts.Outgoing{ID: "m1", To: "+31612345678", Channel: "voice", Claimed: claimed}

	tw.StallNext(1, true) // Twilio takes the call; its answer is lost
	if _, err := s.Send(context.Background(), out); err == nil {
		t.Fatal("a stalled create answered")
	}
	if _, err := s.Send(context.Background(), alerts.Outgoing{ID: "m2", To: out.To, Channel: "voice"}); err != nil {
		t.Fatal(err)
	}
	calls, ok := tw.WaitForCalls(3, 5*time.Second)
	if !ok {
		t.Fatalf("calls %+v", calls)
	}
	rec, found, err := s.Lookup(context.Background(), out)
	if err != nil || !found || rec.ProviderID != calls[1].SID || rec.Status != alerts.StatusSent {
		t.Errorf("lookup = %+v %v %v, want %s", rec, found, err, calls[1].SID)
	}
	// The busy call to the other number, older than a later claim: not found.
	_, found, err = s.Lookup(context.Background(), alerts.Outgoing{ID: "m0", To: other, Channel: "voice", Claimed: claimed.Add(2 * time.Minute)})
	if err != nil || found {
		t.Errorf("an older call was found: %v %v", found, err)
	}
	rec, found, err = s.Lookup(context.Background(), alerts.Outgoing{ID: "m0", To: other, Channel: "voice", Claimed: claimed.Add(-time.Minute)})
	if err != nil || !found || rec.ProviderID != earlier.ProviderID || rec.Status != alerts.StatusFailed {
		t.Errorf("busy call: %+v %v %v", rec, found, err)
	}
	tw.FailListNext(1, twiliotest.Failure503)
	if _, _, err := s.Lookup(context.Background(), out); !retryable(err) {
		t.Errorf("a 503 on the lookup: %v", err)
	}
}

// FetchRecording sends the account's credentials only to Twilio's API
// host (or the configured one), and only for this account's recordings.
func TestFetchRecordingOnlyFromTwilio(t *testing.T) {
	tw := twiliotest.NewServer(sid, token)
	defer tw.Close()
	s := voiceSender(t, tw, voiceService(t), 0)
	for _, u := range []string{
		"https://evil.example/2010-04-01/Accounts/" + sid + "/Recordings/RE1",
		tw.URL() + "/2010-04-01/Accounts/AC99999999999999999999999999999999/Recordings/RE1",
		tw.URL() + "/2010-04-01/Accounts/" + sid + "/Messages/SM1",
		"not a url",
	} {
		if _, err := s.FetchRecording(context.Background(), u); err == nil {
			t.Errorf("fetched %q", u)
		}
	}
}
