package translations_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/translations"
)

// translations.Live must stand wherever a *Catalog is used to render messages.
var _ alerts.Catalog = (*translations.Live)(nil)

func TestWithMessageKeepsTheFile(t *testing.T) {
	raw, err := translations.EmbeddedFile("ti")
	if err != nil {
		t.Fatal(err)
	}
	forms := map[string]string{
		"one":   "ሰላም ካብ {{.School}}። ሎሚ {{.Names}} ኣይመጸን። \"ተኣረመ\"",
		"other": "ሰላም ካብ {{.School}}። ሎሚ {{.Names}} ኣይመጹን።",
	}
	out, err := translations.WithMessage(raw, "alert_absent", forms, map[string]string{"other": "Hello from {{.School}}. {{.Names}} did not come today."})
	if err != nil {
		t.Fatal(err)
	}
	// Only the two lines of alert_absent and one line of [back] changed.
	a, b := strings.Split(string(raw), "\n"), strings.Split(string(out), "\n")
	if len(a) != len(b) {
		t.Fatalf("%d lines became %d", len(a), len(b))
	}
	changed := 0
	for i := range a {
		if a[i] != b[i] {
			changed++
		}
	}
	if changed != 3 {
		t.Errorf("%d lines changed, want 3", changed)
	}
	got, err := translations.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.Messages["alert_absent"]["one"] != forms["one"] || got.Back["alert_absent"]["other"] != "Hello from {{.School}}. {{.Names}} did not come today." {
		t.Errorf("read back: %v %v", got.Messages["alert_absent"], got.Back["alert_absent"])
	}
	c, err := translations.CheckWith("ti", map[string][]byte{"ti": out})
	if err != nil {
		t.Fatal(err)
	}
	text, err := c.Render("ti", "alert_absent", map[string]any{"School": "ISK Test", "Names": "Amanuel T."}, 1)
	if err != nil || !strings.Contains(text, "ተኣረመ") {
		t.Errorf("rendered %q, %v", text, err)
	}
	// A table back-translation stays a table.
	out, err = translations.WithMessage(raw, "apology", map[string]string{"one": "ይቕሬታ {{.Names}} {{.School}}", "other": "ይቕሬታ {{.Names}} {{.School}}"},
		map[string]string{"one": "Sorry {{.Names}} is here {{.School}}", "other": "Sorry {{.Names}} are here {{.School}}"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := translations.ReadFile(out); !got.BackTable["apology"] || got.Back["apology"]["one"] != "Sorry {{.Names}} is here {{.School}}" {
		t.Errorf("apology's back-translation: %v", got.Back["apology"])
	}
}

func TestCheckWithRefuses(t *testing.T) {
	raw, _ := translations.EmbeddedFile("ti")
	for name, tc := range map[string]struct {
		forms map[string]string
		want  string
	}{
		"a misspelt placeholder": {map[string]string{"one": "ሎሚ {{.Nmes}} {{.School}}", "other": "ሎሚ {{.Names}} {{.School}}"}, "has placeholders [Nmes School], en has [Names School]"},
		"a missing plural form":  {map[string]string{"other": "ሎሚ {{.Names}} {{.School}}"}, "alert_absent lacks the plural form one"},
		"too long for the SMS budget": {map[string]string{"one": strings.Repeat("ሎሚ ", 80) + "{{.Names}} {{.School}}", "other": "ሎሚ {{.Names}} {{.School}}"},
			"SMS segments; at most 2 allowed"},
		"a broken template": {map[string]string{"one": "ሎሚ {{.Names}} {{.School}", "other": "ሎሚ {{.Names}} {{.School}}"}, "ti.toml"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := translations.WithMessage(raw, "alert_absent", tc.forms, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = translations.CheckWith("ti", map[string][]byte{"ti": out})
			var refused *translations.RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a refusal saying %q", err, tc.want)
			}
		})
	}
	if _, err := translations.WithMessage(raw, "alert_absnt", map[string]string{"other": "x"}, nil); err == nil {
		t.Error("a key the file lacks was accepted")
	}
	if _, err := translations.WithMessage(raw, "alert_absent", map[string]string{"several": "x"}, nil); err == nil {
		t.Error("an unknown plural form was accepted")
	}
	if _, err := translations.LoadWith(map[string][]byte{"xx": raw}); err == nil {
		t.Error("an override for a language nabij has no file for was accepted")
	}
}

func TestWithReview(t *testing.T) {
	raw, _ := translations.EmbeddedFile("ti")
	out, err := translations.WithReview(raw, `Selam "B." Tesfay`, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	c, err := translations.CheckWith("ti", map[string][]byte{"ti": out})
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := c.Language("ti")
	if meta.Review != translations.ReviewReviewed || meta.ReviewedBy != `Selam "B." Tesfay` || meta.ReviewedOn != "2026-11-30" {
		t.Errorf("meta: %+v", meta)
	}
	back, err := translations.WithReview(out, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := translations.ReadFile(back); got.Language.Review != translations.ReviewDraft || got.Language.ReviewedBy != "" {
		t.Errorf("back to draft: %+v", got.Language)
	}
}

func TestLiveSwaps(t *testing.T) {
	base, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	l := translations.NewLive(base)
	raw, _ := translations.EmbeddedFile("en")
	out, err := translations.WithMessage(raw, "reply_thanks_call", map[string]string{"other": "Thanks. Someone from {{.School}} rings you today."}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := translations.CheckWith("en", map[string][]byte{"en": out})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"School": "ISK Test"}
	before, _ := l.Render("en", "reply_thanks_call", data, -1)
	l.Swap(c)
	after, _ := l.Render("en", "reply_thanks_call", data, -1)
	if before == after || after != "Thanks. Someone from ISK Test rings you today." {
		t.Errorf("before %q, after %q", before, after)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{`a"b\c`: `"a\"b\\c"`, "x\ny": `"x\ny"`, "ሰላም" + translations.FSI: `"ሰላም` + translations.FSI + `"`} {
		if got := translations.Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
