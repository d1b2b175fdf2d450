package app

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

// The mentor's roll call: today's class, one row per pupil with what the
// mentor or a family reported, the messages sent and the replies; a
// mentor of another class sees nothing of it.
func TestTheRollCall(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "07:45")
	ts.reply("+31612345001", "1") // amanuel's mother, before the list
	ts.at("2026-03-02", "08:10")
	rc, err := ts.svc.RollCall(ts.ctx, ts.mentorA, "")
	if err != nil {
		t.Fatal(err)
	}
	if rc.Class.ID != "1A" || len(rc.Classes) != 1 || rc.Date != ts.date("2026-03-02") || rc.Posted ||
		!rc.Deadline.Equal(time.Date(2026, 3, 2, 8, 45, 0, 0, ts.loc)) {
		t.Errorf("before the list: %+v", rc)
	}
	rows := map[string]RollCallRow{}
	for _, r := range rc.Rows {
		rows[r.Student.ID] = r
	}
	if len(rc.Rows) != 4 || rows["amanuel"].Known != "sick_by_family" || rows["amanuel"].Entry.Kind != school.Sick || rows["sara"].Entry.Kind != "" {
		t.Errorf("the rows before the list: %+v", rc.Rows)
	}
	if len(rc.Replies) != 1 || rc.Replies[0].Kind != "sick" {
		t.Errorf("the replies: %+v", rc.Replies)
	}

	// The mentor's "absent" keeps the family's report.
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("sara"), excused("dawit", "moskee"))
	ts.at("2026-03-02", "08:25")
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("noor"))
	rc, err = ts.svc.RollCall(ts.ctx, ts.mentorA, "1A")
	if err != nil {
		t.Fatal(err)
	}
	rows = map[string]RollCallRow{}
	for _, r := range rc.Rows {
		rows[r.Student.ID] = r
	}
	if !rc.Posted || rows["dawit"].Known != "excused" || rows["sara"].Entry.Kind != school.Absent || rows["amanuel"].Known != "sick_by_family" {
		t.Errorf("after the list: %+v", rc)
	}
	// The thanks to amanuel's mother, and the sisters' message, of which
	// the mentor of 1A learns only of sara.
	var sisters *SentRow
	for i, s := range rc.Sent {
		if s.Message.Phone == "+31612345002" {
			sisters = &rc.Sent[i]
		}
	}
	if len(rc.Sent) != 2 || sisters == nil || !slices.Equal(sisters.Students, []string{"Sara H."}) || sisters.Message.Body != "" {
		t.Errorf("sent: %+v", rc.Sent)
	}

	// The coordinator takes any class's roll; a mentor only their own.
	if rc, err := ts.svc.RollCall(ts.ctx, ts.coord, "1B"); err != nil || rc.Class.ID != "1B" || len(rc.Classes) != 2 || len(rc.Sent) != 1 || rc.Sent[0].Message.Body == "" {
		t.Errorf("the coordinator's roll call of 1B: %+v %v", rc, err)
	}
	if _, err := ts.svc.RollCall(ts.ctx, ts.mentorA, "1B"); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("another class's roll call: %v", err)
	}
	if _, err := ts.svc.RollCall(ts.ctx, ts.coord, "9Z"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("an unknown class: %v", err)
	}
}

// The coordinator's board: which classes posted, today's absent pupils
// with their messages and replies, the tasks with the numbers to call and
// what was tried, the inbox and the open cases.
func TestTheBoard(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-02-27") // a Friday: a case open since then
	ts.at("2026-03-02", "07:30")
	ts.reply("+31612345004", "STOP") // dawit's father
	ts.at("2026-03-02", "08:45")
	if _, err := ts.svc.MissingLists(ts.ctx, ts.date("2026-03-02")); err != nil {
		t.Fatal(err)
	}
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("lena"), late("sara", 10), absent("dawit"))
	ts.sendAll("2026-03-02")
	ts.reply("+31612345001", "Hij is ziek, sorry")
	ts.reply("+31687654321", "Wie is dit?")

	b, err := ts.svc.Board(ts.ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(cs []school.Class) (out []string) {
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if b.Date != ts.date("2026-03-02") || !slices.Equal(ids(b.Posted), []string{"1A"}) || !slices.Equal(ids(b.Missing), []string{"1B"}) {
		t.Errorf("classes: posted %v, missing %v", ids(b.Posted), ids(b.Missing))
	}
	absentRows := map[string]BoardRow{}
	for _, r := range b.Absent {
		absentRows[r.Student.ID] = r
	}
	if len(b.Absent) != 4 || absentRows["sara"].Entry.Kind != school.Late || len(absentRows["dawit"].Messages) != 0 {
		t.Errorf("absent pupils: %+v", b.Absent)
	}
	if r := absentRows["amanuel"]; len(r.Messages) != 1 || r.Messages[0].Template != alerts.TemplateAbsent || len(r.Replies) != 1 || r.Replies[0].Kind != "free_text" {
		t.Errorf("amanuel's row: %+v", r)
	}
	if len(b.Inbox) != 2 {
		t.Errorf("the inbox (free text, a stranger's message): %+v", b.Inbox)
	}
	if len(b.Escalations) != 1 || b.Escalations[0].Name != "Amanuel T." || b.Names["noor"] != "Noor H." {
		t.Errorf("cases: %+v", b.Escalations)
	}
	tasks := map[string]TaskRow{}
	for _, r := range b.Tasks {
		tasks[r.Task.Kind+" "+r.Task.Student+r.Task.Class] = r
	}
	if r, ok := tasks["missing_list 1B"]; !ok || r.ClassName != "Klas 1B" || !r.Deadline.Equal(time.Date(2026, 3, 2, 8, 45, 0, 0, ts.loc)) {
		t.Errorf("1B's missing list: %+v", r)
	}
	if r, ok := tasks["unreachable lena"]; !ok || r.Name != "Lena K." || !slices.Equal(r.Tried, []TryRow{{NoContact: true}}) {
		t.Errorf("lena's task: %+v", r)
	}
	if r, ok := tasks["unreachable dawit"]; !ok || len(r.Contacts) != 1 || r.Contacts[0].Phone != "+31612345004" ||
		!slices.Equal(r.Tried, []TryRow{{Role: school.RoleParent, Contact: "c-dawit", OptedOut: true}}) {
		t.Errorf("dawit's task: %+v", r)
	}
	if len(b.Tasks) != 4 { // and 1A's missing list, posted since, still open
		t.Errorf("tasks: %+v", b.Tasks)
	}

	// 1B: noor is excused, off the board; yusuf's voogd and KWE are told,
	// and both their SMS fail: only then is no one reached.
	ts.at("2026-03-02", "09:00")
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("yusuf"), excused("noor", "ambassade"))
	ts.sendAll("2026-03-02")
	unreachable := func() *TaskRow {
		t.Helper()
		b, err := ts.svc.Board(ts.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Absent) != 5 {
			t.Errorf("absent pupils: %+v", b.Absent)
		}
		for i, r := range b.Tasks {
			if r.Task.Kind == school.TaskUnreachable && r.Task.Student == "yusuf" {
				return &b.Tasks[i]
			}
		}
		return nil
	}
	fail := func(phone string, code int) {
		t.Helper()
		for _, m := range ts.messagesTo("2026-03-02", phone) {
			if err := ts.svc.DeliveryStatus(ts.ctx, m.ProviderID, "failed", code); err != nil {
				t.Fatal(err)
			}
		}
	}
	fail("+31612345009", 30006)
	if r := unreachable(); r != nil {
		t.Errorf("the voogd's message is still on its way, yet: %+v", r)
	}
	fail("+31612345003", 30003)
	yusuf := unreachable()
	if yusuf == nil || yusuf.Name != "Yusuf A." {
		t.Fatal("no task for yusuf")
	}
	wantTried := []TryRow{
		{Role: school.RoleWoonbegeleider, Contact: "wb-noord", Channel: school.ChannelSMS, Status: alerts.StatusFailed, ErrorCode: 30006},
		{Role: school.RoleGuardian, Contact: "c-voogd", Channel: school.ChannelSMS, Status: alerts.StatusFailed, ErrorCode: 30003},
	}
	if !sameTries(yusuf.Tried, wantTried) {
		t.Errorf("what was tried: %+v\nwant %+v (task: %q)", yusuf.Tried, wantTried, yusuf.Task.Tried)
	}
}

// sameTries compares what was tried, in any order.
func sameTries(a, b []TryRow) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// A pupil's page: the school year's days with their lesuren, how far the
// pupil is towards each rule, messages, replies and cases.
func TestThePupilPage(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2025-06-02", "08:50")
	ts.post(ts.mentorA, "1A", "2025-06-02", absent("amanuel")) // last school year
	ts.absentDays("2026-03-02")
	ts.at("2026-03-02", "09:10")
	ts.reply("+31612345001", "2")
	ts.at("2026-03-03", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-03", late("amanuel", 45))

	p, err := ts.svc.Pupil(ts.ctx, "amanuel")
	if err != nil {
		t.Fatal(err)
	}
	if p.Student.Name != "Amanuel T." || len(p.Days) != 2 || p.Days[0].Date != ts.date("2026-03-02") || p.Days[0].Hours != 6 ||
		p.Days[1].Entry.Kind != school.Late || p.Days[1].Hours != 1 {
		t.Errorf("the days: %+v", p.Days)
	}
	if len(p.Escalations) != 1 || len(p.Replies) != 1 || p.Replies[0].Kind != "call_back" {
		t.Errorf("cases %+v, replies %+v", p.Escalations, p.Replies)
	}
	// Monday's alert and the thanks for the 2; Tuesday's late arrival
	// alerts no one (he lives at home).
	if len(p.Messages) != 2 {
		t.Errorf("messages: %+v", p.Messages)
	}
	// 6 lesuren on Monday and 1 for 45 minutes late towards 16; late once
	// of 3 times.
	progress := map[string]float64{}
	for _, pr := range p.Progress {
		progress[pr.Rule.Name] = pr.Value
	}
	if v, ok := progress["leerplicht-16u-4w"]; !ok || v != 7 {
		t.Errorf("towards leerplicht-16u-4w: %v (%v)", v, ok)
	}
	if v, ok := progress["te-laat-3"]; !ok || v != 1 {
		t.Errorf("towards te-laat-3: %v (%v)", v, ok)
	}
	if _, err := ts.svc.Pupil(ts.ctx, "nobody"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("an unknown pupil: %v", err)
	}
}
