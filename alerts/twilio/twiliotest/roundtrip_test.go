package twiliotest_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

// tlsClient is a twilio-go client that reaches s over HTTPS, trusting only
// roots (nil: the system's).
func tlsClient(t *testing.T, s *twiliotest.Server, roots *x509.CertPool) *twilio.RestClient {
	t.Helper()
	target, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	t.Cleanup(tr.CloseIdleConnections)
	c := &client.Client{Credentials: client.NewCredentials(sid, token),
		HTTPClient: &http.Client{Transport: rewriteTo{target, tr}}}
	c.SetAccountSid(sid)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
}

type rewriteTo struct {
	target *url.URL
	next   http.RoundTripper
}

func (rw rewriteTo) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rw.target.Scheme, rw.target.Host, ""
	return rw.next.RoundTrip(r)
}

// The TLS stand-in is trusted through its certificate alone, and its round
// trip holds each answer back while the message is taken on arrival; the
// automatic callbacks come after the answer.
func TestTLSStandInWithRoundTrip(t *testing.T) {
	s := twiliotest.NewTLSServer(sid, token)
	t.Cleanup(s.Close)
	if s.Certificate() == nil {
		t.Fatal("a TLS stand-in has no certificate")
	}
	plain := twiliotest.NewServer(sid, token)
	t.Cleanup(plain.Close)
	if plain.Certificate() != nil {
		t.Error("a plain HTTP stand-in has a certificate")
	}
	const trip = 80 * time.Millisecond
	s.SetRoundTrip(trip, trip)
	hook := httpHook(t)

	// A client that does not trust the certificate is refused.
	if _, err := send(tlsClient(t, s, x509.NewCertPool()), sms(to, "x")); err == nil {
		t.Fatal("a client without the stand-in's certificate reached it")
	} else if ue := (x509.UnknownAuthorityError{}); !errors.As(err, &ue) {
		t.Fatalf("untrusted client: %v (%T), want x509.UnknownAuthorityError", err, err)
	}

	roots := x509.NewCertPool()
	roots.AddCert(s.Certificate())
	rc := tlsClient(t, s, roots)
	start := time.Now()
	m, err := send(rc, sms(to, "Brand gemeld").SetStatusCallback(hook.url))
	answered := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if took := answered.Sub(start); took < trip {
		t.Errorf("the answer came after %s, want at least the round trip %s", took, trip)
	}
	got, ok := s.Message(*m.Sid)
	if !ok {
		t.Fatal("the message is not at the stand-in")
	}
	if !got.DateCreated.Before(answered.Add(-trip / 2)) {
		t.Errorf("DateCreated %s is not well before the answer at %s: the message was not taken on arrival", got.DateCreated, answered)
	}
	cbs, ok := s.WaitForCallbacks(2, 10*time.Second)
	if !ok {
		t.Fatalf("%d callbacks, want 2", len(cbs))
	}
	// The answer is held until the request's arrival + trip, and the
	// callbacks go only after it.
	for _, at := range hook.arrivals() {
		if at.Before(start.Add(trip)) {
			t.Errorf("a callback arrived %s after the send, before the round trip of %s ended", at.Sub(start), trip)
		}
	}
}

type hookServer struct {
	url string
	at  chan time.Time
}

func (h *hookServer) arrivals() []time.Time {
	var out []time.Time
	for {
		select {
		case t := <-h.at:
			out = append(out, t)
		default:
			return out
		}
	}
}

// httpHook is a status-callback receiver that notes when each arrived.
func httpHook(t *testing.T) *hookServer {
	t.Helper()
	h := &hookServer{at: make(chan time.Time, 16)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.at <- time.Now()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(ts.Close)
	h.url = ts.URL + "/status"
	return h
}
