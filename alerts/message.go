// Package alerts turns decisions into messages to families: it plans them,
// renders them in the contact's language, keeps them in the outbox, and
// dispatches them through a Sender, tracking delivery and fallbacks.
package alerts

import (
	"errors"
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

// ErrNotFound is a message, or a provider id, nabij does not know.
var ErrNotFound = errors.New("message not found")

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
	Body             string `json:"body"`
	Status           Status `json:"status"`
	ErrorCode        int    `json:"error_code,omitempty"`
	ProviderID       string `json:"provider_id,omitempty"`
	Attempts         int    `json:"attempts,omitempty"`
	// DueAt is when the dispatcher may send it: the end of the hold, or of a backoff.
	DueAt time.Time `json:"due_at"`
	// FallbackFor is the WhatsApp message this SMS replaces; Fallback is the
	// SMS that replaced this WhatsApp message. Each message falls back once.
	FallbackFor string    `json:"fallback_for,omitempty"`
	Fallback    string    `json:"fallback,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Live reports whether the message still stands: every message but a cancelled one.
func (m *Message) Live() bool { return m.Status != StatusCancelled }

// Concerns reports whether the message is about student.
func (m *Message) Concerns(student string) bool { return slices.Contains(m.Students, student) }

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
