package dispatch_test

import (
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/store"
)

// At start, every message left "sending" (a crash, or an answer that could
// not be recorded) is looked up and recorded or requeued; none is left.
func TestReconcileAtStartTakesEveryMessageLeftSending(t *testing.T) {
	t.Parallel()
	st := setup(t, 2)
	err := st.Update(func(tx *store.Tx) error {
		msgs, _ := tx.AllMessages()
		for i, m := range msgs {
			m.Status, m.Attempts, m.ClaimedAt = alerts.StatusSending, 1, time.Now()
			if i == 0 {
				m.ClaimedAt = time.Now().Add(-time.Hour) // stuck
			}
			if err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: &dispatch.LogSender{Log: discard()}, Now: func() time.Time { return t0 },
		Fallbacks: &alerts.Fallbacks{Now: func() time.Time { return t0 }}, Log: discard()})
	found, requeued, err := d.Reconcile(t.Context())
	if err != nil || found+requeued != 2 {
		t.Fatalf("reconcile at start: %d found, %d requeued, %v; want both", found, requeued, err)
	}
	_ = st.View(func(tx *store.Tx) error {
		if left, _ := tx.Sending(); len(left) != 0 {
			t.Errorf("%d messages still sending", len(left))
		}
		return nil
	})
}
