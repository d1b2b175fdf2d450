package alerts

import (
	"errors"
	"fmt"
	"time"

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

// TaskProviderRefused is the coordinator's task made when the provider
// refuses the account: one a day, however many messages wait.
const TaskProviderRefused = "provider_refused"

// DefaultPauseRetry is how often a paused dispatcher tries again.
const DefaultPauseRetry = time.Minute

// Account-level refusals by code, as Twilio numbers them. Any 401 is one too.
var accountCodes = map[int]string{
	20003: "wrong credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
	20005: "the account is not active (out of funds, or suspended)",
	10001: "the account is not active (out of funds, or suspended)",
	21606: "the sender may not send for this account: check NABIJ_TWILIO_FROM, NABIJ_TWILIO_WHATSAPP_FROM or the Messaging Service",
}

// accountCodesNL says the same to the coordinator, in Dutch.
var accountCodesNL = map[int]string{
	20003: "verkeerde inloggegevens (TWILIO_ACCOUNT_SID of TWILIO_AUTH_TOKEN)",
	20005: "het account is niet actief (tegoed op, of opgeschort)",
	10001: "het account is niet actief (tegoed op, of opgeschort)",
	21606: "de afzender mag niet verzenden voor dit account (NABIJ_TWILIO_FROM, NABIJ_TWILIO_WHATSAPP_FROM of de Messaging Service)",
}

// IsAccountRefusal reports whether err is the provider refusing the account
// itself rather than one message: HTTP 401, or codes 20003 (authenticate),
// 20005 and 10001 (account not active), 21606 (sender not allowed).
func IsAccountRefusal(err error) bool {
	var se *SendError
	if !errors.As(err, &se) {
		return false
	}
	_, ok := accountCodes[se.Code]
	return ok || se.HTTPStatus == 401
}

// pause is the dispatcher's state while the provider refuses the account.
type pause struct {
	refusal *SendError
	since   time.Time // d.Now() when it began
	next    time.Time // wall clock: when one message tries again
	probe   string    // the message trying now, "" between tries
}

func (d *Dispatcher) retryEvery() time.Duration {
	if d.PauseRetry > 0 {
		return d.PauseRetry
	}
	return DefaultPauseRetry
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
	return fmt.Errorf("the provider refuses the account since %s (http %d, code %d: %s): sending paused, messages wait within their validity; one tries again every %v, and at a restart",
		p.since.Format(time.RFC3339), p.refusal.HTTPStatus, p.refusal.Code, describeRefusal(p.refusal), d.retryEvery())
}

// Paused reports whether the provider refuses the account (for a metric).
func (d *Dispatcher) Paused() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paused != nil
}

func describeRefusal(se *SendError) string {
	if s, ok := accountCodes[se.Code]; ok {
		return s
	}
	return "the credentials or the account are refused"
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
	case !time.Now().Before(p.next):
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
	var se *SendError
	refused := IsAccountRefusal(a.err)
	accepted := a.err == nil || (!a.inLookup && errors.As(a.err, &se) && !se.Retryable && !refused)
	d.mu.Lock()
	p := d.paused
	switch {
	case refused:
		errors.As(a.err, &se)
		if p == nil {
			p = &pause{since: d.Now()}
			d.paused = p
			d.Log.Error("the provider refuses the account: sending paused until it accepts again",
				"http", se.HTTPStatus, "code", se.Code, "retry_every", d.retryEvery())
		}
		p.refusal = se
		if p.probe == id || p.probe == "" {
			p.probe = ""
			p.next = time.Now().Add(d.retryEvery())
		}
	case p == nil:
	case accepted:
		d.paused = nil
		d.Log.Warn("the provider accepts the account again: sending resumed", "paused_since", p.since.Format(time.RFC3339))
	case p.probe == id:
		p.probe = ""
		p.next = time.Now().Add(d.retryEvery())
	}
	d.mu.Unlock()
	if p != nil {
		d.Wake() // what waited is due, or the loop waits for the next try
	}
}

// refusedTask tells the coordinator, once a day, that no message goes out.
func refusedTask(tx Tx, se *SendError, now time.Time) error {
	date := school.DateOf(now).String()
	why, ok := accountCodesNL[se.Code]
	if !ok {
		why = "de inloggegevens of het account worden geweigerd"
	}
	_, err := tx.PutTask(&school.Task{Kind: TaskProviderRefused, Date: date, Created: now, Tried: []string{},
		Key: TaskProviderRefused + "|" + date,
		Reason: fmt.Sprintf("Twilio weigert het account (code %d: %s): er gaan geen berichten uit. "+
			"Ze wachten zolang ze geldig zijn; nabij probeert het elke minuut opnieuw, en meteen na een herstart. "+
			"Herstel de instellingen en start nabij opnieuw; /healthz zegt \"ok\" zodra er weer berichten uitgaan.", se.Code, why)})
	return err
}
