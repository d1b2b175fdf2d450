package main

import (
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

const languageRoster = `{
  "classes": [{"id": "1A", "name": "ISK 1A"}],
  "students": [
    {"id": "1", "name": "Awa D.", "class": "1A", "birth_date": "2011-01-01",
     "contacts": [{"id": "c1", "role": "parent", "name": "Mère", "phone": "+31612345201", "language": "wo", "second_language": "fr"}]},
    {"id": "2", "name": "Moussa S.", "class": "1A", "birth_date": "2011-01-01",
     "contacts": [{"id": "c2", "role": "parent", "name": "Père", "phone": "+31612345202", "language": "wo"}]},
    {"id": "3", "name": "Aziz H.", "class": "1A", "birth_date": "2011-01-01",
     "contacts": [{"id": "c3", "role": "parent", "name": "Bav", "phone": "+31612345203", "language": "kmr"}]},
    {"id": "4", "name": "Omar S.", "class": "1A", "birth_date": "2011-01-01",
     "contacts": [{"id": "c4", "role": "parent", "name": "Ab", "phone": "+31612345204", "language": "ar-SY"}]}
  ]
}`

func TestEveryFamilyInTheirLanguageHonestly(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, languageRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	var res struct {
		Alerts []struct {
			Student, Language string
			Fallback          bool `json:"language_fallback"`
		} `json:"alerts"`
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord,
		`{"absences": [{"student": "1", "kind": "absent"}, {"student": "2", "kind": "absent"}, {"student": "3", "kind": "absent"}, {"student": "4", "kind": "absent"}]}`, &res)
	want := map[string]struct {
		lang     string
		fallback bool
	}{"1": {"fr", false}, "2": {"nl", true}, "3": {"ku", false}, "4": {"ar", false}}
	for _, a := range res.Alerts {
		if w := want[a.Student]; a.Language != w.lang || a.Fallback != w.fallback {
			t.Errorf("pupil %s: language %s (fallback %v), want %s (%v)", a.Student, a.Language, a.Fallback, w.lang, w.fallback)
		}
	}
	if len(res.Alerts) != 4 {
		t.Fatalf("%d alerts", len(res.Alerts))
	}
	var msgs []struct {
		Student     string `json:"student"`
		Body        string `json:"body"`
		Back        string `json:"back_translation"`
		Direction   string `json:"direction"`
		Translation string `json:"translation_review"`
	}
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
	names := map[string]string{"1": "Awa D.", "2": "Moussa S.", "3": "Aziz H.", "4": "Omar S."}
	for _, m := range msgs {
		if m.Translation != "draft" || !strings.Contains(m.Back, names[m.Student]) || strings.Contains(m.Back, "{{") {
			t.Errorf("message about %s: review %q, back %q", m.Student, m.Translation, m.Back)
		}
		switch m.Student {
		case "4":
			if m.Direction != "rtl" || !strings.Contains(m.Back, "Omar S.") || !strings.Contains(m.Back, "ISK Test") {
				t.Errorf("Arabic message: direction %q, back %q", m.Direction, m.Back)
			}
		case "3":
			if m.Direction != "ltr" {
				t.Errorf("Kurmanji message direction %q", m.Direction)
			}
		}
	}
	// The coordinator is told whose family got Dutch.
	digest, err := h.srv.svc.MorningDigest(t.Context(), school.Date{Year: 2026, Month: 11, Day: 30})
	if err != nil || len(digest.DutchInstead) != 1 {
		t.Errorf("digest dutch_instead = %v, %v; want Moussa's father's message", digest.DutchInstead, err)
	}

	var langs []struct{ Tag, Direction, Review string }
	h.mustCall(200, "GET", "/api/v1/translations", coord, nil, &langs)
	if len(langs) < 22 {
		t.Errorf("%d languages, want at least 22", len(langs))
	}
	for _, l := range langs {
		if l.Review != "draft" && l.Review != "reviewed" {
			t.Errorf("%s review %q", l.Tag, l.Review)
		}
	}
	var p struct {
		Tag       string `json:"tag"`
		Direction string `json:"direction"`
		Entries   []struct {
			Key, Text, Encoding string
			Back                string `json:"back_translation"`
			Segments            int
		} `json:"entries"`
	}
	h.mustCall(200, "GET", "/api/v1/translations/prs/preview?names=Ahmad%20Zia%20N.", coord, nil, &p)
	if p.Tag != "fa-AF" || p.Direction != "rtl" || len(p.Entries) < 9 {
		t.Fatalf("preview of prs = %+v", p)
	}
	for _, e := range p.Entries {
		if e.Key == "alert_absent" && (!strings.Contains(e.Text, "Ahmad Zia N.") || e.Encoding != "UCS-2" || e.Segments > 2 || !strings.Contains(e.Back, "Ahmad Zia N.")) {
			t.Errorf("Dari alert preview %+v", e)
		}
	}
	h.mustCall(404, "GET", "/api/v1/translations/xx/preview", coord, nil, nil)
}
