package app

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// The DUO melding of a leerplicht case is prepared from the roster, the
// case's days and what the school did; what only a person knows is left
// to fill. nabij never files it.
func TestTheMeldingDraft(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04")
	first := ts.caseOf("amanuel", "ongeoorloofd-6u")
	ts.at("2026-03-05", "09:00")
	if _, err := ts.svc.ActOnEscalation(ts.ctx, ts.coord, first.ID, "acknowledge", "moeder gebeld"); err != nil {
		t.Fatal(err)
	}
	lp := ts.caseOf("amanuel", "leerplicht-16u-4w")
	d, err := ts.svc.Melding(ts.ctx, ts.coord, lp.ID)
	if err != nil {
		t.Fatal(err)
	}
	days := []school.Date{ts.date("2026-03-02"), ts.date("2026-03-03"), ts.date("2026-03-04")}
	if d.Escalation != lp.ID || d.Student != "amanuel" || d.Name != "Amanuel T." || d.BirthDate != (school.Date{Year: 2011, Month: 5, Day: 1}) ||
		d.PGN != "123456782" || d.Kind != "16u/4w" || d.FirstDayOfAbsence != days[0] || d.ThresholdReached != days[2] ||
		d.Due == nil || *d.Due != ts.date("2026-03-11") {
		t.Errorf("the draft's pupil and case: %+v", d)
	}
	if d.LessonLocation != "ISK Test, Schoolstraat 1, Groningen" || d.Reporter != (Reporter{Name: "C. Jansen", Phone: "+31501234567", Email: "verzuim@isk.example"}) ||
		d.ParentPhone != "+31612345001" || d.DifferentResidence != nil {
		t.Errorf("the draft's school and family: %+v", d)
	}
	if len(d.Days) != 3 || d.TotalHours != 18 || !d.AllLessonsMissed {
		t.Errorf("the days: %+v, %g hours, all lessons missed %v", d.Days, d.TotalHours, d.AllLessonsMissed)
	}
	for i, day := range d.Days {
		if day.Date != days[i] || day.Kind != school.Absent || day.Hours != 6 {
			t.Errorf("day %d: %+v", i, day)
		}
	}
	// What the school did: the three alerts, and the earlier case's action.
	want := []string{
		"2026-03-02: bericht aan ouder via sms (verstuurd)",
		"2026-03-03: bericht aan ouder via sms (verstuurd)",
		"2026-03-04: bericht aan ouder via sms (verstuurd)",
		"2026-03-05: signaal ongeoorloofd-6u (verzuimcoordinator): in behandeling genomen: moeder gebeld",
	}
	if !slices.Equal(d.SchoolActions, want) {
		t.Errorf("school actions:\n%q\nwant\n%q", d.SchoolActions, want)
	}
	if !slices.Equal(d.ToFill, []string{"suspected_reason", "municipality_action_wanted"}) || d.MunicipalityAction != nil {
		t.Errorf("to fill: %v", d.ToFill)
	}

	// A coordinator's case has no melding; an unknown case none either.
	if _, err := ts.svc.Melding(ts.ctx, ts.coord, first.ID); !errors.Is(err, school.ErrConflict) {
		t.Errorf("the melding of a verzuimcoordinator case: %v", err)
	}
	if _, err := ts.svc.Melding(ts.ctx, ts.coord, "e999"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("the melding of an unknown case: %v", err)
	}
	// A school that set no address: its name alone, no dangling comma.
	ts.svc.Settings.Address = ""
	if d, err := ts.svc.Melding(ts.ctx, ts.coord, lp.ID); err != nil || d.LessonLocation != "ISK Test" {
		t.Errorf("the lesson location without an address: %q, %v", d.LessonLocation, err)
	}
}

// A pupil of a KWE without a PGN: the draft names the housing unit as the
// residence, and asks for the PGN; a day with only some lesuren missed is
// no day missed whole.
func TestTheMeldingOfAPupilInAKWE(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-06", "09:00")
	ts.post(ts.coord, "1B", "2026-03-02", absent("yusuf"))
	ts.post(ts.coord, "1B", "2026-03-03", absent("yusuf"))
	ts.post(ts.coord, "1B", "2026-03-04", school.Absence{Student: "yusuf", Kind: school.Absent, Hours: 4})
	lp := ts.caseOf("yusuf", "leerplicht-16u-4w")
	d, err := ts.svc.Melding(ts.ctx, ts.coord, lp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.DifferentResidence == nil || *d.DifferentResidence != (Residence{Name: "KWE Noord", Address: "Noorderstraat 1, Groningen"}) {
		t.Errorf("the residence: %+v", d.DifferentResidence)
	}
	if d.PGN != "" || !slices.Contains(d.ToFill, "pgn") {
		t.Errorf("no PGN: %q, to fill %v", d.PGN, d.ToFill)
	}
	if d.ParentPhone != "+31612345003" {
		t.Errorf("the voogd's phone: %q", d.ParentPhone)
	}
	if d.TotalHours != 16 || d.AllLessonsMissed {
		t.Errorf("%g hours, all lessons missed %v", d.TotalHours, d.AllLessonsMissed)
	}
	if len(d.SchoolActions) != 0 {
		t.Errorf("past lists sent nothing, yet: %q", d.SchoolActions)
	}

	// The pupil leaves the roster: the melding is still due, drafted from
	// the record kept when they left (TestAPupilWhoLeavesOnTheThresholdDayStillGetsTheCase).
	r := testRoster()
	r.Students = slices.DeleteFunc(r.Students, func(s school.Student) bool { return s.ID == "yusuf" })
	ts.at("2026-03-09", "09:00")
	if err := ts.svc.ReplaceRoster(ts.ctx, r); err != nil {
		t.Fatal(err)
	}
	left, err := ts.svc.Melding(ts.ctx, ts.coord, lp.ID)
	if err != nil || left.Name != d.Name || left.TotalHours != d.TotalHours || left.DifferentResidence == nil ||
		left.LeftRosterOn == nil || *left.LeftRosterOn != ts.date("2026-03-09") {
		t.Errorf("the melding of a pupil who left: %+v, %v", left, err)
	}
}

// nabij simulate replays the stored history through another protocol:
// each case it would open, and whether the protocol in use opened it.
func TestSimulateAStricterProtocol(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-03", "09:00")
	ts.post(ts.coord, "1A", "2026-03-02", absent("amanuel"), school.Absence{Student: "sara", Kind: school.Absent, Hours: 3})
	ts.caseOf("amanuel", "ongeoorloofd-6u")
	if cs := ts.cases("sara"); len(cs) != 0 {
		t.Fatalf("3 lesuren opened a case: %+v", cs)
	}
	// The first rule, ongeoorloofd-6u, at 3 lesuren.
	stricter, err := protocol.Parse([]byte(strings.Replace(string(protocol.DefaultFile()), "threshold = 6\n", "threshold = 3\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := school.NewCalendar(school.RegionMidden, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sims, err := Simulate(ts.svc.Store, stricter, cal, ts.date("2026-02-23"), ts.date("2026-03-02"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]SimulatedCase{}
	for _, s := range sims {
		for _, f := range s.Findings {
			got[s.Student+" "+f.Rule] = f
		}
	}
	if f, ok := got["amanuel ongeoorloofd-6u"]; !ok || !f.Opened || f.ThresholdDay != ts.date("2026-03-02") || f.Reason == "" {
		t.Errorf("amanuel's case, opened by the protocol in use: %+v", f)
	}
	if f, ok := got["sara ongeoorloofd-6u"]; !ok || f.Opened || f.Level != protocol.LevelVerzuimcoordinator {
		t.Errorf("sara's case, only the stricter protocol's: %+v", f)
	}
	if len(got) != 2 {
		t.Errorf("findings: %+v", got)
	}
}

// A list corrected after the leerplicht case opened (here the 3rd becomes
// sick): the case is below its threshold now, and no melding is drafted on
// facts the lists no longer say — a 409 that says why and what to do. A
// day still counted is listed; one corrected is not. (Found by a review:
// the draft listed the corrected day and counted its 6 hours.)
func TestNoMeldingOnFactsACorrectionTookAway(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04")
	lp := ts.caseOf("amanuel", "leerplicht-16u-4w")
	ts.at("2026-03-05", "09:00")
	ts.post(ts.mentorA, "1A", "2026-03-03", sick("amanuel"))
	if e := ts.caseOf("amanuel", "leerplicht-16u-4w"); !e.FactsChanged || !strings.Contains(e.Correction, "Sluit de zaak (dismiss) als er niets te melden is") {
		t.Fatalf("the case after the correction: %+v", e)
	}
	_, err := ts.svc.Melding(ts.ctx, ts.coord, lp.ID)
	if !errors.Is(err, school.ErrConflict) || !strings.Contains(err.Error(), "below its threshold") {
		t.Errorf("a melding on facts a correction took away: %v, want a conflict that says so", err)
	}
}

// An entry with more hours than the school day has (clock hours typed for
// lesuren) is refused, not counted: two such days must not make 16 lesuren.
func TestAListEntryHasAtMostTheDaysHours(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	a := absent("amanuel")
	a.Hours = 10
	_, err := ts.recordList(ts.mentorA, "1A", "2026-03-02", a)
	var ve *school.ValidationError
	if !errors.As(err, &ve) || ve.Details[0].Field != "absences[0].hours" || !strings.Contains(ve.Details[0].Message, "the school day has 6") {
		t.Errorf("10 lesuren on a day of 6: %v", err)
	}
	a.Hours = 6
	if _, err := ts.recordList(ts.mentorA, "1A", "2026-03-02", a); err != nil {
		t.Errorf("6 lesuren on a day of 6: %v", err)
	}
}
