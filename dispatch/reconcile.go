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

// reconcile looks up the messages left "sending": all of them (olderThan
// 0, at start), those stuck longer than olderThan (> 0), or (-1) only those
// of replicas gone for longer than their grace. With replicas, a message
// another replica claimed is looked up only once that replica is gone.
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
	orphans := map[string]bool{} // claimant → gone long enough
	for _, m := range stuck {
		if d.replicas.Gone != nil && m.ClaimedBy != d.replicas.Self {
			gone, seen := orphans[m.ClaimedBy]
			if !seen {
				gone = d.goneLongEnough(ctx, m.ClaimedBy)
				orphans[m.ClaimedBy] = gone
			}
			if !gone {
				continue // its replica sends it, or may still
			}
		} else if olderThan < 0 || olderThan > 0 && (d.wall().Sub(m.ClaimedAt) < olderThan || d.isInFlight(m.ID)) {
			continue // a send may still be under way
		}
		var receipt alerts.Receipt
		var ok bool
		var lookErr error
		if canLook {
			receipt, ok, lookErr = looker.Lookup(ctx, d.lookupOf(m))
		}
		if ok {
			if d.record(m, answer{receipt: receipt}) {
				found++
			}
			continue
		}
		// Not found: safe to send, once the provider has had the time to
		// act on a request that was on its way when nabij stopped (a
		// restart within seconds of a crash): until then it stays
		// uncertain and is looked up again first (the sender's Settler).
		// The lookup failed: it stays uncertain, and is looked up again
		// before it is sent.
		// From the last claim (UpdatedAt, set by each): an uncertain
		// message keeps ClaimedAt from its first try.
		wait := d.settleTime - d.now().Sub(m.UpdatedAt)
		back, err := d.requeue(m, func(m *alerts.Message) {
			m.Uncertain = lookErr != nil || canLook && wait > 0
			if canLook && wait > 0 {
				m.DueAt = m.DueAt.Add(wait)
			}
		})
		if err != nil {
			return found, requeued, err
		}
		if back {
			requeued++
		} else {
			d.log.Info("a message looked up was settled meanwhile by another: left as it is", "message", m.ID)
		}
	}
	return found, requeued, nil
}

// goneLongEnough reports whether the replica that claimed a message is
// gone, and has been for the grace (first seen gone now, it is not yet).
// A claim of no replica (made on bbolt, before the store moved) has none
// that could still send it.
func (d *Dispatcher) goneLongEnough(ctx context.Context, replica string) bool {
	if replica == "" {
		return true
	}
	gone, err := d.replicas.Gone(ctx, replica)
	if err != nil {
		d.log.Error("asking whether a replica is gone", "replica", replica, "err", err)
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !gone {
		delete(d.gone, replica)
		return false
	}
	since, ok := d.gone[replica]
	if !ok {
		d.gone[replica] = d.wall()
		return d.replicas.Grace <= 0
	}
	return d.wall().Sub(since) >= d.replicas.Grace
}
