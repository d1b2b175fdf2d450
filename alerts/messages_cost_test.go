package alerts_test

import (
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/translations"
)

// A language whose alert for a pupil goes in GSM-7 sends every morning
// message in GSM-7 too: one stray letter outside it (the 'ó' of the
// Portuguese late alert's "Só para informar.") made each of those UCS-2,
// doubling its cost and that of the one message naming an absent and a
// late sibling. (Found by a review of what a family pays for.)
func TestAGSM7LanguageHasNoStrayUCS2Letter(t *testing.T) {
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	r := &alerts.Renderer{Catalog: cat, School: "ISK De Brug", ReplyHint: true}
	names := []string{"Amanuel Tesfay", "Yonas Gebremedhin"}
	for _, l := range cat.Languages() {
		absent := &alerts.Message{Language: l.Tag, Template: alerts.TemplateAbsent, Students: []string{"1001"}}
		if err := r.Render(absent, names[:1]); err != nil {
			t.Fatal(err)
		}
		if enc, _ := translations.Segments(absent.Body); enc != "GSM-7" {
			continue
		}
		for _, m := range []*alerts.Message{
			{Language: l.Tag, Template: alerts.TemplateLate, Students: []string{"1002"}},
			{Language: l.Tag, Template: alerts.TemplateAbsent, Students: []string{"1001", "1002"}, Late: []string{"1002"}},
		} {
			n := names[1:]
			if len(m.Students) == 2 {
				n = names
			}
			if err := r.Render(m, n); err != nil {
				t.Fatal(err)
			}
			if enc, segs := translations.Segments(m.Body); enc != "GSM-7" {
				t.Errorf("%s %s: %s in %d parts while the absent alert is GSM-7: %q", l.Tag, m.Template, enc, segs, m.Body)
			}
		}
	}
}

// The one morning message about an absent and a late sibling, with full
// names as the roster import writes them, costs no more than the two
// messages it replaces, and at most four parts.
func TestTheMorningMessageWithFullNames(t *testing.T) {
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	r := &alerts.Renderer{Catalog: cat, School: "ISK De Brug", ReplyHint: true}
	names := []string{translations.FullNames[1], translations.FullNames[2]}
	for _, l := range cat.Languages() {
		combined := &alerts.Message{Language: l.Tag, Template: alerts.TemplateAbsent, Students: []string{"1001", "1002"}, Late: []string{"1002"}}
		absent := &alerts.Message{Language: l.Tag, Template: alerts.TemplateAbsent, Students: []string{"1001"}}
		late := &alerts.Message{Language: l.Tag, Template: alerts.TemplateLate, Students: []string{"1002"}}
		for m, n := range map[*alerts.Message][]string{combined: names, absent: names[:1], late: names[1:]} {
			if err := r.Render(m, n); err != nil {
				t.Fatal(err)
			}
		}
		_, segs := translations.Segments(combined.Body)
		_, a := translations.Segments(absent.Body)
		_, b := translations.Segments(late.Body)
		if segs > a+b || segs > translations.MaxAlertSegmentsFullName+1 {
			t.Errorf("%s: the one morning message costs %d SMS parts, the two it replaces %d + %d: %q", l.Tag, segs, a, b, combined.Body)
		}
	}
}

// A woonbegeleider or voogd is not the pupils' parent: the question
// "which child is sick?" does not say "your children" to them, in any
// language (the Persian and Dari texts did; found by a review).
func TestTheQuestionToAWoonbegeleiderIsNotAboutTheirChildren(t *testing.T) {
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	r := &alerts.Renderer{Catalog: cat, School: "ISK De Brug"}
	for _, l := range cat.Languages() {
		m := &alerts.Message{Language: l.Tag, Role: school.RoleWoonbegeleider, Template: alerts.TemplateWhichChild,
			Students: []string{"1001", "1002"}, Options: map[string]string{"11": "1001", "12": "1002"}}
		if err := r.Render(m, []string{"Amanuel T.", "Yonas G."}); err != nil {
			t.Fatal(err)
		}
		if back := strings.ToLower(m.Back); strings.Contains(back, "your child") || strings.Contains(back, "of your") {
			t.Errorf("%s: to a woonbegeleider: %q (back-translation: %q)", l.Tag, m.Body, m.Back)
		}
	}
}
