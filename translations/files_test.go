package translations

// These tests run over every file in messages/, including files added later
// by other translators: a new language has to meet the same bar as the first.

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

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

func TestOurLanguagesArePresent(t *testing.T) {
	c := mustLoad(t)
	for _, tag := range []string{"nl", "en", "ar", "ti", "am", "fa-AF", "fa", "ps", "uk"} {
		if _, ok := c.Language(tag); !ok {
			t.Errorf("messages/%s.toml is missing", tag)
		}
	}
}

// Check is the one list of what every file must meet (keys, forms,
// placeholders, plural forms, rendering, back-translations, SMS length);
// every problem it finds fails the build, named by language.
func TestCheckEveryLanguage(t *testing.T) {
	c := mustLoad(t)
	if len(c.Keys()) < 9 {
		t.Fatalf("en has only %d keys: %v", len(c.Keys()), c.Keys())
	}
	reports := c.Check()
	if len(reports) != len(c.Languages()) {
		t.Fatalf("Check returned %d reports for %d languages", len(reports), len(c.Languages()))
	}
	for i, r := range reports {
		if i > 0 && reports[i-1].Language.Tag >= r.Language.Tag {
			t.Errorf("reports not sorted: %s before %s", reports[i-1].Language.Tag, r.Language.Tag)
		}
		for _, p := range r.Problems {
			t.Errorf("%s (%s): %s", r.Language.Tag, r.Language.EnglishName, p)
		}
		if r.Keys != r.Total || r.Total != len(c.Keys()) {
			t.Errorf("%s: %d of %d keys (en has %d)", r.Language.Tag, r.Keys, r.Total, len(c.Keys()))
		}
		if !r.PluralsComplete() || !r.PlaceholdersConsistent() || !r.OK() {
			t.Errorf("%s: plurals %v, placeholders %v, OK %v", r.Language.Tag, r.PluralsComplete(), r.PlaceholdersConsistent(), r.OK())
		}
	}
}

// The alert a family receives on the morning of an absence must fit in
// MaxAlertSegments SMS for every realistic name, in every language (a
// right-to-left one, with its isolates, in MaxAlertSegmentsRTL).
func TestEveryAlertFitsInTwoSMS(t *testing.T) {
	c := mustLoad(t)
	for _, r := range c.Check() {
		a := r.Alert
		if a.Segments < 1 || !slices.Contains(RealisticNames, a.Name) {
			t.Errorf("%s: no alert measured: %+v", r.Language.Tag, a)
			continue
		}
		if a.Segments > r.Language.MaxSegments() {
			text, _ := c.AlertText(r.Language.Tag, CheckSchool, []string{a.Name})
			t.Errorf("%s (%s): the alert for %q is %d %s units (%s, %s) = %d SMS segments, want <= %d: %q",
				r.Language.Tag, r.Language.EnglishName, a.Name, a.Chars, unitName(a.Encoding), a.Encoding, a.Why,
				a.Segments, r.Language.MaxSegments(), text)
		}
	}
}

// The probe must find what CLDR documents, or the plural check in Check
// proves nothing.
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
		got, err := pluralCategories(language.MustParse(tag))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: probe found %v (%v), want %v", tag, got, err, want)
		}
	}
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
