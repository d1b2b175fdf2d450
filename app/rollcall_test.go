package app

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

// The roll call page's rows change only what the page changed: every
// other entry stays as the list holds it now, whoever wrote it since the
// page was loaded.
func TestMergeRollCallTakesOnlyTheRowsThePageChanged(t *testing.T) {
	absent := func(id string) school.Absence { return school.Absence{Student: id, Kind: school.Absent} }
	late := func(id string, m int) school.Absence {
		return school.Absence{Student: id, Kind: school.Late, Minutes: m}
	}
	present := func(id string) school.Absence { return school.Absence{Student: id, Kind: school.Present} }
	sick := school.Absence{Student: "s3", Kind: school.Sick, ReportedBy: "c-3"}
	now := &school.AbsenceList{Absences: []school.Absence{
		absent("s1"),   // a colleague marked s1 after the page was loaded
		late("s2", 10), // the page showed 10 minutes; the mentor makes it 25
		sick,           // the family reported s3 sick; the page left it
		absent("s4"),   // the page showed s4 absent; the mentor takes it off
		absent("s9"),   // a pupil not on the page (moved in since): kept
	}}
	rows := []RollCallEntry{
		{Student: "s1", Was: present("s1"), Now: present("s1")},
		{Student: "s2", Was: late("s2", 10), Now: late("s2", 25)},
		{Student: "s3", Was: absent("s3"), Now: absent("s3")},
		{Student: "s4", Was: absent("s4"), Now: present("s4")},
		{Student: "s5", Was: present("s5"), Now: absent("s5")},
		{Student: "s6", Was: absent("s6"), Now: absent("s6")}, // a colleague took s6 off since
	}
	stayed := func(string) bool { return false } // no pupil left the class
	got, kept := mergeRollCall(now, rows, stayed)
	want := []school.Absence{absent("s1"), late("s2", 25), sick, absent("s5"), absent("s9")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("merged\n%v\nwant\n%v", got, want)
	}
	if kept != 3 {
		t.Errorf("kept %d of a colleague's changes, want 3 (s1, s3, s6)", kept)
	}
	// No list yet: the page's changes alone.
	if got, kept := mergeRollCall(nil, rows, stayed); fmt.Sprint(got) != fmt.Sprint([]school.Absence{late("s2", 25), absent("s5")}) || kept != 2 {
		t.Errorf("with no list: %v, kept %d (s3 and s6 shown absent, on no list)", got, kept)
	}
}

// Through the service: the page's changed row is recorded beside a
// colleague's entry made after the page was loaded, the answer counts the
// kept change, and a page of another day records nothing.
func TestRecordRollCallKeepsWhatThePageLeft(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-04", "08:30")
	ts.post(ts.coord, "1A", "2026-03-04", school.Absence{Student: "sara", Kind: school.Absent})
	rows := []RollCallEntry{
		{Student: "amanuel", Was: school.Absence{Kind: school.Present}, Now: school.Absence{Student: "amanuel", Kind: school.Absent}},
		{Student: "sara", Was: school.Absence{Kind: school.Present}, Now: school.Absence{Kind: school.Present}},
	}
	if _, err := ts.svc.RecordRollCall(ts.ctx, ts.mentorA, "1A", ts.date("2026-03-03"), rows); !errors.As(err, new(*school.ValidationError)) {
		t.Errorf("a page of yesterday: %v, want a validation error", err)
	}
	if l := ts.stored("1A", "2026-03-04"); len(l.Absences) != 1 {
		t.Fatalf("a refused page changed the list: %+v", l.Absences)
	}
	res, err := ts.svc.RecordRollCall(ts.ctx, ts.mentorA, "1A", ts.date("2026-03-04"), rows)
	if err != nil {
		t.Fatal(err)
	}
	if res.Recorded != 2 || res.KeptMeanwhile != 1 {
		t.Errorf("recorded %d, kept %d; want 2 and 1", res.Recorded, res.KeptMeanwhile)
	}
	got := map[string]school.AbsenceKind{}
	for _, a := range ts.stored("1A", "2026-03-04").Absences {
		got[a.Student] = a.Kind
	}
	if got["amanuel"] != school.Absent || got["sara"] != school.Absent {
		t.Errorf("the list after the page: %v; want amanuel (the page's) and sara (the coordinator's) absent", got)
	}
	if _, err := ts.svc.RecordRollCall(ts.ctx, ts.mentorB, "1A", ts.date("2026-03-04"), rows); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("another class's mentor: %v, want forbidden", err)
	}
}

// The roll call says when its list is overdue: past the deadline (first
// lesson + 15 minutes) with no list posted; not before it, nor once the
// list is in. (Found by a review: "Lijst vóór 08:45" stayed up at 10:00.)
func TestTheRollCallSaysWhenTheListIsOverdue(t *testing.T) {
	ts := newTestSchool(t)
	overdue := func(hhmm string) bool {
		t.Helper()
		ts.at("2026-03-04", hhmm)
		rc, err := ts.svc.RollCall(ts.ctx, ts.mentorA, "1A")
		if err != nil {
			t.Fatal(err)
		}
		return rc.Overdue
	}
	if overdue("08:30") {
		t.Error("overdue before the deadline")
	}
	if !overdue("10:00") {
		t.Error("not overdue at 10:00 with no list")
	}
	ts.post(ts.mentorA, "1A", "2026-03-04", school.Absence{Student: "sara", Kind: school.Absent})
	if overdue("10:05") {
		t.Error("overdue once the list is in")
	}
	// No school on a Saturday: no list is due.
	ts.at("2026-03-07", "10:00")
	if rc, err := ts.svc.RollCall(ts.ctx, ts.mentorA, "1A"); err != nil || rc.Overdue {
		t.Errorf("a Saturday's roll call: overdue %v, %v", rc != nil && rc.Overdue, err)
	}
}

// A pupil listed absent in 1A moves to 1B, whose list names them the same
// day: 1A's roll call page, which no longer shows them, is still taken
// (their day is 1B's now), as 1A's whole list through the API is. (Found
// by a review: the page carried their entry and every roll call of 1A was
// refused that day.)
func TestTheRollCallOfAClassAPupilLeftToday(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-04", "08:30")
	ts.post(ts.mentorA, "1A", "2026-03-04", school.Absence{Student: "amanuel", Kind: school.Absent})
	if err := ts.svc.ReplaceRoster(ts.ctx, rosterMoving("amanuel", "1B")); err != nil {
		t.Fatal(err)
	}
	ts.post(ts.coord, "1B", "2026-03-04", school.Absence{Student: "amanuel", Kind: school.Sick})
	ts.at("2026-03-04", "08:40")
	present := school.Absence{Kind: school.Present}
	rows := []RollCallEntry{
		{Student: "sara", Was: present, Now: school.Absence{Student: "sara", Kind: school.Absent}},
		{Student: "lena", Was: present, Now: present},
		{Student: "dawit", Was: present, Now: present},
	}
	if _, err := ts.svc.RecordRollCall(ts.ctx, ts.mentorA, "1A", ts.date("2026-03-04"), rows); err != nil {
		t.Fatalf("the roll call page of 1A: %v", err)
	}
	if l := ts.stored("1B", "2026-03-04"); len(l.Absences) != 1 || l.Absences[0].Kind != school.Sick {
		t.Errorf("1B's list after 1A's roll call: %+v", l.Absences)
	}
	if _, err := ts.recordList(ts.mentorA, "1A", "2026-03-04", school.Absence{Student: "sara", Kind: school.Absent}); err != nil {
		t.Errorf("the whole list of 1A: %v", err)
	}
}
