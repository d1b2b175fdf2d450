package app

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// At the list deadline the classes without a list become tasks, once; a
// mentor sees the tasks of their classes and pupils, the coordinator all,
// and only the coordinator marks one done.
func TestMissingListsBecomeTasks(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:40")
	ts.post(ts.mentorB, "1B", "2026-03-02")
	ts.at("2026-03-02", "08:45")
	missing, err := ts.svc.MissingLists(ts.ctx, ts.date("2026-03-02"))
	if err != nil || !slices.Equal(missing, []string{"1A"}) {
		t.Fatalf("missing: %v %v", missing, err)
	}
	if again, _ := ts.svc.MissingLists(ts.ctx, ts.date("2026-03-02")); !slices.Equal(again, []string{"1A"}) || len(ts.tasks()) != 1 {
		t.Errorf("a second run: %v, %d tasks", again, len(ts.tasks()))
	}
	task := ts.tasks()[0]
	if task.Kind != school.TaskMissingList || task.Class != "1A" || task.Date != "2026-03-02" ||
		task.Reason != "Klas Klas 1A heeft om 08:45 nog geen absentielijst gestuurd." || !task.Created.Equal(ts.now) {
		t.Errorf("the task: %+v", task)
	}

	// A family of 1A no message can reach: a task about a pupil, with no class.
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("lena"))

	for _, c := range []struct {
		u    school.User
		want []string // the tasks' kinds
	}{
		{ts.coord, []string{school.TaskMissingList, school.TaskUnreachable}},
		{ts.mentorA, []string{school.TaskMissingList, school.TaskUnreachable}},
		{ts.mentorB, nil},
	} {
		got, err := ts.svc.Tasks(ts.ctx, c.u)
		var kinds []string
		for _, task := range got {
			kinds = append(kinds, task.Kind)
		}
		if err != nil || got == nil || !slices.Equal(kinds, c.want) {
			t.Errorf("%s sees %v, %v; want %v", c.u.Name, kinds, err, c.want)
		}
	}
	if _, err := ts.svc.Tasks(ts.ctx, school.User{ID: "r", Role: school.RoleReviewer}); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("a reviewer's tasks: %v", err)
	}

	if err := ts.svc.TaskDone(ts.ctx, ts.mentorA, task.ID); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("a mentor marked a task done: %v", err)
	}
	if err := ts.svc.TaskDone(ts.ctx, ts.coord, "t999"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("an unknown task: %v", err)
	}
	done := ts.now
	if err := ts.svc.TaskDone(ts.ctx, ts.coord, task.ID); err != nil {
		t.Fatal(err)
	}
	ts.now = ts.now.Add(time.Hour)
	if err := ts.svc.TaskDone(ts.ctx, ts.coord, task.ID); err != nil {
		t.Fatal(err)
	}
	for _, got := range ts.tasks() {
		if got.ID == task.ID && (got.DoneAt == nil || !got.DoneAt.Equal(done)) {
			t.Errorf("done at %v, want %v (the first time)", got.DoneAt, done)
		}
	}
}

// The coordinator's morning digest sums up the day and is kept; read
// later it is the one kept, with the lists that came after the alerts'
// end read afresh. A day without a kept digest is made when it is read.
func TestTheMorningDigest(t *testing.T) {
	ts := newTestSchool(t)
	// Last week gave amanuel two cases; the leerplicht one is due on
	// Wednesday 4 March, within two working days of Monday.
	ts.absentDays("2026-02-23", "2026-02-24", "2026-02-25")
	lp := ts.caseOf("amanuel", "leerplicht-16u-4w")
	if lp.Due == nil || *lp.Due != ts.date("2026-03-04") {
		t.Fatalf("the leerplicht case is due %v", lp.Due)
	}
	// Monday: lena has no contact, dawit's father reads Zulu (Dutch
	// instead), sara is late (no alert: she lives at home); 1B posts nothing.
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("lena"), absent("dawit"), late("sara", 5))
	ts.sendAll("2026-03-02")
	made := ts.now
	var dutch string
	for _, m := range ts.messagesTo("2026-03-02", "+31612345004") {
		if m.LanguageFallback && m.Language == "nl" {
			dutch = m.ID
		}
	}
	if dutch == "" {
		t.Fatal("no Dutch alert to dawit's father")
	}
	d, err := ts.svc.MorningDigest(ts.ctx, ts.date("2026-03-02"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(d *Digest) {
		t.Helper()
		if d.Date != ts.date("2026-03-02") || !slices.Equal(d.ClassesPosted, []string{"1A"}) || !slices.Equal(d.ClassesMissing, []string{"1B"}) ||
			d.Absent != 3 || d.Late != 1 || d.Sick != 0 || d.Excused != 0 || !d.MadeAt.Equal(made) {
			t.Errorf("the day: %+v", d)
		}
		if len(d.Messages) != 1 || d.Messages[alerts.StatusSent] != 2 {
			t.Errorf("messages: %v", d.Messages)
		}
		if len(d.OpenEscalations) != 2 || d.OpenEscalations[protocol.LevelVerzuimcoordinator] != 1 || d.OpenEscalations[protocol.LevelLeerplicht] != 1 {
			t.Errorf("open cases: %v", d.OpenEscalations)
		}
		if !slices.Equal(d.DueSoon, []string{lp.ID}) || d.OpenTasks != 1 || !slices.Equal(d.CallNow, []string{"lena"}) ||
			!slices.Equal(d.DutchInstead, []string{dutch}) || d.CalendarWarnings == nil || len(d.CalendarWarnings) != 0 {
			t.Errorf("what needs doing: %+v", d)
		}
	}
	check(d)
	if len(d.LateLists) != 0 {
		t.Errorf("late lists at 08:50: %v", d.LateLists)
	}

	// 1B posts at 12:30, too late for alerts: the kept digest, read in the
	// afternoon, names it.
	ts.at("2026-03-02", "12:30")
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("noor"))
	kept, err := ts.storedDigest("2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	check(kept)
	if !slices.Equal(kept.LateLists, []string{"1B"}) {
		t.Errorf("late lists read afresh: %v", kept.LateLists)
	}

	// Tuesday's was never made: it is made when read, and not kept.
	ts.at("2026-03-03", "10:00")
	fresh, err := ts.storedDigest("2026-03-03")
	if err != nil || !fresh.MadeAt.Equal(ts.now) || len(fresh.ClassesMissing) != 2 || fresh.LateLists == nil {
		t.Fatalf("a day without a digest: %+v %v", fresh, err)
	}
	ts.at("2026-03-03", "11:00")
	if again, _ := ts.storedDigest("2026-03-03"); !again.MadeAt.Equal(ts.now) {
		t.Errorf("a digest made on reading was kept: made at %v", again.MadeAt)
	}
}
