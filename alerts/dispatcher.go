package alerts

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Dispatcher sends what is due in the outbox. It claims a message (sending)
// in one transaction before it calls the provider and records the answer in
// another, so a message is never handed over twice by a running nabij.
type Dispatcher struct {
	Store     Store
	Sender    Sender
	Fallbacks *Fallbacks
	Now       func() time.Time
	// Limiter holds the provider's rate; nil sends as fast as it can.
	Limiter *rate.Limiter
	Workers int
	Backoff Backoff
	Log     *slog.Logger
	// Observe, when set, is told of every message whose status changed.
	Observe func(m *Message)

	once     sync.Once
	wake     chan struct{}
	mu       sync.Mutex
	inflight map[string]bool
}

// Backoff spaces the tries of a message refused for a passing reason.
type Backoff struct {
	First, Max time.Duration
}

// Delay is the wait before try attempt+1: exponential, capped, with jitter
// so that a recovering provider is not hit by every message at once.
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.First
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + rand.N(d/2+1)
}

// Wake makes the dispatcher look at the outbox now.
func (d *Dispatcher) Wake() {
	d.once.Do(d.init)
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) init() {
	d.wake = make(chan struct{}, 1)
	if d.Workers < 1 {
		d.Workers = 1
	}
	if d.Backoff.First == 0 {
		d.Backoff = Backoff{First: 2 * time.Second, Max: 5 * time.Minute}
	}
	d.inflight = map[string]bool{}
}

// Run sends until ctx ends, then waits for the sends under way.
func (d *Dispatcher) Run(ctx context.Context) {
	d.once.Do(d.init)
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range d.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				d.dispatch(ctx, id)
				d.mu.Lock()
				delete(d.inflight, id)
				d.mu.Unlock()
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	const batch = 256
	for ctx.Err() == nil {
		var ids []string
		var next time.Time
		var hasNext bool
		err := d.Store.ViewAlerts(func(tx Tx) error {
			var err error
			if ids, err = tx.Due(d.Now(), batch); err != nil {
				return err
			}
			next, hasNext, err = tx.NextDue()
			return err
		})
		if err != nil {
			d.Log.Error("outbox scan failed", "err", err)
		}
		queued := 0
		for _, id := range ids {
			d.mu.Lock()
			busy := d.inflight[id]
			d.inflight[id] = true
			d.mu.Unlock()
			if busy {
				continue
			}
			select {
			case jobs <- id:
				queued++
			case <-ctx.Done():
				return
			}
		}
		if len(ids) == batch && queued > 0 {
			continue
		}
		wait := time.Second
		if hasNext {
			if until := next.Sub(d.Now()); until < wait {
				wait = max(until, 10*time.Millisecond)
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

func (d *Dispatcher) dispatch(ctx context.Context, id string) {
	if d.Limiter != nil {
		if err := d.Limiter.Wait(ctx); err != nil {
			return
		}
	}
	var m *Message
	err := d.Store.UpdateAlerts(func(tx Tx) error {
		var err error
		if m, err = tx.Message(id); err != nil {
			return err
		}
		if m.Status != StatusQueued || m.DueAt.After(d.Now()) {
			m = nil
			return nil
		}
		m.Status = StatusSending
		m.Attempts++
		m.UpdatedAt = d.Now()
		return tx.PutMessage(m)
	})
	if err != nil || m == nil {
		if err != nil {
			d.Log.Error("claim failed", "message", id, "err", err)
		}
		return
	}
	d.observe(m)
	receipt, sendErr := d.Sender.Send(ctx, Outgoing{ID: m.ID, To: m.Phone, Channel: string(m.Channel), Body: m.Body})
	err = d.Store.UpdateAlerts(func(tx Tx) error {
		var err error
		if m, err = tx.Message(id); err != nil {
			return err
		}
		now := d.Now()
		switch {
		case sendErr == nil:
			m.ProviderID = receipt.ProviderID
			if _, err := d.Fallbacks.ApplyStatus(tx, m, receipt.Status, 0); err != nil {
				return err
			}
			if st, code, ok, err := tx.TakeEarlyStatus(m.ProviderID); err != nil {
				return err
			} else if ok {
				if _, err := d.Fallbacks.ApplyStatus(tx, m, st, code); err != nil {
					return err
				}
			}
		case Retryable(sendErr):
			m.Status = StatusQueued
			m.DueAt = now.Add(d.Backoff.Delay(m.Attempts))
			m.ErrorCode = errorCode(sendErr)
			m.UpdatedAt = now
		default:
			if _, err := d.Fallbacks.ApplyStatus(tx, m, StatusFailed, errorCode(sendErr)); err != nil {
				return err
			}
		}
		return tx.PutMessage(m)
	})
	if err != nil {
		// The provider has the message but nabij could not record it: it stays
		// "sending", which is reconciled rather than sent again.
		d.Log.Error("recording send result failed", "message", id, "err", err)
		return
	}
	if sendErr != nil {
		d.Log.Warn("send refused", "message", id, "channel", m.Channel, "status", m.Status, "code", m.ErrorCode, "attempt", m.Attempts)
	} else {
		d.Log.Info("message handed to provider", "message", id, "channel", m.Channel, "status", m.Status)
	}
	d.observe(m)
	if m.Fallback != "" {
		d.Wake()
	}
}

func (d *Dispatcher) observe(m *Message) {
	if d.Observe != nil {
		d.Observe(m)
	}
}

func errorCode(err error) int {
	var se *SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}
