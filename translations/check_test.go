package translations

import (
	"regexp"
	"strings"
	"testing"
)

// checkEn is a small but complete base language: the alert keys Check
// measures, a key without placeholders and the list keys JoinNames needs.
var checkEn = map[string]string{
	"alert_absent":     "one=Good morning from {{.School}}. We miss {{.Names}}.|other=Good morning from {{.School}}. We miss {{.Names}} (all).",
	"alert_reply_hint": "other=Sick? Reply 1. Call? Reply 2.",
	"list_and":         "other={{.Rest}} and {{.Last}}",
	"list_separator":   "other=, ",
}

func checkReports(t *testing.T, files map[string]string) map[string]Report {
	t.Helper()
	c, err := LoadFS(mapFS(files))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Report{}
	for _, r := range c.Check() {
		out[r.Language.Tag] = r
	}
	return out
}

func TestCheckFindsEachProblem(t *testing.T) {
	// Russian needs one/few/many/other for a plural key.
	ru := file("ru", "ltr", "draft", map[string]string{
		// missing "few", "two" is never used by Russian; "many" empty.
		"alert_absent": "one=Доброе утро, {{.School}}. {{.Names}}.|two=Два {{.School}} {{.Names}}.|many=|other=Доброе утро, {{.School}}. {{.Name}}.",
		// a non-plural key with a plural form.
		"alert_reply_hint": "one=Болеет? 1.|other=Болеет? 1. Позвонить? 2.",
		// a template action that is not a placeholder.
		"list_and":  "other={{.Rest}} {{if .Last}}и{{end}} {{.Last}}",
		"list_typo": "other=, ",
		// list_separator missing altogether.
	})
	ru = regexp.MustCompile(`(?m)^\[back\.list_and\]\nother = .*$`).ReplaceAllString(ru, "[back.list_and]\nother = \"\"\n[back.not_a_key]\nother = \"x\"")
	// A back-translation is a reviewer's text too: nothing but simple
	// placeholders (a {{range}} in one ran wherever it was shown, found by
	// a pen test).
	ru = regexp.MustCompile(`(?m)^(\[back\.alert_reply_hint\]\none = .*\n)other = .*$`).ReplaceAllString(ru, "${1}other = \"Sick? 1. {{range 9}}x{{end}}\"")
	reports := checkReports(t, map[string]string{
		"en.toml": file("en", "ltr", "draft", checkEn),
		"ru.toml": ru,
	})
	r := reports["ru"]
	if r.OK() || r.PluralsComplete() || r.PlaceholdersConsistent() {
		t.Errorf("ru: OK %v, plurals %v, placeholders %v; want all false", r.OK(), r.PluralsComplete(), r.PlaceholdersConsistent())
	}
	if r.Keys != 3 || r.Total != 4 {
		t.Errorf("ru: %d/%d keys, want 3/4", r.Keys, r.Total)
	}
	all := strings.Join(r.Problems, "\n")
	for _, want := range []string{
		"missing key list_separator",
		"alert_absent lacks the plural form few (CLDR for ru: few, many, one, other)",
		"alert_absent.two: ru never selects the plural form two",
		"alert_absent.many is empty",
		"alert_absent.other has placeholders [Name School], en has [Names School]",
		"alert_reply_hint.one: en does not vary alert_reply_hint with the count",
		"list_and.other has 4 template actions",
		"back-translation of alert_absent (other) has placeholders [Name School], en has [Names School]",
		"back-translation of alert_reply_hint (other) has 2 template actions",
		"key list_typo is not in en",
		"no back-translation for list_and",
		"back-translation for not_a_key, which is not a key in en",
		"alert for two pupils cannot be rendered",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("ru: no problem mentions %q; got:\n%s", want, all)
		}
	}
	if en := reports["en"]; !en.OK() || len(en.Problems) > 0 {
		t.Errorf("en: %v", en.Problems)
	}
}

func TestCheckMeasuresAlerts(t *testing.T) {
	// A complete Russian file; its "few" form writes the placeholder with
	// spaces, which translators do and which is still a plain placeholder.
	ru := file("ru", "ltr", "draft", map[string]string{
		"alert_absent":     "one=Утро {{.School}} {{.Names}}.|few=Утро {{.School}} {{.Names}}.|many=Утро {{.School}} {{.Names}}.|other=Утро {{.School}} {{.Names}}.",
		"alert_reply_hint": "other=Болеет? 1. Позвонить? 2.",
		"list_and":         "other={{.Rest}} и {{.Last}}",
		"list_separator":   "other=, ",
	})
	ru = strings.Replace(ru, "few = \"Утро {{.School}} {{.Names}}.\"", "few = \"Утро {{.School}} {{ .Names }}.\"", 1)
	if !strings.Contains(ru, "{{ .Names }}") {
		t.Fatal("test file has no spaced placeholder")
	}
	r := checkReports(t, map[string]string{"en.toml": file("en", "ltr", "draft", checkEn), "ru.toml": ru})["ru"]
	if len(r.Problems) > 0 {
		t.Fatalf("spaces inside {{ }} are still a simple placeholder: %v", r.Problems)
	}
	if r.Alert.Name != "Oleksandra K." || r.Alert.Encoding != "UCS-2" || r.Alert.Why != "Cyrillic script" {
		t.Errorf("alert = %+v, want the longest name, UCS-2 for Cyrillic", r.Alert)
	}
	if !strings.Contains(r.Siblings.Name, " + ") || r.Siblings.Segments < 1 {
		t.Errorf("siblings = %+v", r.Siblings)
	}
}

func TestCheckAlertOverTwoSegments(t *testing.T) {
	long := strings.Repeat("Wij missen je. ", 9) // 194 septets with the rest
	nl := file("nl", "ltr", "draft", map[string]string{
		"alert_absent":     "one=" + long + "{{.School}} {{.Names}}|other=" + long + "{{.School}} {{.Names}}",
		"alert_reply_hint": "other=Ziek? Stuur 1. Bellen? Stuur 2.",
		"list_and":         "other={{.Rest}} en {{.Last}}",
		"list_separator":   "other=, ",
	})
	tr := strings.Replace(strings.Replace(nl, `"nl"`, `"tr"`, 1), "Ziek?", "Hastalık?", 1)
	r := checkReports(t, map[string]string{"en.toml": file("en", "ltr", "draft", checkEn), "nl.toml": nl, "tr.toml": tr})
	if a := r["nl"].Alert; a.Encoding != "GSM-7" || a.Segments != 2 || a.Why != "" || !r["nl"].OK() {
		t.Errorf("nl: %+v, problems %v; want GSM-7 in 2 parts", a, r["nl"].Problems)
	}
	// One "ı" makes the same length UCS-2: 3 parts, and a failed check that
	// names the name and the length.
	a := r["tr"].Alert
	if a.Encoding != "UCS-2" || a.Segments <= MaxAlertSegments || a.Name != "Oleksandra K." || a.Why != "UCS-2 because of 'ı'" {
		t.Errorf("tr: %+v", a)
	}
	// With a full name, as the roster import writes it, 4 parts: over the
	// 3 a full name may cost.
	if r["tr"].OK() || len(r["tr"].Problems) != 2 ||
		!strings.Contains(r["tr"].Problems[0], `"Oleksandra K." is 198 UTF-16 units (UCS-2) = 3 SMS segments`) ||
		!strings.Contains(r["tr"].Problems[1], `"Mohammed Abdirahman Abdullahi" (a full name) is 214 UTF-16 units (UCS-2) = 4 SMS segments; at most 3`) {
		t.Errorf("tr: OK %v, problems %q", r["tr"].OK(), r["tr"].Problems)
	}
}

func TestUCS2Reason(t *testing.T) {
	for text, want := range map[string]string{
		"Goedemorgen, Søren!":    "",
		"Dag Noël":               "UCS-2 because of 'ë'",
		"Dzień dobry – tu ISK":   "UCS-2 because of 'ń'",
		"Dzien dobry – tu ISK":   "UCS-2 because of '–'",
		"ISK Groningen ደሓን":      "Ge'ez script",
		"ISK صبح":                "Arabic script",
		"Доброе утро":            "Cyrillic script",
		"a\u00a0b":               "UCS-2 because of U+00A0",
		"Hello \u200fISK, Ayşe.": "UCS-2 because of U+200F",
	} {
		if got := ucs2Reason(text); got != want {
			t.Errorf("ucs2Reason(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestAlertText(t *testing.T) {
	c := mustLoad(t)
	got, err := c.AlertText("nl", CheckSchool, []string{"Amanuel T.", "Sara H."})
	want := "Goedemorgen vanuit ISK Groningen. We missen Amanuel T. en Sara H. vandaag op school. We hopen dat alles goed is. " +
		"Ziek? Stuur 1. Wilt u dat wij u bellen? Stuur 2."
	if err != nil || got != want {
		t.Errorf("AlertText = %q, %v; want %q", got, err, want)
	}
	if _, err := c.AlertText("xx", CheckSchool, []string{"A"}); err == nil {
		t.Error("AlertText for an unknown tag should fail")
	}
}

// A bidi control typed into a text (here a right-to-left override) is
// refused: it would fight the isolates around the values.
func TestCheckRefusesTypedBidiControls(t *testing.T) {
	ar := file("ar", "rtl", "draft", map[string]string{
		"alert_absent":     "one=صباح الخير من {{.School}}. نفتقد \u202e{{.Names}}.|other=صباح الخير من {{.School}}. نفتقد {{.Names}}.",
		"alert_reply_hint": "other=مريض؟ أرسلوا 1.",
		"list_and":         "other={{.Rest}} و {{.Last}}",
		"list_separator":   "other=، ",
	})
	r := checkReports(t, map[string]string{"en.toml": file("en", "ltr", "draft", checkEn), "ar.toml": ar})["ar"]
	if r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), "alert_absent.one contains the bidi control U+202E") {
		t.Errorf("problems %v", r.Problems)
	}
}

// The budgets are checked with a sample school name; the school's own is
// checked at start (a warning in the log) and by `nabij translations
// check`: a long name, or one character outside GSM-7, makes alerts longer
// in some languages, and each is named with why. (Found by a review: "ISK
// ’t Hooghe Landt" made the Dutch alert UCS-2 and three SMS.)
func TestTheSchoolsOwnNameIsCheckedAgainstTheBudget(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.SchoolNameFit(CheckSchool); len(got) != 0 {
		t.Errorf("the sample name itself: %v", got)
	}
	got := c.SchoolNameFit("ISK ’t Hooghe Landt")
	var nl string
	for _, w := range got {
		if strings.HasPrefix(w, "nl: ") {
			nl = w
		}
	}
	if !strings.Contains(nl, "UCS-2 because of '’'") {
		t.Errorf("a curly apostrophe in the name: the Dutch warning is %q (all: %q)", nl, got)
	}
	// With a plain apostrophe Dutch fits again; a language written with
	// letters outside GSM-7 may still not, at this length, and says so.
	for _, w := range c.SchoolNameFit("ISK 't Hooghe Landt") {
		if strings.HasPrefix(w, "nl: ") {
			t.Errorf("the same name with a plain apostrophe: %q, want Dutch within its budget", w)
		}
	}
}
