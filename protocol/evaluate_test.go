package protocol

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

func day(s string) school.Date {
	d, err := school.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func calendar(t *testing.T) *school.Calendar {
	t.Helper()
	h, err := school.NationalHolidays(school.RegionMidden)
	if err != nil {
		t.Fatal(err)
	}
	return &school.Calendar{Holidays: h}
}

// e builds entries: "2026-11-30 absent", "2026-11-30 absent 4" (hours),
// "2026-11-30 late 25" (minutes).
func entries(p *Protocol, specs ...string) []Entry {
	var out []Entry
	for _, s := range specs {
		var date, kind string
		var n float64
		fields := strings.Fields(s)
		date, kind = fields[0], fields[1]
		if len(fields) > 2 {
			fmt.Sscan(fields[2], &n)
		}
		a := school.Absence{Kind: school.AbsenceKind(kind)}
		if a.Kind == school.Late {
			a.Minutes = int(n)
		} else {
			a.Hours = n
		}
		out = append(out, Entry{Date: day(date), Kind: a.Kind, Hours: p.Hours(a)})
	}
	return out
}

// schoolDays lists "date kind" for every school day from first to last.
func schoolDays(cal *school.Calendar, first, last, kind string) []string {
	var out []string
	for d := day(first); !d.After(day(last)); d = d.AddDays(1) {
		if cal.IsSchoolDay(d) {
			out = append(out, d.String()+" "+kind)
		}
	}
	return out
}

type want struct {
	rule, threshold string
}

func TestRules(t *testing.T) {
	p := Default()
	cal := calendar(t)
	born15 := day("2011-05-01")
	for name, tc := range map[string]struct {
		born    school.Date
		history []string
		through string
		past    []PastCase
		want    []want
	}{
		"6 hours: exactly at the threshold": {born15, []string{"2026-11-30 absent"}, "2026-11-30", nil,
			[]want{{"ongeoorloofd-6u", "2026-11-30"}}},
		"6 hours: just below": {born15, []string{"2026-11-30 absent 5", "2026-12-01 late 20"}, "2026-12-04", nil, nil},
		"late over 20 minutes counts a lesuur": {born15, []string{"2026-11-30 absent 5", "2026-12-01 late 21"}, "2026-12-04", nil,
			[]want{{"ongeoorloofd-6u", "2026-12-01"}}},
		"16 hours: exactly": {born15, []string{"2026-11-23 absent 5", "2026-11-24 absent 5", "2026-11-30 absent 6"}, "2026-12-04", nil,
			[]want{{"ongeoorloofd-6u", "2026-11-24"}, {"leerplicht-16u-4w", "2026-11-30"}}},
		"16 hours: just below": {born15, []string{"2026-11-23 absent 5", "2026-11-24 absent 5", "2026-11-30 absent 5.5"}, "2026-12-04", nil,
			[]want{{"ongeoorloofd-6u", "2026-11-24"}}},
		"16 hours: out of the 4-week window": {born15, []string{"2026-11-02 absent 5", "2026-11-03 absent 5", "2026-12-02 absent 6"}, "2026-12-04", nil,
			[]want{{"ongeoorloofd-6u", "2026-11-03"}, {"ongeoorloofd-6u", "2026-12-02"}}},
		"a heavier case on the same day keeps the lighter one shut": {born15, []string{"2026-11-30 absent 5", "2026-12-01 absent 11"}, "2026-12-04", nil,
			[]want{{"leerplicht-16u-4w", "2026-12-01"}}},
		"holiday weeks do not count: 4 lesweken over kerstvakantie": {born15,
			[]string{"2026-12-07 absent 6", "2027-01-11 absent 6", "2027-01-12 absent 4"}, "2027-01-15", nil,
			[]want{{"ongeoorloofd-6u", "2026-12-07"}, {"ongeoorloofd-6u", "2027-01-11"}, {"leerplicht-16u-4w", "2027-01-12"}}},
		"18th birthday inside the window: rmc, not leerplicht": {day("2008-12-02"),
			[]string{"2026-11-30 absent", "2026-12-01 absent", "2026-12-02 absent"}, "2026-12-04", nil,
			[]want{{"ongeoorloofd-6u", "2026-11-30"}, {"rmc-16u-4w", "2026-12-02"}}},
		"a day before the 18th birthday: leerplicht": {day("2008-12-03"),
			[]string{"2026-11-30 absent", "2026-12-01 absent", "2026-12-02 absent"}, "2026-12-04", nil,
			[]want{{"ongeoorloofd-6u", "2026-11-30"}, {"leerplicht-16u-4w", "2026-12-02"}}},
		"after a melding counting starts again, once a week at most": {born15,
			schoolDays(cal, "2026-11-02", "2026-11-27", "absent"), "2026-11-27", nil,
			[]want{{"ongeoorloofd-6u", "2026-11-02"}, {"leerplicht-16u-4w", "2026-11-04"}, {"leerplicht-16u-4w", "2026-11-11"},
				{"leerplicht-16u-4w", "2026-11-18"}, {"leerplicht-16u-4w", "2026-11-25"}}},
		"past cases are not opened again": {born15,
			schoolDays(cal, "2026-11-02", "2026-11-27", "absent"), "2026-11-27",
			[]PastCase{{Rule: "ongeoorloofd-6u", ThresholdDay: day("2026-11-02")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-04")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-11")}},
			[]want{{"leerplicht-16u-4w", "2026-11-18"}, {"leerplicht-16u-4w", "2026-11-25"}}},
		// Reached on 30 November, held back to 2 December: the 16u/4w case
		// of 25 November is on the same step (one new case a week).
		"LRV: more than 4 consecutive lesweken": {born15,
			schoolDays(cal, "2026-11-02", "2026-12-02", "absent"), "2026-12-02",
			[]PastCase{{Rule: "ongeoorloofd-6u", ThresholdDay: day("2026-11-02")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-04")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-11")},
				{Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-18")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-25")}},
			[]want{{"lrv", "2026-12-02"}}},
		"LRV: exactly 4 weeks is not yet": {born15,
			schoolDays(cal, "2026-11-02", "2026-11-27", "absent"), "2026-11-27",
			[]PastCase{{Rule: "ongeoorloofd-6u", ThresholdDay: day("2026-11-02")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-04")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-11")},
				{Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-18")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-25")}},
			nil},
		"lateness: 2 times is nothing": {born15, []string{"2026-11-02 late 5", "2026-11-09 late 5"}, "2026-11-30", nil, nil},
		"lateness ladder 3, 6, 9": {born15, []string{
			"2026-09-01 late 5", "2026-09-08 late 5", "2026-09-15 late 5", "2026-09-22 late 5", "2026-09-29 late 5",
			"2026-10-06 late 5", "2026-10-13 late 5", "2026-10-27 late 5", "2026-11-03 late 5"}, "2026-11-30", nil,
			[]want{{"te-laat-3", "2026-09-15"}, {"te-laat-6", "2026-10-06"}, {"te-laat-9", "2026-11-03"}}},
		"lateness counts per school year": {born15, []string{"2026-06-29 late 5", "2026-06-30 late 5", "2026-09-01 late 5"}, "2026-11-30", nil, nil},
		"MAZL: 4 sick reports in 12 weeks; a 3-day illness is one": {born15, []string{
			"2026-09-07 sick", "2026-09-08 sick", "2026-09-09 sick", "2026-09-21 sick", "2026-10-05 sick", "2026-11-02 sick"}, "2026-11-30", nil,
			[]want{{"mazl-4-meldingen", "2026-11-02"}}},
		"MAZL: 3 reports is nothing": {born15, []string{"2026-09-07 sick", "2026-09-21 sick", "2026-10-05 sick"}, "2026-11-30", nil, nil},
		"MAZL: 7th consecutive school day sick": {born15, schoolDays(cal, "2026-11-24", "2026-12-02", "sick"), "2026-12-04", nil,
			[]want{{"mazl-7-dagen", "2026-12-02"}}},
		"MAZL: 6 days is not yet":            {born15, schoolDays(cal, "2026-11-24", "2026-12-01", "sick"), "2026-12-04", nil, nil},
		"sick and excused are not unexcused": {born15, []string{"2026-11-30 sick", "2026-12-01 excused", "2026-12-02 sick"}, "2026-12-04", nil, nil},
		"a late list for a day before an existing case opens nothing behind it": {born15,
			[]string{"2026-11-23 absent 5", "2026-11-24 absent 5", "2026-11-26 absent 6"}, "2026-11-27",
			[]PastCase{{Rule: "ongeoorloofd-6u", ThresholdDay: day("2026-11-26")}},
			[]want{{"leerplicht-16u-4w", "2026-11-26"}}},
		"nothing past through": {born15, []string{"2026-11-30 absent"}, "2026-11-27", nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			pupil := Pupil{BirthDate: tc.born, Entries: entries(p, tc.history...)}
			got := p.Evaluate(pupil, cal, day(tc.through), tc.past)
			var gotW []want
			for _, f := range got {
				gotW = append(gotW, want{f.Rule.Name, f.Facts.ThresholdDay.String()})
			}
			if fmt.Sprint(gotW) != fmt.Sprint(tc.want) {
				t.Errorf("findings %v, want %v", gotW, tc.want)
			}
		})
	}
}

func TestFindingFactsAndReasons(t *testing.T) {
	p := Default()
	cal := calendar(t)
	pupil := Pupil{BirthDate: day("2011-05-01"), Entries: entries(p, "2026-11-23 absent 5", "2026-11-24 absent 5", "2026-11-26 absent 6")}
	var lp *Finding
	for _, f := range p.Evaluate(pupil, cal, day("2026-11-30"), nil) {
		if f.Rule.Name == "leerplicht-16u-4w" {
			lp = &f
		}
	}
	if lp == nil {
		t.Fatal("no leerplicht finding")
	}
	f := lp.Facts
	if f.Value != 16 || f.Threshold != 16 || f.WindowStart != day("2026-10-30") || f.ThresholdDay != day("2026-11-26") ||
		f.Due != day("2026-12-03") || f.Age != 15 || len(f.Dates) != 3 || f.FirstDay != day("2026-11-23") {
		t.Errorf("facts = %+v", f)
	}
	nl, en := lp.Rule.Reasons(f)
	for _, want := range []string{"16 lesuren", "30 oktober 2026 t/m 26 november 2026", "uiterlijk 3 december 2026"} {
		if !strings.Contains(nl, want) {
			t.Errorf("Dutch reason %q lacks %q", nl, want)
		}
	}
	if !strings.Contains(en, "by 3 December 2026") {
		t.Errorf("English reason %q lacks the due date", en)
	}
}

func TestRecheckAfterCorrection(t *testing.T) {
	p := Default()
	cal := calendar(t)
	hist := entries(p, "2026-11-23 absent 5", "2026-11-24 absent 5", "2026-11-26 absent 6")
	var lp Finding
	for _, f := range p.Evaluate(Pupil{BirthDate: day("2011-05-01"), Entries: hist}, cal, day("2026-11-30"), nil) {
		if f.Rule.Name == "leerplicht-16u-4w" {
			lp = f
		}
	}
	e := NewEscalation("1001", lp, time.Now())
	current := map[school.Date]Entry{}
	for _, h := range hist {
		current[h.Date] = h
	}
	if p.Recheck(e, cal, current) || e.FactsChanged {
		t.Fatalf("nothing changed, yet the case says %q", e.Correction)
	}
	// The 26th was excused after all.
	current[day("2026-11-26")] = Entry{Date: day("2026-11-26"), Kind: school.Excused, Hours: 6}
	if !p.Recheck(e, cal, current) || !e.FactsChanged || !strings.Contains(e.Correction, "2026-11-26") || !strings.Contains(e.Correction, "nu 10") {
		t.Fatalf("after the correction: changed %v, %q", e.FactsChanged, e.Correction)
	}
	// Corrected back: the note goes, the case stands.
	current[day("2026-11-26")] = hist[2]
	if !p.Recheck(e, cal, current) || e.FactsChanged || e.Correction != "" {
		t.Errorf("after correcting back: %v %q", e.FactsChanged, e.Correction)
	}
}

func TestProgress(t *testing.T) {
	p := Default()
	cal := calendar(t)
	pupil := Pupil{BirthDate: day("2011-05-01"), Entries: entries(p, "2026-11-23 absent 5", "2026-11-24 absent 5", "2026-11-26 sick", "2026-11-27 sick")}
	got := map[string]Progress{}
	for _, pr := range p.Progress(pupil, cal, day("2026-11-27"), []PastCase{{Rule: "ongeoorloofd-6u", ThresholdDay: day("2026-11-24")}}) {
		got[pr.Rule.Name] = pr
	}
	if lp := got["leerplicht-16u-4w"]; lp.Value != 10 || lp.Threshold != 16 || lp.Since != day("2026-10-31") || lp.Unit != "lesuren" {
		t.Errorf("leerplicht progress %+v", lp)
	}
	if c := got["ongeoorloofd-6u"]; c.Value != 0 || c.Since != day("2026-11-25") {
		t.Errorf("6-hour rule progress %+v: counting restarts after its case", c)
	}
	if m := got["mazl-7-dagen"]; m.Value != 2 || m.Threshold != 7 {
		t.Errorf("sick streak progress %+v", m)
	}
	if _, ok := got["rmc-16u-4w"]; ok {
		t.Error("the rmc rule shows for a 15-year-old")
	}
}

// After a leerplicht case held back past the 18th birthday (it counts the
// absence up to the day before it), the pupil page's progress of the RMC
// counts from the birthday, as the rules do, not from the day after that
// case.
func TestProgressAfterALeerplichtCaseHeldPastTheBirthday(t *testing.T) {
	p := Default()
	cal := calendar(t)
	// 18 on Tue 10 Nov 2026; absent 5–12 Nov; leerplicht's case of 9 Nov
	// held back to 11 Nov (review-16u-held-past-18th-birthday-counts-up-to-it).
	pupil := Pupil{BirthDate: day("2008-11-10"), Entries: entries(p, schoolDays(cal, "2026-11-05", "2026-11-12", "absent")...)}
	past := []PastCase{{Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-04")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-11")}}
	for _, pr := range p.Progress(pupil, cal, day("2026-11-12"), past) {
		if pr.Rule.Name == "rmc-16u-4w" && (pr.Since != day("2026-11-10") || pr.Value != 18) {
			t.Errorf("the RMC's progress: %v since %s, want 18 since 10 November (the birthday)", pr.Value, pr.Since)
		}
	}
}

// While a leerplicht case reached at 17 is still held back past the 18th
// birthday (the 7-day rule), the pupil page's progress of the RMC does not
// count that case's hours: it counts from the birthday. (Found by a review:
// it showed the RMC at 24 of 16 since 5 November.)
func TestProgressDuringALeerplichtHoldAcrossTheBirthday(t *testing.T) {
	p := Default()
	cal := calendar(t)
	// 18 on Tue 10 Nov 2026; absent 2–10 Nov; leerplicht's case of 4 Nov;
	// reached again on 9 Nov at 17, held back to 11 Nov. Today is 10 Nov.
	pupil := Pupil{BirthDate: day("2008-11-10"), Entries: entries(p, schoolDays(cal, "2026-11-02", "2026-11-10", "absent")...)}
	past := []PastCase{{Rule: "ongeoorloofd-6u", ThresholdDay: day("2026-11-02")}, {Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-04")}}
	found := false
	for _, pr := range p.Progress(pupil, cal, day("2026-11-10"), past) {
		if pr.Rule.Name == "rmc-16u-4w" {
			found = true
			if pr.Since != day("2026-11-10") || pr.Value != 6 {
				t.Errorf("the RMC's progress during the hold: %v since %s, want 6 since 10 November (the birthday)", pr.Value, pr.Since)
			}
		}
	}
	if !found {
		t.Error("no RMC progress for an 18-year-old")
	}
	// Without a leerplicht limit reached before the birthday, the RMC counts
	// its 4 lesweken as the rules do, hours at 17 included.
	pupil.Entries = entries(p, "2026-11-09 absent", "2026-11-10 absent")
	for _, pr := range p.Progress(pupil, cal, day("2026-11-10"), nil) {
		if pr.Rule.Name == "rmc-16u-4w" && pr.Value != 12 {
			t.Errorf("the RMC's progress with no leerplicht case: %v since %s, want 12", pr.Value, pr.Since)
		}
	}
}

// A run whose LRV case opened counts towards no other: the pupil page's
// progress of the LRV shows nothing on the way while the same run goes on,
// and counts the next run. (Found by a review: it showed 7 of more than 4
// whole lesweken since 2 November, a case that would never come.)
func TestProgressOfAnLRVRunWhoseCaseOpened(t *testing.T) {
	p := Default()
	cal := calendar(t)
	pupil := Pupil{BirthDate: day("2011-03-14"), Entries: entries(p, schoolDays(cal, "2026-11-02", "2026-12-18", "absent")...)}
	past := []PastCase{{Rule: "lrv", ThresholdDay: day("2026-12-02"), LastDay: day("2026-12-02")}}
	lrv := func(today string) Progress {
		for _, pr := range p.Progress(pupil, cal, day(today), past) {
			if pr.Rule.Name == "lrv" {
				return pr
			}
		}
		t.Fatal("no LRV progress")
		return Progress{}
	}
	if pr := lrv("2026-12-18"); pr.Value != 0 || !pr.Since.IsZero() {
		t.Errorf("the LRV's progress while its run goes on: %v since %s, want nothing on the way", pr.Value, pr.Since)
	}
	// Back on Monday 4 January, away again from Tuesday: a new run.
	pupil.Entries = entries(p, append(schoolDays(cal, "2026-11-02", "2026-12-18", "absent"), schoolDays(cal, "2027-01-05", "2027-01-15", "absent")...)...)
	if pr := lrv("2027-01-15"); pr.Value != 1 || pr.Since != day("2027-01-05") {
		t.Errorf("the LRV's progress of the next run: %v since %s, want 1 whole leswek since 5 January", pr.Value, pr.Since)
	}
}
