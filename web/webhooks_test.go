package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

const (
	hookURL     = "https://nabij.isk.example"
	hookToken   = "twilio-auth-token"
	hookAccount = "AC0123456789abcdef0123456789abcdef"
	messageSID  = "SM0123456789abcdef0123456789abcdef"
)

// signedHook is a webhook as Twilio posts it: form and signature over the
// public URL.
func signedHook(path string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(hookToken, hookURL+path, form))
	return req
}

func hookServer(s *stub) http.Handler {
	srv, _ := stubServer(s, Config{PublicURL: hookURL, TwilioAuthToken: hookToken, TwilioAccountSID: hookAccount})
	return srv
}

// A signed status callback reaches app as the message's id, its status and
// Twilio's error code; each field nabij reads is checked for its shape
// first, and a malformed one is a 400 naming the field, app not asked.
func TestStatusCallback(t *testing.T) {
	form := func(kv ...string) url.Values {
		v := url.Values{"AccountSid": {hookAccount}, "MessageSid": {messageSID}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	s := &stub{}
	srv := hookServer(s)
	rec := do(srv, signedHook("/webhooks/twilio/status", form("MessageStatus", "undelivered", "ErrorCode", "30003", "To", "+31612345001", "From", "NABIJ")))
	if rec.Code != 200 || !reflect.DeepEqual(s.calls, []string{"DeliveryStatus " + messageSID + " undelivered 30003"}) {
		t.Errorf("a status: %d %s, app asked %v", rec.Code, rec.Body, s.calls)
	}

	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no status", form(), "MessageStatus"},
		{"an unknown status", form("MessageStatus", "exploded"), "MessageStatus"},
		{"a bad message id", form("MessageStatus", "sent", "MessageSid", "SM1"), "MessageSid"},
		{"a bad error code", form("MessageStatus", "failed", "ErrorCode", "30003; drop"), "ErrorCode"},
		{"a bad number", form("MessageStatus", "sent", "To", "0612345001"), "To"},
		// Signed over its first values, as twilio-go's validator reads a
		// form: the second value is caught by the field's check.
		{"two statuses", func() url.Values {
			v := form("MessageStatus", "sent", "SmsStatus", "sent")
			v.Add("SmsStatus", "failed")
			return v
		}(), "SmsStatus"},
	} {
		s.calls = nil
		req := signedHook("/webhooks/twilio/status", tc.form)
		first := url.Values{}
		for k, v := range tc.form {
			first.Set(k, v[0])
		}
		req.Header.Set("X-Twilio-Signature", twiliotest.Sign(hookToken, hookURL+"/webhooks/twilio/status", first))
		rec := do(srv, req)
		e := errorOf(t, rec)
		if rec.Code != 400 || e.Code != "bad_request" || !strings.HasPrefix(e.Message, tc.field+" ") || len(s.calls) > 0 {
			t.Errorf("%s: %d %+v, app asked %v; want 400 naming %s", tc.name, rec.Code, e, s.calls, tc.field)
		}
	}

	s.calls, s.err = nil, errors.New("record status: disk gone")
	if rec := do(srv, signedHook("/webhooks/twilio/status", form("MessageStatus", "delivered"))); rec.Code != 500 {
		t.Errorf("app failing: %d, want 500 so that Twilio tries again", rec.Code)
	}
}

// An inbound message reaches app with the sender without WhatsApp's
// prefix and the channel it came by; Twilio is answered with empty TwiML.
func TestInboundMessage(t *testing.T) {
	s := &stub{}
	srv := hookServer(s)
	for _, tc := range []struct {
		from, to, body string
		call           string
	}{
		{"+31612345001", "+3197010000000", "1", "Inbound " + messageSID + ` from=+31612345001 to=+3197010000000 sms "1"`},
		{"whatsapp:+31612345001", "whatsapp:+3197010000000", "ማለት 2", "Inbound " + messageSID + ` from=+31612345001 to=+3197010000000 whatsapp "ማለት 2"`},
	} {
		s.calls = nil
		rec := do(srv, signedHook("/webhooks/twilio/inbound", url.Values{"AccountSid": {hookAccount}, "MessageSid": {messageSID}, "From": {tc.from}, "To": {tc.to}, "Body": {tc.body}}))
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/xml" || !strings.Contains(rec.Body.String(), "<Response></Response>") ||
			!reflect.DeepEqual(s.calls, []string{tc.call}) {
			t.Errorf("from %s: %d %v %s, app asked %v", tc.from, rec.Code, rec.Header(), rec.Body, s.calls)
		}
	}
	s.calls = nil
	rec := do(srv, signedHook("/webhooks/twilio/inbound", url.Values{"AccountSid": {hookAccount}, "MessageSid": {messageSID}, "To": {"+3197010000000"}}))
	if rec.Code != 400 || errorOf(t, rec).Message != "From is required" || len(s.calls) > 0 {
		t.Errorf("no sender: %d %s %v", rec.Code, rec.Body, s.calls)
	}
}

// The signature, the account and the content type are checked before any
// field: a refusal asks app nothing.
func TestWebhookRefusals(t *testing.T) {
	good := url.Values{"AccountSid": {hookAccount}, "MessageSid": {messageSID}, "MessageStatus": {"sent"}}
	s := &stub{}
	srv := hookServer(s)
	for _, tc := range []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"no signature", func() *http.Request {
			r := signedHook("/webhooks/twilio/status", good)
			r.Header.Del("X-Twilio-Signature")
			return r
		}, 403},
		{"signed over another URL", func() *http.Request {
			r := signedHook("/webhooks/twilio/status", good)
			r.Header.Set("X-Twilio-Signature", twiliotest.Sign(hookToken, "https://elsewhere.example/webhooks/twilio/status", good))
			return r
		}, 403},
		{"another account", func() *http.Request {
			v := url.Values{"AccountSid": {"AC" + strings.Repeat("f", 32)}, "MessageSid": {messageSID}, "MessageStatus": {"sent"}}
			return signedHook("/webhooks/twilio/status", v)
		}, 403},
		{"no account", func() *http.Request {
			return signedHook("/webhooks/twilio/status", url.Values{"MessageSid": {messageSID}, "MessageStatus": {"sent"}})
		}, 400},
		{"JSON", func() *http.Request {
			r := signedHook("/webhooks/twilio/status", good)
			r.Header.Set("Content-Type", "application/json")
			return r
		}, 415},
	} {
		s.calls = nil
		rec := do(srv, tc.req())
		if rec.Code != tc.status || errorOf(t, rec).Code == "" || len(s.calls) > 0 {
			t.Errorf("%s: %d %s, app asked %v; want %d", tc.name, rec.Code, rec.Body, s.calls, tc.status)
		}
	}
	// Without an auth token nabij cannot check a signature: every webhook
	// is refused.
	srv, _ = stubServer(s, Config{PublicURL: hookURL, TwilioAccountSID: hookAccount})
	if rec := do(srv, signedHook("/webhooks/twilio/status", good)); rec.Code != 403 || len(s.calls) > 0 {
		t.Errorf("no auth token: %d %v", rec.Code, s.calls)
	}
}
