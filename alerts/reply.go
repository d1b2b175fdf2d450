package alerts

import (
	"strings"

	"github.com/nabij-isk/nabij/school"
	"time"
	"unicode"
)

// Reply is what a family's answer means.
type Reply int

// The answers nabij understands in any language.
const (
	ReplyText   Reply = iota // anything else: the coordinator reads it
	ReplySick                // "1": the pupil is sick
	ReplyCall                // "2": another reason, please call me
	ReplyOptOut              // STOP and Twilio's other opt-out words, STOPPEN
	ReplyOptIn               // START
	ReplyOption              // a code a "which child?" question offered
)

var (
	optOutWords = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true,
		"QUIT": true, "REVOKE": true, "OPTOUT": true, "STOPPEN": true}
	optInWords = map[string]bool{"START": true, "UNSTOP": true, "YES": true}
)

// normalizeDigits turns the digits of other scripts (Arabic-Indic,
// Persian, Devanagari, …, Ge'ez ፩ ፪) into 0–9, so "١" and "۱" are "1".
func normalizeDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '፩' && r <= '፱': // Ethiopic numerals one to nine
			b.WriteRune('1' + (r - '፩'))
		case unicode.IsDigit(r) && digitValue(r) >= 0:
			b.WriteRune('0' + digitValue(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// digitZeros are the zeros of the decimal digit runs families are likely to
// type: Arabic-Indic, Persian/Urdu, NKo, Devanagari, Bengali, Gurmukhi,
// Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Thai, Lao, Tibetan,
// Myanmar, Khmer, fullwidth.
var digitZeros = []rune{0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
	0x0CE6, 0x0D66, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0xFF10}

func digitValue(r rune) rune {
	for _, zero := range digitZeros {
		if r >= zero && r < zero+10 {
			return r - zero
		}
	}
	return -1
}

// ReadReply reads a family's answer. options are the codes of an open
// "which child?" question.
func ReadReply(body string, options map[string]string) (Reply, string) {
	text := strings.TrimSpace(normalizeDigits(body))
	text = strings.Trim(text, ".!?,;: \t\n")
	word := strings.ToUpper(text)
	switch {
	case options[word] != "":
		return ReplyOption, options[word]
	case word == "1":
		return ReplySick, ""
	case word == "2":
		return ReplyCall, ""
	case optOutWords[word]:
		return ReplyOptOut, ""
	case optInWords[word]:
		return ReplyOptIn, ""
	}
	return ReplyText, ""
}

// Answer queues a message back to a contact who wrote: thanks, or a
// question. It goes on the channel they wrote on, in the language of the
// alert they answered, at once (the family just wrote: no quiet hours).
func (r *Renderer) Answer(tx Tx, to *Message, channel string, template string, students []string, options map[string]string, now time.Time) (*Message, error) {
	m := &Message{Date: to.Date, Students: students, Contact: to.Contact, Role: to.Role, Phone: to.Phone,
		Channel: to.Channel, Language: to.Language, LanguageFallback: to.LanguageFallback, Template: template,
		Options: options, Status: StatusQueued, DueAt: now, CreatedAt: now, UpdatedAt: now}
	if channel != "" {
		m.Channel = school.Channel(channel)
	}
	names := make([]string, 0, len(students))
	for _, id := range students {
		s, _, err := tx.Student(id)
		if err != nil {
			return nil, err
		}
		names = append(names, s.Name)
	}
	if err := r.Render(m, names); err != nil {
		return nil, err
	}
	return m, tx.PutMessage(m)
}
