package translations

// These tests run over every file in messages/, including files added later
// by other translators: a new language has to meet the same bar as the first.

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

func mustLoad(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// sampleData has a value for every placeholder the spec defines.
func sampleData() map[string]any {
	return map[string]any{
		"School":  "ISK Groningen",
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

func formNames(forms map[string]string) []string {
	var out []string
	for f := range forms {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func TestOurLanguagesArePresent(t *testing.T) {
	c := mustLoad(t)
	for _, tag := range []string{"nl", "en", "ar", "ti", "am", "fa-AF", "fa", "ps", "uk"} {
		if _, ok := c.Language(tag); !ok {
			t.Errorf("messages/%s.toml is missing", tag)
		}
	}
}

func TestEveryKeyInEveryLanguage(t *testing.T) {
	c := mustLoad(t)
	if len(c.Keys()) < 9 {
		t.Fatalf("en has only %d keys: %v", len(c.Keys()), c.Keys())
	}
	for _, l := range c.Languages() {
		e := c.langs[l.Tag]
		for _, key := range c.Keys() {
			if _, ok := e.messages[key]; !ok {
				t.Errorf("%s: missing key %s", l.Tag, key)
			}
		}
		for key := range e.messages {
			if _, ok := c.plural[key]; !ok {
				t.Errorf("%s: key %s is not in en (typo?)", l.Tag, key)
			}
		}
	}
}

func TestNoEmptyForm(t *testing.T) {
	c := mustLoad(t)
	for _, l := range c.Languages() {
		for key, forms := range c.langs[l.Tag].messages {
			for form, text := range forms {
				switch {
				case text == "":
					t.Errorf("%s %s.%s is empty", l.Tag, key, form)
				case strings.TrimSpace(text) == "" && key != "list_separator":
					t.Errorf("%s %s.%s is only whitespace", l.Tag, key, form)
				}
			}
		}
	}
}

func TestPlaceholdersMatchEnglish(t *testing.T) {
	c := mustLoad(t)
	en := c.langs[BaseLanguage].messages
	for _, l := range c.Languages() {
		for key, forms := range c.langs[l.Tag].messages {
			want := placeholders(en[key]["other"])
			for form, text := range forms {
				if got := placeholders(text); !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s.%s: placeholders %v, en has %v", l.Tag, key, form, got, want)
				}
				// Anything else between braces ({{.names}}, {{ if }}) is a
				// translation slip, not a feature we support.
				if n := strings.Count(text, "{{"); n != len(placeholderRE.FindAllString(text, -1)) {
					t.Errorf("%s %s.%s: %d template actions but only simple placeholders are allowed: %q", l.Tag, key, form, n, text)
				}
			}
		}
	}
}

// probeCounts reach every CLDR plural category go-i18n knows, including
// those only reached by decimals (Russian "other") or by a million (French
// "many").
func probeCounts() []any {
	var out []any
	for i := 0; i <= 1000; i++ {
		out = append(out, i)
	}
	out = append(out, 1000000, 2000000)
	for _, s := range []string{"0.0", "0.1", "0.5", "1.0", "1.5", "2.0", "2.5", "3.5", "5.5", "10.0", "11.5", "100.5", "0.01", "1.25"} {
		out = append(out, s)
	}
	return out
}

// cldrCategories asks go-i18n itself which plural forms it selects for tag,
// by rendering a message whose forms are their own names. go-i18n's rule
// table is internal, so this is the exported way to see it.
func cldrCategories(t *testing.T, tag string) []string {
	t.Helper()
	lt := language.MustParse(tag)
	b := i18n.NewBundle(language.Dutch)
	probe := &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(lt, probe); err != nil {
		t.Fatalf("%s: %v", tag, err)
	}
	loc := i18n.NewLocalizer(b, tag)
	seen := map[string]bool{}
	for _, n := range probeCounts() {
		s, got, err := loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil || got != lt {
			t.Fatalf("%s count %v: %q in %s, %v", tag, n, s, got, err)
		}
		seen[s] = true
	}
	var out []string
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// The probe must find what CLDR documents, or the next test proves nothing.
func TestCLDRProbe(t *testing.T) {
	for tag, want := range map[string][]string{
		"en":    {"one", "other"},
		"id":    {"other"},
		"ar":    {"few", "many", "one", "other", "two", "zero"},
		"uk":    {"few", "many", "one", "other"},
		"ro":    {"few", "one", "other"},
		"fr":    {"many", "one", "other"},
		"fa-AF": {"one", "other"},
		"ti":    {"one", "other"},
	} {
		if got := cldrCategories(t, tag); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: probe found %v, want %v", tag, got, want)
		}
	}
}

func TestPluralFormsAreExactlyCLDRs(t *testing.T) {
	c := mustLoad(t)
	for _, l := range c.Languages() {
		want := cldrCategories(t, l.Tag)
		for key, forms := range c.langs[l.Tag].messages {
			got := formNames(forms)
			if !c.IsPlural(key) {
				if !reflect.DeepEqual(got, []string{"other"}) {
					t.Errorf("%s %s is not a plural key: want only other, got %v", l.Tag, key, got)
				}
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: forms %v, CLDR (go-i18n) wants %v", l.Tag, key, got, want)
			}
		}
	}
}

func TestRenderEveryKeyEveryCount(t *testing.T) {
	c := mustLoad(t)
	data := sampleData()
	for _, l := range c.Languages() {
		for _, key := range c.Keys() {
			for _, n := range []int{0, 1, 2, 3, 5, 11, 21, 101} {
				out, err := c.Render(l.Tag, key, data, n)
				if err != nil {
					t.Errorf("%s %s count %d: %v", l.Tag, key, n, err)
					continue
				}
				if out == "" || strings.Contains(out, "{{") || strings.Contains(out, "<no value>") {
					t.Errorf("%s %s count %d: bad output %q", l.Tag, key, n, out)
				}
				for _, p := range placeholders(c.langs[BaseLanguage].messages[key]["other"]) {
					if v := data[p].(string); !strings.Contains(out, v) {
						t.Errorf("%s %s count %d: %q lacks %s=%q", l.Tag, key, n, out, p, v)
					}
				}
			}
		}
	}
}

func TestAlertFitsInTwoSMS(t *testing.T) {
	c := mustLoad(t)
	data := map[string]any{"School": "ISK Groningen", "Names": "Amanuel"}
	for _, l := range c.Languages() {
		alert, err := c.Render(l.Tag, "alert_absent", data, 1)
		if err != nil {
			t.Errorf("%s: %v", l.Tag, err)
			continue
		}
		hint, err := c.Render(l.Tag, "alert_reply_hint", nil, -1)
		if err != nil {
			t.Errorf("%s: %v", l.Tag, err)
			continue
		}
		msg := alert + " " + hint
		enc, n := Segments(msg)
		if n > 2 {
			t.Errorf("%s: alert + hint is %d characters (%d UTF-16 units, %s) = %d SMS segments, want <= 2: %q",
				l.Tag, len([]rune(msg)), utf16Len(msg), enc, n, msg)
		}
	}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// The reply digits are parsed by the gateway; Eastern Arabic or Persian
// digits (١ ۱) would not be typed back as 1.
func TestReplyHintUsesWesternDigits(t *testing.T) {
	c := mustLoad(t)
	for _, l := range c.Languages() {
		hint, err := c.Render(l.Tag, "alert_reply_hint", nil, -1)
		if err != nil {
			t.Errorf("%s: %v", l.Tag, err)
			continue
		}
		if !strings.Contains(hint, "1") || !strings.Contains(hint, "2") {
			t.Errorf("%s: hint lacks the digits 1 and 2: %q", l.Tag, hint)
		}
		if strings.ContainsAny(hint, "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹") {
			t.Errorf("%s: hint uses non-Western digits: %q", l.Tag, hint)
		}
	}
}

func TestBackTranslationForEveryKey(t *testing.T) {
	c := mustLoad(t)
	for _, l := range c.Languages() {
		for _, key := range c.Keys() {
			if strings.TrimSpace(c.BackTranslation(l.Tag, key)) == "" {
				t.Errorf("%s: no back-translation for %s", l.Tag, key)
			}
		}
		for key := range c.langs[l.Tag].back {
			if _, ok := c.plural[key]; !ok {
				t.Errorf("%s: back-translation for unknown key %s", l.Tag, key)
			}
		}
	}
}

func TestMetadata(t *testing.T) {
	c := mustLoad(t)
	rtl := map[string]bool{"ar": true, "fa": true, "fa-AF": true, "ps": true, "ckb": true}
	for _, l := range c.Languages() {
		want := "ltr"
		if rtl[l.Tag] {
			want = "rtl"
		}
		if l.Direction != want || c.Direction(l.Tag) != want {
			t.Errorf("%s: direction %q, want %q", l.Tag, l.Direction, want)
		}
		if l.Review == ReviewDraft && strings.TrimSpace(l.Note) == "" {
			t.Errorf("%s: a draft must say in note who wrote it and what to review", l.Tag)
		}
	}
}

// Dari readers should get Afghan words; these Iranian ones are the usual
// slips when Dari is written from Persian.
func TestDariAvoidsIranianWords(t *testing.T) {
	c := mustLoad(t)
	e, ok := c.langs["fa-AF"]
	if !ok {
		t.Skip("no fa-AF")
	}
	for key, forms := range e.messages {
		for form, text := range forms {
			for _, w := range []string{"مدرسه", "بیمار", "فرزند", "متشکر", "تماس بگیر", "زنگ بزن"} {
				if strings.Contains(text, w) {
					t.Errorf("fa-AF %s.%s uses Iranian %q: %s", key, form, w, text)
				}
			}
		}
	}
}

func Example() {
	c, _ := Load()
	tag, _ := c.Match("prs")
	names, _ := c.JoinNames("nl", []string{"Amanuel", "Sara"})
	msg, _ := c.Render("nl", "alert_absent", map[string]any{"School": "ISK Groningen", "Names": names}, 2)
	fmt.Println(tag)
	fmt.Println(msg)
	// Output:
	// fa-AF
	// Goedemorgen vanuit ISK Groningen. We missen Amanuel en Sara vandaag op school. We hopen dat alles goed is.
}
