package dispatch

import (
	"errors"
	"time"

	"github.com/nabij-isk/nabij/alerts"
)

// claim takes due messages for sending, in one transaction, or settles
// them without a send: expired, deferred to the morning, or refused for a
// contact who opted out. It returns the claimed ones. When the transaction
// fails, each message is claimed alone, so that one that cannot be claimed
// fails alone (and is left alone for failingPause).
//
// moved counts the messages the claim changed (claimed, settled or deferred
// to the morning); one it left as it was is not due any more, or is gone.
func (d *Dispatcher) claim(ids []string) (claimed []*alerts.Message, moved int, err error) {
	claimed, moved, err = d.claimAll(ids)
	if err == nil || len(ids) == 1 {
		return claimed, moved, err // one alone that fails is tried again next round
	}
	var failed []string
	var errs []error
	for _, id := range ids {
		c, m, err := d.claimAll([]string{id})
		if err != nil {
			failed, errs = append(failed, id), append(errs, err)
		}
		claimed, moved = append(claimed, c...), moved+m
	}
	if len(failed) == len(ids) {
		// Every one failed: the store, not a message. None is held back,
		// so that a moment's trouble does not delay the morning's alerts.
		return claimed, moved, errors.Join(errs...)
	}
	for i, id := range failed {
		d.claimFailed(id)
		d.log.Error("claim failed", "message", id, "err", errs[i])
	}
	return claimed, moved, nil
}

func (d *Dispatcher) claimAll(ids []string) ([]*alerts.Message, int, error) {
	return d.claimOrSettle(ids, true)
}

// settle does for ids what a claim does without a send: a message expired
// (or quiet until after it expires), deferred to the morning, or for a
// contact who opted out. It is what the dispatcher does while the provider
// refuses the account. Only when a message settles is a write made. The
// ids are no longer in flight when it returns.
func (d *Dispatcher) settle(ids []string) (handled int, failed bool) {
	defer func() {
		for _, id := range ids {
			d.done(id)
		}
	}()
	var settles bool
	err := d.store.ViewAlerts(func(tx alerts.Tx) error {
		now := d.now()
		for _, id := range ids {
			m, err := tx.Message(id)
			if errors.Is(err, alerts.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			f, _, err := d.fateOf(tx, m, now)
			if err != nil {
				return err
			}
			if f != fateNone && f != fateSend {
				settles = true
				return nil
			}
		}
		return nil
	})
	if err == nil && settles {
		_, handled, err = d.claimOrSettle(ids, false)
	}
	if err != nil {
		d.log.Error("settling messages while the provider refuses the account", "messages", len(ids), "err", err)
		return handled, true
	}
	return handled, false
}

// claimOrSettle claims ids for sending (send) or only settles them.
func (d *Dispatcher) claimOrSettle(ids []string, send bool) ([]*alerts.Message, int, error) {
	var claimed, settled []*alerts.Message
	moved := 0
	err := d.store.BatchAlerts(func(tx alerts.Tx) error {
		claimed, settled, moved = claimed[:0], settled[:0], 0
		now := d.now()
		// Numbers of uncertain messages claimed and not yet answered, by
		// this dispatcher or a replica ("sending" in the store), read once
		// when an uncertain message is to be claimed, and those claimed in
		// this transaction.
		var looking map[string]bool
		lookedUp := func(phone string) (bool, error) {
			if looking == nil {
				looking = map[string]bool{}
				sending, err := tx.Sending()
				if err != nil {
					return false, err
				}
				for _, o := range sending {
					if o.Uncertain {
						looking[o.Phone] = true
					}
				}
			}
			return looking[phone], nil
		}
		for _, id := range ids {
			m, err := tx.Message(id)
			if errors.Is(err, alerts.ErrNotFound) {
				continue // purged by retention since the outbox was read
			}
			if err != nil {
				return err
			}
			if send && m.Uncertain && m.Status == alerts.StatusQueued {
				// Another uncertain message to the number is being looked
				// up (here, or by a replica): each lookup takes the earliest
				// of the provider's messages (calls) to the number not
				// recorded for another, so the two would take the same one.
				// This one waits until that answer is recorded.
				busy, err := lookedUp(m.Phone)
				if err != nil {
					return err
				}
				if busy {
					continue
				}
			}
			c, s, mv, err := d.claimOne(tx, m, now, send)
			if err != nil {
				return err
			}
			if mv {
				moved++
			}
			if c {
				claimed = append(claimed, m)
				if m.Uncertain && looking != nil {
					looking[m.Phone] = true
				}
			}
			if s {
				settled = append(settled, m)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	// Logs and metrics only after the commit: the closure may run twice.
	for _, m := range settled {
		d.log.Warn("message settled without a send", "message", m.ID, "status", m.Status, "code", m.ErrorCode, "attempts", m.Attempts)
		d.observe(m)
	}
	for _, m := range claimed {
		d.observe(m)
	}
	return claimed, moved, nil
}

// fate is what a claim does with a message.
type fate int

const (
	fateNone     fate = iota // not due (or not queued): left as it is
	fateExpire               // its validity ended, or ends before the quiet hours do
	fateDefer                // quiet hours: due again when they end
	fateOptedOut             // its contact sent STOP
	fateSend                 // claimed for sending
	fateLookUp               // expired, but its last send ended without an answer: claimed to be looked up, never sent
)

// fateOf decides what a claim at now does with m; for fateDefer, opens is
// when the quiet hours end.
func (d *Dispatcher) fateOf(tx alerts.Tx, m *alerts.Message, now time.Time) (f fate, opens time.Time, err error) {
	if m.Status != alerts.StatusQueued || m.DueAt.After(now) {
		return fateNone, opens, nil
	}
	opens = d.opensAt(m, now)
	// Expired, or quiet until after it expires: it will not go out in
	// time, and a person must know now rather than in the morning.
	if tooLate(m, now, opens) {
		if _, looks := d.sender.(Looker); looks && m.Uncertain {
			// The family may have it: the provider is asked before the
			// message is given up (a person told "not reached" for a
			// message that was).
			return fateLookUp, opens, nil
		}
		return fateExpire, opens, nil
	}
	if !opens.IsZero() {
		return fateDefer, opens, nil // nothing reaches a family at night
	}
	if out, err := tx.OptedOut(m.Phone); err != nil {
		return fateNone, opens, err
	} else if out {
		return fateOptedOut, opens, nil
	}
	return fateSend, opens, nil
}

// claimOne applies m's fate; without send, a message that would be sent is
// left as it is.
func (d *Dispatcher) claimOne(tx alerts.Tx, m *alerts.Message, now time.Time, send bool) (claimed, settled, moved bool, err error) {
	f, opens, err := d.fateOf(tx, m, now)
	if err != nil {
		return false, false, false, err
	}
	if f == fateLookUp && !send {
		f = fateExpire // the provider refuses the account: it cannot be asked
	}
	switch f {
	case fateNone:
		return false, false, false, nil
	case fateExpire:
		if _, err := d.fallbacks.ApplyStatus(tx, m, alerts.StatusExpired, 0); err != nil {
			return false, false, false, err
		}
		return false, true, true, tx.PutMessage(m)
	case fateDefer:
		m.DueAt = opens
		return false, false, true, tx.PutMessage(m)
	case fateOptedOut:
		if _, err := d.fallbacks.ApplyStatus(tx, m, alerts.StatusFailed, CodeOptedOut); err != nil {
			return false, false, false, err
		}
		return false, true, true, tx.PutMessage(m)
	}
	if !send {
		return false, false, false, nil
	}
	m.Status = alerts.StatusSending
	m.Attempts++ // every claim: sameClaim tells claims apart by it; unclaim and a refusal take it back
	m.UpdatedAt = now
	m.ClaimedBy = d.replicas.Self
	if !m.Uncertain {
		// Kept from the first uncertain try, so a lookup covers them all.
		m.ClaimedAt = d.wall()
	}
	return true, false, true, tx.PutMessage(m)
}

// unclaim puts a message claimed and not sent back in the outbox, due now,
// as it was before the claim.
func (d *Dispatcher) unclaim(m *alerts.Message) {
	if _, err := d.requeue(m, func(m *alerts.Message) { m.Attempts = max(m.Attempts-1, 0) }); err != nil {
		// It stays "sending": the next start looks it up, and finds it not sent.
		d.log.Error("putting a message back failed", "message", m.ID, "err", err)
	}
}

// requeue puts a message back in the outbox, due now, with change applied,
// if it is still the claim held (sameClaim); a message that moved on
// meanwhile is left as it is, and requeued is false.
func (d *Dispatcher) requeue(held *alerts.Message, change func(*alerts.Message)) (requeued bool, err error) {
	err = d.store.BatchAlerts(func(tx alerts.Tx) error {
		requeued = false
		m, err := tx.Message(held.ID)
		if err != nil || !sameClaim(m, held) {
			return err
		}
		m.Status, m.DueAt, m.UpdatedAt = alerts.StatusQueued, d.now(), d.now()
		change(m)
		requeued = true
		return tx.PutMessage(m)
	})
	return requeued, err
}

// sameClaim reports whether stored is still the claim held: "sending",
// claimed by the same process, at the same moment, for the same try. Only
// the holder of a claim may settle it: when two replicas settle what a
// gone one left, the slower one's lookup may end after the other has put
// the message back and claimed it again, and its write would put that
// live claim back in the outbox (a second send) or record an answer over
// it.
func sameClaim(stored, held *alerts.Message) bool {
	return stored.Status == alerts.StatusSending && stored.ClaimedBy == held.ClaimedBy &&
		stored.ClaimedAt.Equal(held.ClaimedAt) && stored.Attempts == held.Attempts
}

// CodeOptedOut is Twilio's code for a contact who sent STOP; nabij uses it
// too when it does not send to one.
const CodeOptedOut = 21610

// opensAt is when the quiet hours that hold m at now end; zero when they
// do not hold it.
func (d *Dispatcher) opensAt(m *alerts.Message, now time.Time) time.Time {
	if d.quiet.Exempt(m) {
		return time.Time{}
	}
	return d.quiet.Next(now)
}

// tooLate reports whether m will not go out within its validity: expired,
// or quiet until opens, after its validity ends.
func tooLate(m *alerts.Message, now, opens time.Time) bool {
	return !m.ExpiresAt.IsZero() && (now.After(m.ExpiresAt) || opens.After(m.ExpiresAt))
}
