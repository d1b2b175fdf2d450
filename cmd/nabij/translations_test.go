package main

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nabij-isk/nabij/translations"
)

func TestTranslationsCheck(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := translationsCmd([]string{"check"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	c, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	langs := c.Languages()
	if len(langs) != 22 {
		t.Errorf("%d languages, want 22", len(langs))
	}
	rows := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if tag, _, ok := strings.Cut(line, " "); ok {
			rows[tag] = line
		}
	}
	for _, l := range langs {
		row, ok := rows[l.Tag]
		if !ok || !strings.HasPrefix(row, l.Tag+" "+l.EnglishName+" ") {
			t.Errorf("no row for %s (%s) in\n%s", l.Tag, l.EnglishName, out.String())
			continue
		}
		for _, want := range []string{" 9/9 ", " yes ", " draft", " SMS "} {
			if !strings.Contains(row, want) {
				t.Errorf("%s row lacks %q: %s", l.Tag, want, row)
			}
		}
		if strings.Contains(row, "TOO LONG") || strings.Contains(row, " no ") {
			t.Errorf("%s row: %s", l.Tag, row)
		}
	}
	for _, want := range []string{"Ge'ez script", "Oleksandra K.", "All 22 languages pass."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if errb.Len() > 0 {
		t.Errorf("stderr: %s", errb.String())
	}
}

func TestTranslationsCheckUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"chek"}, {"check", "extra"}, {"help"}} {
		var out, errb bytes.Buffer
		if code := translationsCmd(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "nabij translations check") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and the usage", args, code, errb.String())
		}
	}
}

// translationsFile writes a small translation file; forms maps a key to
// "form=text|form=text".
func translationsFile(tag, direction string, forms map[string]string) string {
	var b strings.Builder
	b.WriteString("[meta]\nlanguage = \"" + tag + "\"\nname = \"" + tag + "\"\nenglish_name = \"" + tag +
		"\"\ndirection = \"" + direction + "\"\nreview = \"draft\"\nnote = \"test\"\n")
	for key, spec := range forms {
		b.WriteString("[messages." + key + "]\n")
		for _, kv := range strings.Split(spec, "|") {
			form, text, _ := strings.Cut(kv, "=")
			b.WriteString(form + " = \"" + text + "\"\n")
		}
	}
	b.WriteString("[back]\n")
	for key, spec := range forms {
		_, text, _ := strings.Cut(spec[strings.LastIndex(spec, "|")+1:], "=")
		b.WriteString(key + " = \"" + text + "\"\n")
	}
	return b.String()
}

func withCatalog(t *testing.T, files map[string]string) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	old := loadCatalog
	loadCatalog = func() (*translations.Catalog, error) { return translations.LoadFS(fsys) }
	t.Cleanup(func() { loadCatalog = old })
}

var translationsEn = map[string]string{
	"alert_absent":     "one=Good morning from {{.School}}. We miss {{.Names}}.|other=Good morning from {{.School}}. We miss {{.Names}}.",
	"alert_reply_hint": "other=Sick? Reply 1. Call? Reply 2.",
	"list_and":         "other={{.Rest}} and {{.Last}}",
	"list_separator":   "other=, ",
}

func TestTranslationsCheckBrokenCatalog(t *testing.T) {
	nl := map[string]string{
		// "Names" misspelt, and the reply hint forgotten.
		"alert_absent":   "one=Goedemorgen van {{.School}}. We missen {{.Name}}.|other=Goedemorgen van {{.School}}. We missen {{.Names}}.",
		"list_and":       "other={{.Rest}} en {{.Last}}",
		"list_separator": "other=, ",
	}
	withCatalog(t, map[string]string{
		"en.toml": translationsFile("en", "ltr", translationsEn),
		"nl.toml": translationsFile("nl", "ltr", nl),
	})
	var out, errb bytes.Buffer
	if code := translationsCmd([]string{"check"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{
		"nl nl  ", "3/4", " no ",
		"nl: missing key alert_reply_hint",
		"nl: alert_absent.one has placeholders [Name School], en has [Names School]",
		"1 of 2 languages are not fit to send",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTranslationsCheckAlertTooLong(t *testing.T) {
	long := map[string]string{}
	for k, v := range translationsEn {
		long[k] = v
	}
	long["alert_absent"] = "one=" + strings.Repeat("Good morning, ", 8) + "{{.School}}. We miss {{.Names}}.|other={{.School}} {{.Names}}"
	long["alert_reply_hint"] = "other=Sick? Reply 1. Call? Reply 2. Thank you – ISK."
	withCatalog(t, map[string]string{
		"en.toml": translationsFile("en", "ltr", translationsEn),
		"tr.toml": translationsFile("tr", "ltr", long),
	})
	var out, errb bytes.Buffer
	if code := translationsCmd([]string{"check"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"TOO LONG", "UCS-2 because of '–'", `tr: alert_absent + alert_reply_hint for one pupil "Oleksandra K."`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTranslationsCheckUnloadable(t *testing.T) {
	// No en.toml: nothing to check against, and the service would not start.
	withCatalog(t, map[string]string{"nl.toml": translationsFile("nl", "ltr", translationsEn)})
	var out, errb bytes.Buffer
	if code := translationsCmd([]string{"check"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "base language") {
		t.Errorf("exit %d, stderr %q; want 1 and the load error", code, errb.String())
	}
}
