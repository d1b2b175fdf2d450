package twilio

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

const sid, token = "AC0000000000000000000000000000000a", "secret0token"

func TestSendThroughMessagingService(t *testing.T) {
	tw := twiliotest.NewServer(sid, token)
	defer tw.Close()
	s, err := New(Config{AccountSID: sid, AuthToken: token, MessagingServiceSID: "MG123", APIURL: tw.URL(), StatusCallback: "https://nabij.example/webhooks/twilio/status"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.Send(context.Background(), alerts.Outgoing{ID: "m1", To: "+31612345678", Channel: "whatsapp", Body: "hallo"})
	if err != nil {
		t.Fatal(err)
	}
	got := tw.Messages()
	if len(got) != 1 {
		t.Fatalf("stand-in has %d messages", len(got))
	}
	m := got[0]
	if rec.ProviderID != m.SID || m.To != "whatsapp:+31612345678" || m.MessagingServiceSID != "MG123" || m.From != "" ||
		m.StatusCallback != "https://nabij.example/webhooks/twilio/status" || m.Body != "hallo" {
		t.Errorf("sent %+v with receipt %+v", m, rec)
	}
}

func TestRefusalsAreClassified(t *testing.T) {
	tw := twiliotest.NewServer(sid, token)
	defer tw.Close()
	s, err := New(Config{AccountSID: sid, AuthToken: token, From: "+3197010000001", APIURL: tw.URL()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f     twiliotest.Failure
		retry bool
	}{
		{twiliotest.Failure429, true}, {twiliotest.Failure500, true}, {twiliotest.Failure503, true},
		{twiliotest.FailureInvalidNumber, false}, {twiliotest.FailureUnsubscribed, false}, {twiliotest.FailureNotMobile, false},
	} {
		tw.FailNext(1, tc.f)
		_, err := s.Send(context.Background(), alerts.Outgoing{ID: "m", To: "+31612345678", Channel: "sms", Body: "x"})
		var se *alerts.SendError
		if !errors.As(err, &se) || se.Code != tc.f.Code || se.HTTPStatus != tc.f.HTTPStatus || se.Retryable != tc.retry {
			t.Errorf("failure %+v: err %#v, want code %d retryable %v", tc.f, err, tc.f.Code, tc.retry)
		}
		if alerts.IsAccountRefusal(err) {
			t.Errorf("failure %+v is taken for a refusal of the account", tc.f)
		}
	}
	// Wrong credentials are no passing trouble: trying again will not help,
	// and they refuse the account, not the message.
	bad, _ := New(Config{AccountSID: sid, AuthToken: "wrong", From: "+3197010000001", APIURL: tw.URL()})
	_, err = bad.Send(context.Background(), alerts.Outgoing{ID: "m", To: "+31612345678", Channel: "sms", Body: "x"})
	if retryable(err) || !alerts.IsAccountRefusal(err) {
		t.Errorf("401: retryable %v, account refused %v: %v", retryable(err), alerts.IsAccountRefusal(err), err)
	}
	for _, f := range []twiliotest.Failure{twiliotest.FailureSuspended, twiliotest.FailureSenderNotAllowed} {
		tw.RefuseAccount(f)
		_, err := s.Send(context.Background(), alerts.Outgoing{ID: "m", To: "+31612345678", Channel: "sms", Body: "x"})
		if !alerts.IsAccountRefusal(err) {
			t.Errorf("%+v: not an account refusal: %v", f, err)
		}
		_, _, err = s.Lookup(context.Background(), alerts.Outgoing{ID: "m", To: "+31612345678", Channel: "sms", Body: "x"})
		if !alerts.IsAccountRefusal(err) {
			t.Errorf("%+v on a lookup: not an account refusal: %v", f, err)
		}
	}
}

func TestConfigRefused(t *testing.T) {
	for _, c := range []Config{{}, {AccountSID: sid, AuthToken: token}, {AccountSID: sid, AuthToken: token, From: "+31", APIURL: "not a url"}} {
		if _, err := New(c); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}

// Two WhatsApp template messages to one number (a housing unit gets one
// for each pupil): the lookup of A, which never reached Twilio, must not
// take B for it, since a template's text is not compared. With Taken (B's
// id recorded for B) it finds nothing; A, once sent, is found as itself.
// (Found by a review: A was recorded sent under B's id and never went out.)
func TestALookupPassesOverAnotherMessagesID(t *testing.T) {
	tw := twiliotest.NewServer(sid, token)
	defer tw.Close()
	s, err := New(Config{AccountSID: sid, AuthToken: token, MessagingServiceSID: "MG123", APIURL: tw.URL()})
	if err != nil {
		t.Fatal(err)
	}
	claimedA := time.Now()
	b, err := s.Send(context.Background(), alerts.Outgoing{ID: "mB", To: "+31612345678", Channel: "whatsapp",
		ContentSID: "HX1", ContentVariables: `{"1":"School","2":"Dawit"}`})
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]string{b.ProviderID: "mB"} // what the store has recorded
	a := alerts.Outgoing{ID: "mA", To: "+31612345678", Channel: "whatsapp", ContentSID: "HX1",
		ContentVariables: `{"1":"School","2":"Amanuel"}`, Claimed: claimedA,
		Taken: func(pid string) (bool, error) { id, ok := known[pid]; return ok && id != "mA", nil }}
	if r, found, err := s.Lookup(context.Background(), a); err != nil || found {
		t.Errorf("A's lookup, only B at Twilio: found %v (%s), %v; want nothing (B is %s)", found, r.ProviderID, err, b.ProviderID)
	}
	sent, err := s.Send(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if r, found, err := s.Lookup(context.Background(), a); err != nil || !found || r.ProviderID != sent.ProviderID {
		t.Errorf("A's lookup after A went out: found %v (%s), %v; want A's own %s", found, r.ProviderID, err, sent.ProviderID)
	}
	a.Taken = func(string) (bool, error) { return false, errors.New("the store did not answer") }
	if _, found, err := s.Lookup(context.Background(), a); err == nil || found {
		t.Errorf("a lookup whose check of the store failed: found %v, %v; want the error (it stays uncertain)", found, err)
	}
}
