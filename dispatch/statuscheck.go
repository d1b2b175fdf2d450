package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

// Fetcher is a Sender that can say where a message it took stands now. It
// is asked for a message still "sent" a while after it went (StatusChecks):
// Twilio posts each status callback once, and one that found nabij down
// (a restart in the morning) is not sent again, so a WhatsApp message
// Twilio could not deliver would get no SMS after it, and an SMS that
// failed no "call this family" task.
type Fetcher interface {
	Fetch(ctx context.Context, channel, providerID string) (alerts.Receipt, error)
}

// StatusChecks are the times after a message went out ("sent", its SentAt)
// at which the provider is asked where it stands, while no status callback
// has moved it on: ten minutes (a restart's lost callbacks, caught while
// the morning's fallback still helps) and an hour. A message the provider
// itself still calls sent after the last (an SMS to a network that gives
// no delivery reports; a WhatsApp message to a phone that is off) is left
// sent: its callback, when it comes, still moves it on.
var StatusChecks = []time.Duration{10 * time.Minute, time.Hour}

// statusCheckEvery is how often the dispatcher looks for messages whose
// check is due (by its clock, Config.Now).
const statusCheckEvery = time.Minute

// statusCheckBatch bounds the provider's answers one round asks for: the
// rest wait for the next round.
const statusCheckBatch = 100

// statusCheckRetry is how long a check left unanswered (a 429 or 5xx, no
// answer) waits before it is asked again, so that a few that keep failing
// do not take every round's places from the others.
const statusCheckRetry = 5 * time.Minute

// statusRound is one round of status checks, run beside the sends (Run).
func (d *Dispatcher) statusRound(ctx context.Context, fetcher Fetcher) {
	checked, changed, err := d.checkStatuses(ctx, fetcher)
	if err != nil && ctx.Err() != nil {
		d.log.Info("a round of status checks ended with the stop: what it had not written is asked again", "checked", checked, "err", err)
		return
	}
	if alerts.IsAccountRefusal(err) {
		// Sending pauses for it too (pause.go), which /healthz and a task say.
		d.log.Warn("status checks refused with the account: asked again next round", "checked", checked, "err", err)
		return
	}
	if err != nil {
		d.log.Error("checking the status of messages sent a while ago", "checked", checked, "changed", changed, "err", err)
		return
	}
	if checked > 0 {
		d.log.Info("checked the status of messages sent a while ago", "checked", checked, "changed", changed)
	}
}

// checkStatuses asks fetcher where each message due a status check stands
// (the messages of today and yesterday by the dispatcher's clock, sent,
// with a provider id, whose next check in StatusChecks has come) and
// applies each answer as its status callback would have; with replicas,
// only the one whose Replicas.Checks says so asks. A check answered
// counts, whatever it said; one refused for a passing reason (429, 5xx, no
// answer) is asked again statusCheckRetry later, and an account refusal
// ends the round. It returns how many were checked and how many of those changed.
func (d *Dispatcher) checkStatuses(ctx context.Context, fetcher Fetcher) (checked, changed int, err error) {
	if !d.checksHere() {
		return 0, 0, nil // another replica asks
	}
	now := d.now()
	today := school.DateOf(now)
	var due []*alerts.Message
	err = d.store.ViewAlerts(func(tx alerts.Tx) error {
		for _, date := range []school.Date{today.AddDays(-1), today} {
			ms, err := tx.MessagesOn(date)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if len(due) < statusCheckBatch && checkDue(m, now) && !now.Before(d.unanswered[m.ID]) {
					due = append(due, m)
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for id, at := range d.unanswered {
		if now.Sub(at) > time.Hour {
			delete(d.unanswered, id) // settled meanwhile, or out of the days read
		}
	}
	for _, m := range due {
		if ctx.Err() != nil {
			return checked, changed, ctx.Err()
		}
		receipt, err := fetcher.Fetch(ctx, string(m.Channel), m.ProviderID)
		if ctx.Err() != nil {
			// Stopping: not written (the store may be closing), not
			// counted, asked again.
			return checked, changed, ctx.Err()
		}
		var se *alerts.SendError
		switch {
		case alerts.IsAccountRefusal(err):
			return checked, changed, err
		case errors.As(err, &se) && !se.Retryable:
			// The provider has no such message (404), or will not say:
			// counted, so that it is not asked again and again.
			d.log.Warn("a status check was refused", "message", m.ID, "code", se.Code, "http_status", se.HTTPStatus)
			receipt = alerts.Receipt{}
		case err != nil:
			d.unanswered[m.ID] = now.Add(statusCheckRetry)
			d.log.Warn("a status check went unanswered: asked again later", "message", m.ID, "in", statusCheckRetry, "err", err)
			continue
		}
		delete(d.unanswered, m.ID)
		moved, err := d.applyCheck(m, receipt)
		if err != nil {
			return checked, changed, err
		}
		checked++
		d.checked.Add(1)
		if moved {
			changed++
			d.moved.Add(1)
		}
	}
	return checked, changed, nil
}

// StatusChecksDone counts the status checks the provider answered since
// the dispatcher was made, and those of them that moved a message on: its
// status callback never came. Many of those mean the provider's callbacks
// do not reach nabij at all.
func (d *Dispatcher) StatusChecksDone() (checked, moved uint64) {
	return d.checked.Load(), d.moved.Load()
}

// checksHere reports whether this process runs the status checks now: the
// one process on bbolt, the rhythm's replica on PostgreSQL
// (Replicas.Checks).
func (d *Dispatcher) checksHere() bool { return d.replicas.Checks == nil || d.replicas.Checks() }

// checkDue reports whether m is due a status check at now.
func checkDue(m *alerts.Message, now time.Time) bool {
	if m.Status != alerts.StatusSent || m.ProviderID == "" || m.SentAt == nil || m.StatusChecks >= len(StatusChecks) {
		return false
	}
	return !now.Before(m.SentAt.Add(StatusChecks[m.StatusChecks]))
}

// applyCheck applies what the provider said of held (receipt; zero when it
// would not say) as its status callback would, and counts the check. A
// message that moved on meanwhile (a callback came after all) is left as
// it is; one another round checked meanwhile (a replica taking the checks
// over) takes the answer, newer perhaps, without counting it again. It
// reports whether the message's status changed.
func (d *Dispatcher) applyCheck(held *alerts.Message, receipt alerts.Receipt) (moved bool, err error) {
	var m *alerts.Message
	err = d.store.BatchAlerts(func(tx alerts.Tx) error {
		var err error
		moved = false
		if m, err = tx.Message(held.ID); err != nil {
			return err
		}
		if m.Status != alerts.StatusSent || m.ProviderID != held.ProviderID {
			m = nil
			return nil
		}
		changed := false
		if receipt.Status != "" {
			if changed, err = d.applyReceipt(tx, m, receipt); err != nil {
				return err
			}
			moved = changed && m.Status != alerts.StatusSent
		}
		if m.StatusChecks == held.StatusChecks {
			m.StatusChecks++
			changed = true
		}
		if !changed {
			return nil
		}
		return tx.PutMessage(m)
	})
	if err != nil || m == nil {
		return false, err
	}
	if moved {
		d.log.Info("a status check moved a message on: its callback was lost", "message", m.ID, "channel", m.Channel, "status", m.Status, "code", m.ErrorCode)
		d.observe(m)
		if m.Fallback != "" || m.Retry != "" {
			d.Wake()
		}
	}
	return moved, nil
}

// applyReceipt applies a provider's receipt to m, as m's status callback
// would: a call's status settles it (ApplyCallStatus), a text's moves it on,
// never back, with the WhatsApp→SMS fallback (ApplyStatus). It reports
// whether m changed; the caller saves it.
func (d *Dispatcher) applyReceipt(tx alerts.Tx, m *alerts.Message, receipt alerts.Receipt) (bool, error) {
	if c := receipt.Call; c != nil && m.IsCall() {
		if applied, err := d.fallbacks.ApplyCallStatus(tx, m, c.Status, c.AnsweredBy, c.Seconds); applied || err != nil {
			return applied, err
		}
	}
	return d.fallbacks.ApplyStatus(tx, m, receipt.Status, receipt.Code)
}
