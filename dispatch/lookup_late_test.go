package dispatch_test

// The lookup of a send that ended without an answer ("nothing is ever sent
// twice, nothing is lost"), driven through nabij's real Twilio sender and
// the Twilio stand-in. From a delivery review, whose tests these are: each
// failed before its fix.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/nabij-isk/nabij/internal/pgtest"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

const lookupVoiceFrom = "+3197010000009"

// notFixed is why the sibling's call after a restore is skipped.
const notFixed = "not met: after a restore, a call lookup cannot tell a sibling's call placed after the backup from the restored message's own (nothing in Twilio's list of calls names the message)"

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

// A restore from a backup marks the messages waiting in it
// uncertain since the backup's last write (store.MarkRestored): each is
// looked up at Twilio before it is sent. The restored store knows nothing
// of what was sent after the backup, so the lookup's guard against taking
// another message's resource (Outgoing.Taken, the provider ids nabij
// recorded) knows none of those either; a text is also compared by its
// body, a call by nothing but its number and its time.
//
//   - sibling's call: the backup holds Sami's call to his mother, waiting
//     (in its hold). After the backup, it was not placed (his mentor
//     withdrew it inside the hold) and nabij called the same mother about
//     his sister Noor, whose list came later; her voicemail took it. Then
//     the store was lost and the backup restored. Sami's call is looked
//     up and takes Noor's call for its own: recorded delivered ("voicemail:
//     message left") though no call about Sami was ever placed, and it is
//     never placed.
//   - tomorrow's call: Monday's call waits in Monday's backup and was
//     never placed (withdrawn); the backup is restored on Tuesday, after
//     Tuesday's call to the same mother. Monday's call, expired, is looked
//     up once more and takes Tuesday's call for its own.
//   - tomorrow's text: the same with an SMS: the body, which names the
//     pupil and says "today", is Tuesday's as well.
//   - sibling's text (control): a text about another pupil has another
//     body, and is not taken.
//
// A lookup now passes over what Twilio made after the message could no
// longer be sent (Outgoing.Until, its validity's end, plus the Twilio
// timeout and a minute): tomorrow's call and text are not taken. The
// sibling's call, the same morning, still is (skipped below).
//
// The sibling's call is not met (README, Operations: backup and restore): a call carries nothing
// Twilio's list of calls shows that names the message it is about (its
// TwiML address does, in Twilio's Call Events, readable only 15 minutes
// after the call ends), and the restored store does not know the other
// message. The case stays here, skipped, until it is.
func TestARestoredMessageDoesNotTakeALaterOneAsItsOwn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		channel  school.Channel
		other    string        // the pupil the message after the backup is about
		later    time.Duration // when the restore is, after the backup (service clock)
		expected alerts.Status // what becomes of the restored message, not found
		left     string        // why the case is not yet met
	}{
		{"sibling's call", school.ChannelVoice, "3004", 0, alerts.StatusSent, notFixed},
		{"tomorrow's call", school.ChannelVoice, "3001", 24 * time.Hour, alerts.StatusExpired, ""},
		{"tomorrow's text", school.ChannelSMS, "3001", 24 * time.Hour, alerts.StatusExpired, ""},
		{"sibling's text (control)", school.ChannelSMS, "3004", 0, alerts.StatusSent, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.left != "" {
				t.Skip(tc.left)
			}
			t.Parallel()
			const mother = "+31612347001"
			tw := twiliotest.NewServer(twSID, twToken)
			t.Cleanup(tw.Close)
			tw.SetAutoCallbacks(false)
			tw.ScriptCall(mother, twiliotest.CallScript{Outcome: twiliotest.CallMachine})
			st := lookupStore(t, tc.channel, mother, "3001")
			sami := storedMessages(t, st)[0]
			// The backup is restored: its waiting message is marked to be
			// looked up, since the backup's last write.
			if n, err := st.MarkRestored(); err != nil || n != 1 {
				t.Fatalf("MarkRestored: %d, %v", n, err)
			}
			// After the backup (and before the restore), nabij sent the other
			// message to the same mother; the restored store does not have it.
			s := lookupSender(t, tw.URL())
			other := lookupMessage(tc.channel, mother, tc.other, t0.Add(tc.later))
			r, err := s.Send(context.Background(), alerts.Outgoing{ID: "m-after-the-backup", To: mother, Channel: string(tc.channel), Body: other.Body})
			if err != nil {
				t.Fatal(err)
			}
			if tc.channel == school.ChannelVoice {
				if c, ok := tw.WaitForCall(r.ProviderID, 10*time.Second); !ok {
					t.Fatalf("the other call did not end: %+v", c)
				}
			}
			clock := &testClock{now: t0.Add(tc.later)}
			d := lookupDispatcher(st, s, clock, 1)
			stop := runDispatcher(d)
			var once sync.Once
			t.Cleanup(func() { once.Do(stop) })
			var m *alerts.Message
			if !waitFor(10*time.Second, func() bool {
				m = storedMessages(t, st)[0]
				return m.Status != alerts.StatusQueued && m.Status != alerts.StatusSending
			}) {
				t.Fatalf("the restored message was not settled: %+v", m)
			}
			once.Do(stop)
			m = storedMessages(t, st)[0]
			outcome := ""
			if m.Call != nil {
				outcome = m.Call.Outcome
			}
			if m.ID != sami.ID || m.ProviderID == r.ProviderID || m.Status != tc.expected {
				t.Errorf("the restored message about pupil 3001 is %s (call outcome %q) with provider id %s: Twilio's %s, "+
					"which nabij sent after the backup about pupil %s; want it not found there, and %s",
					m.Status, outcome, m.ProviderID, r.ProviderID, tc.other, tc.expected)
			}
			if want := map[alerts.Status]int{alerts.StatusSent: 2, alerts.StatusExpired: 1}[tc.expected]; len(tw.Calls())+len(tw.Messages()) != want {
				t.Errorf("Twilio has %d calls and %d texts to the mother, want %d in all: the restored message %s",
					len(tw.Calls()), len(tw.Messages()), want, map[bool]string{true: "was never sent", false: "was sent"}[want == 2])
			}
		})
	}
}

// Also in the area: two calls to the same mother wait in the backup (an
// absence and an apology, messages of their own), and both were placed
// after it, Sami's first. Restored, both are looked up: each lookup takes
// the earliest call not recorded for another message, and the first's
// answer is not yet committed when the second looks (Outgoing.Taken's
// "window of one commit": lookups run at once on several workers, and a
// worker does not wait for its answer's commit before its next message),
// so both take Sami's call. Noor's message is settled by Sami's call, and
// Noor's own call is no one's. Before the fix (one uncertain message per
// number looked up at a time) it failed 10 of 10 runs with 4 workers
// (production's default) and 5 of 10 with one.
func TestTwoRestoredCallsToOneMotherTakeTheirOwnCalls(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			t.Parallel()
			twoRestoredCalls(t, workers)
		})
	}
}

func twoRestoredCalls(t *testing.T, workers int) {
	const mother = "+31612347001"
	tw := twiliotest.NewServer(twSID, twToken)
	t.Cleanup(tw.Close)
	tw.SetAutoCallbacks(false)
	ring := make(chan struct{})
	t.Cleanup(func() { close(ring) })
	tw.ScriptCall(mother, twiliotest.CallScript{Hold: ring})
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sami := lookupMessage(school.ChannelVoice, mother, "3001", t0)
	noor := lookupMessage(school.ChannelVoice, mother, "3004", t0)
	noor.Template, noor.DueAt = alerts.TemplateApology, sami.DueAt.Add(time.Second)
	if err := st.Update(func(tx *store.Tx) error {
		if err := tx.PutMessage(sami); err != nil {
			return err
		}
		return tx.PutMessage(noor)
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.MarkRestored(); err != nil || n != 2 {
		t.Fatalf("MarkRestored: %d, %v", n, err)
	}
	s := lookupSender(t, tw.URL())
	own := placeInTurn(t, tw, s, mother, sami, noor)
	clock := &testClock{now: t0}
	d := lookupDispatcher(st, s, clock, workers)
	stop := runDispatcher(d)
	var once sync.Once
	t.Cleanup(func() { once.Do(stop) })
	if !waitFor(10*time.Second, func() bool {
		for _, m := range storedMessages(t, st) {
			if m.Status == alerts.StatusQueued || m.Status == alerts.StatusSending {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("the restored calls were not settled")
	}
	once.Do(stop)
	for _, m := range storedMessages(t, st) {
		if m.ProviderID != own[m.ID] {
			t.Errorf("message %s (pupil %s) is %s with call %s; its own call is %s (Sami's %s, Noor's %s)",
				m.ID, m.Students[0], m.Status, m.ProviderID, own[m.ID], own[sami.ID], own[noor.ID])
		}
	}
	if n := len(tw.Calls()); n != 2 {
		t.Errorf("%d calls to the mother, want the 2 placed before the restore", n)
	}
}

// Two replicas on one PostgreSQL store, after a restore: two calls to the
// same mother wait in it, each placed once after the backup. A replica does
// not claim an uncertain message to a number while the store holds another
// uncertain one to it "sending" (claimed by either), so the two lookups do
// not run at once and each takes its own call.
// TestTwoRestoredCallsToOneMotherTakeTheirOwnCalls with one dispatcher per
// replica. (Found by a review: with the rule in each dispatcher's memory
// alone, 4 of 5 runs gave a message the other's call.)
func TestTwoReplicasTakeTheirOwnCallsAfterARestore(t *testing.T) {
	t.Parallel()
	cluster, err := pgtest.Start(context.Background(), pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	fails := 0
	const runs = 3
	for run := range runs {
		url, err := cluster.CreateDatabase(context.Background(), "replicas")
		if err != nil {
			t.Fatal(err)
		}
		if !twoReplicasTakeOwnCalls(t, url, run) {
			fails++
		}
	}
	if fails > 0 {
		t.Errorf("%d of %d runs: a message took the other's call", fails, runs)
	}
}

func twoReplicasTakeOwnCalls(t *testing.T, url string, run int) bool {
	const mother = "+31612347001"
	tw := twiliotest.NewServer(twSID, twToken)
	defer tw.Close()
	tw.SetAutoCallbacks(false)
	ring := make(chan struct{})
	defer close(ring)
	tw.ScriptCall(mother, twiliotest.CallScript{Hold: ring})
	var stores [2]*store.Store
	for i := range stores {
		st, err := store.OpenPostgres(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[i] = st
	}
	sami := lookupMessage(school.ChannelVoice, mother, "3001", t0)
	noor := lookupMessage(school.ChannelVoice, mother, "3004", t0)
	noor.Template, noor.DueAt = alerts.TemplateApology, sami.DueAt.Add(time.Second)
	if err := stores[0].Update(func(tx *store.Tx) error {
		if err := tx.PutMessage(sami); err != nil {
			return err
		}
		return tx.PutMessage(noor)
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := stores[0].MarkRestored(); err != nil || n != 2 {
		t.Fatalf("MarkRestored: %d, %v", n, err)
	}
	s := lookupSender(t, tw.URL())
	own := placeInTurn(t, tw, s, mother, sami, noor)
	clock := &testClock{now: t0}
	var stops []func()
	var once sync.Once
	stopAll := func() {
		once.Do(func() {
			for _, stop := range stops {
				stop()
			}
		})
	}
	defer stopAll()
	for i, st := range stores {
		d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: lookupSender(t, tw.URL()), Now: clock.Now, Workers: 1,
			Fallbacks: &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: clock.Now}, Log: discard(),
			Replicas: dispatch.Replicas{Self: []string{"replica-a", "replica-b"}[i]}})
		stops = append(stops, runDispatcher(d))
	}
	if !waitFor(15*time.Second, func() bool {
		for _, m := range storedMessages(t, stores[0]) {
			if m.Status == alerts.StatusQueued || m.Status == alerts.StatusSending {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("run %d: the restored calls were not settled", run)
	}
	stopAll()
	ok := true
	for _, m := range storedMessages(t, stores[0]) {
		if m.ProviderID != own[m.ID] {
			ok = false
			t.Logf("run %d: message %s (pupil %s, claimed by %s) is %s with call %s; its own call is %s",
				run, m.ID, m.Students[0], m.ClaimedBy, m.Status, m.ProviderID, own[m.ID])
		}
	}
	return ok
}

// placeInTurn places a call for each message at Twilio, a second apart by
// its date_created (to the second, as Twilio's), and returns each
// message's call.
func placeInTurn(t *testing.T, tw *twiliotest.Server, s *twilio.Sender, to string, msgs ...*alerts.Message) map[string]string {
	t.Helper()
	own := map[string]string{} // message → its call
	for i, m := range msgs {
		created := time.Now().Add(time.Duration(i) * time.Second)
		tw.SetCreatedAt(func() time.Time { return created })
		r, err := s.Send(context.Background(), alerts.Outgoing{ID: m.ID, To: to, Channel: "voice"})
		if err != nil {
			t.Fatal(err)
		}
		own[m.ID] = r.ProviderID
	}
	tw.SetCreatedAt(nil)
	return own
}
