package rosterimport

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/nabij-isk/nabij/school"
)

var (
	dutchDate = regexp.MustCompile(`^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$`)
	isoDate   = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	// Spreadsheets turn a date column into date-times on the way out.
	timeSuffix = regexp.MustCompile(`[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$`)
)

// parseDate reads dd-mm-jjjj (Dutch systems; also d-m-jjjj, / or .) or
// jjjj-mm-dd. Two-digit years and month-first dates are refused, not guessed:
// a wrong birth date is worse than a question.
func parseDate(s string) (school.Date, error) {
	s = timeSuffix.ReplaceAllString(strings.TrimSpace(s), "")
	var y, m, d string
	if g := dutchDate.FindStringSubmatch(s); g != nil {
		d, m, y = g[1], g[2], g[3]
	} else if g := isoDate.FindStringSubmatch(s); g != nil {
		y, m, d = g[1], g[2], g[3]
	} else {
		return school.Date{}, school.Problemf("date_unreadable", map[string]string{"Value": s}, "%q is not a date; write dd-mm-jjjj, such as 04-03-2010", s)
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Year() != yi || int(t.Month()) != mi || t.Day() != di || yi < 1900 {
		return school.Date{}, school.Problemf("date_nonexistent", map[string]string{"Value": s}, "%q is not a date that exists; write dd-mm-jjjj, such as 04-03-2010", s)
	}
	return school.DateOf(t), nil
}

// roleWords are matched inside the relationship cell, guardian first so that
// "voogd (Nidos)" and "Nidos-voogd" need no list of their own, and parent
// last so that "stiefmoeder", "pleegouder", "grandmother" are parents.
var roleWords = []struct {
	role  school.ContactRole
	words []string
}{
	{school.RoleGuardian, []string{"voogd", "nidos", "guardian"}},
	{school.RoleWoonbegeleider, []string{"woonbegeleider", "begeleider", "mentorkwe", "kwementor", "supportworker", "careworker"}},
	{school.RoleParent, []string{"ouder", "moeder", "vader", "verzorger", "parent", "mother", "father", "caregiver", "carer", "relative"}},
}

// parseRole maps a relationship as schools write it to a contact role.
func parseRole(s string) (school.ContactRole, error) {
	var b strings.Builder
	for _, r := range fold(s) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	key := b.String()
	for _, rw := range roleWords {
		for _, w := range rw.words {
			if strings.Contains(key, w) {
				return rw.role, nil
			}
		}
	}
	return "", school.Problemf("relationship_unknown", map[string]string{"Value": s}, "%q is not a relationship nabij knows; write ouder, voogd or woonbegeleider", s)
}

// channelSpelling drops what people put inside a channel's name ("Whats App", "whats-app").
var channelSpelling = strings.NewReplacer(" ", "", "-", "", "'", "")

// parseChannel reads the kanaal column; empty means SMS, which every phone has.
func parseChannel(s string) (school.Channel, error) {
	switch channelSpelling.Replace(strings.ToLower(s)) {
	case "":
		return "", nil
	case "sms", "text", "tekst":
		return school.ChannelSMS, nil
	case "whatsapp", "whatsap", "wa":
		return school.ChannelWhatsApp, nil
	case "voice", "call", "bellen", "spraak", "telefoon":
		return school.ChannelVoice, nil
	}
	return "", school.Problemf("channel_unknown", map[string]string{"Value": s}, "%q is not a channel; write sms, whatsapp or bellen (a phone call)", s)
}

// normalizePhone is school.NormalizePhone, plus one repair: Excel reads
// "+31612345678" as the number 31612345678 and writes it back without the
// plus, which would otherwise be read as a Dutch national number.
func normalizePhone(s string) (string, error) {
	e164, err := school.NormalizePhone(s)
	if err != nil && len(s) >= 11 && s[0] != '0' && strings.Trim(s, "0123456789") == "" {
		if e, err2 := school.NormalizePhone("+" + s); err2 == nil {
			return e, nil
		}
	}
	return e164, err
}

// classID is the id nabij keeps for a class as the file names it: the name
// itself when it is an id nabij can use ("1A", "ISK1B"), else the name with
// each run of other characters (a space) as one '-' ("ISK 2" → "ISK-2"),
// the name kept as written. A name with nothing of an id in it, or too
// long, is left for the roster's own check to refuse.
func classID(name string) string {
	if name == "" || school.ValidID(name) {
		return name
	}
	id := dashed(name, func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
	})
	if school.ValidID(id) {
		return id
	}
	return name
}

// dashed is s with the runes keep keeps, each run of others between them
// as one '-' (none at either end).
func dashed(s string, keep func(rune) bool) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if keep(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// slug makes a housing unit id from its name: "KWE Oost-Zuid" → "kwe-oost-zuid".
func slug(name string) string {
	s := dashed(fold(name), func(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' })
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-")
	}
	if s == "" {
		// A name in another script has no Latin letters to keep.
		return "kwe-" + shortHash(name)
	}
	return s
}

// fold lowercases and strips accents, so that "Oekraïens" and "oekraiens"
// are one word.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(strings.TrimSpace(out))
}

// splitMentors splits "A. de Vries, B. Jansen" into two names, but leaves
// "Vries, A. de" whole: a comma splits only when every part looks like a
// whole name (has a space).
func splitMentors(s string) []string {
	var names []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == '/' || r == '&' || r == '\n' }) {
		byComma := strings.Split(part, ",")
		whole := len(byComma) > 1
		for _, p := range byComma {
			if !strings.Contains(strings.TrimSpace(p), " ") {
				whole = false
			}
		}
		if !whole {
			byComma = []string{part}
		}
		for _, p := range byComma {
			if p = strings.Join(strings.Fields(p), " "); p != "" {
				names = append(names, p)
			}
		}
	}
	return names
}

// shortHash is 8 hex digits of SHA-256: enough to tell a pupil's few phones
// apart and to keep the number itself out of ids and logs. It is not secret:
// the Dutch mobile range is small enough to try every number.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// contactID is the id of the contact at phone e164, named after owner, the
// lowest pupil number the phone stands under, so that siblings share one id
// and the id does not depend on row order.
func contactID(owner, e164 string) string {
	if len(owner) > 53 {
		owner = owner[:53]
	}
	return "c-" + owner + "-" + shortHash(e164)
}
