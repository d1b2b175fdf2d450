package main

// Melding drafts as a leerplichtambtenaar reads them, played through the
// API from casebook stories. (Found by a review of the meldingen.)

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/protocol/casebook"
)

// draftJSON is the melding draft as the API gives it.
type draftJSON struct {
	FirstDay string `json:"first_day_of_absence"`
	LastDay  string `json:"last_day_of_absence"`
	Age      int    `json:"age"`
	Reached  string `json:"threshold_reached_on"`
	Days     []struct {
		Date string `json:"date"`
	} `json:"absent_days"`
	TotalHours     float64 `json:"total_hours"`
	Reason         string  `json:"reason"`
	Correction     string  `json:"correction"`
	BelowThreshold bool    `json:"below_threshold"`
}

// playStory plays a casebook story through the API and returns the driver
// and the pupil's cases.
func playStory(t *testing.T, text string) (*apiDriver, []*protocol.Escalation) {
	t.Helper()
	if !strings.Contains(text, "\nexpect") {
		text += "\nexpect nothing\n"
	}
	s, err := casebook.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	d := &apiDriver{t: t}
	if _, err := casebook.Run(s, d); err != nil {
		t.Fatal(err)
	}
	cases, err := d.cases()
	if err != nil {
		t.Fatal(err)
	}
	return d, cases
}

func storyFile(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile("../../protocol/testdata/casebook/" + name + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func caseOn(t *testing.T, cases []*protocol.Escalation, rule, opened string) *protocol.Escalation {
	t.Helper()
	for _, c := range cases {
		if c.Rule == rule && c.Facts.ThresholdDay.String() == opened {
			return c
		}
	}
	t.Fatalf("no %s case opened on %s", rule, opened)
	return nil
}

func draftOf(t *testing.T, d *apiDriver, id string) draftJSON {
	t.Helper()
	var v draftJSON
	d.h.mustCall(200, "GET", "/api/v1/escalations/"+id+"/melding", d.coord, nil, &v)
	return v
}

// The absence between a held LRV run's end and the day the LRV opened is
// in a melding: the 16u case after the LRV counts it.
func TestEveryDayOfAHeldLRVStoryIsInAMelding(t *testing.T) {
	t.Parallel()
	d, cases := playStory(t, `# LRV held; the pupil back one day, away three, back
pupil born 2010-06-01
region midden
through 2026-12-31

2026-10-28..2026-11-30 absent
2026-12-02..2026-12-04 absent
`)
	seen := map[string]bool{}
	for _, c := range cases {
		if c.Level == protocol.LevelLeerplicht || c.Level == protocol.LevelRMC {
			for _, day := range draftOf(t, d, c.ID).Days {
				seen[day.Date] = true
			}
		}
	}
	for _, day := range []string{"2026-12-02", "2026-12-03", "2026-12-04"} {
		if !seen[day] {
			t.Errorf("%s (6 lesuren unexcused, 18 within 4 lesweken) is in no melding draft", day)
		}
	}
}

// An RMC case held back on the day the held LRV opened states the day its
// count reached the limit.
func TestAHeldRMCDraftGivesTheDayItsLimitWasReached(t *testing.T) {
	t.Parallel()
	d, cases := playStory(t, storyFile(t, "review-lrv-held-past-18th-birthday-pupil-back-and-away"))
	v := draftOf(t, d, caseOn(t, cases, "rmc-16u-4w", "2026-12-11").ID)
	if v.Reached != "2026-12-04" || v.Age != 18 {
		t.Errorf("threshold_reached_on %s at %d, want 2026-12-04 (2, 3, 4 Dec from the birthday) at 18", v.Reached, v.Age)
	}
	if len(v.Days) == 0 || v.FirstDay != v.Days[0].Date || v.LastDay != v.Days[len(v.Days)-1].Date {
		t.Errorf("the period %s – %s, the days %v", v.FirstDay, v.LastDay, v.Days)
	}
}

// A case whose first day was corrected after it opened, still above its
// threshold: the draft's first day of absence is the first day that still
// counts, and it says what the correction changed.
func TestADraftAfterACorrectionStartsOnADayThatCounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, story, rule, opened string }{
		{"16u, a day sick", `pupil born 2011-03-14
region midden
through 2026-11-13

2026-11-02..2026-11-11 absent
on 2026-11-12: 2026-11-05 sick
`, "leerplicht-16u-4w", "2026-11-11"},
		{"LRV from a Friday, the Friday excused", `pupil born 2011-03-14
region midden
through 2026-12-11

2026-11-06..2026-12-11 absent
on 2026-12-09: 2026-11-06 excused
`, "lrv", "2026-12-08"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, cases := playStory(t, tc.story)
			v := draftOf(t, d, caseOn(t, cases, tc.rule, tc.opened).ID)
			if len(v.Days) == 0 || v.FirstDay != v.Days[0].Date {
				t.Errorf("first_day_of_absence %s, but the days that count begin %v", v.FirstDay, v.Days)
			}
			if !strings.Contains(v.Correction, "telt niet meer") || v.BelowThreshold {
				t.Errorf("the draft's correction %q (below %v): want what the correction took out, still above", v.Correction, v.BelowThreshold)
			}
		})
	}
}

// A reported case the corrections took below its threshold: its draft is
// still there (what was filed, with the change to pass on), where an open
// one's is refused.
func TestAReportedCaseCorrectedBelowKeepsItsDraft(t *testing.T) {
	t.Parallel()
	d, cases := playStory(t, `pupil born 2011-03-14
region midden
through 2026-11-13

2026-11-02..2026-11-04 absent
on 2026-11-05: reported leerplicht-16u-4w 2026-11-04
on 2026-11-12: 2026-11-03 sick
`)
	c := caseOn(t, cases, "leerplicht-16u-4w", "2026-11-04")
	if c.Status != protocol.StatusReported || !c.FactsChanged {
		t.Fatalf("the case: %s, below %v", c.Status, c.FactsChanged)
	}
	v := draftOf(t, d, c.ID)
	if !v.BelowThreshold || !strings.Contains(v.Correction, "De melding is al gedaan") || len(v.Days) != 2 {
		t.Errorf("the draft of a reported case corrected below: %+v", v)
	}
	page := meldingPage(t, d, c.ID)
	if !strings.Contains(page, "onder de grens gebracht") {
		t.Errorf("the printable draft does not say the case went below its threshold")
	}
}

// An RMC case that holds hours missed at 17 says how many, in the draft
// and on its printable page: the case's own sentence goes with it.
func TestAnRMCDraftTellsTheHoursBeforeThe18thBirthday(t *testing.T) {
	t.Parallel()
	d, cases := playStory(t, storyFile(t, "review-rmc-tells-the-hours-before-the-18th-birthday"))
	c := caseOn(t, cases, "rmc-16u-4w", "2026-11-11")
	if v := draftOf(t, d, c.ID); !strings.Contains(v.Reason, "Daarvan 12 lesuren van voor de 18e verjaardag") {
		t.Errorf("the draft's reason %q does not tell the hours missed at 17 apart", v.Reason)
	}
	if page := meldingPage(t, d, c.ID); !strings.Contains(page, "Daarvan 12 lesuren van voor de 18e verjaardag") {
		t.Errorf("the printable draft does not tell the hours missed at 17 apart")
	}
}

// meldingPage is the printable draft of case id.
func meldingPage(t *testing.T, d *apiDriver, id string) string {
	t.Helper()
	req, err := http.NewRequest("GET", d.h.url+"/api/v1/escalations/"+id+"/melding", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+d.coord)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("the printable draft: HTTP %d", resp.StatusCode)
	}
	return string(page)
}

// From a leerplichtambtenaar's review: a draft listed days its case says
// count no more (a proces-verbaal would rest on it).

// A day the school closed after the fact (a stormdag) is no school day: no
// rule counts it, and the case says "telt niet meer". A case still above its
// threshold after the closure keeps its draft; that draft must not report
// the closed day as a day of absence, nor its hours (PROTOCOL.md: "16
// lesuren unexcused within 4 consecutive lesweken"; a closed school is
// geoorloofd, Lpw art. 11).
func TestADraftLeavesOutADayClosedAfterTheFact(t *testing.T) {
	t.Parallel()
	// lrv-friday-start: the 16u case of Tue 17 Nov counts 11–17 Nov, 30 h.
	// On 19 Nov the school records Thu 12 Nov as closed (stormdag): 24 h,
	// still above 16.
	d, cases := playStory(t, `pupil born 2011-03-14
region midden
through 2026-11-20

2026-11-06..2026-11-20 absent
on 2026-11-19: close 2026-11-12 "stormdag"
`)
	c := caseOn(t, cases, "leerplicht-16u-4w", "2026-11-17")
	if c.FactsChanged || !strings.Contains(c.Correction, "2026-11-12 telt niet meer") {
		t.Fatalf("the case after the closure: below %v, %q", c.FactsChanged, c.Correction)
	}
	v := draftOf(t, d, c.ID)
	for _, day := range v.Days {
		if day.Date == "2026-11-12" {
			t.Errorf("the draft reports the closed day 12 Nov as a day of absence: %v", v.Days)
		}
	}
	if v.TotalHours != 24 {
		t.Errorf("total_hours %g; want 24 (the case's own correction says 24 lesuren now)", v.TotalHours)
	}
}

// A day corrected to lateness within the minutes that count no lesuur
// (late 10 minutes: an occurrence only) counts no more for 16u/4w; the
// case says so, and its draft must not list it as an absent day.
func TestADraftLeavesOutADayCorrectedToShortLateness(t *testing.T) {
	t.Parallel()
	d, cases := playStory(t, `pupil born 2011-03-14
region midden
through 2026-11-20

2026-11-06..2026-11-20 absent
on 2026-11-19: 2026-11-12 late 10m
`)
	c := caseOn(t, cases, "leerplicht-16u-4w", "2026-11-17")
	if c.FactsChanged || !strings.Contains(c.Correction, "2026-11-12 telt niet meer") {
		t.Fatalf("the case after the correction: below %v, %q", c.FactsChanged, c.Correction)
	}
	v := draftOf(t, d, c.ID)
	for _, day := range v.Days {
		if day.Date == "2026-11-12" {
			t.Errorf("the draft lists 12 Nov (late 10 minutes, 0 lesuren, 'telt niet meer') as an absent day: %v", v.Days)
		}
	}
}

// An LRV case counts days missed whole; a day of its run corrected to 2
// lesuren absent counts no more ("a day with only some lesuren missed is no
// day missed", the casebook's README). The draft of the LRV melding must
// not list it among the days of the LRV.
func TestAnLRVDraftLeavesOutAPartDay(t *testing.T) {
	t.Parallel()
	// lrv-wednesday-start-held-four-days: the LRV of Fri 11 Dec counts
	// 4 Nov – 11 Dec, 5 whole lesweken. On 14 Dec the mentor corrects Wed
	// 4 Nov to 2 lesuren absent: the run now starts Thu 5 Nov, still 5
	// whole lesweken (9 Nov – 11 Dec), still above.
	d, cases := playStory(t, `pupil born 2011-03-14
region midden
through 2026-12-14

2026-11-04..2026-12-11 absent
on 2026-12-14: 2026-11-04 absent 2h
`)
	c := caseOn(t, cases, "lrv", "2026-12-11")
	if c.FactsChanged || !strings.Contains(c.Correction, "2026-11-04 telt niet meer") {
		t.Fatalf("the LRV after the correction: below %v, %q", c.FactsChanged, c.Correction)
	}
	v := draftOf(t, d, c.ID)
	for _, day := range v.Days {
		if day.Date == "2026-11-04" {
			t.Errorf("the LRV draft lists 4 Nov (2 lesuren, no day missed whole, 'telt niet meer') as a day of the LRV: first day %s", v.FirstDay)
		}
	}
	if v.FirstDay != "2026-11-05" {
		t.Errorf("first_day_of_absence %s; want 2026-11-05, the first day of the run that still counts", v.FirstDay)
	}
}

// lp16-late-list-never-behind-a-case: the 16u case of 11 Nov (9–11 Nov,
// 18 h; its 4 lesweken run from 8 Oct) is open when the lists of 2 and 3
// Nov come in late, absent. Those 12 lesuren lie inside the case's own 4
// lesweken, before its threshold day, and nabij rightly opens no case
// behind it ("whose history they belong to"). The case is told ("telt nu
// ook mee") and its draft lists them: 30 lesuren from 2 Nov (PROTOCOL.md: a
// melding holds the first day of absence and the absent days and hours).
// (Found by a leerplicht review: the draft said 18 lesuren from 9 Nov, and
// these 12 lesuren were in no melding at all.)
func TestALateListInsideACasesPeriodReachesItsDraft(t *testing.T) {
	t.Parallel()
	d, cases := playStory(t, storyFile(t, "lp16-late-list-never-behind-a-case"))
	c := caseOn(t, cases, "leerplicht-16u-4w", "2026-11-11")
	v := draftOf(t, d, c.ID)
	var days []string
	for _, day := range v.Days {
		days = append(days, day.Date)
	}
	if !strings.Contains(c.Correction, "2026-11-02, 2026-11-03 telt nu ook mee") || c.FactsChanged {
		t.Errorf("the case is not told of 2 and 3 Nov: below %v, correction %q", c.FactsChanged, c.Correction)
	}
	if v.FirstDay != "2026-11-02" || v.TotalHours != 30 || len(days) != 5 {
		t.Errorf("the draft: first day %s, %g lesuren, days %v; want from 2026-11-02, 30 lesuren, 2, 3, 9, 10, 11 Nov", v.FirstDay, v.TotalHours, days)
	}
}

// A case held back by the 7-day rule states the day its limit was really
// reached (held_from): DUO asks for that day. Absent Mon 2 – Wed 11 Nov
// 2026: 16u on 4 Nov; from 5 Nov 5, 6 and 9 Nov make 18 h on Mon 9 Nov,
// held back to Wed 11 Nov, opened with 30 h (5–11 Nov), "bereikt op 9
// november". On 12 Nov Fri 6 Nov is taken off the list (the pupil was
// there): 24 h, still above, but 16 lesuren were now first reached on Tue
// 10 Nov (5, 9, 10 Nov): the case says so and its draft gives 10 Nov.
// (Found by a leerplicht review: the draft kept 9 Nov, a day on which the
// lists now give 12 lesuren.)
func TestAHeldCasesReachedDayFollowsACorrection(t *testing.T) {
	t.Parallel()
	d, cases := playStory(t, `pupil born 2011-03-14
region midden
through 2026-11-13

2026-11-02..2026-11-11 absent
on 2026-11-12: 2026-11-06 none
`)
	c := caseOn(t, cases, "leerplicht-16u-4w", "2026-11-11")
	if c.FactsChanged || c.Facts.HeldFrom.String() != "2026-11-09" {
		t.Fatalf("the held case: below %v, held_from %s, %q", c.FactsChanged, c.Facts.HeldFrom, c.Correction)
	}
	v := draftOf(t, d, c.ID)
	if !strings.Contains(c.Correction, "De drempel is nu bereikt op 2026-11-10") {
		t.Errorf("the case is not told its limit is now reached on 10 Nov: %q", c.Correction)
	}
	if v.Reached != "2026-11-10" {
		t.Errorf("threshold_reached_on %s; the lists now reach 16 lesuren on 2026-11-10 (9 Nov: 12 lesuren since 5 Nov); reason %q, correction %q",
			v.Reached, v.Reason, v.Correction)
	}
}
