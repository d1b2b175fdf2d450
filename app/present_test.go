package app

// The kind present: a pupil taken off a list, the way to drop the entry of
// one who left the class since (lists.go).

import (
	"errors"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// A departed pupil listed absent by mistake: leaving them out of the list
// sent again keeps their entry (a list cannot name a pupil no longer in the
// class), "present" takes it off. The day leaves their record, the case
// standing on it is told, and a list sent again later does not bring it
// back. A pupil still in the class may be posted present too (the same as
// leaving them out); present with hours or a reason is refused.
func TestADepartedPupilsEntryIsTakenOffByPresent(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04")
	lp := ts.caseOf("amanuel", "leerplicht-16u-4w")
	ts.at("2026-03-05", "09:00")
	if err := ts.svc.ReplaceRoster(ts.ctx, rosterWithout("amanuel")); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.recordList(ts.coord, "1A", "2026-03-03", school.Absence{Student: "amanuel", Kind: school.Present, Hours: 2}); err == nil {
		t.Errorf("present with hours was taken")
	}
	if _, err := ts.recordList(ts.coord, "1A", "2026-03-03"); err != nil {
		t.Fatal(err)
	}
	if h, ok := ts.dayOf("amanuel", "2026-03-03"); !ok || h.Kind != school.Absent {
		t.Fatalf("left out, the departed pupil's day is kept: %+v, %v", h, ok)
	}
	res, err := ts.recordList(ts.coord, "1A", "2026-03-03", school.Absence{Student: "amanuel", Kind: school.Present}, absent("sara"))
	if err != nil {
		t.Fatalf("the coordinator takes the departed pupil's day off: %v", err)
	}
	if res.Recorded != 1 {
		t.Errorf("recorded %d entries; want 1 (present is not an entry)", res.Recorded)
	}
	l := ts.stored("1A", "2026-03-03")
	if _, ok := l.Entry("amanuel"); ok || len(l.Absences) != 1 {
		t.Errorf("the list after present: %+v", l.Absences)
	}
	if h, ok := ts.dayOf("amanuel", "2026-03-03"); ok {
		t.Errorf("the day is still in the departed pupil's record: %+v", h)
	}
	if _, err := ts.svc.Melding(ts.ctx, ts.coord, lp.ID); !errors.Is(err, school.ErrConflict) {
		t.Errorf("the melding after the day was taken off: %v; want a conflict (below the threshold)", err)
	}
	ts.post(ts.mentorA, "1A", "2026-03-03", sick("sara"))
	if h, ok := ts.dayOf("amanuel", "2026-03-03"); ok {
		t.Errorf("a list sent again brought the day back: %+v", h)
	}
	if _, err := ts.recordList(ts.coord, "1A", "2026-03-05", school.Absence{Student: "amanuel", Kind: school.Present}); err == nil {
		t.Errorf("a departed pupil was posted present on a day after they left")
	}
	ts.post(ts.mentorA, "1A", "2026-03-04", school.Absence{Student: "sara", Kind: school.Present})
	if l := ts.stored("1A", "2026-03-04"); len(l.Absences) != 1 || l.Absences[0].Student != "amanuel" {
		t.Errorf("a pupil of the class posted present: %+v", l.Absences)
	}
}

// A pupil moved from 1A to 1B: their 3 March is on 1A's list. "present"
// for them in 1B's list of that day has no entry to take off: refused,
// naming 1A's list to a coordinator, and nothing changes; in 1A's list it
// takes the day off. A full roll call that names every pupil of the class
// and, present, one who left is taken. (Found by a review: 1B's list was
// taken, 200, and the day stayed; the roll call was refused whole.)
func TestPresentIsTakenWhereThePupilsDayIs(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04")
	lp := ts.caseOf("amanuel", "leerplicht-16u-4w")
	ts.at("2026-03-05", "09:00")
	if err := ts.svc.ReplaceRoster(ts.ctx, rosterMoving("amanuel", "1B")); err != nil {
		t.Fatal(err)
	}
	present := school.Absence{Student: "amanuel", Kind: school.Present}
	_, err := ts.recordList(ts.coord, "1B", "2026-03-03", present)
	var ve *school.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Error(), `class "1A"`) {
		t.Errorf("present in 1B's list for a day on 1A's: %v; want refused, naming 1A", err)
	}
	if h, ok := ts.dayOf("amanuel", "2026-03-03"); !ok || h.Class != "1A" {
		t.Errorf("after the refusal the day is %+v, %v; want 1A's, as it was", h, ok)
	}
	if _, err := ts.recordList(ts.coord, "1A", "2026-03-03", present, school.Absence{Student: "sara", Kind: school.Present}); err != nil {
		t.Fatalf("present in 1A's list: %v", err)
	}
	if h, ok := ts.dayOf("amanuel", "2026-03-03"); ok {
		t.Errorf("present in 1A's list left the day: %+v", h)
	}
	if _, err := ts.svc.Melding(ts.ctx, ts.coord, lp.ID); !errors.Is(err, school.ErrConflict) {
		t.Errorf("the melding after the day was taken off: %v; want a conflict", err)
	}
}

func TestAFullRollCallMayTakeOffAPupilWhoLeft(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04")
	ts.at("2026-03-05", "09:00")
	if err := ts.svc.ReplaceRoster(ts.ctx, rosterWithout("amanuel")); err != nil {
		t.Fatal(err)
	}
	var roll []school.Absence
	if err := ts.svc.Store.View(func(tx *store.Tx) error {
		r, err := tx.Roster()
		for _, st := range r.Students {
			if st.Class == "1A" {
				roll = append(roll, school.Absence{Student: st.ID, Kind: school.Present})
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	roll = append(roll, school.Absence{Student: "amanuel", Kind: school.Present})
	if _, err := ts.recordList(ts.coord, "1A", "2026-03-03", roll...); err != nil {
		t.Errorf("a roll call of the class's %d pupils and the departed pupil taken off: %v", len(roll)-1, err)
	}
	if h, ok := ts.dayOf("amanuel", "2026-03-03"); ok {
		t.Errorf("the departed pupil's day is still there: %+v", h)
	}
}

// A pupil who left the roster on 10 March had a 16u count reached on Mon
// 9 March, held back by the 7-day rule to Wed 11 March. 9 March was listed
// by mistake; the coordinator takes it off with "present" on 10 March. The
// held case must not open on 11 March (12 lesuren from 5 March).
func TestPresentForADepartedPupilStopsTheirHeldCase(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09")
	ts.at("2026-03-10", "09:00")
	if err := ts.svc.ReplaceRoster(ts.ctx, rosterWithout("amanuel")); err != nil {
		t.Fatal(err)
	}
	ts.post(ts.coord, "1A", "2026-03-09", school.Absence{Student: "amanuel", Kind: school.Present})
	for _, d := range []string{"2026-03-10", "2026-03-11", "2026-03-12"} {
		ts.at(d, "17:00")
		if _, _, err := ts.svc.Sweep(ts.ctx, ts.date(d)); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range ts.cases("amanuel") {
		if e.Rule == "leerplicht-16u-4w" && e.Facts.ThresholdDay != ts.date("2026-03-04") {
			t.Errorf("a held case opened on a day taken off: %s %+v", e.Facts.ThresholdDay, e.Facts.Dates)
		}
	}
}

// A departed pupil's reported case: a day taken off with "present" is
// told on the case ("De melding is al gedaan: geef de wijziging door"), and
// its draft stays, marked below_threshold.
func TestPresentOnAReportedCaseOfADepartedPupil(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04")
	lp := ts.caseOf("amanuel", "leerplicht-16u-4w")
	ts.at("2026-03-05", "09:00")
	if _, err := ts.svc.ActOnEscalation(ts.ctx, ts.coord, lp.ID, "reported", "gemeld in het verzuimloket"); err != nil {
		t.Fatal(err)
	}
	if err := ts.svc.ReplaceRoster(ts.ctx, rosterWithout("amanuel")); err != nil {
		t.Fatal(err)
	}
	ts.post(ts.coord, "1A", "2026-03-03", school.Absence{Student: "amanuel", Kind: school.Present})
	e := ts.caseOf("amanuel", "leerplicht-16u-4w")
	if e.Status != protocol.StatusReported || !e.FactsChanged || !strings.Contains(e.Correction, "geef de wijziging door") {
		t.Errorf("the reported case after 'present': %s, below %v, %q", e.Status, e.FactsChanged, e.Correction)
	}
	d, err := ts.svc.Melding(ts.ctx, ts.coord, lp.ID)
	if err != nil || !d.BelowThreshold || len(d.Days) != 2 || d.LeftRosterOn == nil {
		t.Errorf("the draft: %+v, %v", d, err)
	}
}

// A departed pupil's 16u case was reported to DUO; every case of theirs is
// settled, so the nightly purge drops the record kept of them (their
// absence data stays, five years). Months later the school finds that 3
// March was listed by mistake and takes it off with "present" — as a
// leerplichtambtenaar preparing a proces-verbaal may well ask it to. The day
// leaves the pupil's record, but the reported case is not told ("De melding
// is al gedaan: geef de wijziging door"): the rules skip a pupil without a
// birth date, and the recheck goes with them. A reported case is rechecked
// (Escalation.Rechecked) precisely so that DUO hears of such a change.
func TestAPurgedPupilsReportedCaseIsToldOfADayTakenOff(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02", "2026-03-03", "2026-03-04")
	lp := ts.caseOf("amanuel", "leerplicht-16u-4w")
	ts.at("2026-03-05", "09:00")
	if err := ts.svc.ReplaceRoster(ts.ctx, rosterWithout("amanuel")); err != nil {
		t.Fatal(err)
	}
	for _, e := range ts.cases("amanuel") {
		action := "dismiss"
		if e.ID == lp.ID {
			action = "reported"
		}
		if _, err := ts.svc.ActOnEscalation(ts.ctx, ts.coord, e.ID, action, "gemeld; leerling vertrokken"); err != nil {
			t.Fatal(err)
		}
	}
	ts.at("2026-07-02", "03:00")
	if p, err := ts.svc.Purge(ts.ctx, Retention{Years: 5, BodyDays: 365}); err != nil || p.Records != 1 {
		t.Fatalf("the purge: %+v, %v; want the record dropped", p, err)
	}
	ts.at("2026-07-03", "10:00")
	ts.post(ts.coord, "1A", "2026-03-03", school.Absence{Student: "amanuel", Kind: school.Present})
	if h, ok := ts.dayOf("amanuel", "2026-03-03"); ok {
		t.Fatalf("the day is still there: %+v", h)
	}
	e := ts.caseOf("amanuel", "leerplicht-16u-4w")
	if !e.FactsChanged || !strings.Contains(e.Correction, "geef de wijziging door") {
		t.Errorf("the reported case after 3 March was taken off: below %v, correction %q; want it told (12 lesuren, the melding to be corrected)", e.FactsChanged, e.Correction)
	}
}
