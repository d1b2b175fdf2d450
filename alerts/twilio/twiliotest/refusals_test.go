package twiliotest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

// An account refusal answers every request, create, list and fetch, until
// it is switched off.
func TestRefuseAccount(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	m, err := send(rc, sms(to, "before"))
	if err != nil {
		t.Fatal(err)
	}
	s.RefuseAccount(twiliotest.FailureSuspended)
	_, err = send(rc, sms(to, "x"))
	restError(t, err, 401, 20005)
	_, err = rc.Api.ListMessage((&openapi.ListMessageParams{}).SetTo(to))
	restError(t, err, 401, 20005)
	_, err = rc.Api.FetchMessage(*m.Sid, nil)
	restError(t, err, 401, 20005)
	s.RefuseAccount(twiliotest.FailureSenderNotAllowed)
	_, err = send(rc, sms(to, "x"))
	restError(t, err, 400, 21606)

	s.RefuseAccount(twiliotest.Failure{})
	if _, err := send(rc, sms(to, "after")); err != nil {
		t.Fatalf("after the refusal was lifted: %v", err)
	}
	if n := len(s.Messages()); n != 2 || s.Requests() != 4 {
		t.Errorf("%d messages accepted of %d requests, want 2 of 4", n, s.Requests())
	}
}

// A list request can be failed like a create request, and is counted.
func TestFailListNext(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	if _, err := send(rc, sms(to, "x")); err != nil {
		t.Fatal(err)
	}
	s.FailListNext(1, twiliotest.Failure503)
	s.FailListNext(1, twiliotest.Failure429)
	_, err := rc.Api.ListMessage((&openapi.ListMessageParams{}).SetTo(to))
	restError(t, err, 503, 20503)
	_, err = rc.Api.ListMessage((&openapi.ListMessageParams{}).SetTo(to))
	restError(t, err, 429, 20429)
	got, err := rc.Api.ListMessage((&openapi.ListMessageParams{}).SetTo(to))
	if err != nil || len(got) != 1 {
		t.Fatalf("third list: %d messages, %v", len(got), err)
	}
	if n := s.ListRequests(); n != 3 {
		t.Errorf("ListRequests = %d, want 3", n)
	}
}

// A stalled create answers nothing until the client gives up; accepted, the
// message is there all the same.
func TestStallNext(t *testing.T) {
	s := newServer(t)
	target, _ := url.Parse(s.URL())
	c := &client.Client{Credentials: client.NewCredentials(sid, token),
		HTTPClient: &http.Client{Transport: rewrite{target}, Timeout: 200 * time.Millisecond}}
	c.SetAccountSid(sid)
	rc := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
	s.StallNext(1, false)
	s.StallNext(1, true)
	if _, err := send(rc, sms(to, "lost")); err == nil {
		t.Fatal("a stalled create was answered")
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("a stall without accept kept %d messages", n)
	}
	if _, err := send(rc, sms(to, "taken")); err == nil {
		t.Fatal("a stalled create was answered")
	}
	if got := s.Messages(); len(got) != 1 || got[0].Body != "taken" {
		t.Errorf("a stall with accept kept %+v", got)
	}
	if _, err := send(rc, sms(to, "normal")); err != nil {
		t.Fatalf("after the stalls: %v", err)
	}
}

// A 201 can carry a final status: the message failed as Twilio took it.
func TestFailOnCreateTo(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	s.FailOnCreateTo(wa, "failed", 63016)
	m, err := send(rc, (&openapi.CreateMessageParams{}).SetTo(wa).SetFrom(waFr).SetBody("x"))
	if err != nil {
		t.Fatal(err)
	}
	if deref(m.Status) != "failed" || m.ErrorCode == nil || *m.ErrorCode != 63016 {
		t.Errorf("201 with status %q, error_code %v", deref(m.Status), m.ErrorCode)
	}
	if m, err := send(rc, sms(to, "x")); err != nil || deref(m.Status) != "queued" || m.ErrorCode != nil {
		t.Errorf("another number: %+v, %v", m, err)
	}
}
