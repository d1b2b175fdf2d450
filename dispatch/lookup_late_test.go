package dispatch_test

// The lookup of a send that ended without an answer ("nothing is ever sent
// twice, nothing is lost"), driven through nabij's real Twilio sender and
// the Twilio stand-in. From a delivery review, whose tests these are: each
// failed before its fix.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

const lookupVoiceFrom = "+3197010000009"

// lagProxy stands between nabij's Twilio client and the stand-in. The
// first create request (of a call or a message) loses its connection:
// nabij gets no answer. What Twilio does with that request is the mode:
//
//   - lateCreate: Twilio acts on the request only when release is closed
//     (it was still on its way, or still being processed, when nabij gave
//     up and looked it up);
//   - listLag: Twilio created it at once, but its list (Calls.json,
//     Messages.json) does not show it until release is closed.
type lagProxy struct {
	target    string
	listLag   bool
	release   chan struct{}
	forwarded chan struct{} // closed once the late create reached the stand-in
	creates   atomic.Int32
	lists     atomic.Int32
	released  atomic.Bool
	client    *http.Client
}

func newLagProxy(t *testing.T, target string, listLag bool) (*lagProxy, *httptest.Server) {
	p := &lagProxy{target: target, listLag: listLag, release: make(chan struct{}), forwarded: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *lagProxy) forward(ctx context.Context, r *http.Request, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, data, err
}

// cut closes the client's connection without an answer.
func cut(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.(*net.TCPConn).SetLinger(0) // a reset, as a connection lost
		conn.Close()
	}
}

func (p *lagProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	create := r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/Calls.json") || strings.HasSuffix(r.URL.Path, "/Messages.json"))
	list := r.Method == http.MethodGet && (strings.HasSuffix(r.URL.Path, "/Calls.json") || strings.HasSuffix(r.URL.Path, "/Messages.json"))
	if create && p.creates.Add(1) == 1 {
		if p.listLag {
			// Twilio takes it now; its answer is lost.
			_, _, _ = p.forward(context.Background(), r, body)
			cut(w)
			close(p.forwarded)
			return
		}
		cut(w) // nabij hears nothing more of this request
		go func() {
			<-p.release
			_, _, _ = p.forward(context.Background(), r, body) // Twilio acts on it now
			close(p.forwarded)
		}()
		return
	}
	if list {
		p.lists.Add(1)
	}
	resp, data, err := p.forward(r.Context(), r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if list && p.listLag && !p.released.Load() {
		// The list does not show the new resource yet.
		var page map[string]any
		if json.Unmarshal(data, &page) == nil {
			for _, k := range []string{"calls", "messages"} {
				if _, ok := page[k]; ok {
					page[k] = []any{}
				}
			}
			data, _ = json.Marshal(page)
		}
	}
	for k, v := range resp.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(data)
}

func (p *lagProxy) releaseNow() {
	p.released.Store(true)
	close(p.release)
}

// lookupStore is a store with one queued alert to phone, on channel ch,
// due a minute before t0, valid for four hours.
func lookupStore(t *testing.T, ch school.Channel, phone, student string) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Update(func(tx *store.Tx) error {
		return tx.PutMessage(lookupMessage(ch, phone, student, t0))
	}); err != nil {
		t.Fatal(err)
	}
	return st
}

func lookupMessage(ch school.Channel, phone, student string, at time.Time) *alerts.Message {
	return &alerts.Message{Date: school.Date{Year: at.Year(), Month: at.Month(), Day: at.Day()}, Students: []string{student},
		Phone: phone, Channel: ch, Template: alerts.TemplateAbsent, Body: "We missen " + student + " vandaag op school.",
		Status: alerts.StatusQueued, DueAt: at.Add(-time.Minute), ExpiresAt: at.Add(4 * time.Hour), CreatedAt: at, UpdatedAt: at}
}

// lookupSender is nabij's Twilio sender as production configures it (its
// default 15 s timeout), to apiURL, with calls from lookupVoiceFrom.
func lookupSender(t *testing.T, apiURL string) *twilio.Sender {
	t.Helper()
	s, err := twilio.New(twilio.Config{AccountSID: twSID, AuthToken: twToken, From: "+3197010000001",
		VoiceFrom: lookupVoiceFrom, VoiceURL: "http://127.0.0.1:1/twilio/calls", APIURL: apiURL})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lookupDispatcher runs on the service clock clock, with production's
// backoff (Config's zero: 2 s doubling) and real wall time.
func lookupDispatcher(st *store.Store, s dispatch.Sender, clock *testClock, workers int) *dispatch.Dispatcher {
	return dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: s, Now: clock.Now, Workers: workers,
		Fallbacks: &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: clock.Now}, Log: discard()})
}

func storedMessages(t *testing.T, st *store.Store) []*alerts.Message {
	t.Helper()
	var ms []*alerts.Message
	if err := st.View(func(tx *store.Tx) (err error) { ms, err = tx.AllMessages(); return err }); err != nil {
		t.Fatal(err)
	}
	return ms
}

// waitFor polls cond every 20 ms for at most d; it reports whether cond held.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// The create of a call loses its connection (nabij gets no answer:
// uncertain). Twilio has the call only a moment later: the request was
// still being processed when nabij gave up (lateCreate), or the call was
// created at once and the calls list does not show it yet (listLag).
// nabij looks it up no sooner than the sender's settle time (its Twilio
// timeout) after the send, finds it, and places no second call. Before,
// it looked after its first backoff (1–2 s), found nothing, and placed the
// call again: the family's phone rang twice for one alert. Texts the same
// (the "sms" cases): a body compared does not help when the message is not
// in the list yet.
func TestAMessageTwilioHasLateIsNotSentTwice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		channel school.Channel
		listLag bool
	}{
		{"call created late", school.ChannelVoice, false},
		{"call listed late", school.ChannelVoice, true},
		{"sms created late", school.ChannelSMS, false},
		{"sms listed late", school.ChannelSMS, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const phone = "+31612347001"
			tw := twiliotest.NewServer(twSID, twToken)
			t.Cleanup(tw.Close)
			tw.SetAutoCallbacks(false)
			ring := make(chan struct{}) // the call rings until the test ends
			t.Cleanup(func() { close(ring) })
			tw.ScriptCall(phone, twiliotest.CallScript{Hold: ring})
			proxy, front := newLagProxy(t, tw.URL(), tc.listLag)
			st := lookupStore(t, tc.channel, phone, "3001")
			clock := &testClock{now: t0}
			d := lookupDispatcher(st, lookupSender(t, front.URL), clock, 1)
			stop := runDispatcher(d)
			var once sync.Once
			t.Cleanup(func() { once.Do(stop) })

			// The create goes unanswered: the message is uncertain.
			if !waitFor(10*time.Second, func() bool {
				ms := storedMessages(t, st)
				return len(ms) == 1 && ms[0].Uncertain && ms[0].Status == alerts.StatusQueued
			}) {
				t.Fatalf("the message after its unanswered create: %+v", storedMessages(t, st)[0])
			}
			// Production's first backoff passes (2 s of the service clock):
			// nabij may look the message up now. Twilio has not yet shown it.
			clock.Add(2 * time.Second)
			d.Wake()
			waitFor(500*time.Millisecond, func() bool { return proxy.creates.Load() >= 2 }) // a second create came within 60 ms before the fix
			// A few seconds after nabij gave up, Twilio has it (lateCreate),
			// or its list shows it (listLag).
			proxy.releaseNow()
			<-proxy.forwarded
			// Later still, nabij settles it.
			clock.Add(time.Minute)
			d.Wake()
			if !waitFor(10*time.Second, func() bool {
				ms := storedMessages(t, st)
				return len(ms) == 1 && ms[0].Status == alerts.StatusSent && !ms[0].Uncertain
			}) {
				t.Errorf("the message was not settled: %+v", storedMessages(t, st)[0])
			}
			once.Do(stop)

			m := storedMessages(t, st)[0]
			placed := len(tw.Calls()) + len(tw.Messages())
			if placed != 1 {
				t.Errorf("Twilio has %d %s for one message to the family (lookups %d, creates %d; recorded %s as %s): "+
					"the lookup found nothing a moment before Twilio had it, and nabij sent it again",
					placed, map[bool]string{true: "calls", false: "texts"}[tc.channel == school.ChannelVoice],
					proxy.lists.Load(), proxy.creates.Load(), m.ProviderID, m.Status)
			}
		})
	}
}
