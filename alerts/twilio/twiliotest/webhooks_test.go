package twiliotest_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

// hook is a webhook endpoint recording what Twilio would post to it.
type hook struct {
	*httptest.Server
	mu     sync.Mutex
	forms  []url.Values
	sigs   []string
	urls   []string
	answer int
}

func newHook(t *testing.T) *hook {
	t.Helper()
	h := &hook{answer: http.StatusNoContent}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost ||
			r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.forms = append(h.forms, r.PostForm)
		h.sigs = append(h.sigs, r.Header.Get("X-Twilio-Signature"))
		h.urls = append(h.urls, "http://"+r.Host+r.URL.RequestURI())
		w.WriteHeader(h.answer)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) got() ([]url.Values, []string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]url.Values(nil), h.forms...), append([]string(nil), h.sigs...), append([]string(nil), h.urls...)
}

func flat(v url.Values) map[string]string {
	m := map[string]string{}
	for k := range v {
		m[k] = v.Get(k)
	}
	return m
}

func TestStatusCallbacksAreSignedAndOrdered(t *testing.T) {
	s := newServer(t)
	h := newHook(t)
	rc := restClient(t, s, sid, token)
	cbURL := h.URL + "/twilio/status?alert=42&x=a%20b"

	m, err := send(rc, sms(to, "x").SetStatusCallback(cbURL))
	if err != nil {
		t.Fatal(err)
	}
	cbs, ok := s.WaitForCallbacks(2, 5*time.Second)
	if !ok {
		t.Fatalf("callbacks: %+v", cbs)
	}
	forms, sigs, urls := h.got()
	v := client.NewRequestValidator(token)
	for i, want := range []string{"sent", "delivered"} {
		if forms[i].Get("MessageStatus") != want || forms[i].Get("SmsStatus") != want || forms[i].Get("MessageSid") != *m.Sid ||
			forms[i].Get("SmsSid") != *m.Sid || forms[i].Get("AccountSid") != sid || forms[i].Get("To") != to ||
			forms[i].Get("From") != from || forms[i].Get("ApiVersion") != "2010-04-01" || forms[i].Has("ErrorCode") {
			t.Errorf("callback %d = %v", i, forms[i])
		}
		if urls[i] != cbURL {
			t.Errorf("callback %d went to %s", i, urls[i])
		}
		if !v.Validate(cbURL, flat(forms[i]), sigs[i]) {
			t.Errorf("callback %d signature %q does not validate", i, sigs[i])
		}
		if v.Validate(h.URL+"/twilio/status", flat(forms[i]), sigs[i]) {
			t.Errorf("signature must cover the query string")
		}
		if cbs[i].SID != *m.Sid || cbs[i].Status != want || cbs[i].HTTPStatus != http.StatusNoContent {
			t.Errorf("Callbacks()[%d] = %+v", i, cbs[i])
		}
	}
	f, err := rc.Api.FetchMessage(*m.Sid, nil)
	if err != nil || deref(f.Status) != "delivered" || f.DateSent == nil {
		t.Errorf("after callbacks fetch = %v %v %v", deref(f.Status), f.DateSent, err)
	}
}

func TestFailDeliveryTo(t *testing.T) {
	s := newServer(t)
	h := newHook(t)
	rc := restClient(t, s, sid, token)
	s.FailDeliveryTo(wa, "failed", 63016)
	s.FailDeliveryTo("+31687654321", "undelivered", 30003)

	m1, err := send(rc, (&openapi.CreateMessageParams{}).SetTo(wa).SetFrom(waFr).SetBody("x").SetStatusCallback(h.URL))
	if err != nil {
		t.Fatal(err)
	}
	m2, err := send(rc, sms("+31687654321", "x").SetStatusCallback(h.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.WaitForCallbacks(3, 5*time.Second); !ok {
		t.Fatal("want 3 callbacks")
	}
	seq := map[string][]string{}
	forms, _, _ := h.got()
	for _, f := range forms {
		seq[f.Get("MessageSid")] = append(seq[f.Get("MessageSid")], f.Get("MessageStatus")+"/"+f.Get("ErrorCode")+"/"+f.Get("ChannelPrefix"))
	}
	if g := seq[*m1.Sid]; len(g) != 1 || g[0] != "failed/63016/whatsapp" {
		t.Errorf("whatsapp callbacks %v", g)
	}
	if g := seq[*m2.Sid]; len(g) != 2 || g[0] != "sent//" || g[1] != "undelivered/30003/" {
		t.Errorf("sms callbacks %v", g)
	}
	f, err := rc.Api.FetchMessage(*m1.Sid, nil)
	if err != nil || deref(f.Status) != "failed" || f.ErrorCode == nil || *f.ErrorCode != 63016 {
		t.Errorf("fetch failed message: %+v %v", f, err)
	}
}

func TestManualStatusAndRejectedCallback(t *testing.T) {
	s := newServer(t)
	h := newHook(t)
	h.answer = http.StatusForbidden
	s.SetAutoCallbacks(false)
	rc := restClient(t, s, sid, token)
	m, err := send(rc, sms(to, "x").SetStatusCallback(h.URL+"/cb"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(s.Callbacks()); n != 0 {
		t.Fatalf("auto callbacks off, got %d", n)
	}
	if err := s.SendStatus(*m.Sid, "sent", 0); err == nil {
		t.Error("SendStatus should report the webhook's 403")
	}
	if cbs := s.Callbacks(); len(cbs) != 1 || cbs[0].HTTPStatus != http.StatusForbidden || cbs[0].Status != "sent" {
		t.Errorf("Callbacks() = %+v", cbs)
	}
	if got, _ := s.Message(*m.Sid); got.Status != "sent" {
		t.Errorf("status %q", got.Status)
	}
	if err := s.SendStatus("SMnope", "sent", 0); err == nil {
		t.Error("unknown sid must fail")
	}
}

func TestSendInboundWhatsApp(t *testing.T) {
	s := newServer(t)
	h := newHook(t)
	hookURL := h.URL + "/twilio/inbound"
	resp, err := s.SendInbound(hookURL, wa, waFr, "STOP")
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("SendInbound: %v %v", resp, err)
	}
	forms, sigs, _ := h.got()
	f := forms[0]
	for k, want := range map[string]string{"From": wa, "To": waFr, "Body": "STOP", "NumMedia": "0", "NumSegments": "1",
		"ApiVersion": "2010-04-01", "AccountSid": sid, "WaId": "31612345678"} {
		if f.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, f.Get(k), want)
		}
	}
	if !smsSID.MatchString(f.Get("MessageSid")) || f.Get("SmsMessageSid") != f.Get("MessageSid") {
		t.Errorf("sids %q %q", f.Get("MessageSid"), f.Get("SmsMessageSid"))
	}
	v := client.NewRequestValidator(token)
	if !v.ValidateBody(hookURL, []byte(f.Encode()), sigs[0]) {
		t.Error("inbound signature does not validate")
	}
}

func TestSignMatchesTwilioVector(t *testing.T) {
	// The example from twilio-go's own request_validator_test.go.
	p := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
	if got := twiliotest.Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", p); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Errorf("Sign = %q", got)
	}
}

func TestConcurrentSendsAndWait(t *testing.T) {
	s := newServer(t)
	h := newHook(t)
	// The package's own transport helper, instead of the test's rewrite.
	c := &client.Client{Credentials: client.NewCredentials(sid, token), HTTPClient: s.HTTPClient()}
	c.SetAccountSid(sid)
	rc := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := send(rc, sms(to, "x").SetStatusCallback(h.URL)); err != nil {
				t.Error(err)
			}
		})
	}
	msgs, ok := s.WaitForMessages(20, 5*time.Second)
	wg.Wait()
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.SID] = true
	}
	if !ok || len(seen) != 20 {
		t.Fatalf("got %d distinct messages", len(seen))
	}
	if _, ok := s.WaitForCallbacks(40, 5*time.Second); !ok {
		t.Fatal("want 40 callbacks")
	}
	if _, ok := s.WaitForMessages(21, 20*time.Millisecond); ok {
		t.Error("WaitForMessages(21) must time out")
	}
}

func TestCloseDropsPendingCallbacks(t *testing.T) {
	s := twiliotest.NewServer(sid, token)
	h := newHook(t)
	s.SetCallbackDelay(200 * time.Millisecond)
	rc := restClient(t, s, sid, token)
	if _, err := send(rc, sms(to, "x").SetStatusCallback(h.URL)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.Close()
	s.Close() // idempotent
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Errorf("Close waited %v for a delayed callback", d)
	}
	time.Sleep(300 * time.Millisecond)
	if forms, _, _ := h.got(); len(forms) != 0 || len(s.Callbacks()) != 0 {
		t.Errorf("callbacks after Close: %d", len(forms))
	}
}
