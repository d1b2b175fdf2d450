package dispatch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// t0 is the test clock's time: a school morning.
var t0 = time.Date(2026, 11, 30, 8, 40, 0, 0, time.UTC)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// setup is a store with n queued SMS alerts, due a minute before t0, to
// numbers of their own.
func setup(t *testing.T, n int) *store.Store {
	return setupIn(t, t.TempDir(), n)
}

// setupIn is setup with the store in dir.
func setupIn(t *testing.T, dir string, n int) *store.Store {
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Update(func(tx *store.Tx) error {
		for i := range n {
			m := &alerts.Message{Date: school.Date{Year: 2026, Month: 11, Day: 30}, Students: []string{fmt.Sprint(i)},
				Phone: fmt.Sprintf("+3161234%04d", i), Channel: school.ChannelSMS, Template: alerts.TemplateAbsent,
				Body: "x", Status: alerts.StatusQueued, DueAt: t0.Add(-time.Minute), CreatedAt: t0, UpdatedAt: t0}
			if err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

type fakeSender struct {
	mu    sync.Mutex
	at    []time.Time
	calls atomic.Int64
	delay func(call int64) time.Duration
}

func (f *fakeSender) Send(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, error) {
	if err := ctx.Err(); err != nil { // as twilio.Sender does before CreateMessage
		return alerts.Receipt{}, err
	}
	c := f.calls.Add(1)
	f.mu.Lock()
	f.at = append(f.at, time.Now()) // when the request reaches the provider
	f.mu.Unlock()
	time.Sleep(f.delay(c))
	return alerts.Receipt{ProviderID: "SM" + out.ID, Status: alerts.StatusSent}, nil
}

// cancelAfterSent is an Observe that calls cancel once n messages are
// recorded sent: a test that runs until n sends, or its deadline, ends then.
func cancelAfterSent(n int64, cancel context.CancelFunc) func(*alerts.Message) {
	var sent atomic.Int64
	return func(m *alerts.Message) {
		if m.Status == alerts.StatusSent && sent.Add(1) == n {
			cancel()
		}
	}
}

// The rate limit holds at the provider: messages do not pile up claimed
// while the provider is slow, to go out back to back when it recovers.
func TestLimiterBoundsSendsAfterASlowProvider(t *testing.T) {
	t.Parallel()
	st := setup(t, 40)
	f := &fakeSender{delay: func(c int64) time.Duration {
		if c <= 2 {
			return time.Second // the provider is slow for a moment
		}
		return 0
	}}
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: f, Now: func() time.Time { return t0 }, Workers: 2,
		Rate: 5, Fallbacks: &alerts.Fallbacks{Now: func() time.Time { return t0 }}, Log: discard()})
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	d.Run(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	worst := 0
	for i := range f.at {
		n := 0
		for j := i; j < len(f.at) && f.at[j].Sub(f.at[i]) < 100*time.Millisecond; j++ {
			n++
		}
		worst = max(worst, n)
	}
	// 5/s, burst 1: a token every 200 ms, so at most 2 sends in any 100 ms
	// (one of slack). Messages that piled up claimed would go out back to
	// back, within a few ms; the window leaves room for a loaded machine's
	// scheduler delaying one send towards the next (it failed at 200 ms
	// with other test binaries running).
	if worst > 2 {
		t.Errorf("%d sends within 100 ms under a 5/s limit", worst)
	}
	if len(f.at) < 5 {
		t.Errorf("%d sends in 2.5 s at 5/s: the dispatcher stalled", len(f.at))
	}
}

// At shutdown a message claimed ahead and not yet sent goes back to the
// outbox as it was: not uncertain, no attempt counted, nothing lost.
func TestShutdownPutsClaimedAheadBack(t *testing.T) {
	t.Parallel()
	st := setup(t, 20)
	f := &fakeSender{delay: func(int64) time.Duration { return 300 * time.Millisecond }}
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: f, Now: func() time.Time { return t0 }, Workers: 1,
		Fallbacks: &alerts.Fallbacks{Now: func() time.Time { return t0 }}, Log: discard()})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	d.Run(ctx)
	sent, back := 0, 0
	err := st.View(func(tx *store.Tx) error {
		ms, err := tx.AllMessages()
		for _, m := range ms {
			switch {
			case m.Status == alerts.StatusSent && m.Attempts == 1:
				sent++
			case m.Status == alerts.StatusQueued && !m.Uncertain && m.Attempts == 0:
				back++
			default:
				t.Errorf("%s after shutdown: status %s, attempts %d, uncertain %v", m.ID, m.Status, m.Attempts, m.Uncertain)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if int64(sent) != f.calls.Load() || sent+back != 20 {
		t.Errorf("%d sent (provider calls %d), %d back in the outbox, of 20", sent, f.calls.Load(), back)
	}
}

// One message whose claim fails (here: its read fails) stands for any
// per-message error in claimOne (ApplyStatus, CheckReach, a damaged record).
type poisonStore struct{ *store.Store }
type poisonTx struct{ alerts.Tx }

func (p poisonTx) Message(id string) (*alerts.Message, error) {
	if id == "m000000001" {
		return nil, errors.New("damaged")
	}
	return p.Tx.Message(id)
}
func (p poisonStore) BatchAlerts(fn func(alerts.Tx) error) error {
	return p.Store.BatchAlerts(func(tx alerts.Tx) error { return fn(poisonTx{tx}) })
}

func TestOneMessageThatCannotBeClaimedFailsAlone(t *testing.T) {
	t.Parallel()
	st := setup(t, 20)
	f := &fakeSender{delay: func(int64) time.Duration { return 0 }}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	d := dispatch.NewDispatcher(dispatch.Config{Store: poisonStore{st}, Sender: f, Now: func() time.Time { return t0 }, Workers: 2,
		Fallbacks: &alerts.Fallbacks{Now: func() time.Time { return t0 }}, Log: discard(), Observe: cancelAfterSent(19, cancel)})
	d.Run(ctx)
	if got := f.calls.Load(); got != 19 {
		t.Errorf("%d of the 19 healthy messages sent in 2 s", got)
	}
}

// A message coming due just after another is sent on time: the loop looks at
// the outbox again after a claim rather than sleep on a due time it read
// before the claim (which made it wait a whole second).
func TestMessageDueJustAfterAnotherIsNotHeldBack(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	due := []time.Time{start, start.Add(30 * time.Millisecond), start.Add(60 * time.Millisecond)}
	err = st.Update(func(tx *store.Tx) error {
		for i, at := range due {
			m := &alerts.Message{Date: school.Date{Year: 2026, Month: 11, Day: 30}, Students: []string{fmt.Sprint(i)},
				Phone: fmt.Sprintf("+3161234%04d", i), Channel: school.ChannelSMS, Template: alerts.TemplateAbsent,
				Body: "x", Status: alerts.StatusQueued, DueAt: at, CreatedAt: start, UpdatedAt: start}
			if err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSender{delay: func(int64) time.Duration { return 0 }}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: f, Now: time.Now, Workers: 2,
		Fallbacks: &alerts.Fallbacks{Now: time.Now}, Log: discard(), Observe: cancelAfterSent(int64(len(due)), cancel)})
	d.Run(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.at) != len(due) {
		t.Fatalf("%d of %d messages sent", len(f.at), len(due))
	}
	for i, at := range f.at {
		// Generous: a slow machine is late by milliseconds, the bug by a second.
		if late := at.Sub(due[i]); late > 500*time.Millisecond {
			t.Errorf("message %d went out %v after it was due", i, late)
		}
	}
}

// The store refuses writes for a moment (every claim fails, so it is the
// store, not a message): once it is back, the messages go out, rather than
// each of them being left alone for failingPause.
type outageStore struct {
	*store.Store
	until time.Time
	fails atomic.Int64
}

func (o *outageStore) BatchAlerts(fn func(alerts.Tx) error) error {
	if time.Now().Before(o.until) {
		o.fails.Add(1)
		return errors.New("disk I/O error")
	}
	return o.Store.BatchAlerts(fn)
}

func TestAShortStoreOutageHoldsNoMessageBack(t *testing.T) {
	t.Parallel()
	st := setup(t, 20)
	o := &outageStore{Store: st, until: time.Now().Add(200 * time.Millisecond)}
	f := &fakeSender{delay: func(int64) time.Duration { return 0 }}
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	d := dispatch.NewDispatcher(dispatch.Config{Store: o, Sender: f, Now: func() time.Time { return t0 }, Workers: 2,
		Fallbacks: &alerts.Fallbacks{Now: func() time.Time { return t0 }}, Log: discard(), Observe: cancelAfterSent(20, cancel)})
	d.Run(ctx)
	if got := f.calls.Load(); got != 20 {
		t.Errorf("%d of 20 messages sent within 2.3 s of a 0.2 s store outage (%d failed claims)", got, o.fails.Load())
	}
}
