package dispatch

import (
	"context"
	"time"

	"github.com/nabij-isk/nabij/alerts"
)

// Reconcile deals with messages a crash left "sending": each is looked up at
// the provider. Found, it is recorded as sent; not found, it goes back to the
// outbox. Nothing is sent twice and nothing is lost. Run it before Run; Run
// itself reconciles messages stuck "sending" for longer than StuckAfter (a
// recording that failed), which no send can still be working on.
func (d *Dispatcher) Reconcile(ctx context.Context) (found, requeued int, err error) {
	return d.reconcile(ctx, 0)
}

// StuckAfter is how long a message may be "sending" before Run looks it up:
// far longer than a send may take.
const StuckAfter = 5 * time.Minute

func (d *Dispatcher) reconcile(ctx context.Context, olderThan time.Duration) (found, requeued int, err error) {
	var stuck []*alerts.Message
	if err := d.store.ViewAlerts(func(tx alerts.Tx) error {
		var err error
		stuck, err = tx.Sending()
		return err
	}); err != nil {
		return 0, 0, err
	}
	looker, canLook := d.sender.(Looker)
	for _, m := range stuck {
		if olderThan > 0 && (d.wall().Sub(m.ClaimedAt) < olderThan || d.isInFlight(m.ID)) {
			continue // a send may still be under way
		}
		out := outgoingOf(m)
		var receipt alerts.Receipt
		var ok bool
		var lookErr error
		if canLook {
			receipt, ok, lookErr = looker.Lookup(ctx, out)
		}
		if ok {
			d.record(m.ID, answer{receipt: receipt})
			found++
			continue
		}
		// Not found: safe to send. The lookup failed: it stays uncertain,
		// and is looked up again before it is sent.
		err := d.requeue(m.ID, func(m *alerts.Message) { m.Uncertain = lookErr != nil })
		if err != nil {
			return found, requeued, err
		}
		requeued++
	}
	return found, requeued, nil
}
