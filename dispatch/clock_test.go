package dispatch_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/store"
)

// testClock is a clock that moves only when the test moves it.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// healingStore fails every read of message m000000001 in a claim while
// damaged is set.
type healingStore struct {
	*store.Store
	damaged *atomic.Bool
}

type healingTx struct {
	alerts.Tx
	damaged *atomic.Bool
}

func (h healingTx) Message(id string) (*alerts.Message, error) {
	if id == "m000000001" && h.damaged.Load() {
		return nil, errors.New("damaged")
	}
	return h.Tx.Message(id)
}

func (h healingStore) BatchAlerts(fn func(alerts.Tx) error) error {
	return h.Store.BatchAlerts(func(tx alerts.Tx) error { return fn(healingTx{tx, h.damaged}) })
}

// The dispatcher keeps one clock, Config.Now, for its own waits too: a
// message whose claim failed is left alone for a minute of that clock, then
// claimed again, here without a minute of waiting.
func TestAFailedClaimRestsAMinuteOfTheDispatchersClock(t *testing.T) {
	t.Parallel()
	st := setup(t, 3)
	var damaged atomic.Bool
	damaged.Store(true)
	clock := &testClock{now: t0}
	f := &fakeSender{delay: func(int64) time.Duration { return 0 }}
	seen := make(chan *alerts.Message, 64)
	d := dispatch.NewDispatcher(dispatch.Config{Store: healingStore{st, &damaged}, Sender: f, Now: clock.Now, Workers: 2,
		Fallbacks: &alerts.Fallbacks{Now: clock.Now}, Log: discard(),
		Observe: func(m *alerts.Message) { c := *m; seen <- &c }})
	stop := runDispatcher(d)
	defer stop()
	sent := map[string]bool{}
	waitSeen(t, seen, func(m *alerts.Message) bool {
		if m.Status == alerts.StatusSent {
			sent[m.ID] = true
		}
		return len(sent) == 2
	})
	if sent["m000000001"] || f.calls.Load() != 2 {
		t.Fatalf("sent %v (%d sends) while m000000001 cannot be claimed", sent, f.calls.Load())
	}
	damaged.Store(false) // repaired; its claim is still left alone for a minute
	clock.Add(time.Minute)
	d.Wake()
	waitSeen(t, seen, func(m *alerts.Message) bool { return m.ID == "m000000001" && m.Status == alerts.StatusSent })
	if got := f.calls.Load(); got != 3 {
		t.Errorf("%d sends, want each of the 3 messages once", got)
	}
}
