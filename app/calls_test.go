package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// byPhone makes the contacts with ids reached by a phone call (channel
// voice), for families who cannot read.
func (ts *testSchool) byPhone(ids ...string) {
	ts.t.Helper()
	r := testRoster()
	for i := range r.Students {
		for j := range r.Students[i].Contacts {
			for _, id := range ids {
				if r.Students[i].Contacts[j].ID == id {
					r.Students[i].Contacts[j].Channel = school.ChannelVoice
				}
			}
		}
	}
	if err := ts.svc.ReplaceRoster(ts.ctx, r); err != nil {
		ts.t.Fatal(err)
	}
}

// call is the one live call of the day to phone.
func (ts *testSchool) call(date, phone string) *alerts.Message {
	ts.t.Helper()
	var live []*alerts.Message
	for _, m := range ts.messagesTo(date, phone) {
		if m.Live() && !m.Final() {
			live = append(live, m)
		}
	}
	if len(live) != 1 {
		ts.t.Fatalf("%d open messages to %s, want one call: %+v", len(live), phone, live)
	}
	if !live[0].IsCall() {
		ts.t.Fatalf("the message to %s goes by %s, not by phone", phone, live[0].Channel)
	}
	return live[0]
}

// dawitCalled is the morning of the call tests: Dawit's father is reached
// by phone, Dawit is listed absent at listAt, and at sendAt the call goes
// out (the dispatcher's part, sendAll). It returns the call.
func (ts *testSchool) dawitCalled(listAt, sendAt string) *alerts.Message {
	ts.t.Helper()
	ts.byPhone("c-dawit")
	ts.at("2026-03-02", listAt)
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("dawit"))
	ts.at("2026-03-02", sendAt)
	ts.sendAll("2026-03-02")
	return ts.call("2026-03-02", "+31612345004")
}

// Dawit's father cannot read: his alert is a call, in Dutch (nabij has no
// Zulu), said by the speech engine without Dawit's name, asking for a key.
// He presses 1: Dawit is sick, reported by him, the key is in the inbox
// once however often Twilio posts it, and the call ends "answered, 1".
func TestCallAnsweredWithKeyOne(t *testing.T) {
	ts := newTestSchool(t)
	m := ts.dawitCalled("08:30", "08:33")

	script, err := ts.svc.CallScript(ts.ctx, m.ID, m.ProviderID, "human")
	if err != nil {
		t.Fatal(err)
	}
	if !script.AskKeys || script.Line.Speech.Language != "nl-NL" || !strings.Contains(script.Line.Say, "Druk dan op 1") {
		t.Errorf("the call says %+v", script)
	}
	if strings.Contains(script.Line.Say, "Dawit") || !strings.Contains(script.Line.Say, "ISK Test") {
		t.Errorf("a call names the pupil or not the school: %q", script.Line.Say)
	}
	for range 2 { // Twilio may post a gather twice: one effect
		thanks, err := ts.svc.CallKey(ts.ctx, m.ID, m.ProviderID, "1")
		if err != nil {
			t.Fatal(err)
		}
		if thanks.AskKeys || !strings.Contains(thanks.Line.Say, "Dank u wel") {
			t.Errorf("after key 1 the call says %+v", thanks)
		}
	}
	list := ts.stored("1A", "2026-03-02")
	if len(list.Absences) != 1 || list.Absences[0].Kind != school.Sick || list.Absences[0].ReportedBy != "c-dawit" {
		t.Errorf("after key 1 the list is %+v", list.Absences)
	}
	in, err := ts.inbox(ts.coord, "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 1 || in[0].Channel != "voice" || in[0].Kind != "sick" || in[0].Message != m.ID {
		t.Errorf("the inbox after key 1: %+v", in)
	}
	if err := ts.svc.CallStatus(ts.ctx, m.ID, m.ProviderID, "completed", "human", 41); err != nil {
		t.Fatal(err)
	}
	got := ts.messagesTo("2026-03-02", "+31612345004")
	if len(got) != 1 || got[0].Status != alerts.StatusDelivered || got[0].Call.Summary() != "called, answered, 1" || got[0].Call.Seconds != 41 {
		t.Errorf("after the call: %d messages, %+v %+v", len(got), got[0], got[0].Call)
	}
	if tasks := ts.tasks(); len(tasks) != 0 {
		t.Errorf("a family that answered gets tasks: %+v", tasks)
	}
}

// Key 2 is a call-back task, as a text reply 2 is.
func TestCallKeyTwoAsksToBeCalledBack(t *testing.T) {
	ts := newTestSchool(t)
	m := ts.dawitCalled("08:30", "08:33")
	if _, err := ts.svc.CallKey(ts.ctx, m.ID, m.ProviderID, "2"); err != nil {
		t.Fatal(err)
	}
	tasks := ts.tasks()
	if len(tasks) != 1 || tasks[0].Kind != school.TaskCallBack || tasks[0].Student != "dawit" {
		t.Errorf("after key 2 the tasks are %+v", tasks)
	}
	// Another key hears the message again, and changes nothing.
	again, err := ts.svc.CallKey(ts.ctx, m.ID, m.ProviderID, "7")
	if err != nil {
		t.Fatal(err)
	}
	if !again.AskKeys || !strings.Contains(again.Line.Say, "Druk dan op 1") {
		t.Errorf("after key 7 the call says %+v", again)
	}
	if got := ts.messagesTo("2026-03-02", "+31612345004")[0].Call; got.Keys != "2" {
		t.Errorf("keys recorded %q, want 2", got.Keys)
	}
}

// No answer: one more try 15 minutes later; busy then too: the "call now"
// task names both tries, and nothing is tried a third time.
func TestUnansweredCallIsTriedOnceMoreThenATask(t *testing.T) {
	ts := newTestSchool(t)
	first := ts.dawitCalled("08:30", "08:33")
	ts.at("2026-03-02", "08:34")
	for _, st := range []string{"initiated", "ringing", "no-answer"} {
		if err := ts.svc.CallStatus(ts.ctx, first.ID, first.ProviderID, st, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	again := ts.call("2026-03-02", "+31612345004")
	if again.ID == first.ID || again.RetryOf != first.ID || again.Status != alerts.StatusQueued || again.Call.Try != 2 {
		t.Fatalf("after no answer: %+v", again)
	}
	if want := ts.now.Add(alerts.CallRetryAfter); !again.DueAt.Equal(want) {
		t.Errorf("the second try is due at %v, want %v", again.DueAt, want)
	}
	if tasks := ts.tasks(); len(tasks) != 0 {
		t.Errorf("a task before the second try: %+v", tasks)
	}
	if ts.wakes == 0 {
		t.Error("the dispatcher was not told of the second try")
	}
	ts.at("2026-03-02", "08:49")
	ts.sendAll("2026-03-02")
	again = ts.call("2026-03-02", "+31612345004")
	if err := ts.svc.CallStatus(ts.ctx, again.ID, again.ProviderID, "busy", "", 0); err != nil {
		t.Fatal(err)
	}
	for _, m := range ts.messagesTo("2026-03-02", "+31612345004") {
		if m.Status != alerts.StatusFailed {
			t.Errorf("message %s (try %d) is %s", m.ID, m.Call.Try, m.Status)
		}
	}
	if n := len(ts.messagesTo("2026-03-02", "+31612345004")); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	tasks := ts.tasks()
	if len(tasks) != 1 || tasks[0].Kind != school.TaskUnreachable || tasks[0].Student != "dawit" || len(tasks[0].Tried) != 2 {
		t.Fatalf("after two tries the tasks are %+v", tasks)
	}
	tried := strings.Join(tasks[0].Tried, " | ")
	for _, want := range []string{"parent c-dawit by phone, try 1: no-answer", "parent c-dawit by phone, try 2: busy"} {
		if !strings.Contains(tried, want) {
			t.Errorf("the task's tries %q do not say %q", tried, want)
		}
	}
}

// A call that goes unanswered too late for a second try inside the alert's
// validity (alerts until 12:00) is a task at once.
func TestNoSecondTryAfterTheValidity(t *testing.T) {
	ts := newTestSchool(t)
	m := ts.dawitCalled("11:50", "11:53")
	// Answered: the message plays, and no key is pressed.
	if _, err := ts.svc.CallScript(ts.ctx, m.ID, m.ProviderID, "human"); err != nil {
		t.Fatal(err)
	}
	if err := ts.svc.CallStatus(ts.ctx, m.ID, m.ProviderID, "completed", "human", 30); err != nil {
		t.Fatal(err)
	}
	if n := len(ts.messagesTo("2026-03-02", "+31612345004")); n != 1 {
		t.Errorf("%d calls: a second try after the alert's validity", n)
	}
	tasks := ts.tasks()
	if len(tasks) != 1 || len(tasks[0].Tried) != 1 || !strings.Contains(tasks[0].Tried[0], "try 1: no-key") {
		t.Errorf("tasks %+v", tasks)
	}
}

// A machine answers: the message is left after the beep, nothing is asked,
// and the family counts as reached.
func TestVoicemailGetsTheMessage(t *testing.T) {
	ts := newTestSchool(t)
	m := ts.dawitCalled("08:30", "08:33")
	script, err := ts.svc.CallScript(ts.ctx, m.ID, m.ProviderID, "machine_end_beep")
	if err != nil {
		t.Fatal(err)
	}
	if script.AskKeys || script.Line.Say == "" {
		t.Errorf("a voicemail gets %+v", script)
	}
	if err := ts.svc.CallStatus(ts.ctx, m.ID, m.ProviderID, "completed", "machine_end_beep", 25); err != nil {
		t.Fatal(err)
	}
	got := ts.messagesTo("2026-03-02", "+31612345004")[0]
	if got.Status != alerts.StatusDelivered || got.Call.Outcome != alerts.CallVoicemail {
		t.Errorf("after the voicemail: %s %+v", got.Status, got.Call)
	}
	if tasks := ts.tasks(); len(tasks) != 0 {
		t.Errorf("tasks after a voicemail: %+v", tasks)
	}
}

// Amanuel's mother speaks Tigrinya, which no speech engine speaks, and the
// school has not recorded the message: nabij does not call (a call that
// says nothing), the message fails at once with the reason, and the
// coordinator has the "call now" task.
func TestNoCallInALanguageNabijCannotSpeak(t *testing.T) {
	ts := newTestSchool(t)
	ts.svc.Planner.Speaks = ts.svc.Speaks
	ts.byPhone("c-amanuel")
	ts.at("2026-03-02", "08:30")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	msgs := ts.messagesTo("2026-03-02", "+31612345001")
	if len(msgs) != 1 || msgs[0].Status != alerts.StatusFailed || !strings.Contains(msgs[0].Note, "no recording") {
		t.Fatalf("a call nabij cannot speak: %+v", msgs)
	}
	tasks := ts.tasks()
	if len(tasks) != 1 || tasks[0].Kind != school.TaskUnreachable || tasks[0].Student != "amanuel" {
		t.Errorf("tasks %+v", tasks)
	}
}

// A webhook about a message that is not the call it names changes nothing.
func TestCallWebhookOfAnotherCallIsRefused(t *testing.T) {
	ts := newTestSchool(t)
	m := ts.dawitCalled("08:30", "08:33")
	other := "CA" + strings.Repeat("0", 32)
	if _, err := ts.svc.CallKey(ts.ctx, m.ID, other, "1"); !errors.Is(err, ErrNotThisCall) {
		t.Errorf("a key for another call: %v", err)
	}
	if err := ts.svc.CallStatus(ts.ctx, "nope", m.ProviderID, "completed", "", 1); !errors.Is(err, ErrNotThisCall) {
		t.Errorf("a status for an unknown message: %v", err)
	}
	if l := ts.stored("1A", "2026-03-02"); l.Absences[0].Kind != school.Absent {
		t.Errorf("a refused key changed the list: %+v", l.Absences)
	}
	var n int
	ts.view(func(tx *store.Tx) error {
		in, err := tx.Inbounds()
		n = len(in)
		return err
	})
	if n != 0 {
		t.Errorf("%d inbound kept from a refused key", n)
	}
}

// "Did not read it": the coordinator switches Dawit's father to calls after
// his text reached him unanswered. The roster says voice under every pupil
// he stands under, and today's text is made a call, due now; a second
// switch changes nothing more. A mentor may not; an unknown contact and an
// unknown channel are refused, changing nothing.
func TestSwitchingAContactToCalls(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:30")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("dawit"))
	ts.at("2026-03-02", "08:33")
	ts.sendAll("2026-03-02")
	text := ts.messagesTo("2026-03-02", "+31612345004")[0]

	ts.at("2026-03-02", "09:30")
	ch, err := ts.svc.SetContactChannel(ts.ctx, ts.coord, "c-dawit", school.ChannelVoice)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Calls) != 1 {
		t.Fatalf("calls made: %+v", ch)
	}
	var call *alerts.Message
	for _, m := range ts.messagesTo("2026-03-02", "+31612345004") {
		if m.ID == ch.Calls[0] {
			call = m
		}
	}
	if call == nil || !call.IsCall() || call.Status != alerts.StatusQueued || ts.wakes == 0 {
		t.Fatalf("no call queued, or the dispatcher not told: %+v", call)
	}
	if call.ID != ch.Calls[0] || !call.DueAt.Equal(ts.now) || call.Students[0] != "dawit" || !strings.Contains(call.Note, text.ID) {
		t.Errorf("the call: %+v", call)
	}
	r, err := ts.svc.Roster(ts.ctx, ts.coord)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Students {
		for _, c := range s.Contacts {
			if c.ID == "c-dawit" && c.Channel != school.ChannelVoice {
				t.Errorf("under %s the contact is still %s", s.ID, c.Channel)
			}
		}
	}
	again, err := ts.svc.SetContactChannel(ts.ctx, ts.coord, "c-dawit", school.ChannelVoice)
	if err != nil || len(again.Calls) != 0 {
		t.Errorf("switching twice: %+v %v", again, err)
	}
	if _, err := ts.svc.SetContactChannel(ts.ctx, ts.mentorA, "c-hassan", school.ChannelVoice); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("a mentor switched a contact: %v", err)
	}
	if _, err := ts.svc.SetContactChannel(ts.ctx, ts.coord, "c-nobody", school.ChannelVoice); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("an unknown contact: %v", err)
	}
	var ve *school.ValidationError
	if _, err := ts.svc.SetContactChannel(ts.ctx, ts.coord, "c-hassan", "pigeon"); !errors.As(err, &ve) {
		t.Errorf("an unknown channel: %v", err)
	}
	r, _ = ts.svc.Roster(ts.ctx, ts.coord)
	for _, s := range r.Students {
		for _, c := range s.Contacts {
			if c.ID == "c-hassan" && c.Channel != school.ChannelSMS {
				t.Errorf("a refused switch changed c-hassan to %s", c.Channel)
			}
		}
	}
}
