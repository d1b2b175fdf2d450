package translations

// The golden files are for people, not for the build: a native speaker who
// reviews a language reads testdata/golden/<tag>.txt, which shows each
// message exactly as a family receives it, next to the English the file
// claims it says. The test keeps them in step with messages/, so a change
// to a translation shows up in review as a change a reader can see.

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.txt from messages/")

// The pupils the golden files are rendered for: the first of
// RealisticNames, and a second pupil for the plural forms.
var goldenNames = []string{"Amanuel T.", "Sara H."}

func TestGolden(t *testing.T) {
	c := mustLoad(t)
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	written := map[string]bool{}
	for _, r := range c.Check() {
		name := r.Language.Tag + ".txt"
		written[name] = true
		path := filepath.Join(dir, name)
		got := goldenText(t, c, r)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v; run go test ./translations -update", err)
			continue
		}
		if string(old) != got {
			t.Errorf("%s is out of date; run go test ./translations -update and review the diff.\n%s", path, firstDiff(string(old), got))
		}
	}
	// A language that was removed must not keep a file a reviewer could
	// mistake for a live translation.
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	for _, f := range files {
		if written[filepath.Base(f)] {
			continue
		}
		if *update {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s has no messages/ file any more; run go test ./translations -update", f)
	}
}

// goldenText writes one language's file.
func goldenText(t *testing.T, c *Catalog, r Report) string {
	t.Helper()
	l := r.Language
	var b strings.Builder
	dir := "left to right"
	if l.Direction == "rtl" {
		dir = "right to left"
	}
	review := "DRAFT, not reviewed"
	if l.Review == ReviewReviewed {
		review = fmt.Sprintf("reviewed by %s on %s", l.ReviewedBy, l.ReviewedOn)
	}
	fmt.Fprintf(&b, "# %s (%s) — %s — %s\n", l.EnglishName, l.Tag, l.Name, dir)
	fmt.Fprintf(&b, "# Review: %s. %s\n", review, l.Note)
	fmt.Fprintf(&b, "#\n# Each text below is exactly what a family reads, rendered from\n")
	fmt.Fprintf(&b, "# messages/%s.toml with School %q and the pupil %q.\n", l.Tag, CheckSchool, goldenNames[0])
	b.WriteString("# Messages that change with the number of pupils are shown for one pupil\n")
	fmt.Fprintf(&b, "# and for two (%q and %q).\n", goldenNames[0], goldenNames[1])
	b.WriteString("# \"en:\" is the file's English back-translation of the text above it.\n")
	b.WriteString("# Do not edit: change messages/, then run  go test ./translations -update\n")

	one, two := goldenNames[:1], goldenNames
	alert, err := c.AlertText(l.Tag, CheckSchool, one)
	if err != nil {
		t.Errorf("%s: %v", l.Tag, err)
	}
	enc, seg := Segments(alert)
	b.WriteString("\n== The morning alert for one pupil (alert_absent, a space, alert_reply_hint)\n")
	fmt.Fprintf(&b, "%s\nen: %s %s\n", alert,
		goldenBack(t, c, l.Tag, "alert_absent", one), goldenBack(t, c, l.Tag, "alert_reply_hint", one))
	fmt.Fprintf(&b, "SMS: %s, %d %s units, %d %s%s\n", enc, smsLength(alert), unitName(enc), seg,
		plural(seg, "segment", "segments"), goldenWhy(ucs2Reason(alert)))
	fmt.Fprintf(&b, "Longest realistic name, %q: %d %s units, %d %s (at most %d allowed)\n",
		r.Alert.Name, r.Alert.Chars, unitName(r.Alert.Encoding), r.Alert.Segments,
		plural(r.Alert.Segments, "segment", "segments"), r.Language.MaxSegments())
	fmt.Fprintf(&b, "Two pupils, longest names (%s): %d %s units, %d %s\n",
		r.Siblings.Name, r.Siblings.Chars, unitName(r.Siblings.Encoding), r.Siblings.Segments,
		plural(r.Siblings.Segments, "segment", "segments"))

	for _, key := range c.Keys() {
		if !c.IsPlural(key) {
			fmt.Fprintf(&b, "\n== %s\n", key)
			goldenMessage(t, &b, c, l.Tag, key, one, -1, "")
			continue
		}
		fmt.Fprintf(&b, "\n== %s — one pupil\n", key)
		goldenMessage(t, &b, c, l.Tag, key, one, 1, "")
		if l.Gender && c.BackTranslationFor(l.Tag, key, 1, Female) != c.BackTranslationFor(l.Tag, key, 1, "") {
			fmt.Fprintf(&b, "\n== %s — one pupil, a girl\n", key)
			goldenMessage(t, &b, c, l.Tag, key, one, 1, Female)
			fmt.Fprintf(&b, "\n== %s — one pupil, a boy\n", key)
			goldenMessage(t, &b, c, l.Tag, key, one, 1, Male)
		}
		fmt.Fprintf(&b, "\n== %s — two pupils\n", key)
		goldenMessage(t, &b, c, l.Tag, key, two, 2, "")
	}
	return b.String()
}

func goldenWhy(why string) string {
	if why == "" {
		return ""
	}
	return " (" + why + ")"
}

func goldenMessage(t *testing.T, b *strings.Builder, c *Catalog, tag, key string, names []string, count int, gender string) {
	t.Helper()
	text, err := c.RenderGender(tag, key, gender, goldenData(t, c, tag, names), count)
	if err != nil {
		t.Errorf("%s %s: %v", tag, key, err)
	}
	back := c.RenderBackFor(tag, key, goldenData(t, c, BaseLanguage, names), count, gender)
	if key == "list_separator" {
		// Only here do spaces matter and would be invisible; quote both.
		text, back = fmt.Sprintf("%q", text), fmt.Sprintf("%q", back)
	}
	fmt.Fprintf(b, "%s\nen: %s\n", text, back)
}

// goldenData are the values a family's message is rendered with: names
// joined the language's way, as alerts does.
func goldenData(t *testing.T, c *Catalog, tag string, names []string) map[string]any {
	t.Helper()
	joined, err := c.JoinNames(tag, names)
	if err != nil {
		t.Errorf("%s: %v", tag, err)
	}
	options, err := c.OptionList(tag, []string{"11", "12"}, goldenNames)
	if err != nil {
		t.Errorf("%s: %v", tag, err)
	}
	return map[string]any{
		"School":  CheckSchool,
		"Names":   joined,
		"Options": options,
		"Rest":    goldenNames[0],
		"Last":    goldenNames[1],
	}
}

// goldenBack fills in the back-translation with the same values, names
// joined the English way, as staff see it in nabij. RenderBack leaves a
// wrong placeholder blank rather than failing; Check reports that case.
func goldenBack(t *testing.T, c *Catalog, tag, key string, names []string) string {
	t.Helper()
	return c.RenderBack(tag, key, goldenData(t, c, BaseLanguage, names))
}

// firstDiff shows the first line that differs, which is usually enough to
// see which message changed.
func firstDiff(old, new string) string {
	a, b := strings.Split(old, "\n"), strings.Split(new, "\n")
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("line %d\n  file: %s\n  want: %s", i+1, x, y)
		}
	}
	return ""
}
