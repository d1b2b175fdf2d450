package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/store"
)

// lateCreate stands between nabij and the Twilio stand-in: the first
// create of a call loses its connection (nabij gets no answer), and the
// stand-in gets that request only when release is closed: Twilio acted on
// it a moment after nabij gave up.
type lateCreate struct {
	target    atomic.Value // the stand-in's URL
	creates   atomic.Int32
	release   chan struct{}
	forwarded chan struct{}
}

func (p *lateCreate) forward(ctx context.Context, r *http.Request, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, p.target.Load().(string)+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, data, err
}

func (p *lateCreate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Calls.json") && p.creates.Add(1) == 1 {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close() // the connection is lost: no answer
		}
		go func() {
			<-p.release
			_, _, _ = p.forward(context.Background(), r, body)
			close(p.forwarded)
		}()
		return
	}
	resp, data, err := p.forward(r.Context(), r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, v := range resp.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(data)
}

// End to end: the create of Sami's mother's call loses its connection,
// and Twilio places the call a moment after nabij gave up. nabij looks it
// up no sooner than its Twilio timeout after the send (the sender's settle
// time), finds it, and rings her once. (Found by a review: the lookup came
// after the first backoff, 2 s, found nothing, and she was called twice.)
func TestALateCallRingsTheFamilyOnce(t *testing.T) {
	t.Parallel()
	proxy := &lateCreate{release: make(chan struct{}), forwarded: make(chan struct{})}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	clock := &testClock{now: monday}
	h := startHarnessWith(t, map[string]string{"NABIJ_TWILIO_VOICE_FROM": "+3197010000009"},
		func(c *config) { c.now = clock.Now; c.Twilio.APIURL = front.URL })
	proxy.target.Store(h.twilio.URL())
	ring := make(chan struct{}) // the calls ring until the test ends
	t.Cleanup(func() { close(ring) })
	h.twilio.ScriptCall("+31612347001", twiliotest.CallScript{Hold: ring})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, callRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "3001", "kind": "absent"}]}`, nil)
	message := func() *alerts.Message {
		var ms []*alerts.Message
		if err := h.srv.store.View(func(tx *store.Tx) (err error) { ms, err = tx.AllMessages(); return err }); err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 {
			t.Fatalf("%d messages", len(ms))
		}
		return ms[0]
	}
	eventually(t, "the create unanswered, the call uncertain", func() bool {
		m := message()
		return m.Uncertain && m.Status == alerts.StatusQueued
	})
	clock.Set(clock.Now().Add(2 * time.Second)) // production's first backoff
	h.srv.dispatcher.Wake()
	// Before the fix the second create came within tens of milliseconds.
	deadline := time.Now().Add(500 * time.Millisecond)
	for proxy.creates.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	close(proxy.release) // Twilio places the call now
	<-proxy.forwarded
	clock.Set(clock.Now().Add(time.Minute))
	h.srv.dispatcher.Wake()
	eventually(t, "the call settled", func() bool {
		m := message()
		return m.Status == alerts.StatusSent && !m.Uncertain
	})
	// Sent and certain: the dispatcher sends it no more.
	if calls := h.twilio.Calls(); len(calls) != 1 {
		t.Errorf("Sami's mother was called %d times for one absence (call creates %d; recorded %s)", len(calls), proxy.creates.Load(), message().ProviderID)
	}
}
