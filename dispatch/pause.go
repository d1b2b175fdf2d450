package dispatch

import (
	"errors"
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

// An account refusal (wrong credentials, a suspended account, a sender the
// account may not use) is no message's fault and no message's end: failing
// every message of the morning for it would turn a settings mistake into a
// "call this family" task per pupil and lose the alerts once it is fixed.
// Instead the dispatcher pauses. Messages wait in the outbox (and expire
// at the end of their validity, as they would); Health says why; one task
// tells the coordinator; every PauseRetry one message tries the provider
// again, and the first that is not refused for the account resumes sending.
// The pause lives in memory only, so a restart (with corrected settings)
// tries at once.

// DefaultPauseRetry is how often a paused dispatcher tries again.
const DefaultPauseRetry = time.Minute

// pause is the dispatcher's state while the provider refuses the account.
type pause struct {
	refusal *alerts.SendError
	since   time.Time // d.now() when it began
	next    time.Time // d.now(): when one message tries again
	probe   string    // the message trying now, "" between tries
}

// Health is nil while the dispatcher sends, and says why it does not while
// the provider refuses the account.
func (d *Dispatcher) Health() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.paused
	if p == nil {
		return nil
	}
	why, _ := alerts.DescribeAccountRefusal(p.refusal)
	return fmt.Errorf("the provider refuses the account since %s (http %d, code %d: %s): sending paused, messages wait within their validity; one tries again every %v, and at a restart",
		p.since.Format(time.RFC3339), p.refusal.HTTPStatus, p.refusal.Code, why, d.pauseRetry)
}

// Paused reports whether the provider refuses the account (for a metric).
func (d *Dispatcher) Paused() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paused != nil
}

// holding says what the loop may claim: nothing but what settles without a
// send (hold), one message to try the provider (probe), or everything.
// next is when the next try is due while holding, zero while a message is
// trying (its answer wakes the loop).
func (d *Dispatcher) holding() (hold, probe bool, next time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.paused
	switch {
	case p == nil:
		return false, false, time.Time{}
	case p.probe != "":
		return true, false, time.Time{}
	case !d.now().Before(p.next):
		return false, true, time.Time{}
	}
	return true, false, p.next
}

// probing marks id as the message trying the provider.
func (d *Dispatcher) probing(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.paused != nil {
		d.paused.probe = id
	}
}

// holdsBack reports whether a claimed message must not be sent now: the
// account is refused, and it is not the one trying.
func (d *Dispatcher) holdsBack(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paused != nil && d.paused.probe != id
}

// answered updates the pause with one send's answer, as soon as it comes (a
// worker's next message must not go into a refusal). An account refusal
// pauses (or goes on pausing); an answer that shows the account accepted
// (the message taken, or refused for itself) resumes; a passing trouble
// (429, 5xx, no answer) of the message trying leaves the pause as it is,
// to try again after PauseRetry.
func (d *Dispatcher) answered(id string, a answer) {
	var se *alerts.SendError
	refused := alerts.IsAccountRefusal(a.err)
	accepted := a.err == nil || (!a.inLookup && errors.As(a.err, &se) && !se.Retryable && !refused)
	d.mu.Lock()
	p := d.paused
	switch {
	case refused:
		errors.As(a.err, &se)
		if p == nil {
			p = &pause{since: d.now()}
			d.paused = p
			d.log.Error("the provider refuses the account: sending paused until it accepts again",
				"http", se.HTTPStatus, "code", se.Code, "retry_every", d.pauseRetry)
		}
		p.refusal = se
		if p.probe == id || p.probe == "" {
			p.probe = ""
			p.next = d.now().Add(d.pauseRetry)
		}
	case p == nil:
	case accepted:
		d.paused = nil
		d.log.Warn("the provider accepts the account again: sending resumed", "paused_since", p.since.Format(time.RFC3339))
	case p.probe == id:
		p.probe = ""
		p.next = d.now().Add(d.pauseRetry)
	}
	d.mu.Unlock()
	if p != nil {
		d.Wake() // what waited is due, or the loop waits for the next try
	}
}

// refusedTask tells the coordinator, once a day, that no message goes out.
func refusedTask(tx alerts.Tx, se *alerts.SendError, now time.Time) error {
	date := school.DateOf(now).String()
	_, why := alerts.DescribeAccountRefusal(se)
	_, err := tx.PutTask(&school.Task{Kind: alerts.TaskProviderRefused, Date: date, Created: now, Tried: []string{},
		Key: alerts.TaskProviderRefused + "|" + date,
		Reason: fmt.Sprintf("Twilio weigert het account (code %d: %s): er gaan geen berichten uit. "+
			"Ze wachten zolang ze geldig zijn; nabij probeert het elke minuut opnieuw, en meteen na een herstart. "+
			"Herstel de instellingen en start nabij opnieuw; /healthz zegt \"ok\" zodra er weer berichten uitgaan.", se.Code, why)})
	return err
}
