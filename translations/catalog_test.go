package translations

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// file builds a small translation file; forms maps key -> "form=text|form=text".
func file(tag, direction, review string, forms map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[meta]\nlanguage = %q\nname = %q\nenglish_name = %q\ndirection = %q\nreview = %q\nnote = \"test\"\n",
		tag, tag, tag, direction, review)
	for key, spec := range forms {
		fmt.Fprintf(&b, "[messages.%s]\n", key)
		for _, kv := range strings.Split(spec, "|") {
			form, text, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&b, "%s = %q\n", form, text)
		}
	}
	// The back-translation is the "one" and "other" texts themselves: they
	// have the placeholders Check expects, and tests can tell keys apart.
	for key, spec := range forms {
		back := map[string]string{"other": "back"}
		for _, kv := range strings.Split(spec, "|") {
			if form, text, _ := strings.Cut(kv, "="); form == "other" || form == "one" {
				back[form] = text
			}
		}
		fmt.Fprintf(&b, "[back.%s]\n", key)
		for _, form := range []string{"one", "other"} {
			if text, ok := back[form]; ok {
				fmt.Fprintf(&b, "%s = %q\n", form, text)
			}
		}
	}
	return b.String()
}

var enForms = map[string]string{
	"alert_absent":   "one=We miss {{.Names}}.|other=We miss {{.Names}} (all).",
	"list_and":       "other={{.Rest}} and {{.Last}}",
	"list_separator": "other=, ",
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, text := range files {
		m[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return m
}

func TestLoadFSRefuses(t *testing.T) {
	en := file("en", "ltr", "draft", enForms)
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"no base language": {map[string]string{"nl.toml": file("nl", "ltr", "draft", enForms)}, "base language"},
		"tag != file name": {map[string]string{"en.toml": en, "ar.toml": file("fa", "rtl", "draft", enForms)}, "does not match"},
		"unknown review":   {map[string]string{"en.toml": en, "ar.toml": file("ar", "rtl", "reviewd", enForms)}, "meta.review"},
		"reviewed by nobody": {map[string]string{"en.toml": en, "ar.toml": file("ar", "rtl", "reviewed", enForms)},
			"reviewed_by"},
		"bad direction":     {map[string]string{"en.toml": en, "ar.toml": file("ar", "right-to-left", "draft", enForms)}, "direction"},
		"non-canonical tag": {map[string]string{"en.toml": en, "fa-af.toml": file("fa-af", "rtl", "draft", enForms)}, "canonical"},
		"misspelt form": {map[string]string{"en.toml": en, "ar.toml": file("ar", "rtl", "draft",
			map[string]string{"list_and": "othr={{.Rest}} و {{.Last}}"})}, "unknown plural form"},
		"broken template": {map[string]string{"en.toml": en, "ar.toml": file("ar", "rtl", "draft",
			map[string]string{"list_and": "other={{.Rest} و {{.Last}}"})}, "list_and"},
		"unknown meta field": {map[string]string{"en.toml": en + "\n[meta2]\nx = 1\n"}, "unknown fields"},
	} {
		_, err := LoadFS(mapFS(tc.files))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
	}
}

func TestLoadFSAcceptsReviewed(t *testing.T) {
	ar := strings.Replace(file("ar", "rtl", "reviewed", enForms), "note =",
		"reviewed_by = \"F. Haddad\"\nreviewed_on = \"2025-03-01\"\nnote =", 1)
	c, err := LoadFS(mapFS(map[string]string{"en.toml": file("en", "ltr", "draft", enForms), "ar.toml": ar}))
	if err != nil {
		t.Fatal(err)
	}
	l, ok := c.Language("ar")
	if !ok || l.Review != ReviewReviewed || l.ReviewedBy != "F. Haddad" || l.ReviewedOn != "2025-03-01" || l.Direction != "rtl" {
		t.Errorf("Language(ar) = %+v, %v", l, ok)
	}
}

func TestRenderNeverFallsBack(t *testing.T) {
	c, err := LoadFS(mapFS(map[string]string{
		"en.toml": file("en", "ltr", "draft", enForms),
		"nl.toml": file("nl", "ltr", "draft", enForms),
		// Russian needs one/few/many/other; this file forgets "few" and a key.
		"ru.toml": file("ru", "ltr", "draft", map[string]string{
			"alert_absent": "one=Скучаем по {{.Names}}.|many=Скучаем по {{.Names}} (много).|other=Скучаем по {{.Names}} (др).",
			"list_and":     "other={{.Rest}} и {{.Last}}",
		}),
	}))
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"Names": "Amanuel"}
	if got, err := c.Render("ru", "alert_absent", data, 1); err != nil || got != "Скучаем по Amanuel." {
		t.Errorf("ru one = %q, %v", got, err)
	}
	if got, err := c.Render("ru", "alert_absent", data, 5); err != nil || got != "Скучаем по Amanuel (много)." {
		t.Errorf("ru many = %q, %v", got, err)
	}
	for name, call := range map[string]func() (string, error){
		"missing few form": func() (string, error) { return c.Render("ru", "alert_absent", data, 3) },
		"missing key":      func() (string, error) { return c.Render("ru", "list_separator", nil, -1) },
		"unknown key":      func() (string, error) { return c.Render("nl", "no_such_key", nil, -1) },
		"unknown tag":      func() (string, error) { return c.Render("xx", "list_and", nil, -1) },
		"unmatched tag":    func() (string, error) { return c.Render("ru-RU", "list_and", nil, -1) },
		"plural w/o count": func() (string, error) { return c.Render("nl", "alert_absent", data, -1) },
		"missing value":    func() (string, error) { return c.Render("nl", "alert_absent", nil, 1) },
		"missing one value": func() (string, error) {
			return c.Render("nl", "list_and", map[string]any{"Rest": "A"}, -1)
		},
	} {
		got, err := call()
		if err == nil || got != "" {
			t.Errorf("%s: got %q, %v; want an error and no text", name, got, err)
		}
	}
}

func TestCatalogAccessors(t *testing.T) {
	c := mustLoad(t)
	langs := c.Languages()
	for i := 1; i < len(langs); i++ {
		if langs[i-1].Tag >= langs[i].Tag {
			t.Errorf("Languages not sorted: %s before %s", langs[i-1].Tag, langs[i].Tag)
		}
	}
	want := []string{"alert_absent", "alert_late", "alert_reply_hint", "apology", "ask_which_child",
		"list_and", "list_separator", "reply_thanks_call", "reply_thanks_sick"}
	if got := c.Keys(); !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %v, want %v", got, want)
	}
	for key, plural := range map[string]bool{"alert_absent": true, "alert_late": true, "apology": true,
		"reply_thanks_sick": true, "alert_reply_hint": false, "list_and": false} {
		if c.IsPlural(key) != plural {
			t.Errorf("IsPlural(%s) = %v", key, !plural)
		}
	}
	if l, ok := c.Language("fa-AF"); !ok || l.EnglishName != "Dari" || l.Review != ReviewDraft {
		t.Errorf("Language(fa-AF) = %+v, %v", l, ok)
	}
	if _, ok := c.Language("prs"); ok {
		t.Error("Language(prs) should need Match first")
	}
	if c.Direction("ar") != "rtl" || c.Direction("nl") != "ltr" || c.Direction("xx") != "ltr" {
		t.Error("Direction wrong")
	}
	if got := c.BackTranslation("nl", "list_and"); got != "{{.Rest}} and {{.Last}}" {
		t.Errorf("BackTranslation(nl, list_and) = %q", got)
	}
	if c.BackTranslation("xx", "list_and") != "" || c.BackTranslation("nl", "nope") != "" {
		t.Error("BackTranslation of unknown tag/key should be empty")
	}
}

func TestRenderDutchAndArabic(t *testing.T) {
	c := mustLoad(t)
	data := map[string]any{"School": "ISK Groningen", "Names": "Amanuel"}
	for _, tc := range []struct {
		tag, key string
		n        int
		want     string
	}{
		{"nl", "apology", 1, "Excuses, onze fout: Amanuel is vandaag wel op school. ISK Groningen"},
		{"nl", "apology", 2, "Excuses, onze fout: Amanuel zijn vandaag wel op school. ISK Groningen"},
		{"nl", "reply_thanks_call", -1, "Dank u wel. Iemand van ISK Groningen belt u vandaag."},
		{"ar", "reply_thanks_call", -1, "شكرًا لكم. سيتصل بكم شخص من \u2068ISK Groningen\u2069 اليوم."},
		{"uk", "apology", 3, "Вибачте, це наша помилка: Amanuel сьогодні в школі. ISK Groningen"},
	} {
		if got, err := c.Render(tc.tag, tc.key, data, tc.n); err != nil || got != tc.want {
			t.Errorf("Render(%s, %s, %d) = %q, %v; want %q", tc.tag, tc.key, tc.n, got, err, tc.want)
		}
	}
}

func TestJoinNames(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		tag   string
		names []string
		want  string
	}{
		{"nl", nil, ""},
		{"nl", []string{"Amanuel"}, "Amanuel"},
		{"nl", []string{"Amanuel", "Sara"}, "Amanuel en Sara"},
		{"nl", []string{"Amanuel", "Sara", "Yonas"}, "Amanuel, Sara en Yonas"},
		// Right to left: each name isolated, so the bidi algorithm cannot
		// reorder it with the words around it.
		{"ar", []string{"Amanuel"}, "\u2068Amanuel\u2069"},
		{"ar", []string{"Amanuel", "Sara"}, "\u2068Amanuel\u2069 و \u2068Sara\u2069"},
		{"ar", []string{"Amanuel", "Sara", "Yonas"}, "\u2068Amanuel\u2069، \u2068Sara\u2069 و \u2068Yonas\u2069"},
	} {
		if got, err := c.JoinNames(tc.tag, tc.names); err != nil || got != tc.want {
			t.Errorf("JoinNames(%s, %v) = %q, %v; want %q", tc.tag, tc.names, got, err, tc.want)
		}
	}
	if _, err := c.JoinNames("xx", []string{"Amanuel"}); err == nil {
		t.Error("JoinNames with an unknown tag should fail")
	}
}

// A language that marks gender speaks of one girl as she, of one boy as he,
// and of a pupil the roster gives no gender for (or of two pupils) in its
// neutral wording; each with its own back-translation.
func TestRenderGender(t *testing.T) {
	en := file("en", "ltr", "draft", map[string]string{
		"apology":        "one=Sorry: {{.Names}} is at school.|other=Sorry: {{.Names}} are at school.",
		"list_and":       "other={{.Rest}} and {{.Last}}",
		"list_separator": "other=, ",
	})
	ti := strings.Replace(file("ti", "ltr", "draft", map[string]string{
		"apology":        "one=N {{.Names}}.|other=N {{.Names}} (all).",
		"apology_f":      "one=F {{.Names}}.|other=F {{.Names}} (all).",
		"apology_m":      "one=M {{.Names}}.|other=M {{.Names}} (all).",
		"list_and":       "other={{.Rest}} and {{.Last}}",
		"list_separator": "other=, ",
	}), "note =", "gender = true\nnote =", 1)
	c, err := LoadFS(mapFS(map[string]string{"en.toml": en, "ti.toml": ti}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		gender string
		count  int
		want   string
	}{
		{Female, 1, "F Saba."}, {Male, 1, "M Saba."}, {"", 1, "N Saba."}, {Female, 2, "N Saba (all)."},
	} {
		got, err := c.RenderGender("ti", "apology", tc.gender, map[string]any{"Names": "Saba"}, tc.count)
		if err != nil || got != tc.want {
			t.Errorf("RenderGender(%q, %d) = %q, %v; want %q", tc.gender, tc.count, got, err, tc.want)
		}
		if back := c.RenderBackFor("ti", "apology", map[string]any{"Names": "Saba"}, tc.count, tc.gender); !strings.Contains(back, tc.want[:1]) {
			t.Errorf("back-translation for %q, %d = %q: not the variant's own", tc.gender, tc.count, back)
		}
	}
	// English says "is" of one pupil and "are" of two: so does its back-translation.
	if got := c.RenderBackFor("en", "apology", map[string]any{"Names": "Saba"}, 1, ""); got != "Sorry: Saba is at school." {
		t.Errorf("en back for one = %q", got)
	}
	if got := c.RenderBackFor("en", "apology", map[string]any{"Names": "Saba and Ali"}, 2, ""); got != "Sorry: Saba and Ali are at school." {
		t.Errorf("en back for two = %q", got)
	}
	reports := map[string]Report{}
	for _, r := range c.Check() {
		reports[r.Language.Tag] = r
	}
	if r := reports["ti"]; !r.GenderComplete() || !r.Language.Gender {
		t.Errorf("ti: gender complete %v, problems %v", r.GenderComplete(), r.Problems)
	}
	// A variant missing is a problem; a variant in a language that does not
	// mark gender is one too.
	broken := strings.Replace(ti, "[messages.apology_m]", "[messages.apology_x]", 1)
	c2, err := LoadFS(mapFS(map[string]string{"en.toml": en, "ti.toml": broken}))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c2.Check() {
		if r.Language.Tag == "ti" && (r.GenderComplete() || !strings.Contains(strings.Join(r.Problems, "\n"), "no variant apology_m")) {
			t.Errorf("a missing variant: %v", r.Problems)
		}
	}
	noGender := strings.Replace(ti, "gender = true\n", "", 1)
	c3, err := LoadFS(mapFS(map[string]string{"en.toml": en, "ti.toml": noGender}))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c3.Check() {
		if r.Language.Tag == "ti" && r.GenderComplete() {
			t.Errorf("gender variants in a language without meta.gender: %v", r.Problems)
		}
	}
}
