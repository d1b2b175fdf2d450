package app

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// answers are the messages of date to phone made with template.
func (ts *testSchool) answers(date, phone, template string) []*alerts.Message {
	var out []*alerts.Message
	for _, m := range ts.messagesTo(date, phone) {
		if m.Template == template {
			out = append(out, m)
		}
	}
	return out
}

// A "1" to the morning's alert marks the pupil sick, reported by that
// contact, and thanks them in their language; the same webhook posted
// twice is handled once.
func TestOneMarksThePupilSick(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	ts.sendAll("2026-03-02")
	alert := ts.messagesOn("2026-03-02")[0]
	wakes := ts.wakes

	ts.at("2026-03-02", "09:05")
	in := ts.reply("+31612345001", "1")
	if in.Kind != "sick" || in.Message != alert.ID || in.Contact != "c-amanuel" || in.Date != "2026-03-02" ||
		!slices.Equal(in.Students, []string{"amanuel"}) || !in.ReceivedAt.Equal(ts.now) {
		t.Errorf("the reply: %+v", in)
	}
	e, _ := ts.stored("1A", "2026-03-02").Entry("amanuel")
	if e.Kind != school.Sick || e.ReportedBy != "c-amanuel" {
		t.Errorf("the list's entry: %+v", e)
	}
	thanks := ts.answers("2026-03-02", "+31612345001", alerts.TemplateThanksSick)
	if len(thanks) != 1 || thanks[0].Language != "ti" || thanks[0].Status != alerts.StatusQueued || !thanks[0].DueAt.Equal(ts.now) {
		t.Fatalf("thanks: %+v", thanks)
	}
	if ts.wakes != wakes+1 {
		t.Error("the thanks did not wake the dispatcher")
	}
	var replied *alerts.Message
	ts.view(func(tx *store.Tx) error {
		var err error
		replied, err = tx.Message(alert.ID)
		return err
	})
	if replied.RepliedAt == nil || !replied.RepliedAt.Equal(ts.now) {
		t.Errorf("the alert's replied_at: %v", replied.RepliedAt)
	}

	// Twilio posts the same webhook again: kept once, thanked once.
	again := store.Inbound{ProviderID: "SMin0001", From: "+31612345001", Channel: "sms", Body: "1"}
	if err := ts.svc.Inbound(ts.ctx, again); err != nil {
		t.Fatal(err)
	}
	var all []store.Inbound
	ts.view(func(tx *store.Tx) error { var err error; all, err = tx.Inbounds(); return err })
	if len(all) != 1 || len(ts.answers("2026-03-02", "+31612345001", alerts.TemplateThanksSick)) != 1 {
		t.Errorf("a webhook posted twice: %d replies kept", len(all))
	}
}

// A "1" in any numeral system is a 1.
func TestOneInArabicDigits(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("yusuf"))
	ts.sendAll("2026-03-02")
	if in := ts.reply("+31612345003", " ١ "); in.Kind != "sick" {
		t.Errorf("an Arabic-Indic one: %+v", in)
	}
}

// A "2" makes a call-back task for the coordinator and thanks the family.
func TestTwoAsksForACall(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	ts.sendAll("2026-03-02")
	if in := ts.reply("+31612345001", "2"); in.Kind != "call_back" {
		t.Errorf("the reply: %+v", in)
	}
	var calls []school.Task
	for _, task := range ts.tasks() {
		if task.Kind == school.TaskCallBack {
			calls = append(calls, task)
		}
	}
	if len(calls) != 1 || calls[0].Student != "amanuel" || calls[0].Date != "2026-03-02" || calls[0].DoneAt != nil {
		t.Errorf("call-back tasks: %+v", calls)
	}
	if len(ts.answers("2026-03-02", "+31612345001", alerts.TemplateThanksCall)) != 1 {
		t.Error("no thanks for the 2")
	}
	// The list is as the mentor left it.
	if e, _ := ts.stored("1A", "2026-03-02").Entry("amanuel"); e.Kind != school.Absent {
		t.Errorf("a 2 changed the list: %+v", e)
	}
}

// A parent of two absent children is asked which one is sick, and
// nothing is applied until they answer.
func TestOneFromAParentOfTwoAsksWhichChild(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("sara"))
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("noor"))
	ts.sendAll("2026-03-02")
	if in := ts.reply("+31612345002", "1"); in.Kind != "which_child" {
		t.Fatalf("the reply: %+v", in)
	}
	for _, c := range []struct{ class, id string }{{"1A", "sara"}, {"1B", "noor"}} {
		if e, _ := ts.stored(c.class, "2026-03-02").Entry(c.id); e.Kind != school.Absent {
			t.Errorf("%s before the answer: %+v", c.id, e)
		}
	}
	q := ts.answers("2026-03-02", "+31612345002", alerts.TemplateWhichChild)
	if len(q) != 1 || len(q[0].Options) != 2 || q[0].Language != "ar" {
		t.Fatalf("the question: %+v", q)
	}
	code := ""
	for c, id := range q[0].Options {
		if id == "noor" {
			code = c
		}
	}
	ts.sendAll("2026-03-02")
	in := ts.reply("+31612345002", code)
	if in.Kind != "sick" || !slices.Equal(in.Students, []string{"noor"}) {
		t.Errorf("the answer %q: %+v", code, in)
	}
	if e, _ := ts.stored("1B", "2026-03-02").Entry("noor"); e.Kind != school.Sick || e.ReportedBy != "c-hassan" {
		t.Errorf("noor: %+v", e)
	}
	if e, _ := ts.stored("1A", "2026-03-02").Entry("sara"); e.Kind != school.Absent {
		t.Errorf("sara: %+v", e)
	}
}

// A "1" on a school day before any alert is a sick report for today: kept
// on the day's list before the mentor's (which counts as not posted),
// kept when the mentor's list says only "absent", and no alert goes out
// about the child.
func TestOneBeforeTheListIsASickReport(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "07:45")
	in := ts.reply("+31612345001", "1")
	if in.Kind != "sick" || in.Date != "2026-03-02" || in.Contact != "c-amanuel" || !slices.Equal(in.Students, []string{"amanuel"}) {
		t.Fatalf("the reply: %+v", in)
	}
	l := ts.stored("1A", "2026-03-02")
	if l == nil || !l.ReportsOnly || l.Posted() {
		t.Fatalf("the families' list: %+v", l)
	}
	if e, _ := l.Entry("amanuel"); e.Kind != school.Sick || e.ReportedBy != "c-amanuel" {
		t.Errorf("the report: %+v", e)
	}
	thanks := ts.answers("2026-03-02", "+31612345001", alerts.TemplateThanksSick)
	if len(thanks) != 1 || thanks[0].Language != "ti" {
		t.Errorf("thanks: %+v", thanks)
	}
	if missing, _ := ts.svc.MissingLists(ts.ctx, ts.date("2026-03-02")); !slices.Contains(missing, "1A") {
		t.Errorf("a list of families' reports counts as posted: missing %v", missing)
	}

	// The mentor's list says absent: the family's report stands, no alert.
	ts.at("2026-03-02", "08:50")
	res := ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("sara"))
	if e, _ := ts.stored("1A", "2026-03-02").Entry("amanuel"); e.Kind != school.Sick || e.ReportedBy != "c-amanuel" {
		t.Errorf("after the mentor's list: %+v", e)
	}
	for _, a := range res.Alerts {
		if a.Student == "amanuel" {
			t.Errorf("an alert about a pupil reported sick: %+v", a)
		}
	}
	if len(ts.answers("2026-03-02", "+31612345001", alerts.TemplateAbsent)) != 0 {
		t.Error("an alert went to the family who reported sick")
	}
	// A mentor's "present" wins: the mentor saw them.
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("sara"))
	if _, listed := ts.stored("1A", "2026-03-02").Entry("amanuel"); listed {
		t.Error("the family's report overruled the mentor's present")
	}
}

// A "1" while the alert is still in its hold takes the alert back.
func TestOneDuringTheHoldTakesTheAlertBack(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	ts.now = ts.now.Add(time.Minute)
	if in := ts.reply("+31612345001", "1"); in.Kind != "sick" {
		t.Fatalf("the reply: %+v", in)
	}
	alert := ts.answers("2026-03-02", "+31612345001", alerts.TemplateAbsent)
	if len(alert) != 1 || alert[0].Status != alerts.StatusCancelled {
		t.Errorf("the held alert: %+v", alert)
	}
	if e, _ := ts.stored("1A", "2026-03-02").Entry("amanuel"); e.Kind != school.Sick {
		t.Errorf("the entry: %+v", e)
	}
}

// Replies nabij cannot apply go to the coordinator's inbox with the pupils
// of the number: a 1 on a day that is not a school day, a 1 from a number
// of no pupil, a 2 with no alert that day, free text.
func TestRepliesForTheInbox(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-07", "10:00") // a Saturday
	in := ts.reply("+31612345002", "1")
	if in.Kind != "unmatched" || in.Note == "" {
		t.Errorf("a 1 on a Saturday: %+v", in)
	}
	if l := ts.stored("1A", "2026-03-07"); l != nil {
		t.Errorf("a 1 on a Saturday made a list: %+v", l)
	}

	ts.at("2026-03-09", "08:00")
	if in := ts.reply("+31687654321", "1"); in.Kind != "unmatched" || len(in.Students) != 0 {
		t.Errorf("a 1 from a stranger: %+v", in)
	}
	in = ts.reply("+31612345002", "2")
	if in.Kind != "unmatched" || in.Contact != "c-hassan" || !slices.Equal(slices.Sorted(slices.Values(in.Students)), []string{"noor", "sara"}) {
		t.Errorf("a 2 with no alert today: %+v", in)
	}
	for _, task := range ts.tasks() {
		if task.Kind == school.TaskCallBack {
			t.Errorf("a 2 with no alert made a task: %+v", task)
		}
	}

	ts.at("2026-03-09", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-09", absent("amanuel"))
	ts.sendAll("2026-03-09")
	in = ts.reply("+31612345001", "Hij is bij de dokter")
	if in.Kind != "free_text" || in.Body != "Hij is bij de dokter" || !slices.Equal(in.Students, []string{"amanuel"}) {
		t.Errorf("free text: %+v", in)
	}

	inbox, err := ts.inbox(ts.coord, "2026-03-09")
	if err != nil || len(inbox) != 3 {
		t.Fatalf("the coordinator's inbox of Monday 9 March: %d replies, %v", len(inbox), err)
	}
	if all, _ := ts.inbox(ts.coord, ""); len(all) != 4 {
		t.Errorf("the whole inbox: %d replies, want 4", len(all))
	}
	// A mentor reads the replies about their pupils; a reply naming
	// children of two classes without its text.
	mine, err := ts.inbox(ts.mentorA, "2026-03-09")
	if err != nil || len(mine) != 2 {
		t.Fatalf("the mentor of 1A's inbox: %+v %v", mine, err)
	}
	for _, in := range mine {
		if in.From == "+31612345002" && (in.Body != "" || !slices.Equal(in.Students, []string{"sara"})) {
			t.Errorf("a mentor reads of another class's pupil: %+v", in)
		}
		if in.From == "+31612345001" && in.Body == "" {
			t.Errorf("a mentor cannot read their own pupil's reply: %+v", in)
		}
	}
	if _, err := ts.inbox(school.User{ID: "a", Role: school.RoleAdmin}, ""); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("an admin read the inbox: %v", err)
	}
}

// A reply belongs to the alert of the same school day: Tuesday's 1 is
// about Tuesday and never rewrites Monday.
func TestTuesdaysOneIsAboutTuesday(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	ts.sendAll("2026-03-02")
	ts.at("2026-03-03", "07:50")
	in := ts.reply("+31612345001", "1")
	if in.Kind != "sick" || in.Date != "2026-03-03" || in.Message != "" {
		t.Errorf("Tuesday's 1: %+v", in)
	}
	if e, _ := ts.stored("1A", "2026-03-02").Entry("amanuel"); e.Kind != school.Absent {
		t.Errorf("Monday was rewritten: %+v", e)
	}
	if e, _ := ts.stored("1A", "2026-03-03").Entry("amanuel"); e.Kind != school.Sick {
		t.Errorf("Tuesday: %+v", e)
	}
}

// A 1 to an alert about a pupil the mentor has since listed late changes
// nothing: the mentor saw them; the coordinator checks.
func TestOneAfterTheMentorSawThePupil(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	ts.sendAll("2026-03-02")
	ts.at("2026-03-02", "09:30")
	ts.post(ts.mentorA, "1A", "2026-03-02", late("amanuel", 40))
	in := ts.reply("+31612345001", "1")
	if in.Kind != "sick" || in.Note == "" {
		t.Errorf("the reply: %+v", in)
	}
	if e, _ := ts.stored("1A", "2026-03-02").Entry("amanuel"); e.Kind != school.Late {
		t.Errorf("the family's 1 overruled the mentor: %+v", e)
	}
	if len(ts.answers("2026-03-02", "+31612345001", alerts.TemplateThanksSick)) != 0 {
		t.Error("thanked for a report that was not applied")
	}
}

// "Yes" is Twilio's opt-in word, and what a family writes to "shall we call
// you?": from a number that sent STOP it opts in again; from any other it
// is an answer the coordinator reads in the inbox, not lost as an opt-in.
// (Found by a review.)
func TestYesIsAnAnswerUnlessTheNumberOptedOut(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	ts.sendAll("2026-03-02")
	if in := ts.reply("+31612345001", "Yes"); in.Kind != "free_text" {
		t.Errorf("Yes after an alert: %q, want free_text (the coordinator reads it)", in.Kind)
	}
	if in := ts.reply("+31612345001", "STOP"); in.Kind != "opt_out" {
		t.Fatalf("STOP: %q", in.Kind)
	}
	if in := ts.reply("+31612345001", "yes!"); in.Kind != "opt_in" {
		t.Errorf("yes from a number that sent STOP: %q, want opt_in", in.Kind)
	}
}
