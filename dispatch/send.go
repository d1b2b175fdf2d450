package dispatch

// One try of a message: what the provider is handed, its answer, and the
// answer recorded in the store beside the workers (dispatcher.go runs the
// loop and the workers that call these).

import (
	"context"
	"errors"

	"github.com/nabij-isk/nabij/alerts"
)

// outgoingOf is what the provider is given of m.
func outgoingOf(m *alerts.Message) alerts.Outgoing {
	return alerts.Outgoing{ID: m.ID, To: m.Phone, Channel: string(m.Channel), Body: m.Body, Claimed: m.ClaimedAt,
		ContentSID: m.ContentSID, ContentVariables: m.ContentVariables}
}

// lookupOf is what a lookup at the provider is given of m: as sent, and
// which of the provider's ids are other messages' (recorded in the store),
// so that a lookup does not take another message to the same number for
// m.
func (d *Dispatcher) lookupOf(m *alerts.Message) alerts.Outgoing {
	out := outgoingOf(m)
	if !m.ExpiresAt.IsZero() {
		// The validity's end on the wall clock (the provider's), from the
		// service's clock.
		out.Until = d.wall().Add(m.ExpiresAt.Sub(d.now()))
	}
	out.Taken = func(providerID string) (bool, error) {
		taken := false
		err := d.store.ViewAlerts(func(tx alerts.Tx) error {
			other, err := tx.MessageByProviderID(providerID)
			if errors.Is(err, alerts.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			taken = other.ID != m.ID
			return nil
		})
		return taken, err
	}
	return out
}

// answer is what became of one try of a message: the provider's receipt,
// or the error that ended it, and whether that error came from the lookup
// of an uncertain message (then nothing was sent, and it stays uncertain).
type answer struct {
	receipt  alerts.Receipt
	err      error
	inLookup bool
	// expired: the message's validity ended, and the provider does not
	// have it (or did not say): it is given up, not sent.
	expired bool
}

// send hands a claimed message to the provider. A message whose last send
// ended without an answer is looked up first: found, it is not sent again;
// the lookup refused or unanswered, it is not sent at all this time.
func (d *Dispatcher) send(ctx context.Context, m *alerts.Message) answer {
	out := outgoingOf(m)
	if !m.ExpiresAt.IsZero() {
		out.ValidFor = m.ExpiresAt.Sub(d.now())
	}
	if m.Uncertain {
		// The last send ended without an answer: the provider may have it.
		now := d.now()
		expired := !m.ExpiresAt.IsZero() && !now.Before(m.ExpiresAt) || tooLate(m, now, d.opensAt(m, now))
		if looker, ok := d.sender.(Looker); ok {
			receipt, found, err := looker.Lookup(ctx, d.lookupOf(m))
			switch {
			case err != nil && expired && !alerts.IsAccountRefusal(err) && ctx.Err() == nil:
				// Unanswered: given up. (Stopping is no answer: the next
				// start looks it up.)
				return answer{err: err, inLookup: true, expired: true}
			case err != nil:
				return answer{err: err, inLookup: true}
			case found:
				return answer{receipt: receipt}
			}
		}
		if expired {
			return answer{expired: true} // too late to send
		}
	}
	receipt, err := d.sender.Send(ctx, out)
	return answer{receipt: receipt, err: err}
}

// record writes the provider's answer to the claim held in its own
// transaction, and reports whether it did: a message that is no longer
// that claim (sameClaim) is not written.
func (d *Dispatcher) record(held *alerts.Message, a answer) bool {
	id := held.ID
	receipt, sendErr := a.receipt, a.err
	var m *alerts.Message
	stale := false
	err := d.store.BatchAlerts(func(tx alerts.Tx) error {
		var err error
		if m, err = tx.Message(id); err != nil {
			return err
		}
		if stale = !sameClaim(m, held); stale {
			return nil
		}
		now := d.now()
		var se *alerts.SendError
		switch {
		case a.expired:
			// Its validity ended and the provider does not have it, or would
			// not say: a person is told it did not reach the family.
			m.Status = alerts.StatusQueued
			m.Attempts = max(m.Attempts-1, 0) // looked up, not sent: no try
			if sendErr != nil {
				m.ErrorCode = errorCode(sendErr)
			}
			if _, err := d.fallbacks.ApplyStatus(tx, m, alerts.StatusExpired, 0); err != nil {
				return err
			}
		case sendErr == nil:
			m.ProviderID, m.Uncertain = receipt.ProviderID, false
			// A call is settled as its status callback would settle it: one
			// found by a lookup may have played out while nabij could not be
			// reached, and its callbacks will not come again (an absence's
			// call completed with no key pressed: failed, and called once
			// more while the alert is valid).
			// A message the provider took and failed at once (a 201 that says
			// "failed") is failed now, with its fallback: no callback may come.
			if _, err := d.applyReceipt(tx, m, receipt); err != nil {
				return err
			}
			// Reports that came before this record, in whatever order:
			// each applied, a status never going back (ApplyStatus).
			early, err := tx.TakeEarlyStatuses(m.ProviderID)
			if err != nil {
				return err
			}
			for _, e := range early {
				if _, err := d.fallbacks.ApplyStatus(tx, m, e.Status, e.Code); err != nil {
					return err
				}
			}
		case alerts.IsAccountRefusal(sendErr):
			// The provider refuses the account, not this message: nothing
			// was taken and this was no try. It waits, due, for the
			// provider to accept again (the dispatcher pauses: pause.go);
			// refused in its lookup, it is still uncertain.
			errors.As(sendErr, &se)
			m.Uncertain = a.inLookup
			m.Status = alerts.StatusQueued
			m.Attempts = max(m.Attempts-1, 0)
			m.DueAt = now
			m.ErrorCode = se.Code
			m.UpdatedAt = now
			if err := refusedTask(tx, se, now); err != nil {
				return err
			}
		case a.inLookup:
			// The lookup was refused or not answered: whether the provider
			// has the message is still unknown, so it stays uncertain and is
			// looked up again, never sent on a guess.
			m.Uncertain = true
			m.Status = alerts.StatusQueued
			m.DueAt = now.Add(d.backoff.Delay(m.Attempts))
			m.ErrorCode = errorCode(sendErr)
			m.UpdatedAt = now
		case errors.As(sendErr, &se) && !se.Retryable:
			if _, err := d.fallbacks.ApplyStatus(tx, m, alerts.StatusFailed, se.Code); err != nil {
				return err
			}
		default:
			// A passing refusal (429, 503) is certain: nothing was taken. A
			// network error is not, nor a 500, 502 or 504: the provider may
			// have the message, and it is looked up before it is sent again.
			m.Uncertain = !errors.As(sendErr, &se) || se.MayHaveBeenTaken()
			m.Status = alerts.StatusQueued
			m.DueAt = now.Add(d.backoff.Delay(m.Attempts))
			if m.Uncertain {
				// The provider may come to have it a while after nabij gave
				// up: a lookup sooner would not find it, and it would be sent
				// twice (Settler).
				if settled := now.Add(d.settleTime); m.DueAt.Before(settled) {
					m.DueAt = settled
				}
			}
			m.ErrorCode = errorCode(sendErr)
			m.UpdatedAt = now
		}
		return tx.PutMessage(m)
	})
	if err != nil {
		// The provider has the message but nabij could not record it: it stays
		// "sending", which is reconciled rather than sent again.
		d.log.Error("recording send result failed", "message", id, "err", err)
		return false
	}
	if stale {
		d.log.Warn("an answer for a message claimed again since: not recorded", "message", id, "status", m.Status)
		return false
	}
	switch {
	case a.expired:
		d.log.Warn("an uncertain message expired: the provider does not have it, or did not say", "message", id, "lookup_failed", sendErr != nil)
	case sendErr != nil:
		d.log.Warn("send refused", "message", id, "channel", m.Channel, "status", m.Status, "code", m.ErrorCode, "attempt", m.Attempts, "uncertain", m.Uncertain, "in_lookup", a.inLookup)
	default:
		d.log.Info("message handed to provider", "message", id, "channel", m.Channel, "status", m.Status)
	}
	d.observe(m)
	if m.Fallback != "" || m.Status == alerts.StatusQueued {
		d.Wake() // its fallback, or its next try, is due soon
	}
	return true
}

func (d *Dispatcher) observe(m *alerts.Message) {
	if d.observer != nil {
		d.observer(m)
	}
}

func errorCode(err error) int {
	var se *alerts.SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}
