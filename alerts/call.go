package alerts

import (
	"fmt"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// A call (a message on channel voice) lives as a message does — planned,
// held, corrected, timed, counted in reach — and ends in one of these
// outcomes, which say more than a text's statuses: whether anyone answered,
// and whether they pressed a key.
const (
	CallAnswered  = "answered"  // a person answered and pressed a key
	CallNoKey     = "no-key"    // a person answered and pressed no key
	CallVoicemail = "voicemail" // a machine answered: the message was left after the beep
	CallNoAnswer  = "no-answer"
	CallBusy      = "busy"
	CallFailed    = "failed"   // the call could not be placed or connected, or nabij gave it no words (Call.Played)
	CallCanceled  = "canceled" // nabij ended it before it was answered
)

// CallRetryAfter is how long after an unanswered call it is tried once
// more, inside the alert's validity.
const CallRetryAfter = 15 * time.Minute

// Call is what happened on a phone call, as Twilio reported it and the
// family answered.
type Call struct {
	// Try is 1 for the first call about a message, 2 for the one more try.
	Try int `json:"try"`
	// Outcome is one of the Call… outcomes once the call has ended.
	Outcome string `json:"outcome,omitempty"`
	// AnsweredBy is Twilio's answering-machine detection: human,
	// machine_end_beep, machine_end_silence, machine_end_other, fax, unknown.
	AnsweredBy string `json:"answered_by,omitempty"`
	// Keys are the keys pressed, in order.
	Keys string `json:"keys,omitempty"`
	// Seconds is how long the call lasted.
	Seconds int `json:"seconds,omitempty"`
	// Played is set when nabij gave Twilio the call's words (its script,
	// when the call was answered). A call that ended "completed" without
	// them was answered while nabij could not be reached: Twilio played its
	// own error, and the family heard nothing of the message.
	Played bool `json:"played,omitempty"`
}

// IsCall reports whether the message is a phone call.
func (m *Message) IsCall() bool { return m.Channel == school.ChannelVoice }

// Machine reports whether Twilio's answering-machine detection says a
// machine (or a fax) answered.
func (c *Call) Machine() bool {
	return strings.HasPrefix(c.AnsweredBy, "machine") || c.AnsweredBy == "fax"
}

// Summary says in a few words what happened on the call, for the board:
// "called, answered, 1", "called twice, no answer".
func (c *Call) Summary() string {
	if c == nil {
		return "call not placed yet"
	}
	called := "called"
	if c.Try > 1 {
		called = "called again"
	}
	switch c.Outcome {
	case "":
		if c.AnsweredBy != "" {
			return called + ", answered"
		}
		return called
	case CallAnswered:
		return fmt.Sprintf("%s, answered, %s", called, c.Keys)
	case CallNoKey:
		return called + ", answered, no key"
	case CallVoicemail:
		return called + ", voicemail: message left"
	}
	return called + ", " + strings.ReplaceAll(c.Outcome, "-", " ")
}

// CallStatuses are the CallStatus values Twilio reports.
var CallStatuses = map[string]bool{
	"queued": true, "initiated": true, "ringing": true, "in-progress": true, "completed": true,
	"busy": true, "failed": true, "no-answer": true, "canceled": true,
}

// ApplyCallStatus records a call's progress as Twilio reports it (status,
// answeredBy, the call's seconds) on m, a message on channel voice, and
// decides what its end means: a key pressed or a voicemail left reached
// the family (delivered); a call completed without nabij's words
// (Call.Played) did not (failed); no key, no answer, busy or failed is tried once
// more after CallRetryAfter when that is inside the alert's validity, and
// otherwise ends the message failed, which makes the "call this family
// now" task naming every try once nothing else reached the family. It
// reports whether m changed; the caller saves it.
func (f *Fallbacks) ApplyCallStatus(tx Tx, m *Message, status, answeredBy string, seconds int) (bool, error) {
	if !m.IsCall() || m.Final() {
		return false, nil
	}
	if m.Call == nil {
		m.Call = &Call{Try: 1}
	}
	if answeredBy != "" {
		m.Call.AnsweredBy = answeredBy
	}
	now := f.Now()
	switch status {
	case "queued", "initiated", "ringing":
		if m.Status == StatusSending || m.Status == StatusQueued {
			// Twilio has the call: whatever the dispatcher still waits for,
			// it is not placed again.
			m.Status, m.SentAt, m.UpdatedAt, m.Uncertain = StatusSent, &now, now, false
			return true, nil
		}
		return answeredBy != "", nil
	case "in-progress":
		if m.Status == StatusSending || m.Status == StatusQueued {
			m.Status, m.SentAt, m.Uncertain = StatusSent, &now, false
		}
		m.UpdatedAt = now
		return true, nil
	case "completed":
		m.Call.Seconds = seconds
		switch {
		case m.Call.Keys != "":
			m.Call.Outcome = CallAnswered
		case !m.Call.Played:
			m.Call.Outcome = CallFailed
		case m.Call.Machine():
			m.Call.Outcome = CallVoicemail
		default:
			m.Call.Outcome = CallNoKey
		}
	case "busy", "no-answer", "failed", "canceled":
		m.Call.Outcome = status
	default:
		return false, nil
	}
	m.UpdatedAt = now
	if m.Call.Outcome == CallAnswered || m.Call.Outcome == CallVoicemail {
		m.Status = StatusDelivered
		if m.DeliveredAt == nil {
			m.DeliveredAt = &now
		}
		return true, nil
	}
	m.Status = StatusFailed
	if m.Call.Outcome == CallNoKey && m.Template != TemplateAbsent {
		// Only the absent message asks for a key: a late pupil's message or
		// an apology heard to its end reached the family.
		m.Status = StatusDelivered
		m.DeliveredAt = &now
		return true, nil
	}
	if m.IsAlert() && m.Call.Try < 2 && m.Retry == "" && m.Call.Outcome != CallCanceled {
		due := now.Add(CallRetryAfter)
		if m.ExpiresAt.IsZero() || due.Before(m.ExpiresAt) {
			again := m.AsCall(due, now)
			again.Call.Try, again.RetryOf = m.Call.Try+1, m.ID
			if err := tx.PutMessage(again); err != nil {
				return true, err
			}
			m.Retry = again.ID
			return true, nil
		}
	}
	// The end: the task, if nothing else reached the family, names this
	// try and the one before it.
	if err := tx.PutMessage(m); err != nil {
		return true, err
	}
	return true, CheckReach(tx, m, now)
}

// AsCall is a new call carrying m's message — the same pupils, contact,
// language and words, within m's validity — queued for due: the one more
// try of a call, or a call in place of a text the family did not read.
func (m *Message) AsCall(due, now time.Time) *Message {
	return &Message{
		Date: m.Date, Students: append([]string(nil), m.Students...), Late: append([]string(nil), m.Late...),
		Contact: m.Contact, Role: m.Role, Phone: m.Phone, Channel: school.ChannelVoice, Language: m.Language,
		LanguageFallback: m.LanguageFallback, Template: m.Template, Body: m.Body, Back: m.Back,
		Direction: m.Direction, Review: m.Review, ReviewedBy: m.ReviewedBy, ReviewedOn: m.ReviewedOn,
		Status: StatusQueued, DueAt: due, ExpiresAt: m.ExpiresAt, Call: &Call{Try: 1}, CreatedAt: now, UpdatedAt: now,
	}
}

// Pressed records a key pressed on the call m.
func (m *Message) Pressed(key string, now time.Time) {
	if m.Call == nil {
		m.Call = &Call{Try: 1}
	}
	m.Call.Keys += key
	if m.Status == StatusSending || m.Status == StatusQueued {
		// The family has the call: whatever its send's answer was, it is
		// not uncertain any more.
		m.Status, m.SentAt, m.Uncertain = StatusSent, &now, false
	}
	m.UpdatedAt = now
}
