package app

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

// Today's list makes one alert per contact, held for the hold, in the
// contact's language; a pupil with no contact becomes a "call now" task;
// a woonbegeleider hears of a late pupil of their unit, no parent does.
func TestTodaysListAlertsTheFamilies(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50") // after the deadline: no one waits for a sibling's class
	res := ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("lena"), late("sara", 10))
	if res.Recorded != 3 || res.Date != ts.date("2026-03-02") || res.Class != "1A" || res.AlertsWithheld != "" {
		t.Errorf("the answer: %+v", res)
	}
	// Sara is late: her mother hears nothing (late: housing_unit only).
	if len(res.Alerts) != 1 || res.Alerts[0].Student != "amanuel" || res.Alerts[0].Contact != "c-amanuel" ||
		res.Alerts[0].Language != "ti" || res.Alerts[0].Channel != school.ChannelSMS || res.Alerts[0].Status != alerts.StatusQueued {
		t.Fatalf("alerts: %+v", res.Alerts)
	}
	msgs := ts.messagesOn("2026-03-02")
	if len(msgs) != 1 {
		t.Fatalf("the outbox: %+v", msgs)
	}
	m := msgs[0]
	if m.ID != res.Alerts[0].Message || m.Template != alerts.TemplateAbsent || m.Phone != "+31612345001" ||
		!m.DueAt.Equal(ts.now.Add(2*time.Minute)) || m.Body == "" || m.Back == "" {
		t.Errorf("the alert: %+v", m)
	}
	if ts.wakes != 1 {
		t.Errorf("the dispatcher was woken %d times, want 1", ts.wakes)
	}
	// Lena has no contact: a task to call the family now.
	var call []school.Task
	for _, task := range ts.tasks() {
		if task.Kind == school.TaskUnreachable {
			call = append(call, task)
		}
	}
	if len(call) != 1 || call[0].Student != "lena" || !slices.Contains(call[0].Tried, "no contact in the roster") {
		t.Errorf("tasks to call: %+v", call)
	}
	// The stored list is the mentor's, stamped.
	l := ts.stored("1A", "2026-03-02")
	if len(l.Absences) != 3 || l.UpdatedBy != ts.mentorA.ID || !l.UpdatedAt.Equal(ts.now) || !l.Posted() {
		t.Errorf("the stored list: %+v", l)
	}

	// Yusuf is late: his KWE's woonbegeleiders hear of it, his voogd does not.
	res = ts.post(ts.mentorB, "1B", "2026-03-02", late("yusuf", 30))
	if len(res.Alerts) != 1 || res.Alerts[0].Contact != "wb-noord" {
		t.Errorf("a late pupil of a KWE: %+v", res.Alerts)
	}

	// The same list again changes nothing: no second alert, no second task.
	before := len(ts.messagesOn("2026-03-02"))
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("lena"), late("sara", 10))
	if n := len(ts.messagesOn("2026-03-02")); n != before {
		t.Errorf("the same list again: %d messages, want %d", n, before)
	}
	if n := len(ts.tasks()); n != 1 {
		t.Errorf("the same list again: %d tasks, want 1", n)
	}
}

// A correction inside the hold cancels the alert silently; after the
// alert went out it sends one apology.
func TestACorrectionCancelsOrApologises(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	ts.now = ts.now.Add(time.Minute)
	ts.post(ts.mentorA, "1A", "2026-03-02")
	msgs := ts.messagesOn("2026-03-02")
	if len(msgs) != 1 || msgs[0].Status != alerts.StatusCancelled {
		t.Fatalf("a correction inside the hold: %+v", msgs)
	}

	ts.post(ts.mentorB, "1B", "2026-03-02", absent("yusuf"))
	ts.sendAll("2026-03-02")
	ts.now = ts.now.Add(10 * time.Minute)
	ts.post(ts.mentorB, "1B", "2026-03-02", late("yusuf", 25))
	var apologies []*alerts.Message
	for _, m := range ts.messagesTo("2026-03-02", "+31612345003") {
		if m.Template == alerts.TemplateApology {
			apologies = append(apologies, m)
		}
	}
	if len(apologies) != 1 || apologies[0].Status != alerts.StatusQueued {
		t.Errorf("apologies to the voogd: %+v", apologies)
	}
}

// A parent whose other child's class has not posted yet waits for it,
// until the lists' deadline (first lesson + 15 minutes), so that one
// message names both.
func TestAParentOfTwoClassesGetsOneMessage(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:20")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("sara"))
	msgs := ts.messagesTo("2026-03-02", "+31612345002")
	deadline := time.Date(2026, 3, 2, 8, 45, 0, 0, ts.loc)
	if len(msgs) != 1 || !msgs[0].DueAt.Equal(deadline) {
		t.Fatalf("sara's alert waits for class 1B until 08:45: %+v", msgs)
	}
	ts.now = ts.now.Add(5 * time.Minute)
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("noor"))
	msgs = ts.messagesTo("2026-03-02", "+31612345002")
	if len(msgs) != 1 || !slices.Equal(msgs[0].Students, []string{"sara", "noor"}) {
		t.Errorf("one message for both sisters: %+v", msgs)
	}
}

// A list of today after NABIJ_ALERT_UNTIL is recorded and counted, but
// alerts no one, and says why; a list of a past day alerts no one either.
func TestListsThatAlertNoOne(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "12:30")
	res := ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("lena"))
	if res.AlertsWithheld != school.AlertsAfterUntil || res.Note == "" || len(res.Alerts) != 0 {
		t.Errorf("after 12:00: %+v", res)
	}
	if l := ts.stored("1A", "2026-03-02"); len(l.Absences) != 2 || l.AlertsWithheld != school.AlertsAfterUntil {
		t.Errorf("the late list is not kept as such: %+v", l)
	}
	if msgs := ts.messagesOn("2026-03-02"); len(msgs) != 0 {
		t.Errorf("messages after 12:00: %+v", msgs)
	}
	if tasks := ts.tasks(); len(tasks) != 0 {
		t.Errorf("a late list tried no one, so no family is unreachable: %+v", tasks)
	}
	d, err := ts.svc.MorningDigest(ts.ctx, ts.date("2026-03-02"))
	if err != nil || !slices.Equal(d.LateLists, []string{"1A"}) {
		t.Errorf("the digest's late lists: %v %v", d.LateLists, err)
	}

	ts.at("2026-03-03", "08:50")
	res = ts.post(ts.mentorB, "1B", "2026-03-02", absent("noor"))
	if res.AlertsWithheld != "past_day" || len(res.Alerts) != 0 || len(ts.messagesTo("2026-03-02", "+31612345002")) != 0 {
		t.Errorf("a past day's list: %+v", res)
	}
}

// A list is refused whole, with what was wrong, and nothing is kept.
func TestAListIsRefused(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	var ve *school.ValidationError
	for _, c := range []struct {
		name     string
		u        school.User
		class    string
		date     string
		absences []school.Absence
		want     func(error) bool
	}{
		{"another class's mentor", ts.mentorB, "1A", "2026-03-02", []school.Absence{absent("amanuel")}, func(err error) bool { return errors.Is(err, school.ErrForbidden) }},
		{"a reviewer", school.User{ID: "r", Role: school.RoleReviewer}, "1A", "2026-03-02", nil, func(err error) bool { return errors.Is(err, school.ErrForbidden) }},
		{"an unknown class", ts.coord, "9Z", "2026-03-02", nil, func(err error) bool { return errors.Is(err, school.ErrNotFound) }},
		{"tomorrow", ts.coord, "1A", "2026-03-03", nil, func(err error) bool { return errors.As(err, &ve) }},
		{"a Sunday", ts.coord, "1A", "2026-03-01", nil, func(err error) bool { return errors.As(err, &ve) }},
		{"the voorjaarsvakantie", ts.coord, "1A", "2026-02-17", nil, func(err error) bool { return errors.As(err, &ve) }},
		{"a pupil of another class", ts.mentorA, "1A", "2026-03-02", []school.Absence{absent("noor")}, func(err error) bool { return errors.As(err, &ve) }},
		{"excused without a reason", ts.mentorA, "1A", "2026-03-02", []school.Absence{{Student: "sara", Kind: school.Excused}}, func(err error) bool { return errors.As(err, &ve) }},
		{"more entries than pupils", ts.mentorB, "1B", "2026-03-02", []school.Absence{absent("noor"), absent("yusuf"), absent("x")}, func(err error) bool { return errors.As(err, &ve) }},
	} {
		if _, err := ts.recordList(c.u, c.class, c.date, c.absences...); !c.want(err) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if len(ts.messagesOn("2026-03-02")) != 0 || ts.stored("1A", "2026-03-02") != nil || ts.stored("1B", "2026-03-02") != nil {
		t.Error("a refused list left something behind")
	}
	// The refusal names the bad entry, and a mentor learns nothing of
	// the other class.
	_, err := ts.recordList(ts.mentorA, "1A", "2026-03-02", absent("noor"))
	if !errors.As(err, &ve) || len(ve.Details) != 1 || ve.Details[0].Field != "absences[0].student" {
		t.Errorf("the refusal: %v", err)
	}
}

// List answers the list as it stands, an empty one before any was posted.
func TestListAsItStands(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	l, err := ts.list(ts.mentorA, "1A", "2026-03-02")
	if err != nil || l.Class != "1A" || l.Date != ts.date("2026-03-02") || l.Absences == nil || len(l.Absences) != 0 {
		t.Fatalf("before the list: %+v %v", l, err)
	}
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	if l, err := ts.list(ts.coord, "1A", "2026-03-02"); err != nil || len(l.Absences) != 1 || l.Absences[0].Student != "amanuel" {
		t.Errorf("after it: %+v %v", l, err)
	}
	if _, err := ts.list(ts.mentorB, "1A", "2026-03-02"); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("another class's mentor: %v", err)
	}
	if _, err := ts.list(ts.coord, "9Z", "2026-03-02"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("an unknown class: %v", err)
	}
}

// A contact who sent STOP gets nothing, and their pupil becomes a "call
// now" task that says why.
func TestAnOptedOutFamilyBecomesATask(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "07:30")
	if in := ts.reply("+31612345001", "STOP"); in.Kind != "opt_out" {
		t.Fatalf("STOP: %+v", in)
	}
	ts.at("2026-03-02", "08:50")
	res := ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	if len(res.Alerts) != 0 || len(ts.messagesOn("2026-03-02")) != 0 {
		t.Errorf("an alert to a number that sent STOP: %+v", res.Alerts)
	}
	tasks := ts.tasks()
	if len(tasks) != 1 || tasks[0].Kind != school.TaskUnreachable || tasks[0].Student != "amanuel" ||
		!slices.Contains(tasks[0].Tried, "parent c-amanuel: opted out (STOP)") {
		t.Errorf("tasks: %+v", tasks)
	}
	// START lifts it: the next day's alert goes to them again.
	ts.at("2026-03-03", "07:30")
	if in := ts.reply("+31612345001", "start"); in.Kind != "opt_in" {
		t.Errorf("START: %+v", in)
	}
	ts.at("2026-03-03", "08:50")
	if res := ts.post(ts.mentorA, "1A", "2026-03-03", absent("amanuel")); len(res.Alerts) != 1 {
		t.Errorf("after START: %+v", res.Alerts)
	}
}
