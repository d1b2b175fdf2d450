package twiliotest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

// Server is the Twilio stand-in. It is safe for concurrent use. Create it
// with NewServer and Close it when the test ends (t.Cleanup(s.Close)).
type Server struct {
	createdAt  func() time.Time // SetCreatedAt; nil: the time of day
	accountSID string
	authToken  string
	ts         *httptest.Server
	// webhooks posts status callbacks and inbound messages. Its timeout
	// bounds how long Close can wait for a callback in flight (Twilio
	// itself gives webhooks 15 s).
	webhooks *http.Client
	closing  chan struct{}
	wg       sync.WaitGroup // callback goroutines

	mu            sync.Mutex
	closed        bool
	msgs          []*record // accepted messages, oldest first
	bySID         map[string]*record
	requests      int
	failNext      []Failure
	failTo        map[string]Failure
	failDelivery  map[string]deliveryFailure
	failCreate    map[string]deliveryFailure // 201 with a final status
	failList      []Failure                  // the next list requests' answers
	failFetch     []Failure                  // the next fetch requests' answers
	stallNext     []bool                     // the next create requests get no answer (true: accepted first)
	stalled       int                        // create requests held without an answer now
	refusal       *Failure                   // the account refused: every request answers it
	listRequests  int
	fetchRequests int
	ratePerSec    int
	window        []time.Time // admitted create requests within the last second
	autoCallbacks bool
	callbackDelay time.Duration
	// roundTrip is the time every API request takes before its answer
	// (SetRoundTrip): at least minTrip, at most maxTrip, uniform.
	minTrip, maxTrip time.Duration
	callbacks        []Callback
	changed          chan struct{} // closed and replaced whenever state changes

	// Calls (calls.go): accepted calls oldest first, the scripts of what
	// happens on a number, and the recordings <Record> made.
	calls        []*callRecord
	callBySID    map[string]*callRecord
	callRequests int
	scripts      map[string]CallScript
	recordings   map[string]*recording
}

// record is an accepted message. msg is guarded by Server.mu; sendMu keeps
// the callbacks of one message in order.
type record struct {
	msg    Message
	sendMu sync.Mutex
}

type deliveryFailure struct {
	status string
	code   int
}

// NewServer starts a stand-in for the account accountSID, accepting HTTP
// Basic auth accountSID:authToken. Both must be alphanumeric, as twilio-go
// refuses to send any others.
func NewServer(accountSID, authToken string) *Server {
	s := newServer(accountSID, authToken)
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// NewTLSServer is NewServer over HTTPS, as Twilio's API is: httptest's TLS
// server, with a certificate for 127.0.0.1 that Certificate returns. A
// client outside the test (a child process) trusts it through the PEM of
// that certificate, e.g. in SSL_CERT_FILE, which Go reads on Linux.
func NewTLSServer(accountSID, authToken string) *Server {
	s := newServer(accountSID, authToken)
	s.ts = httptest.NewTLSServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Certificate is the TLS stand-in's certificate (nil for plain HTTP).
func (s *Server) Certificate() *x509.Certificate { return s.ts.Certificate() }

func newServer(accountSID, authToken string) *Server {
	return &Server{
		accountSID:    accountSID,
		authToken:     authToken,
		webhooks:      &http.Client{Timeout: 10 * time.Second, Transport: webhookTransport()},
		closing:       make(chan struct{}),
		bySID:         map[string]*record{},
		failTo:        map[string]Failure{},
		failDelivery:  map[string]deliveryFailure{},
		failCreate:    map[string]deliveryFailure{},
		autoCallbacks: true,
		changed:       make(chan struct{}),
		callBySID:     map[string]*callRecord{},
		scripts:       map[string]CallScript{},
		recordings:    map[string]*recording{},
	}
}

// URL is the base URL that replaces https://api.twilio.com.
func (s *Server) URL() string { return s.ts.URL }

// AccountSID and AuthToken return the credentials the stand-in accepts.
func (s *Server) AccountSID() string { return s.accountSID }

// AuthToken is the token used for Basic auth and for signing webhooks.
func (s *Server) AuthToken() string { return s.authToken }

// WrapWebhooks puts the stand-in's callbacks (status callbacks, incoming
// messages) through wrap, which is given the transport that sends them: a
// test's check of them against the service's API description, say. Call it
// before the first callback.
func (s *Server) WrapWebhooks(wrap func(http.RoundTripper) http.RoundTripper) {
	s.webhooks.Transport = wrap(s.webhooks.Transport)
}

// HTTPClient returns an *http.Client that sends every request to the
// stand-in whatever host it names, for use as twilio-go's
// client.Client.HTTPClient (twilio-go hard-codes https://api.twilio.com).
// Like twilio-go's default client it does not follow redirects.
func (s *Server) HTTPClient() *http.Client {
	u, _ := url.Parse(s.ts.URL)
	return &http.Client{
		Transport: &rewriteTransport{base: s.ts.Client().Transport, scheme: u.Scheme, host: u.Host},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type rewriteTransport struct {
	base         http.RoundTripper
	scheme, host string
}

func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.scheme, t.host, ""
	return t.base.RoundTrip(r)
}

// Close stops the stand-in. Pending delayed callbacks are dropped, a
// callback already being posted is cut short (its request canceled: the
// end of a test does not wait for an answer that may never come), and
// Close returns only after every callback goroutine has exited. Close is
// idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	s.wg.Wait()
	s.ts.Close()
	s.webhooks.CloseIdleConnections()
}

// Messages returns a snapshot of every accepted message, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked()
}

func (s *Server) messagesLocked() []Message {
	out := make([]Message, len(s.msgs))
	for i, r := range s.msgs {
		out[i] = r.msg
		out[i].MediaURLs = append([]string(nil), r.msg.MediaURLs...)
	}
	return out
}

// Message returns the accepted message with the given SID.
func (s *Server) Message(sid string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.bySID[sid]
	if !ok {
		return Message{}, false
	}
	m := r.msg
	m.MediaURLs = append([]string(nil), m.MediaURLs...)
	return m, true
}

// WaitForMessages waits until at least n messages were accepted or timeout
// passes; it returns the snapshot and whether n was reached.
func (s *Server) WaitForMessages(n int, timeout time.Duration) ([]Message, bool) {
	return waitFor(s, timeout, func() ([]Message, bool) {
		m := s.messagesLocked()
		return m, len(m) >= n
	})
}

// Callbacks returns every status callback attempted so far, in the order
// they completed.
func (s *Server) Callbacks() []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Callback(nil), s.callbacks...)
}

// WaitForCallbacks waits until at least n status callbacks were attempted.
func (s *Server) WaitForCallbacks(n int, timeout time.Duration) ([]Callback, bool) {
	return waitFor(s, timeout, func() ([]Callback, bool) {
		return append([]Callback(nil), s.callbacks...), len(s.callbacks) >= n
	})
}

// waitFor evaluates check under s.mu each time state changes, until it
// reports done or timeout passes.
func waitFor[T any](s *Server, timeout time.Duration, check func() (T, bool)) (T, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		v, done := check()
		changed := s.changed
		s.mu.Unlock()
		if done {
			return v, true
		}
		select {
		case <-changed:
		case <-deadline.C:
			s.mu.Lock()
			v, done = check()
			s.mu.Unlock()
			return v, done
		}
	}
}

// notifyLocked wakes waiters; call with s.mu held after changing state.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Requests counts every create-message request received, including those
// refused for auth, validation, rate limiting or scripted failures.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// SetRateLimit makes create requests beyond perSecond within any sliding
// 1-second window answer 429 (code 20429). Refused requests do not use up
// the window. perSecond <= 0 removes the limit. Only creation (of a
// message or a call) is limited, so tests can still list and fetch freely.
func (s *Server) SetRateLimit(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ratePerSec = perSecond
	s.window = nil
}

// admitLocked applies the rate limit to a create request arriving at now.
func (s *Server) admitLocked(now time.Time) bool {
	if s.ratePerSec <= 0 {
		return true
	}
	cutoff := now.Add(-time.Second)
	i := 0
	for i < len(s.window) && !s.window[i].After(cutoff) {
		i++
	}
	s.window = s.window[i:]
	if len(s.window) >= s.ratePerSec {
		return false
	}
	s.window = append(s.window, now)
	return true
}

// SetAutoCallbacks turns automatic status callbacks on (the default) or
// off. When on, each accepted message gets "sent" then "delivered" (or its
// FailDeliveryTo outcome) posted to its StatusCallback, and its Status
// follows even without a StatusCallback. When off, Status stays "queued"
// or "accepted" until SendStatus is called.
func (s *Server) SetAutoCallbacks(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.autoCallbacks = on
}

// SetCreatedAt makes the stand-in stamp what it creates next (its
// date_created, to the second as Twilio's) with at() instead of the time
// of day, so that a test orders creates a second apart without waiting a
// second between them. nil goes back to the time of day.
func (s *Server) SetCreatedAt(at func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.createdAt = at
}

// SetCallbackDelay sets the pause before each automatic callback (default
// none), to give the code under test time to store the message SID first
// or to test callbacks that race ahead of it.
func (s *Server) SetCallbackDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackDelay = d
}

// SetRoundTrip makes every API request (create, list, fetch; messages,
// calls, recordings) take between minTrip and maxTrip, uniformly drawn, before
// its answer, as Twilio's API takes 150–300 ms from Europe. The request is
// handled when it arrives (a message's DateCreated is then) and its answer
// held back; the automatic callbacks start after the answer. 0, 0 (the
// default) answers at once.
func (s *Server) SetRoundTrip(minTrip, maxTrip time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.minTrip, s.maxTrip = minTrip, max(minTrip, maxTrip)
}

// roundTrip draws one request's time before its answer.
func (s *Server) roundTrip() time.Duration {
	s.mu.Lock()
	lo, hi := s.minTrip, s.maxTrip
	s.mu.Unlock()
	if hi <= lo {
		return lo
	}
	return lo + mrand.N(hi-lo+1)
}

// heldWriter holds a response's status and body back until delay has passed
// since the request arrived (or the request or the server ended).
type heldWriter struct {
	http.ResponseWriter
	until   time.Time
	done    <-chan struct{}
	closing <-chan struct{}
	written bool
}

func (w *heldWriter) WriteHeader(code int) {
	if !w.written {
		w.written = true
		if d := time.Until(w.until); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-w.done:
			case <-w.closing:
			}
			t.Stop()
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *heldWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// newSID makes a Twilio-style SID: a two-letter prefix and 32 hex digits.
func newSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// webhookTransport keeps connections to nabij open between callbacks, as
// Twilio's would: the default transport keeps 2 per host.
// CloseIdleConnections closes the stand-in's idle connections to the
// service its webhooks go to, as a test does before it stops that service:
// a connection dialled and never used holds up an http.Server's Shutdown
// for five seconds.
func (s *Server) CloseIdleConnections() {
	s.webhooks.CloseIdleConnections()
}

func webhookTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}
