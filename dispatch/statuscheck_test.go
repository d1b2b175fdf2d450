package dispatch_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// onClock makes a dispatcher's clock, and its fallbacks', clock.
func onClock(clock *testClock) func(*dispatch.Config) {
	return func(c *dispatch.Config) { c.Now, c.Fallbacks.Now = clock.Now, clock.Now }
}

// messageIn reads message id from the store.
func messageIn(t *testing.T, st *store.Store, id string) *alerts.Message {
	t.Helper()
	var m *alerts.Message
	if err := st.View(func(tx *store.Tx) (err error) { m, err = tx.Message(id); return err }); err != nil {
		t.Fatal(err)
	}
	return m
}

// eventually waits up to 10 s for cond, failing the test with what.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// Twilio posts each status callback once: one that found nabij down (a
// restart in the morning) is lost. A WhatsApp message still "sent" ten
// minutes after it went is fetched from Twilio, and Twilio's "undelivered"
// gives it its SMS all the same: through Run, on the dispatcher's clock.
func TestALostCallbackIsFetchedAndTheSMSStillGoes(t *testing.T) {
	t.Parallel()
	st := setupWhatsApp(t)
	wa := onlyMessage(t, st)
	tw := twiliotest.NewServer(twSID, twToken)
	t.Cleanup(tw.Close)
	// Twilio moves the message on to undelivered; no callback reaches nabij
	// (the sender here has no StatusCallback: every callback is lost).
	tw.FailDeliveryTo("whatsapp:"+wa.Phone, "undelivered", 63024)
	clock := &testClock{now: t0}
	seen := make(chan *alerts.Message, 16)
	d := twilioDispatcher(t, st, tw, seen, onClock(clock))
	stop := runDispatcher(d)
	defer stop()
	waitSeen(t, seen, func(m *alerts.Message) bool { return m.ID == wa.ID && m.Status == alerts.StatusSent })
	eventually(t, "Twilio has the WhatsApp message undelivered", func() bool {
		got := tw.Messages()
		return len(got) == 1 && got[0].Status == "undelivered"
	})
	if n := tw.FetchRequests(); n != 0 {
		t.Fatalf("%d fetches at once: a message is asked for only when its callback is overdue", n)
	}

	clock.Add(dispatch.StatusChecks[0])
	d.Wake()
	waitSeen(t, seen, func(m *alerts.Message) bool {
		return m.Channel == school.ChannelSMS && m.FallbackFor == wa.ID && m.Status == alerts.StatusSent
	})
	got := tw.Messages()
	if len(got) != 2 || got[1].To != wa.Phone {
		t.Fatalf("Twilio has %+v, want the WhatsApp message and then its SMS", got)
	}
	m := messageIn(t, st, wa.ID)
	if m.Status != alerts.StatusUndelivered || m.ErrorCode != 63024 || m.Fallback == "" || m.StatusChecks != 1 {
		t.Errorf("WhatsApp message: status %s, code %d, fallback %q, checks %d; want undelivered, 63024, its SMS, 1",
			m.Status, m.ErrorCode, m.Fallback, m.StatusChecks)
	}
	if n := tw.FetchRequests(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// A message Twilio itself still calls sent (an SMS to a network without
// delivery reports) is asked for twice, at 10 minutes and at an hour, and
// then left: never before its time, never a third time. A check refused
// for a passing reason (503) does not count and is asked again 5 minutes
// later (not every round: a few that keep failing would take the others'
// places); one Twilio cannot answer (404) counts.
func TestAStatusCheckIsAskedOnItsTimesAndNoMore(t *testing.T) {
	t.Parallel()
	st := setup(t, 2)
	tw := twiliotest.NewServer(twSID, twToken)
	t.Cleanup(tw.Close)
	tw.SetAutoCallbacks(false) // Twilio keeps both at "queued": nabij's "sent"
	clock := &testClock{now: t0}
	seen := make(chan *alerts.Message, 16)
	d := twilioDispatcher(t, st, tw, seen, onClock(clock))
	stop := runDispatcher(d)
	sent := map[string]bool{}
	waitSeen(t, seen, func(m *alerts.Message) bool {
		if m.Status == alerts.StatusSent {
			sent[m.ID] = true
		}
		return len(sent) == 2
	})
	stop() // the rounds are placed by hand from here
	ctx := context.Background()

	round := func(at time.Duration, wantChecked, wantFetches int) {
		t.Helper()
		clock.now = t0.Add(at)
		checked, changed, err := d.CheckStatuses(ctx)
		if err != nil || checked != wantChecked || changed != 0 {
			t.Fatalf("at %v: checked %d, changed %d, err %v; want %d checked, none changed", at, checked, changed, err, wantChecked)
		}
		if n := tw.FetchRequests(); n != wantFetches {
			t.Fatalf("at %v: %d fetches in all, want %d", at, n, wantFetches)
		}
	}
	round(9*time.Minute, 0, 0)
	tw.FailFetchNext(1, twiliotest.Failure503)
	round(10*time.Minute, 1, 2) // one 503, not counted: asked again 5 minutes later
	round(11*time.Minute, 0, 2)
	round(15*time.Minute, 1, 3)
	round(59*time.Minute, 0, 3)
	tw.FailFetchNext(1, twiliotest.Failure404)
	round(time.Hour, 2, 5) // one 404: counted
	round(26*time.Hour, 0, 5)
	for id := range sent {
		if m := messageIn(t, st, id); m.Status != alerts.StatusSent || m.StatusChecks != 2 {
			t.Errorf("message %s: %s after %d checks, want sent after 2", id, m.Status, m.StatusChecks)
		}
	}
}

// A status callback that comes after all, before the check, moves the
// message on: it is not asked for. And a check answers as the callback
// would: Twilio's "delivered" is recorded delivered.
func TestAStatusCheckAsksOnlyForWhatNoCallbackMovedOn(t *testing.T) {
	t.Parallel()
	st := setup(t, 2)
	tw := twiliotest.NewServer(twSID, twToken)
	t.Cleanup(tw.Close)
	tw.SetAutoCallbacks(false)
	clock := &testClock{now: t0}
	seen := make(chan *alerts.Message, 16)
	d := twilioDispatcher(t, st, tw, seen, onClock(clock))
	stop := runDispatcher(d)
	var sent []*alerts.Message
	waitSeen(t, seen, func(m *alerts.Message) bool {
		if m.Status == alerts.StatusSent {
			sent = append(sent, m)
		}
		return len(sent) == 2
	})
	stop()
	heard, lost := sent[0], sent[1]
	// Both are delivered at Twilio; nabij hears of the first only.
	if err := st.Update(func(tx *store.Tx) error {
		f := &alerts.Fallbacks{Now: clock.Now}
		_, err := f.Callback(tx, heard.ProviderID, "delivered", 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, m := range sent {
		if err := tw.SendStatus(m.ProviderID, "delivered", 0); err == nil {
			t.Fatal("the stand-in posted a callback the sender never asked for")
		}
	}
	clock.Add(dispatch.StatusChecks[0])
	checked, changed, err := d.CheckStatuses(context.Background())
	if err != nil || checked != 1 || changed != 1 || tw.FetchRequests() != 1 {
		t.Fatalf("checked %d, changed %d, fetched %d, err %v; want the one message nabij heard nothing of", checked, changed, tw.FetchRequests(), err)
	}
	if m := messageIn(t, st, lost.ID); m.Status != alerts.StatusDelivered || m.DeliveredAt == nil {
		t.Errorf("the message whose callback was lost: %s, delivered at %v; want delivered", m.Status, m.DeliveredAt)
	}
}

// callPlayedOut runs d until the one call in st is placed and has ended at
// the stand-in, and stops it: its webhooks (a sender whose VoiceURL goes
// nowhere) all lost.
func callPlayedOut(t *testing.T, d *dispatch.Dispatcher, st *store.Store, tw *twiliotest.Server) *alerts.Message {
	t.Helper()
	stop := runDispatcher(d)
	defer stop()
	var call *alerts.Message
	if !waitFor(10*time.Second, func() bool {
		ms := storedMessages(t, st)
		call = ms[0]
		return len(ms) == 1 && call.Status == alerts.StatusSent
	}) {
		t.Fatalf("the call was not placed: %+v", call)
	}
	eventually(t, "the call ended at Twilio", func() bool {
		c, _ := tw.CallBySID(call.ProviderID)
		return c.Done
	})
	return call
}

// A call's callbacks are lost too when nabij is down: a call still "sent"
// ten minutes after it was placed is fetched, and settled as its status
// callback would have settled it (no answer: tried once more in 15 minutes).
func TestACallWhoseCallbacksWereLostIsSettledByItsCheck(t *testing.T) {
	t.Parallel()
	const phone = "+31612340001"
	tw := twiliotest.NewServer(twSID, twToken)
	t.Cleanup(tw.Close)
	tw.ScriptCall(phone, twiliotest.CallScript{Outcome: twiliotest.CallNoAnswer})
	st := lookupStore(t, school.ChannelVoice, phone, "3001") // its webhooks go nowhere: every callback is lost
	clock := &testClock{now: t0}
	d := lookupDispatcher(st, lookupSender(t, tw.URL()), clock, 1)
	call := callPlayedOut(t, d, st, tw)
	if c, _ := tw.CallBySID(call.ProviderID); c.Status != "no-answer" {
		t.Fatalf("the call ended %s at Twilio, want no-answer", c.Status)
	}

	clock.Add(dispatch.StatusChecks[0])
	checked, changed, err := d.CheckStatuses(context.Background())
	if err != nil || checked != 1 || changed != 1 {
		t.Fatalf("checked %d, changed %d, err %v; want the call settled", checked, changed, err)
	}
	ms := storedMessages(t, st)
	if len(ms) != 2 {
		t.Fatalf("%d messages, want the call and its second try", len(ms))
	}
	m := ms[0]
	if m.Status != alerts.StatusFailed || m.Call == nil || m.Call.Outcome != "no-answer" || m.Retry != ms[1].ID {
		t.Errorf("the call: %s, %+v, retry %q; want failed, not answered, tried again", m.Status, m.Call, m.Retry)
	}
	if again := ms[1]; again.Status != alerts.StatusQueued || !again.DueAt.Equal(clock.Now().Add(alerts.CallRetryAfter)) {
		t.Errorf("its second try: %s, due %v; want queued for %v", again.Status, again.DueAt, clock.Now().Add(alerts.CallRetryAfter))
	}
}

// nabij is down while a call plays out: the phone is answered, Twilio asks
// nabij for the call's words, gets no answer (11205) and plays its own
// error; every status callback is lost too. The family heard nothing: the
// check must not record the call as reaching them ("voicemail: message
// left", or a late pupil's message "heard to its end") but as failed,
// tried once more within the alert's validity. (Found by a review.)
func TestACallNabijGaveNoWordsIsNotDelivered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, outcome, template string
	}{
		{"voicemail, absent", twiliotest.CallMachine, alerts.TemplateAbsent},
		{"person, late", twiliotest.CallHuman, alerts.TemplateLate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const phone = "+31612340002"
			tw := twiliotest.NewServer(twSID, twToken)
			t.Cleanup(tw.Close)
			tw.ScriptCall(phone, twiliotest.CallScript{Outcome: tc.outcome})
			st, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			msg := lookupMessage(school.ChannelVoice, phone, "3002", t0)
			msg.Template = tc.template
			if err := st.Update(func(tx *store.Tx) error { return tx.PutMessage(msg) }); err != nil {
				t.Fatal(err)
			}
			// The sender's webhooks go nowhere: nabij is down.
			clock := &testClock{now: t0}
			d := lookupDispatcher(st, lookupSender(t, tw.URL()), clock, 1)
			call := callPlayedOut(t, d, st, tw)
			c, _ := tw.CallBySID(call.ProviderID)
			if c.Status != "completed" || len(c.Played) != 0 || len(c.Errors) == 0 {
				t.Fatalf("Twilio's call: %s, played %+v, errors %+v: want completed, nothing played, a retrieval error", c.Status, c.Played, c.Errors)
			}

			clock.Add(dispatch.StatusChecks[0])
			if _, _, err := d.CheckStatuses(context.Background()); err != nil {
				t.Fatal(err)
			}
			ms := storedMessages(t, st)
			if m := ms[0]; m.Status != alerts.StatusFailed || m.Call.Outcome != alerts.CallFailed || len(ms) != 2 || m.Retry != ms[1].ID {
				t.Errorf("Twilio: %s, answered_by %q, nothing played; nabij: %s (%q), %d message(s); want failed and tried once more",
					c.Status, c.AnsweredBy, m.Status, m.Call.Summary(), len(ms))
			}
		})
	}
}

// stuckFetcher sends at once; its Fetch, like twilio-go's (no context),
// does not end when the dispatcher stops: it answers only when released.
type stuckFetcher struct {
	fetching chan struct{}
	release  chan struct{}
	once     sync.Once
}

func (s *stuckFetcher) Send(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, error) {
	return alerts.Receipt{ProviderID: "SM" + out.ID, Status: alerts.StatusSent}, nil
}

func (s *stuckFetcher) Fetch(ctx context.Context, channel, sid string) (alerts.Receipt, error) {
	s.once.Do(func() { close(s.fetching) })
	<-s.release
	return alerts.Receipt{ProviderID: sid, Status: alerts.StatusDelivered}, nil
}

// syncBuf is a log a test reads while the dispatcher writes it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *syncBuf) String() string              { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// A status check whose answer is slow when nabij stops holds nothing up
// (it is not counted, and the next start asks again): the stop does not
// wait for it, nor says sends were under way when none was, and the
// answer that comes after the stop is not written. (Found by a review:
// the stop waited its whole ShutdownWait.)
func TestAStatusCheckDoesNotHoldTheStop(t *testing.T) {
	t.Parallel()
	st := setup(t, 1)
	f := &stuckFetcher{fetching: make(chan struct{}), release: make(chan struct{})}
	clock := &testClock{now: t0}
	var logs syncBuf
	seen := make(chan *alerts.Message, 16)
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: f, Now: clock.Now,
		Fallbacks: &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: clock.Now},
		Log:       slog.New(slog.NewTextHandler(&logs, nil)), ShutdownWait: 3 * time.Second,
		Observe: func(m *alerts.Message) { seen <- m }})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); d.Run(ctx) }()
	waitSeen(t, seen, func(m *alerts.Message) bool { return m.Status == alerts.StatusSent })
	clock.Add(dispatch.StatusChecks[0])
	d.Wake()
	select {
	case <-f.fetching:
	case <-time.After(10 * time.Second):
		t.Fatal("no status check")
	}
	start := time.Now()
	cancel()
	<-ran
	if took := time.Since(start); took > time.Second {
		t.Errorf("Run took %v to stop, held by a status check", took.Round(100*time.Millisecond))
	}
	if l := logs.String(); strings.Contains(l, "stopped with sends under way") {
		t.Errorf("the stop says sends were under way; none was:\n%s", l)
	}
	close(f.release) // Twilio answers after the stop
	eventually(t, "the round ended", func() bool { return strings.Contains(logs.String(), "ended with the stop") })
	if m := onlyMessage(t, st); m.Status != alerts.StatusSent || m.StatusChecks != 0 {
		t.Errorf("after the stop: %s, %d checks; want sent, not counted", m.Status, m.StatusChecks)
	}
}
