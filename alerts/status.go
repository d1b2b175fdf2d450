package alerts

import (
	"errors"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// Provider error codes that mean a WhatsApp message will not arrive, so the
// contact should get the same message as SMS: 63016 (outside the 24-hour
// window without a template), 63024 (invalid recipient for WhatsApp), 63007
// (no WhatsApp sender at the From address: WhatsApp is not set up, in
// nabij's settings or at Twilio — every WhatsApp family would otherwise get
// nothing, and the coordinator a task for each).
var DefaultFallbackCodes = map[int]bool{63016: true, 63024: true, 63007: true}

// ProviderStatus reads a provider's status word. ok is false for words that
// say nothing new to nabij (accepted, scheduled, receiving).
func ProviderStatus(word string) (Status, bool) {
	switch word {
	case "sent":
		return StatusSent, true
	case "delivered":
		return StatusDelivered, true
	case "read":
		return StatusRead, true
	case "undelivered":
		return StatusUndelivered, true
	case "failed":
		return StatusFailed, true
	}
	return "", false
}

// Fallbacks decides when a failed WhatsApp message is sent again as SMS.
type Fallbacks struct {
	Codes map[int]bool
	// Now stamps the SMS.
	Now func() time.Time
}

// ApplyStatus moves m to status st with the provider's error code, never
// backwards (a late "sent" after "delivered" changes nothing), and makes the
// SMS fallback of a WhatsApp message that will not arrive. It reports
// whether m changed; the caller saves it.
func (f *Fallbacks) ApplyStatus(tx Tx, m *Message, st Status, code int) (bool, error) {
	if m.Status == StatusCancelled || m.Status == StatusExpired {
		return false, nil
	}
	if st == StatusExpired {
		if m.Status != StatusQueued {
			return false, nil
		}
		st, code = StatusExpired, 0
	}
	if st != StatusExpired && progress[st] <= progress[m.Status] && m.Status != StatusSending && m.Status != StatusQueued {
		return false, nil
	}
	now := f.Now()
	m.Status = st
	if code != 0 {
		m.ErrorCode = code
	}
	m.UpdatedAt = now
	switch st {
	case StatusSent:
		m.SentAt = &now
	case StatusDelivered, StatusRead:
		if m.DeliveredAt == nil {
			m.DeliveredAt = &now
		}
	case StatusFailed, StatusUndelivered, StatusExpired:
		if err := f.fallback(tx, m); err != nil {
			return true, err
		}
		if m.Fallback == "" {
			// The fallback's own end will tell; without one, this is the end.
			if err := tx.PutMessage(m); err != nil {
				return true, err
			}
			if err := CheckReach(tx, m, now); err != nil {
				return true, err
			}
		}
	}
	return true, nil
}

// fallback queues the SMS copy of a WhatsApp message that failed with a
// fallback code or came back undelivered; once, and never for an SMS.
func (f *Fallbacks) fallback(tx Tx, m *Message) error {
	if m.Channel != school.ChannelWhatsApp || m.Fallback != "" || m.FallbackFor != "" {
		return nil
	}
	if m.Status == StatusExpired || (m.Status == StatusFailed && !f.Codes[m.ErrorCode]) {
		return nil
	}
	now := f.Now()
	sms := &Message{
		Date: m.Date, Students: append([]string(nil), m.Students...), Contact: m.Contact, Role: m.Role,
		Phone: m.Phone, Channel: school.ChannelSMS, Language: m.Language, LanguageFallback: m.LanguageFallback,
		Template: m.Template, Body: m.Body, Back: m.Back, Direction: m.Direction, Review: m.Review,
		ReviewedBy: m.ReviewedBy, ReviewedOn: m.ReviewedOn, Status: StatusQueued, DueAt: now, ExpiresAt: m.ExpiresAt,
		FallbackFor: m.ID, CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.PutMessage(sms); err != nil {
		return err
	}
	m.Fallback = sms.ID
	return nil
}

// Callback applies a provider's status report for the message with
// providerID. A report that comes before nabij has recorded the id (the
// provider can be that fast) is kept and applied when the id is recorded.
func (f *Fallbacks) Callback(tx Tx, providerID, word string, code int) (*Message, error) {
	st, ok := ProviderStatus(word)
	if !ok {
		return nil, nil
	}
	m, err := tx.MessageByProviderID(providerID)
	if errors.Is(err, ErrNotFound) {
		return nil, tx.KeepEarlyStatus(providerID, st, code)
	}
	if err != nil {
		return nil, err
	}
	changed, err := f.ApplyStatus(tx, m, st, code)
	if err != nil || !changed {
		return nil, err
	}
	return m, tx.PutMessage(m)
}
