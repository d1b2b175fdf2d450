package alerts

import (
	"strconv"
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
// Persian, Devanagari, full-width, …) into 0–9, so "١١" and "۱۱" are "11",
// and a Ge'ez numeral (additive, not positional: ፲፩ is ten and one) into
// its number, so "፲፩" is "11" too.
func normalizeDigits(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case isGeez(r):
			j := i
			for j < len(rs) && isGeez(rs[j]) {
				j++
			}
			b.WriteString(strconv.Itoa(geezValue(rs[i:j])))
			i = j - 1
		case unicode.IsDigit(r) && digitValue(r) >= 0:
			b.WriteRune('0' + digitValue(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// The Ethiopic numerals: ፩–፱ one to nine, ፲–፺ ten to ninety, ፻ hundred,
// ፼ ten thousand.
const (
	geezOne     = '\u1369'
	geezTen     = '\u1372'
	geezHundred = '\u137B'
	geez10000   = '\u137C'
)

func isGeez(r rune) bool { return r >= geezOne && r <= geez10000 }

// geezValue reads a Ge'ez numeral: units and tens add up, ፻ multiplies
// what stands before it (or one) by a hundred, ፼ by ten thousand.
func geezValue(rs []rune) int {
	total, group, cur := 0, 0, 0
	for _, r := range rs {
		switch {
		case r >= geezOne && r < geezTen:
			cur += int(r-geezOne) + 1
		case r >= geezTen && r < geezHundred:
			cur += (int(r-geezTen) + 1) * 10
		case r == geezHundred:
			group += max(cur, 1) * 100
			cur = 0
		case r == geez10000:
			total += max(group+cur, 1) * 10000
			group, cur = 0, 0
		}
	}
	return total + group + cur
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

// AnswerWordOptIn reports whether body is the opt-in word a family also
// writes to answer a question ("Yes" to "shall we call you?"): it opts in
// only a number that opted out; from any other it is a reply to read.
func AnswerWordOptIn(body string) bool {
	return replyWord(body) == "YES"
}

// replyWord is a reply as ReadReply compares it: digits of any script made
// 0–9, spaces and punctuation around it dropped, upper case.
func replyWord(body string) string {
	text := strings.TrimSpace(normalizeDigits(body))
	return strings.ToUpper(strings.Trim(text, replyTrim))
}

// replyTrim is what may stand around an answer: spaces, the punctuation
// of the families' own scripts (the Ethiopic full stop most Tigrinya and
// Amharic messages end with, the Arabic comma, question mark and
// semicolon, the Urdu full stop), and the invisible marks a phone's
// keyboard may add in right-to-left text (LRM, RLM, ALM) or at the start
// (a byte-order mark).
const replyTrim = ".!?,;: \t\n\r" + "።፣፧፤፥" + "،؟؛۔" + "\u200e\u200f\u061c\ufeff"

// ReadReply reads a family's answer. options are the codes of an open
// "which child?" question.
func ReadReply(body string, options map[string]string) (Reply, string) {
	word := replyWord(body)
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
	genders := make([]string, 0, len(students))
	for _, id := range students {
		s, _, err := tx.Student(id)
		if err != nil {
			return nil, err
		}
		names = append(names, s.Name)
		genders = append(genders, s.Gender)
	}
	if err := r.RenderPupils(m, names, genders); err != nil {
		return nil, err
	}
	return m, tx.PutMessage(m)
}

// AnswerContact is Answer to a contact who wrote when nabij had sent them
// nothing that day to answer (a "1" before the morning's list): in the
// contact's language, on the channel they wrote on.
func (r *Renderer) AnswerContact(tx Tx, date school.Date, c school.Contact, channel string, template string, students []string, options map[string]string, now time.Time) (*Message, error) {
	to := &Message{Date: date, Contact: c.ID, Role: c.Role, Phone: c.Phone, Channel: c.Channel}
	to.Language, to.LanguageFallback = r.Language(c)
	return r.Answer(tx, to, channel, template, students, options, now)
}
