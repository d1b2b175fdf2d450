// Package alerts turns decisions into messages to families: it plans them,
// renders them in the contact's language and keeps them in the outbox, with
// the rules of a message's life there (its statuses, the WhatsApp→SMS
// fallback, the "call this family" task when nothing reached them, what a
// reply means). Sending them is package dispatch's work; the values a
// provider is handed and answers with (Outgoing, Receipt, SendError) are
// here, beside Message.
package alerts

import (
	"slices"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// Status is where a message is in its life.
type Status string

// Statuses of API.md.
const (
	StatusQueued      Status = "queued"
	StatusSending     Status = "sending" // claimed by the dispatcher, provider called
	StatusSent        Status = "sent"
	StatusDelivered   Status = "delivered"
	StatusRead        Status = "read"
	StatusUndelivered Status = "undelivered"
	StatusFailed      Status = "failed"
	StatusExpired     Status = "expired"
	StatusCancelled   Status = "cancelled"
)

// ErrNotFound is a message, or a provider id, nabij does not know: the one
// not-found error of nabij, school.ErrNotFound.
var ErrNotFound = school.ErrNotFound

// Message is one SMS or WhatsApp message to one contact, about one or more
// pupils (siblings share a message).
type Message struct {
	ID       string             `json:"id"`
	Date     school.Date        `json:"date"`
	Students []string           `json:"students"`
	Contact  string             `json:"contact"`
	Role     school.ContactRole `json:"role"`
	Phone    string             `json:"phone"`
	Channel  school.Channel     `json:"channel"`
	// Language the body is in; LanguageFallback is set when the contact's own
	// language had no messages and Dutch was sent instead.
	Language         string `json:"language"`
	LanguageFallback bool   `json:"language_fallback,omitempty"`
	Template         string `json:"template"`
	// Late are the pupils of Students who came late, in an alert that also
	// names an absent pupil (Template alert_absent): a contact gets one
	// message a morning, naming each pupil with what happened. An alert
	// about late pupils only has Template alert_late and no Late.
	Late []string `json:"late,omitempty"`
	Body string   `json:"body"`
	// Back is the English back-translation of Body: what the family read.
	Back string `json:"back,omitempty"`
	// Direction (ltr, rtl) and Review (draft, reviewed) of the language the
	// body was written in, when it was written.
	Direction string `json:"direction,omitempty"`
	Review    string `json:"review,omitempty"`
	// ReviewedBy and ReviewedOn say who reviewed the language's wording
	// and when, when Review is "reviewed": which wording went out.
	ReviewedBy string `json:"reviewed_by,omitempty"`
	ReviewedOn string `json:"reviewed_on,omitempty"`
	Status     Status `json:"status"`
	ErrorCode  int    `json:"error_code,omitempty"`
	ProviderID string `json:"provider_id,omitempty"`
	Attempts   int    `json:"attempts,omitempty"`
	// DueAt is when the dispatcher may send it: the end of the hold, or of a backoff.
	DueAt time.Time `json:"due_at"`
	// ExpiresAt, when set, is the end of the message's validity: a
	// same-morning alert not sent by then becomes a task instead of arriving
	// in the evening.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// ContentSID and ContentVariables send an approved WhatsApp template.
	ContentSID       string `json:"content_sid,omitempty"`
	ContentVariables string `json:"content_variables,omitempty"`
	// Uncertain is set when a send ended without an answer (a timeout): the
	// provider may have the message, so it is looked up before it is sent again.
	Uncertain bool `json:"uncertain,omitempty"`
	// ClaimedAt is the wall-clock time of the last claim: a lookup at the
	// provider, whose clock is real, searches from there (the service's own
	// clock may run offset, NABIJ_CLOCK).
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	// ClaimedBy is the process that made the last claim (a replica's id on
	// PostgreSQL; empty on bbolt, where one process holds the store): a
	// message left "sending" by a replica that is gone is looked up by
	// another.
	ClaimedBy string `json:"claimed_by,omitempty"`
	// Options are the answers a "which child?" question offers: code → pupil.
	Options map[string]string `json:"options,omitempty"`
	// Note tells staff why the message is as it is (an SMS for a missing template).
	Note        string     `json:"note,omitempty"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	RepliedAt   *time.Time `json:"replied_at,omitempty"`
	// StatusChecks counts the times the provider was asked where the
	// message stands because no status callback had moved it on from
	// "sent" (dispatch.StatusChecks): Twilio does not send again a
	// callback that found nabij down.
	StatusChecks int `json:"status_checks,omitempty"`
	// FallbackFor is the WhatsApp message this SMS replaces; Fallback is the
	// SMS that replaced this WhatsApp message. Each message falls back once.
	FallbackFor string `json:"fallback_for,omitempty"`
	Fallback    string `json:"fallback,omitempty"`
	// Call is what happened on a phone call (Channel voice): its try, its
	// outcome, the keys pressed.
	Call *Call `json:"call,omitempty"`
	// RetryOf is the unanswered call this one tries again; Retry is the
	// call that tries this one again. A call is tried again once.
	RetryOf   string    `json:"retry_of,omitempty"`
	Retry     string    `json:"retry,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	names string // the pupils' names as rendered, for template variables
}

// Templates of the messages nabij sends, as keys of the translations.
const (
	TemplateAbsent     = "alert_absent"
	TemplateLate       = "alert_late"
	TemplateApology    = "apology"
	TemplateWhichChild = "ask_which_child"
	TemplateThanksSick = "reply_thanks_sick"
	TemplateThanksCall = "reply_thanks_call"
)

// IsAlert reports whether the message is a same-morning alert (rather than
// an apology or an answer to a reply).
func (m *Message) IsAlert() bool { return m.Template == TemplateAbsent || m.Template == TemplateLate }

// TemplateOf is the template the message speaks of student with: alert_late
// for a late pupil in a message that also names an absent one, else the
// message's own.
func (m *Message) TemplateOf(student string) string {
	if slices.Contains(m.Late, student) {
		return TemplateLate
	}
	return m.Template
}

// Live reports whether the message still stands: every message but a cancelled one.
func (m *Message) Live() bool { return m.Status != StatusCancelled }

// Concerns reports whether the message is about student.
func (m *Message) Concerns(student string) bool { return slices.Contains(m.Students, student) }

// Reached reports whether the message got to the contact's phone, as far as
// the provider says: sent counts, since SMS delivery reports are not
// universal.
func (m *Message) Reached() bool {
	return m.Status == StatusSent || m.Status == StatusDelivered || m.Status == StatusRead
}

// Failed reports whether the message will not reach the contact.
func (m *Message) Failed() bool {
	return m.Status == StatusFailed || m.Status == StatusUndelivered || m.Status == StatusExpired
}

// Final reports whether nothing more will happen to the message.
func (m *Message) Final() bool {
	switch m.Status {
	case StatusDelivered, StatusRead, StatusUndelivered, StatusFailed, StatusExpired, StatusCancelled:
		return true
	}
	return false
}

// progress orders the statuses a provider reports, so that a late callback
// ("sent" after "delivered") never moves a message back.
var progress = map[Status]int{
	StatusQueued: 0, StatusSending: 1, StatusSent: 2,
	StatusDelivered: 3, StatusUndelivered: 3, StatusFailed: 3, StatusRead: 4,
}
