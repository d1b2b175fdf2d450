package app

import (
	"errors"
	"slices"
	"testing"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

// sisters has sara (1A) and noor (1B) absent on Monday 2 March, their
// mother's one message naming both, sent.
func (ts *testSchool) sisters() *alerts.Message {
	ts.t.Helper()
	ts.at("2026-03-02", "08:20")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("sara"), absent("amanuel"))
	ts.at("2026-03-02", "08:25")
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("noor"))
	ts.at("2026-03-02", "08:50")
	ts.sendAll("2026-03-02")
	msgs := ts.messagesTo("2026-03-02", "+31612345002")
	if len(msgs) != 1 || len(msgs[0].Students) != 2 {
		ts.t.Fatalf("the mother's message: %+v", msgs)
	}
	return msgs[0]
}

// A coordinator reads every message; a mentor those about their pupils,
// and of a message naming a child of another class only the pupils they
// teach, without its text.
func TestMessagesAsEachReaderMaySeeThem(t *testing.T) {
	ts := newTestSchool(t)
	both := ts.sisters()
	all, err := ts.messages(ts.coord, "", "")
	if err != nil || len(all) != 2 {
		t.Fatalf("the coordinator's messages: %+v %v", all, err)
	}
	if got, _ := ts.messages(ts.coord, "", "noor"); len(got) != 1 || got[0].ID != both.ID || got[0].Body == "" {
		t.Errorf("about noor: %+v", got)
	}
	if got, _ := ts.messages(ts.coord, "2026-03-03", ""); len(got) != 0 {
		t.Errorf("of a day without messages: %+v", got)
	}
	for _, c := range []struct {
		u        school.User
		messages int
		pupil    string // of the mother's message
	}{{ts.mentorA, 2, "sara"}, {ts.mentorB, 1, "noor"}} {
		got, err := ts.messages(c.u, "2026-03-02", "")
		if err != nil || len(got) != c.messages {
			t.Fatalf("%s's messages: %+v %v", c.u.Name, got, err)
		}
		for _, m := range got {
			switch m.ID {
			case both.ID:
				if !slices.Equal(m.Students, []string{c.pupil}) || m.Body != "" || m.Back != "" || m.Options != nil {
					t.Errorf("%s reads of another class's pupil: %+v", c.u.Name, m)
				}
			default:
				if m.Body == "" || !slices.Equal(m.Students, []string{"amanuel"}) {
					t.Errorf("%s's own pupil's message: %+v", c.u.Name, m)
				}
			}
		}
	}
	// The stored message is whole.
	if got, _ := ts.messages(ts.coord, "2026-03-02", "sara"); len(got) != 1 || len(got[0].Students) != 2 || got[0].Body == "" {
		t.Errorf("the message after a mentor read it: %+v", got)
	}
	if _, err := ts.messages(school.User{ID: "a", Role: school.RoleAdmin}, "", ""); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("an admin read the messages: %v", err)
	}
}

// A provider's status callback moves a message forward, never back; a
// WhatsApp message that comes back undelivered goes again as SMS; a failed
// SMS is a family no message reached.
func TestStatusCallbacks(t *testing.T) {
	ts := newTestSchool(t)
	r := testRoster()
	for i, st := range r.Students {
		if st.ID == "yusuf" {
			r.Students[i].Contacts[0].Channel = school.ChannelWhatsApp
		}
	}
	if err := ts.svc.ReplaceRoster(ts.ctx, r); err != nil {
		t.Fatal(err)
	}
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorB, "1B", "2026-03-02", absent("yusuf"))
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"))
	ts.sendAll("2026-03-02")
	voogd := ts.messagesTo("2026-03-02", "+31612345003")[0]
	unit := ts.messagesTo("2026-03-02", "+31612345009")[0]
	parent := ts.messagesTo("2026-03-02", "+31612345001")[0]
	if voogd.Channel != school.ChannelWhatsApp {
		t.Fatalf("the voogd's alert: %+v", voogd)
	}
	status := func(m *alerts.Message, word string, code int) *alerts.Message {
		t.Helper()
		if err := ts.svc.DeliveryStatus(ts.ctx, m.ProviderID, word, code); err != nil {
			t.Fatal(err)
		}
		for _, now := range ts.messagesOn("2026-03-02") {
			if now.ID == m.ID {
				return now
			}
		}
		t.Fatalf("message %s is gone", m.ID)
		return nil
	}

	ts.at("2026-03-02", "08:53")
	if m := status(unit, "delivered", 0); m.Status != alerts.StatusDelivered || m.DeliveredAt == nil || !m.DeliveredAt.Equal(ts.now) {
		t.Errorf("delivered: %+v", m)
	}
	if len(ts.observed) != 1 || ts.observed[0].ID != unit.ID {
		t.Errorf("observed: %+v", ts.observed)
	}
	if m := status(unit, "sent", 0); m.Status != alerts.StatusDelivered || len(ts.observed) != 1 {
		t.Errorf("a late 'sent' moved the message back: %+v", m)
	}
	if m := status(unit, "accepted", 0); m.Status != alerts.StatusDelivered {
		t.Errorf("a word that says nothing new: %+v", m)
	}

	wakes := ts.wakes
	m := status(voogd, "undelivered", 63024)
	if m.Status != alerts.StatusUndelivered || m.ErrorCode != 63024 || m.Fallback == "" || ts.wakes != wakes+1 {
		t.Errorf("an undelivered WhatsApp message: %+v (woken %d times)", m, ts.wakes-wakes)
	}
	var sms *alerts.Message
	for _, x := range ts.messagesTo("2026-03-02", "+31612345003") {
		if x.ID == m.Fallback {
			sms = x
		}
	}
	if sms == nil || sms.Channel != school.ChannelSMS || sms.FallbackFor != voogd.ID || sms.Status != alerts.StatusQueued || sms.Body != voogd.Body {
		t.Errorf("its SMS: %+v", sms)
	}

	if m := status(parent, "failed", 30003); m.Status != alerts.StatusFailed || m.Fallback != "" {
		t.Errorf("a failed SMS: %+v", m)
	}
	var call []school.Task
	for _, task := range ts.tasks() {
		if task.Kind == school.TaskUnreachable && task.Student == "amanuel" {
			call = append(call, task)
		}
	}
	if len(call) != 1 || !slices.Contains(call[0].Tried, "parent c-amanuel via sms: failed (30003)") {
		t.Errorf("the family no message reached: %+v", call)
	}

	// A callback for a message nabij has not recorded yet is kept, not refused.
	if err := ts.svc.DeliveryStatus(ts.ctx, "SMunknown", "delivered", 0); err != nil {
		t.Errorf("an early callback: %v", err)
	}
}

// Reach counts a period's alerts per language and channel: sent,
// delivered (read included), read, replied to and failed; a cancelled
// alert and the answers to replies are no alerts reaching families.
func TestReach(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("dawit"), absent("sara"))
	ts.now = ts.now.Add(ts.svc.Planner.Hold / 2)
	ts.post(ts.mentorA, "1A", "2026-03-02", absent("amanuel"), absent("dawit")) // sara's alert cancelled
	ts.sendAll("2026-03-02")
	ts.reply("+31612345001", "1") // thanks, queued: an answer, no alert
	status := func(m *alerts.Message, word string, code int) {
		t.Helper()
		if err := ts.svc.DeliveryStatus(ts.ctx, m.ProviderID, word, code); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range ts.messagesOn("2026-03-02") {
		switch m.Phone {
		case "+31612345001":
			if m.IsAlert() {
				status(m, "delivered", 0)
			}
		case "+31612345004":
			status(m, "failed", 30005)
		}
	}
	ts.at("2026-03-03", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-03", absent("amanuel"), absent("sara"))
	ts.sendAll("2026-03-03")
	for _, m := range ts.messagesTo("2026-03-03", "+31612345001") {
		status(m, "read", 0)
	}
	ts.at("2026-03-04", "09:00")
	ts.post(ts.mentorA, "1A", "2026-03-04", absent("amanuel")) // queued, not handed to the provider yet

	r, err := ts.reach("2026-03-02", "2026-03-04")
	if err != nil {
		t.Fatal(err)
	}
	want := []ReachRow{
		{Language: "ar", Channel: "sms", Sent: 1},
		{Language: "nl", Channel: "sms", Sent: 1, Failed: 1},
		{Language: "ti", Channel: "sms", Sent: 2, Delivered: 2, Read: 1, Replied: 1},
	}
	if r.From != ts.date("2026-03-02") || r.To != ts.date("2026-03-04") || !slices.Equal(r.Rows, want) {
		t.Errorf("reach:\n%+v\nwant\n%+v", r.Rows, want)
	}
	if r, err := ts.reach("2026-03-05", "2026-03-06"); err != nil || r.Rows == nil || len(r.Rows) != 0 {
		t.Errorf("a period without alerts: %+v %v", r, err)
	}
	var ve *school.ValidationError
	for _, p := range [][2]string{{"2026-03-04", "2026-03-02"}, {"2025-03-01", "2026-03-04"}} {
		if _, err := ts.reach(p[0], p[1]); !errors.As(err, &ve) {
			t.Errorf("the period %s..%s: %v", p[0], p[1], err)
		}
	}
}
