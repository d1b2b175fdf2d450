package app

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// absentDays has amanuel absent the whole day on each of days, posted by
// his mentor at 08:50 with the alert sent, and swept at 17:00, as the
// school day's rhythm does.
func (ts *testSchool) absentDays(days ...string) {
	ts.t.Helper()
	for _, d := range days {
		ts.at(d, "08:50")
		ts.post(ts.mentorA, "1A", d, absent("amanuel"))
		ts.sendAll(d)
		ts.at(d, "17:00")
		if _, _, err := ts.svc.Sweep(ts.ctx, ts.date(d)); err != nil {
			ts.t.Fatal(err)
		}
	}
}

// caseOf is the pupil's one case of rule.
func (ts *testSchool) caseOf(student, rule string) *protocol.Escalation {
	ts.t.Helper()
	var found []*protocol.Escalation
	for _, e := range ts.cases(student) {
		if e.Rule == rule {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		ts.t.Fatalf("%s's cases of %s: %d, want 1", student, rule, len(found))
	}
	return found[0]
}

// Today's absences are counted by the end-of-day sweep, not by the list:
// one whole day (6 lesuren) opens the coordinator's case that evening; a
// second sweep opens nothing.
func TestTheSweepOpensTodaysCases(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	if cs := ts.cases("amanuel"); len(cs) != 0 {
		t.Fatalf("the list opened a case of today: %+v", cs)
	}
	ts.at("2026-03-02", "17:00")
	pupils, opened, err := ts.svc.Sweep(ts.ctx, ts.date("2026-03-02"))
	if err != nil || pupils != 1 || opened != 1 {
		t.Fatalf("the sweep: %d pupils, %d opened, %v", pupils, opened, err)
	}
	e := ts.caseOf("amanuel", "ongeoorloofd-6u")
	if e.Level != protocol.LevelVerzuimcoordinator || e.Status != protocol.StatusOpen || e.Facts.ThresholdDay != ts.date("2026-03-02") ||
		e.Facts.Value != 6 || !slices.Equal(e.Facts.Dates, []school.Date{ts.date("2026-03-02")}) || e.Reason == "" || e.ReasonEN == "" || !e.OpenedAt.Equal(ts.now) {
		t.Errorf("the case: %+v", e)
	}
	if _, opened, _ := ts.svc.Sweep(ts.ctx, ts.date("2026-03-02")); opened != 0 {
		t.Errorf("a second sweep opened %d cases", opened)
	}
}

// A sweep reads the school in chunks of pupils: across the chunks' edges
// every pupil is counted once and every case opened once, as in one go.
func TestTheSweepInChunksOpensEveryCaseOnce(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("sara"), absent("lena"), absent("dawit"))
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("noor"), absent("yusuf"))
	ts.at("2026-03-02", "17:00")
	defer func(was int) { sweepChunk = was }(sweepChunk)
	sweepChunk = 4 // six pupils with a history: chunks of 4 and 2
	pupils, opened, err := ts.svc.Sweep(ts.ctx, ts.date("2026-03-02"))
	if err != nil || pupils != 6 || opened != 6 {
		t.Fatalf("the sweep in chunks: %d pupils, %d opened, %v; want 6 and 6", pupils, opened, err)
	}
	for _, id := range []string{"amanuel", "sara", "lena", "dawit", "noor", "yusuf"} {
		ts.caseOf(id, "ongeoorloofd-6u")
	}
	sweepChunk = 1
	if pupils, opened, err := ts.svc.Sweep(ts.ctx, ts.date("2026-03-02")); err != nil || pupils != 6 || opened != 0 {
		t.Errorf("a second sweep, a pupil at a time: %d pupils, %d opened, %v; want 6 and 0", pupils, opened, err)
	}
}

// A list of a past day is evaluated at once.
func TestAPastListOpensItsCaseAtOnce(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-03", "09:00")
	ts.post(ts.coord, "1B", "2026-03-02", absent("yusuf"))
	e := ts.caseOf("yusuf", "ongeoorloofd-6u")
	if e.Facts.ThresholdDay != ts.date("2026-03-02") || e.Status != protocol.StatusOpen {
		t.Errorf("the case: %+v", e)
	}
	// Sick and excused days count for no ongeoorloofd rule.
	ts.post(ts.coord, "1A", "2026-03-02", sick("sara"), excused("dawit", "rouw"))
	if cs := append(ts.cases("sara"), ts.cases("dawit")...); len(cs) != 0 {
		t.Errorf("cases for sick and excused days: %+v", cs)
	}
}

// Three whole days absent are 18 lesuren: the leerplicht case of 16 hours
// in 4 lesweken, due 5 working days later, beside the coordinator's case
// of the first day.
func TestSixteenHoursOpenALeerplichtCase(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04")
	lp := ts.caseOf("amanuel", "leerplicht-16u-4w")
	due := ts.date("2026-03-11")
	if lp.Level != protocol.LevelLeerplicht || lp.Facts.ThresholdDay != ts.date("2026-03-04") || lp.Due == nil || *lp.Due != due ||
		lp.Melding != "16u/4w" || len(lp.Facts.Dates) != 3 {
		t.Errorf("the leerplicht case: %+v (due %v)", lp, lp.Due)
	}
	ts.caseOf("amanuel", "ongeoorloofd-6u")

	// Listed, filtered, newest first.
	all, err := ts.svc.Escalations(ts.ctx, EscalationFilter{})
	if err != nil || len(all) != 2 || all[0].ID != lp.ID {
		t.Fatalf("every case, newest first: %+v %v", all, err)
	}
	if got, _ := ts.svc.Escalations(ts.ctx, EscalationFilter{Level: protocol.LevelLeerplicht}); len(got) != 1 || got[0].ID != lp.ID {
		t.Errorf("leerplicht cases: %+v", got)
	}
	if got, _ := ts.svc.Escalations(ts.ctx, EscalationFilter{Student: "amanuel", Status: "open"}); len(got) != 2 {
		t.Errorf("amanuel's open cases: %+v", got)
	}
	if got, err := ts.svc.Escalations(ts.ctx, EscalationFilter{Student: "sara"}); err != nil || got == nil || len(got) != 0 {
		t.Errorf("a pupil without cases: %#v %v", got, err)
	}
	if got, err := ts.svc.Escalation(ts.ctx, lp.ID); err != nil || got.Rule != lp.Rule {
		t.Errorf("one case: %+v %v", got, err)
	}
	if _, err := ts.svc.Escalation(ts.ctx, "e999"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("an unknown case: %v", err)
	}
}

// The coordinator acknowledges, marks reported or dismisses with a note;
// each action is kept with who and when, and an action the case's status
// does not allow changes nothing.
func TestActingOnACase(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02")
	id := ts.caseOf("amanuel", "ongeoorloofd-6u").ID
	ts.at("2026-03-03", "09:10")
	act := func(action, note string) (*protocol.Escalation, error) {
		return ts.svc.ActOnEscalation(ts.ctx, ts.coord, id, action, note)
	}
	var ve *school.ValidationError
	if _, err := act("forget", ""); !errors.As(err, &ve) {
		t.Errorf("an unknown action: %v", err)
	}
	if _, err := act("dismiss", "  "); !errors.As(err, &ve) || ve.Details[0].Field != "note" {
		t.Errorf("a dismissal without a note: %v", err)
	}
	e, err := act("acknowledge", "")
	if err != nil || e.Status != protocol.StatusAcknowledged || len(e.Actions) != 1 ||
		e.Actions[0].By != ts.coord.ID || !e.Actions[0].At.Equal(ts.now) || e.Actions[0].Action != "acknowledge" {
		t.Fatalf("acknowledged: %+v %v", e, err)
	}
	if _, err := act("acknowledge", ""); !errors.Is(err, protocol.ErrTransition) {
		t.Errorf("acknowledged twice: %v", err)
	}
	ts.now = ts.now.Add(30 * time.Minute)
	if e, err = act("reported", "gebeld met moeder"); err != nil || e.Status != protocol.StatusReported || len(e.Actions) != 2 || e.Actions[1].Note != "gebeld met moeder" {
		t.Fatalf("reported: %+v %v", e, err)
	}
	if _, err := act("dismiss", "toch ziek"); !errors.Is(err, protocol.ErrTransition) {
		t.Errorf("a reported case dismissed: %v", err)
	}
	if stored := ts.caseOf("amanuel", "ongeoorloofd-6u"); stored.Status != protocol.StatusReported || len(stored.Actions) != 2 {
		t.Errorf("the stored case: %+v", stored)
	}
	if _, err := ts.svc.ActOnEscalation(ts.ctx, ts.coord, "e999", "acknowledge", ""); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("an unknown case: %v", err)
	}
}

// A correction of a day behind an active case is told on the case, which
// stays for the coordinator to decide.
func TestACorrectionIsToldOnTheCase(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02")
	ts.at("2026-03-03", "09:00")
	ts.post(ts.mentorA, "1A", "2026-03-02", excused("amanuel", "tandarts"))
	e := ts.caseOf("amanuel", "ongeoorloofd-6u")
	if e.Status != protocol.StatusOpen || !e.FactsChanged || !strings.Contains(e.Correction, "2026-03-02") {
		t.Errorf("the case after the correction: %+v", e)
	}
}

// A dismissed case restarts and holds back nothing: the pupil's rules run
// again at once. Monday opened a case; Tuesday's absence is held back by
// it (one case a week); Monday turns out excused and the case is
// dismissed: Tuesday opens its own case now, not tonight.
func TestADismissedCaseHoldsNothingBack(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03")
	monday := ts.caseOf("amanuel", "ongeoorloofd-6u")
	ts.at("2026-03-04", "09:00")
	ts.post(ts.mentorA, "1A", "2026-03-02", excused("amanuel", "begrafenis"))
	if cs := ts.cases("amanuel"); len(cs) != 1 {
		t.Fatalf("before the dismissal Tuesday is held back by Monday's case; the cases: %+v", cs)
	}
	if _, err := ts.svc.ActOnEscalation(ts.ctx, ts.coord, monday.ID, "dismiss", "maandag was geoorloofd"); err != nil {
		t.Fatal(err)
	}
	var tuesday *protocol.Escalation
	for _, e := range ts.cases("amanuel") {
		if e.ID != monday.ID && e.Rule == "ongeoorloofd-6u" {
			tuesday = e
		}
	}
	if tuesday == nil || tuesday.Facts.ThresholdDay != ts.date("2026-03-03") || tuesday.Status != protocol.StatusOpen {
		t.Fatalf("after the dismissal: %+v", ts.cases("amanuel"))
	}
}
