package dispatch_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/store"
)

// A send that times out leaves the message uncertain; when its validity ends
// before the provider has said whether it took it, the message is looked
// up, never sent again: found, it is recorded as sent (the family has it,
// and no one is told otherwise); not found, or the lookup unanswered, it
// expires, and a person is told it did not reach the family. (It was
// expired without a lookup: a task "not reached" for a message that was.)
func TestAnUncertainMessageIsLookedUpBeforeItExpires(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		taken  bool                // the timed-out send reached Twilio
		lookup *twiliotest.Failure // the lookup's answer, if it fails
		want   alerts.Status
	}{
		{"taken", true, nil, alerts.StatusSent},
		{"not taken", false, nil, alerts.StatusExpired},
		{"lookup unanswered", true, &twiliotest.Failure503, alerts.StatusExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := setup(t, 1)
			// Valid for 200 ms: the send's timeout (300 ms) outlasts it.
			if err := st.Update(func(tx *store.Tx) error {
				m, err := tx.Message(onlyID(t, st))
				if err != nil {
					return err
				}
				m.ExpiresAt = time.Now().Add(200 * time.Millisecond)
				return tx.PutMessage(m)
			}); err != nil {
				t.Fatal(err)
			}
			tw := twiliotest.NewServer(twSID, twToken)
			t.Cleanup(tw.Close)
			tw.SetAutoCallbacks(false)
			tw.StallNext(1, tc.taken)
			if tc.lookup != nil {
				tw.FailListNext(1, *tc.lookup)
			}
			seen := make(chan *alerts.Message, 16)
			d := twilioDispatcher(t, st, tw, seen)
			runUntil(t, d, seen, func(m *alerts.Message) bool {
				return m.Status != alerts.StatusQueued && m.Status != alerts.StatusSending
			})
			m := onlyMessage(t, st)
			if m.Status != tc.want {
				t.Errorf("status %s, want %s", m.Status, tc.want)
			}
			if n := tw.Requests(); n != 1 {
				t.Errorf("%d sends, want only the one that timed out", n)
			}
			if n := tw.ListRequests(); n != 1 {
				t.Errorf("%d lookups, want 1", n)
			}
			if tc.want == alerts.StatusSent && (m.ProviderID != tw.Messages()[0].SID || m.Uncertain) {
				t.Errorf("provider id %s (Twilio's %s), uncertain %v", m.ProviderID, tw.Messages()[0].SID, m.Uncertain)
			}
			var tasks int
			if err := st.View(func(tx *store.Tx) error {
				ts, err := tx.Tasks()
				tasks = len(ts)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 0, false: 1}[tc.want == alerts.StatusSent]; tasks != want {
				t.Errorf("%d tasks for the coordinator, want %d", tasks, want)
			}
		})
	}
}

// onlyID is the id of the store's one message.
func onlyID(t *testing.T, st *store.Store) string {
	t.Helper()
	return onlyMessage(t, st).ID
}

// lookSender is a Looker whose lookups answer look (found false, or err).
type lookSender struct {
	look  func() (alerts.Receipt, bool, error)
	sends atomic.Int64
	looks atomic.Int64
	delay time.Duration
}

func (l *lookSender) Send(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, error) {
	l.sends.Add(1)
	time.Sleep(l.delay)
	return alerts.Receipt{ProviderID: "SM" + out.ID, Status: alerts.StatusSent}, nil
}

func (l *lookSender) Lookup(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, bool, error) {
	l.looks.Add(1)
	return l.look()
}

// uncertainMessage makes the store's one message uncertain (one try made,
// a timeout), expiring at expires.
func uncertainMessage(t *testing.T, st *store.Store, expires time.Time) {
	t.Helper()
	if err := st.Update(func(tx *store.Tx) error {
		ms, err := tx.AllMessages()
		if err != nil {
			return err
		}
		for _, m := range ms {
			m.Uncertain, m.Attempts, m.ExpiresAt = true, 1, expires
			m.ClaimedAt = t0.Add(-10 * time.Minute)
			if err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func runFor(d *dispatch.Dispatcher, dur time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	d.Run(ctx)
}

func taskCount(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.View(func(tx *store.Tx) error {
		ts, err := tx.Tasks()
		n = len(ts)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// At night, an uncertain message quiet until after its validity ends is
// looked up; not found, it is not sent to the family at night: it expires
// into a task at once. (Found by a review.)
func TestAnUncertainMessageQuietPastItsValidityIsNotSentAtNight(t *testing.T) {
	t.Parallel()
	night := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	st := setup(t, 1)
	uncertainMessage(t, st, night.Add(2*time.Hour)) // ends at midnight, quiet until 07:00
	l := &lookSender{look: func() (alerts.Receipt, bool, error) { return alerts.Receipt{}, false, nil }}
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: l, Now: func() time.Time { return night },
		Quiet:     alerts.QuietHours{From: 7 * time.Hour, Until: 21 * time.Hour, Location: time.UTC},
		Fallbacks: &alerts.Fallbacks{Now: func() time.Time { return night }}, Log: discard()})
	runFor(d, 500*time.Millisecond)
	m := onlyMessage(t, st)
	if n := l.sends.Load(); n != 0 {
		t.Errorf("%d sends at 22:00 in quiet hours (message now %s)", n, m.Status)
	}
	if m.Status != alerts.StatusExpired || taskCount(t, st) != 1 {
		t.Errorf("status %s, %d tasks; want expired with one task", m.Status, taskCount(t, st))
	}
}

// The provider refuses the account (401, 20003) while an expired uncertain
// message waits: it cannot be looked up, and expires into a task on time
// (README: messages "still expire on time"); its attempts are not lowered.
// (Found by a review.)
func TestAnExpiredUncertainMessageExpiresWhileTheAccountIsRefused(t *testing.T) {
	t.Parallel()
	st := setup(t, 1)
	uncertainMessage(t, st, time.Now().Add(-time.Second)) // already expired
	refusal := &alerts.SendError{HTTPStatus: 401, Code: 20003, Message: "Authenticate"}
	l := &lookSender{look: func() (alerts.Receipt, bool, error) { return alerts.Receipt{}, false, refusal }}
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: l, Now: time.Now,
		PauseRetry: 100 * time.Millisecond,
		Fallbacks:  &alerts.Fallbacks{Now: time.Now}, Log: discard()})
	runFor(d, 1500*time.Millisecond)
	m := onlyMessage(t, st)
	if m.Status != alerts.StatusExpired {
		t.Errorf("status %s after 1.5 s of a refused account (lookups %d), want expired", m.Status, l.looks.Load())
	}
	if m.Attempts != 1 {
		t.Errorf("attempts %d, want 1 (the one timed-out send; a lookup is no try)", m.Attempts)
	}
}

// A lookup claim put back at shutdown (claimed ahead, not yet sent) keeps
// its attempts. (Found by a review.)
func TestALookupClaimPutBackKeepsItsAttempts(t *testing.T) {
	t.Parallel()
	st := setup(t, 4)
	uncertainMessage(t, st, t0.Add(-time.Second))
	l := &lookSender{look: func() (alerts.Receipt, bool, error) {
		time.Sleep(300 * time.Millisecond)
		return alerts.Receipt{}, false, nil
	}}
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: l, Now: func() time.Time { return t0 }, Workers: 1,
		Fallbacks: &alerts.Fallbacks{Now: func() time.Time { return t0 }}, Log: discard()})
	runFor(d, 100*time.Millisecond)
	for _, m := range allMessages(t, st) {
		if m.Attempts != 1 {
			t.Errorf("%s: status %s, attempts %d, want 1", m.ID, m.Status, m.Attempts)
		}
	}
}
