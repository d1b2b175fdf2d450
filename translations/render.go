package translations

import (
	"fmt"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
	"golang.org/x/text/unicode/bidi"
)

// strictParser makes a missing placeholder value an error. go-i18n's default
// prints "<no value>", which would end up in a parent's SMS.
var strictParser = &template.TextParser{Option: "missingkey=error"}

// Render renders key in the supported tag (see Match) with data as template
// values.
//
// For plural keys (see IsPlural) count must be >= 0: it is the number of
// pupils the message is about and selects the CLDR plural form of the
// language. A negative count for a plural key is an error, because guessing
// "other" would give singular children plural verbs. For non-plural keys the
// count is ignored; pass -1.
//
// Every problem is an error: unknown tag or key, a key this language lacks, a
// missing plural form, a missing value in data. Render never substitutes
// another language; go-i18n would, so its result is checked.
func (c *Catalog) Render(tag, key string, data map[string]any, count int) (string, error) {
	return c.RenderGender(tag, key, "", data, count)
}

// RenderGender is Render for pupils of a known gender (Female, Male, or ""
// when the roster does not say): a text about one pupil uses the
// language's variant for that gender when it has one, the neutral wording
// otherwise.
func (c *Catalog) RenderGender(tag, key, gender string, data map[string]any, count int) (string, error) {
	e, ok := c.langs[tag]
	if !ok {
		return "", fmt.Errorf("translations: unsupported language %q (use Match first)", tag)
	}
	// The base language defines which keys exist; a key only some other
	// file has is a typo there, not a message.
	if _, known := c.plural[key]; !known {
		return "", fmt.Errorf("translations: unknown key %q", key)
	}
	if _, ok := e.messages[key]; !ok {
		return "", fmt.Errorf("translations: %s has no message %q", tag, key)
	}
	if data == nil {
		// A nil map would make every placeholder "<no value>" instead of an
		// error; an empty one lets missingkey=error do its job.
		data = map[string]any{}
	}
	if e.lang.Direction == "rtl" {
		data = isolateValues(data)
	}
	lc := &i18n.LocalizeConfig{
		MessageID:      c.variant(e, key, count, gender),
		TemplateData:   data,
		TemplateParser: strictParser,
	}
	if c.plural[key] {
		if count < 0 {
			return "", fmt.Errorf("translations: %q needs a count (number of pupils)", key)
		}
		lc.PluralCount = count
	}
	// go-i18n returns a best-effort text (another language or the "other"
	// form) together with the error; that text is deliberately dropped.
	out, got, err := e.localizer.LocalizeWithTag(lc)
	if err != nil {
		return "", fmt.Errorf("translations: %s %s (count %d): %w", tag, key, count, err)
	}
	if got != e.tag {
		return "", fmt.Errorf("translations: %s %s: go-i18n answered in %s", tag, key, got)
	}
	// A name that ends in an initial ("Amanuel T.") at the end of a
	// sentence must not give "Amanuel T.." (nor "Amanuel T.⁩." when the
	// name is isolated).
	if names, _ := data["Names"].(string); strings.HasSuffix(unwrapEnd(names), ".") {
		out = strings.ReplaceAll(out, names+".", names)
	}
	return out, nil
}

// The Unicode isolates (UAX #9): a value placed in a right-to-left message
// is wrapped in FSI … PDI, so that the bidi algorithm every phone runs lays
// it out as one piece, in its own direction, without reordering the text
// around it: "11 = Amanuel T." stays together and beside its own number,
// a name's full stop stays on its side. FSI takes the direction of the
// value's first strong letter: left to right for a Latin name, right to
// left for one in Arabic script.
const (
	FSI = "\u2068"
	PDI = "\u2069"
	// LRM and RLM are the direction marks nabij puts just inside the
	// isolate of each option of a right-to-left "which child?" question,
	// of the option's own direction (in a left-to-right question an LRM
	// follows a right-to-left name's isolate instead): a phone whose bidi algorithm predates the
	// isolates (Unicode 6.3; many cheap phones' SMS apps) skips FSI and
	// PDI, and the marks alone then keep each number beside its own
	// child. (Found by a review, as FriBidi shows the question with its
	// isolates taken out: "11" beside the second child.) The names and the
	// school's name in the other messages go without: there the marks
	// would only keep a name's full stop on its side (".Amanuel T" on such
	// a phone), and would cost Sorani, Dari and Pashto a third SMS part.
	LRM = "\u200e"
	RLM = "\u200f"
)

// wrap isolates s, with the direction mark of its first strong letter just
// inside each end (none when s has no strong letter).
func wrap(s string) string {
	for _, r := range s {
		switch p, _ := bidi.LookupRune(r); p.Class() {
		case bidi.L:
			return FSI + LRM + s + LRM + PDI
		case bidi.R, bidi.AL:
			return FSI + RLM + s + RLM + PDI
		}
	}
	return FSI + s + PDI
}

// unwrapEnd is s without the isolate's and the mark's end, if it has them.
func unwrapEnd(s string) string {
	s = strings.TrimSuffix(s, PDI)
	return strings.TrimSuffix(strings.TrimSuffix(s, LRM), RLM)
}

// IsIsolated reports whether s is wrapped in isolates already (one value,
// or a list of isolated values joined by the language's words).
func IsIsolated(s string) bool {
	return strings.HasPrefix(s, FSI) && strings.HasSuffix(s, PDI)
}

// Isolate wraps s in FSI … PDI when tag is written right to left, or when
// s holds right-to-left letters (an Arabic name in a Dutch message: without
// the isolates a phone's bidi algorithm moves the numbers of a "which
// child?" question away from their names), and s is not isolated already;
// otherwise it returns s.
func (c *Catalog) Isolate(tag, s string) string {
	e, ok := c.langs[tag]
	if !ok || s == "" || IsIsolated(s) || e.lang.Direction != "rtl" && !hasRTL(s) {
		return s
	}
	return FSI + s + PDI
}

// isolateOption is Isolate with the direction marks of wrap: an option of
// a "which child?" question, whose number must stay beside its own name
// even on a phone that does not know the isolates.
func (c *Catalog) isolateOption(tag, s string) string {
	if out := c.Isolate(tag, s); out != s {
		return wrap(s)
	}
	return s
}

// hasRTL reports whether s holds a strong right-to-left character.
func hasRTL(s string) bool {
	for _, r := range s {
		if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL {
			return true
		}
	}
	return false
}

// isolateValues is data with every string value isolated, for a
// right-to-left message.
func isolateValues(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		if s, ok := v.(string); ok && s != "" && !IsIsolated(s) {
			v = FSI + s + PDI
		}
		out[k] = v
	}
	return out
}

// OptionList writes a "which child?" question's options as the language
// lists them: "11 = Amanuel T., 12 = Sara H." with the language's own
// separator ("، " in Arabic), each option isolated in a right-to-left
// language so its number stays beside its own name on the phone.
func (c *Catalog) OptionList(tag string, codes, names []string) (string, error) {
	if len(codes) != len(names) {
		return "", fmt.Errorf("translations: %d option codes for %d names", len(codes), len(names))
	}
	sep, err := c.Render(tag, "list_separator", nil, -1)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(codes))
	rtl := c.langs[tag].lang.Direction == "rtl"
	for i := range codes {
		if rtl {
			parts[i] = c.isolateOption(tag, codes[i]+" = "+names[i])
		} else {
			// The name alone, when it is right to left: the option reads
			// left to right, its number first. An LRM after it ends the
			// name's right-to-left run on a phone that skips the isolates,
			// so the separator and the next number do not join it.
			if n := c.Isolate(tag, names[i]); n != names[i] {
				parts[i] = codes[i] + " = " + n + LRM
			} else {
				parts[i] = codes[i] + " = " + names[i]
			}
		}
	}
	return strings.Join(parts, sep), nil
}

// JoinNames joins pupils' names the way the language lists them: "A",
// "A and B", "A, B and C", using the list_separator and list_and messages.
// No names give "".
func (c *Catalog) JoinNames(tag string, names []string) (string, error) {
	switch len(names) {
	case 0:
		return "", nil
	case 1:
		// Still check the tag, so a bad tag fails the same way for one child
		// as for several.
		if _, ok := c.langs[tag]; !ok {
			return "", fmt.Errorf("translations: unsupported language %q (use Match first)", tag)
		}
		return c.Isolate(tag, names[0]), nil
	}
	isolated := make([]string, len(names))
	for i, n := range names {
		isolated[i] = c.Isolate(tag, n)
	}
	names = isolated
	sep, err := c.Render(tag, "list_separator", nil, -1)
	if err != nil {
		return "", err
	}
	last := len(names) - 1
	return c.Render(tag, "list_and", map[string]any{
		"Rest": strings.Join(names[:last], sep),
		"Last": names[last],
	}, -1)
}

// AlertText is the same-morning alert as a family receives it: alert_absent
// about names (joined with JoinNames), a space, then alert_reply_hint. The
// alerts package composes the same text; it is built here as well so the
// length checks and golden files measure exactly that text, not its parts.
func (c *Catalog) AlertText(tag, school string, names []string) (string, error) {
	return c.AlertTextGender(tag, school, names, "")
}

// AlertTextGender is AlertText about pupils of a known gender.
func (c *Catalog) AlertTextGender(tag, school string, names []string, gender string) (string, error) {
	joined, err := c.JoinNames(tag, names)
	if err != nil {
		return "", err
	}
	absent, err := c.RenderGender(tag, "alert_absent", gender, map[string]any{"School": school, "Names": joined}, len(names))
	if err != nil {
		return "", err
	}
	hint, err := c.Render(tag, "alert_reply_hint", nil, -1)
	if err != nil {
		return "", err
	}
	return absent + " " + hint, nil
}
