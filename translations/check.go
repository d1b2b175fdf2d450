package translations

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// CheckSchool is the school name Check and the golden files render with. It
// is a real ISK's name rather than "X", so the lengths measured are the ones
// a family will actually receive.
const CheckSchool = "ISK Groningen"

// MaxAlertSegments is the most SMS parts the one-pupil alert may cost. Every
// part is billed, per family, every morning; and the reply hint comes last,
// so the longer the alert, the likelier a parent stops before the part that
// asks them to answer.
const MaxAlertSegments = 2

// MaxAlertSegmentsRTL is the budget of a right-to-left language: every
// value in its messages is wrapped in Unicode isolates (two UTF-16 units
// each, and every such message is UCS-2 already), so that a phone lays it
// out right; natural sentences in Arabic script then need a third part for
// a long name. Words a family needs are never cut to save one.
const MaxAlertSegmentsRTL = 3

// MaxSegments is the most SMS parts the language's one-pupil alert may cost.
func (l Language) MaxSegments() int {
	if l.Direction == "rtl" {
		return MaxAlertSegmentsRTL
	}
	return MaxAlertSegments
}

// RealisticNames are names as a school writes them by hand (first name and
// initial) that Check tries the alert with, against the language's budget.
// A test with a short name such as "Sara" passes where "Oleksandra K."
// overflows, so the worst case counts.
var RealisticNames = []string{"Amanuel T.", "Mohammad R.", "Oleksandra K.", "Fatma Y.", "Ahmad Zia N."}

// FullNames are names as the roster import writes them (roepnaam,
// tussenvoegsel and achternaam, up to thirty characters): they cost a
// part more in most languages written in UCS-2 (found by a review, which
// measured the budget with names the import never writes). Check holds
// the alert with them to MaxAlertSegmentsFullName.
var FullNames = []string{"Amanuel Tesfay", "Oleksandra Kovalenko", "Yonas Gebremedhin", "Mohammed Abdirahman Abdullahi"}

// MaxAlertSegmentsFullName is the most SMS parts the one-pupil alert may
// cost with a full name (FullNames), in every language.
const MaxAlertSegmentsFullName = 3

// renderCounts are the pupil counts every key is rendered with: they reach
// each CLDR category our languages use (0 for zero/many, 1, 2, 3–10 for
// few, 11 for many, 21 and 101 for Slavic one/few).
var renderCounts = []int{0, 1, 2, 3, 5, 11, 21, 101}

// Report is what Check found for one language.
type Report struct {
	Language Language // meta: tag, name, review state, reviewed_by/on
	Keys     int      // keys of the base language present in this file
	Total    int      // keys of the base language (en)
	// Problems are sentences naming the key (and form) and what is wrong.
	Problems []string
	Alert    AlertFit // the alert for one pupil, worst case over RealisticNames
	FullName AlertFit // the same over FullNames (at most MaxAlertSegmentsFullName)
	Siblings AlertFit // the alert for two pupils; informative only

	// Counted apart so a summary can say "plurals: no" without parsing the
	// sentences in Problems.
	pluralProblems      int
	placeholderProblems int
	genderProblems      int
}

// GenderComplete reports whether a language that marks gender has every
// variant, and one that does not has none.
func (r Report) GenderComplete() bool { return r.genderProblems == 0 }

// AlertFit is how the same-morning alert (see AlertText) fits in SMS.
type AlertFit struct {
	Encoding string // "GSM-7" or "UCS-2"
	Chars    int    // length in that encoding's unit: GSM-7 septets or UTF-16 code units
	Segments int    // SMS parts billed
	Name     string // the pupil name(s) of the worst case, joined with " + "
	Why      string // why UCS-2, e.g. "UCS-2 because of 'ë'" or "Ge'ez script"; "" for GSM-7
}

// OK reports whether the language can be sent: no problems and an alert of
// at most the language's MaxSegments parts.
func (r Report) OK() bool {
	return len(r.Problems) == 0 && r.Alert.Segments <= r.Language.MaxSegments()
}

// PluralsComplete reports whether every key has exactly the plural forms
// CLDR (as go-i18n applies it) selects for the language.
func (r Report) PluralsComplete() bool { return r.pluralProblems == 0 }

// PlaceholdersConsistent reports whether every form uses exactly the
// placeholders of the English message.
func (r Report) PlaceholdersConsistent() bool { return r.placeholderProblems == 0 }

func (r *Report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// Check checks every loaded language against the base language and the SMS
// budget. Load already refused files that cannot be read at all; Check finds
// what a file can be loaded with but should not be sent with. Reports are
// sorted by tag.
func (c *Catalog) Check() []Report {
	out := make([]Report, 0, len(c.support))
	for _, tag := range c.support {
		out = append(out, c.check(c.langs[tag]))
	}
	return out
}

func (c *Catalog) check(e *entry) Report {
	r := Report{Language: e.lang, Total: len(c.keys)}
	cldr, cldrErr := pluralCategories(e.tag)
	if cldrErr != nil {
		r.pluralProblems++
		r.problem("go-i18n has no plural rule for %s: %v", e.lang.Tag, cldrErr)
	}
	for _, key := range c.keys {
		forms, ok := e.messages[key]
		if !ok {
			r.problem("missing key %s", key)
			continue
		}
		r.Keys++
		before := len(r.Problems)
		if cldrErr == nil {
			c.checkForms(&r, key, forms, cldr)
		}
		c.checkTexts(&r, key, forms)
		// A key with a missing form or a wrong placeholder also fails to
		// render; saying so again for each count would bury the cause.
		if len(r.Problems) == before {
			c.checkRender(&r, key)
		}
		c.checkBack(&r, e, key, key)
		if e.lang.Gender && slices.Contains(c.basePlaceholders(key), "Names") {
			// A sentence about one pupil in a language that marks gender:
			// a feminine and a masculine variant beside the neutral one.
			for _, g := range []string{Female, Male} {
				v := genderKey(key, g)
				vforms, ok := e.messages[v]
				if !ok {
					r.genderProblems++
					r.problem("%s marks gender, but %s has no variant %s (for a %s pupil)", e.lang.Tag, key, v, map[string]string{Female: "female", Male: "male"}[g])
					continue
				}
				if cldrErr == nil {
					c.checkForms(&r, key, vforms, cldr)
				}
				c.checkTexts(&r, key, vforms)
				c.checkBack(&r, e, v, key)
			}
		}
	}
	for _, key := range sortedKeys(e.messages) {
		if _, ok := c.plural[key]; ok {
			continue
		}
		if base, _ := baseOfVariant(key); base != "" && e.lang.Gender && slices.Contains(c.basePlaceholders(base), "Names") {
			continue
		} else if base != "" && !e.lang.Gender {
			r.genderProblems++
			r.problem("key %s is a gender variant, but meta.gender is not true", key)
			continue
		}
		r.problem("key %s is not in en (typo?)", key)
	}
	for _, key := range sortedKeys(e.back) {
		if _, ok := c.plural[key]; ok {
			continue
		}
		if _, ok := e.messages[key]; ok {
			continue // a gender variant's back-translation
		}
		r.problem("back-translation for %s, which is not a key in en", key)
	}

	one := make([][]string, len(RealisticNames))
	for i, n := range RealisticNames {
		one[i] = []string{n}
	}
	var err error
	if r.Alert, err = c.alertFit(e.lang.Tag, CheckSchool, one); err != nil {
		r.problem("alert for one pupil cannot be rendered: %v", err)
	} else if r.Alert.Segments > e.lang.MaxSegments() {
		r.problem("alert_absent + alert_reply_hint for one pupil %q is %d %s units (%s) = %d SMS segments; at most %d allowed",
			r.Alert.Name, r.Alert.Chars, unitName(r.Alert.Encoding), r.Alert.Encoding, r.Alert.Segments, e.lang.MaxSegments())
	}
	full := make([][]string, len(FullNames))
	for i, n := range FullNames {
		full[i] = []string{n}
	}
	if r.FullName, err = c.alertFit(e.lang.Tag, CheckSchool, full); err != nil {
		r.problem("alert for one pupil cannot be rendered: %v", err)
	} else if r.FullName.Segments > MaxAlertSegmentsFullName {
		r.problem("alert_absent + alert_reply_hint for one pupil %q (a full name) is %d %s units (%s) = %d SMS segments; at most %d allowed",
			r.FullName.Name, r.FullName.Chars, unitName(r.FullName.Encoding), r.FullName.Encoding, r.FullName.Segments, MaxAlertSegmentsFullName)
	}
	var two [][]string
	for i, a := range RealisticNames {
		for j, b := range RealisticNames {
			if i != j {
				two = append(two, []string{a, b})
			}
		}
	}
	if r.Siblings, err = c.alertFit(e.lang.Tag, CheckSchool, two); err != nil {
		r.problem("alert for two pupils cannot be rendered: %v", err)
	}
	return r
}

// checkBack checks the back-translation of key (a message or its gender
// variant) against the placeholders of base in en: every form present, and
// for a message about pupils, a text for one pupil when English needs it.
func (c *Catalog) checkBack(r *Report, e *entry, key, base string) {
	forms := e.back[key]
	if strings.TrimSpace(forms["other"]) == "" {
		r.problem("no back-translation for %s", key)
		return
	}
	want := c.basePlaceholders(base)
	for _, form := range sortedKeys(forms) {
		text := forms[form]
		if got := placeholders(text); !reflect.DeepEqual(got, want) {
			// Staff read the back-translation rendered with the same
			// values; a different placeholder shows them a blank.
			r.problem("back-translation of %s (%s) has placeholders %v, en has %v", key, form, got, want)
		}
		// As in the texts sent: only simple placeholders (RenderBack fills
		// in nothing else; a reviewer's {{range}} is refused here).
		if n := strings.Count(text, "{{"); n != len(placeholderRE.FindAllString(text, -1)) {
			r.placeholderProblems++
			r.problem("back-translation of %s (%s) has %d template actions, but only simple placeholders such as {{.Names}} are allowed: %q", key, form, n, text)
		}
	}
	// English says "is" of one pupil and "are" of two: a message whose en
	// text differs between one and other needs both in its back-translation.
	if en := c.langs[BaseLanguage].messages[base]; c.plural[base] && en["one"] != en["other"] && slices.Contains(want, "Names") && forms["one"] == "" {
		r.problem("back-translation of %s has one text for every count, but English says it differently of one pupil: give one and other", key)
	}
}

// checkForms compares a key's plural forms with what CLDR selects.
func (c *Catalog) checkForms(r *Report, key string, forms map[string]string, cldr []string) {
	want := cldr
	if !c.plural[key] {
		want = []string{"other"}
	}
	got := formNames(forms)
	for _, f := range want {
		if _, ok := forms[f]; !ok {
			r.pluralProblems++
			r.problem("%s lacks the plural form %s (CLDR for %s: %s)", key, f, r.Language.Tag, strings.Join(want, ", "))
		}
	}
	for _, f := range got {
		if slices.Contains(want, f) {
			continue
		}
		r.pluralProblems++
		if !c.plural[key] {
			r.problem("%s.%s: en does not vary %s with the count, so it needs only the form other", key, f, key)
		} else {
			r.problem("%s.%s: %s never selects the plural form %s", key, f, r.Language.Tag, f)
		}
	}
}

// checkTexts checks each form's text: not empty, and the placeholders of en.
func (c *Catalog) checkTexts(r *Report, key string, forms map[string]string) {
	want := c.basePlaceholders(key)
	for _, form := range formNames(forms) {
		text := forms[form]
		switch {
		case text == "":
			r.problem("%s.%s is empty", key, form)
			continue
		case strings.TrimSpace(text) == "" && key != "list_separator":
			r.problem("%s.%s is only whitespace", key, form)
			continue
		}
		if got := placeholders(text); !reflect.DeepEqual(got, want) {
			r.placeholderProblems++
			r.problem("%s.%s has placeholders %v, en has %v", key, form, got, want)
		}
		// Bidi controls typed into a text (an override, an embedding, a
		// hand-made isolate) fight the isolates nabij puts around every
		// value and can reorder a right-to-left message on the phone.
		if i := strings.IndexFunc(text, isBidiControl); i >= 0 {
			r.problem("%s.%s contains the bidi control U+%04X: nabij isolates names, numbers and options itself; remove it", key, form, []rune(text[i:])[0])
		}
		// Anything else between braces ({{.names}}, {{ if }}) is a
		// translation slip, not a feature we support.
		if n := strings.Count(text, "{{"); n != len(placeholderRE.FindAllString(text, -1)) {
			r.placeholderProblems++
			r.problem("%s.%s has %d template actions, but only simple placeholders such as {{.Names}} are allowed: %q", key, form, n, text)
		}
	}
}

// checkRender renders key for every count in renderCounts, as Render will
// be called in production, and checks each value made it into the text.
func (c *Catalog) checkRender(r *Report, key string) {
	data := probeData()
	var failed []int
	var first error
	for _, n := range renderCounts {
		out, err := c.Render(r.Language.Tag, key, data, n)
		if err != nil {
			failed = append(failed, n)
			if first == nil {
				first = err
			}
			continue
		}
		if out == "" || strings.Contains(out, "{{") || strings.Contains(out, "<no value>") {
			r.problem("%s renders badly for count %d: %q", key, n, out)
			return
		}
		for _, p := range c.basePlaceholders(key) {
			if v := data[p].(string); !strings.Contains(out, v) {
				r.problem("%s renders without its %s (%q) for count %d: %q", key, p, v, n, out)
				return
			}
		}
	}
	if len(failed) > 0 {
		r.problem("%s cannot be rendered for %s %s: %v", key, plural(len(failed), "count", "counts"), countList(failed), first)
	}
}

// SchoolNameFit renders each language's alert for one pupil with the
// school's own name (Check renders it with CheckSchool) and says, for each
// language where it no longer fits the language's budget of SMS segments,
// by how much and why: a long name, or a character outside GSM-7 (a curly
// apostrophe in "ISK ’t Hooghe Landt") that makes every alert UCS-2.
func (c *Catalog) SchoolNameFit(school string) []string {
	one := make([][]string, len(RealisticNames))
	for i, n := range RealisticNames {
		one[i] = []string{n}
	}
	var out []string
	for _, tag := range c.support {
		e := c.langs[tag]
		fit, err := c.alertFit(tag, school, one)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: the alert cannot be rendered with the school's name: %v", tag, err))
			continue
		}
		if fit.Segments > e.lang.MaxSegments() {
			why := ""
			if fit.Encoding == "UCS-2" && fit.Why != "" {
				why = "; " + fit.Why
			}
			out = append(out, fmt.Sprintf("%s: with the school's name %q an alert for one pupil can be %d SMS segments, over the %d allowed (%d %s units%s)",
				tag, school, fit.Segments, e.lang.MaxSegments(), fit.Chars, unitName(fit.Encoding), why))
		}
	}
	return out
}

// alertFit renders the alert for each group of names and returns the
// worst: most segments, then most units; the first such group on a tie.
func (c *Catalog) alertFit(tag, school string, groups [][]string) (AlertFit, error) {
	var worst AlertFit
	for _, names := range groups {
		text, err := c.AlertText(tag, school, names)
		if err != nil {
			return AlertFit{}, err
		}
		enc, seg := Segments(text)
		fit := AlertFit{Encoding: enc, Chars: smsLength(text), Segments: seg,
			Name: strings.Join(names, " + "), Why: ucs2Reason(text)}
		if worst.Name == "" || fit.Segments > worst.Segments ||
			(fit.Segments == worst.Segments && fit.Chars > worst.Chars) {
			worst = fit
		}
	}
	return worst, nil
}

// probeData has a value for every placeholder the spec defines; each is
// distinct so a check can see which one reached the text.
func probeData() map[string]any {
	return map[string]any{
		"School":  CheckSchool,
		"Names":   "Amanuel",
		"Options": "11 = Amanuel, 12 = Sara",
		"Rest":    "Amanuel, Sara",
		"Last":    "Yonas",
	}
}

var placeholderRE = regexp.MustCompile(`\{\{\s*\.([A-Za-z]+)\s*\}\}`)

// placeholders returns the sorted list (with repeats) of {{.X}} names.
func placeholders(s string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

// basePlaceholders are the placeholders of key's "other" form in en, the
// reference for every form of every language.
func (c *Catalog) basePlaceholders(key string) []string {
	return placeholders(c.langs[BaseLanguage].messages[key]["other"])
}

func formNames(forms map[string]string) []string {
	return sortedKeys(forms)
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func unitName(encoding string) string {
	if encoding == "GSM-7" {
		return "septet"
	}
	return "UTF-16"
}

func plural(n int, one, other string) string {
	if n == 1 {
		return one
	}
	return other
}

// countList writes counts as "3, 5 and 11" for a problem sentence.
func countList(counts []int) string {
	var b strings.Builder
	for i, n := range counts {
		switch {
		case i == 0:
		case i == len(counts)-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// isBidiControl reports the explicit directional formatting characters of
// UAX #9: embeddings, overrides, isolates and their terminators. (LRM and
// RLM are marks, harmless, and left alone.)
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
