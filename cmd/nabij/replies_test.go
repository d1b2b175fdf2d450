package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

const familyRoster = `{
  "classes": [{"id": "1A", "name": "ISK 1A"}, {"id": "1B", "name": "ISK 1B"}, {"id": "2A", "name": "ISK 2A"}],
  "students": [
    {"id": "1001", "name": "Amanuel T.", "class": "1A", "birth_date": "2010-03-04",
     "contacts": [{"id": "c-1001", "role": "parent", "name": "Moeder", "phone": "+31612345101", "language": "ti", "channel": "sms"}]},
    {"id": "1002", "name": "Layla H.", "class": "1A", "birth_date": "2011-05-06",
     "contacts": [{"id": "c-hassan", "role": "parent", "name": "Moeder Hassan", "phone": "+31612345102", "language": "ar", "channel": "whatsapp"}]},
    {"id": "2001", "name": "Noor H.", "class": "1B", "birth_date": "2009-05-06",
     "contacts": [{"id": "c-hassan", "role": "parent", "name": "Moeder Hassan", "phone": "+31612345102", "language": "ar", "channel": "whatsapp"}]},
    {"id": "3001", "name": "Sara H.", "class": "2A", "birth_date": "2008-05-06",
     "contacts": [{"id": "c-hassan", "role": "parent", "name": "Moeder Hassan", "phone": "+31612345102", "language": "ar", "channel": "whatsapp"}]},
    {"id": "1003", "name": "Olena K.", "class": "1A", "birth_date": "2011-01-02",
     "contacts": [{"id": "c-1003", "role": "parent", "name": "Moeder", "phone": "+31612345103", "language": "uk", "channel": "sms"}]},
    {"id": "1004", "name": "Ahmad R.", "class": "1A", "birth_date": "2010-09-09", "contacts": []},
    {"id": "1005", "name": "Daniel M.", "class": "1A", "birth_date": "2011-12-01",
     "contacts": [{"id": "c-1005", "role": "parent", "name": "Vader", "phone": "+31612345105", "language": "nl", "channel": "whatsapp"}]}
  ]
}`

func catalog(t *testing.T) *translations.Catalog {
	t.Helper()
	c, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func renderKey(t *testing.T, lang, key, names string, count int) string {
	t.Helper()
	s, err := catalog(t).Render(lang, key, map[string]any{"School": "ISK Test", "Names": names}, count)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// to lists what the stand-in accepted for a number.
func (h *harness) to(number string) []string {
	var out []string
	for _, m := range h.twilio.Messages() {
		if strings.TrimPrefix(m.To, "whatsapp:") == number {
			out = append(out, m.Body)
		}
	}
	return out
}

func (h *harness) reply(from, body string) {
	h.t.Helper()
	// nabij reads a reply against the messages it has recorded as sent to
	// that number; one the stand-in accepted is recorded a moment later
	// (answers share commits), later still on a busy machine. A family
	// answers what reached them: the reply waits until no message to the
	// number is still sending.
	eventually(h.t, "the messages to "+from+" recorded", func() bool {
		sending := false
		err := h.srv.store.View(func(tx *store.Tx) error {
			msgs, err := tx.MessagesToPhone(strings.TrimPrefix(from, "whatsapp:"), 20)
			for _, m := range msgs {
				sending = sending || m.Status == "sending"
			}
			return err
		})
		if err != nil {
			h.t.Fatal(err)
		}
		return !sending
	})
	resp, err := h.twilio.SendInbound(h.url+"/webhooks/twilio/inbound", from, "+3197010000001", body)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		h.t.Fatalf("inbound webhook answered %d", resp.StatusCode)
	}
}

func (h *harness) entry(token, class, student string) (kind, reportedBy string) {
	h.t.Helper()
	var l struct {
		Absences []struct {
			Student    string `json:"student"`
			Kind       string `json:"kind"`
			ReportedBy string `json:"reported_by"`
		} `json:"absences"`
	}
	h.mustCall(200, "GET", "/api/v1/classes/"+class+"/absences/2026-11-30", token, nil, &l)
	for _, a := range l.Absences {
		if a.Student == student {
			return a.Kind, a.ReportedBy
		}
	}
	return "", ""
}

func TestRepliesInAnyLanguage(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "NABIJ_HOLD": "1s"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord,
		`{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"}, {"student": "1003", "kind": "absent"}, {"student": "1004", "kind": "absent"}]}`, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/2026-11-30", coord, `{"absences": [{"student": "2001", "kind": "absent"}]}`, nil)
	if _, ok := h.twilio.WaitForMessages(3, 10*time.Second); !ok {
		t.Fatalf("alerts did not go out: %d", len(h.twilio.Messages()))
	}
	// The sisters' mother got one message naming both.
	if got := h.to("+31612345102"); len(got) != 1 || !strings.Contains(got[0], "Layla H.") || !strings.Contains(got[0], "Noor H.") {
		t.Fatalf("the sisters' mother got %q", got)
	}

	// "1" from a mother of one absent child: sick, reported by her, and thanked in Tigrinya.
	h.reply("+31612345101", " 1 ")
	eventually(t, "Amanuel marked sick", func() bool { k, by := h.entry(coord, "1A", "1001"); return k == "sick" && by == "c-1001" })
	eventually(t, "thanks in Tigrinya", func() bool { return len(h.to("+31612345101")) == 2 })
	if got := h.to("+31612345101")[1]; got != renderKey(t, "ti", "reply_thanks_sick", "Amanuel T.", 1) {
		t.Errorf("thanks = %q", got)
	}

	// "١" (Arabic 1) from the mother of two absent children: never guessed, asked.
	h.reply("whatsapp:+31612345102", "١")
	eventually(t, "the question which child", func() bool { return len(h.to("+31612345102")) == 2 })
	question := h.to("+31612345102")[1]
	// Right to left: each option isolated (FSI … PDI), with a mark of its
	// direction inside (LRM) for a phone that skips the isolates, so that
	// the phone shows its number beside its own name, joined with the
	// Arabic comma.
	if !strings.Contains(question, "\u2068\u200e11 = Layla H.\u200e\u2069، \u2068\u200e12 = Noor H.\u200e\u2069") {
		t.Errorf("question = %q", question)
	}
	if k, _ := h.entry(coord, "1A", "1002"); k != "absent" {
		t.Errorf("Layla was marked %s before her mother said which child", k)
	}
	h.reply("whatsapp:+31612345102", "١٢") // 12 in Arabic-Indic digits
	eventually(t, "Noor marked sick", func() bool { k, by := h.entry(coord, "1B", "2001"); return k == "sick" && by == "c-hassan" })
	if k, _ := h.entry(coord, "1A", "1002"); k != "absent" {
		t.Errorf("Layla is %s, want still absent: her mother chose Noor", k)
	}

	// "2": a call-back task; free text: the inbox, with the pupil.
	h.reply("+31612345103", "2")
	h.reply("+31612345103", "Olena is bij de tandarts")
	eventually(t, "the call-back task", func() bool {
		var tasks []struct{ Kind, Student string }
		h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
		for _, task := range tasks {
			if task.Kind == "call_back" && task.Student == "1003" {
				return true
			}
		}
		return false
	})
	var inbox []struct {
		Kind     string   `json:"kind"`
		Body     string   `json:"body"`
		Students []string `json:"students"`
	}
	h.mustCall(200, "GET", "/api/v1/inbox?date=2026-11-30", coord, nil, &inbox)
	free := 0
	for _, in := range inbox {
		if in.Kind == "free_text" && in.Body == "Olena is bij de tandarts" && len(in.Students) == 1 && in.Students[0] == "1003" {
			free++
		}
	}
	if free != 1 || len(inbox) != 5 {
		t.Errorf("inbox = %+v, want 5 replies with Olena's note once", inbox)
	}
	var mentorInbox []any
	h.mustCall(200, "GET", "/api/v1/inbox", mentor, nil, &mentorInbox)
	if len(mentorInbox) != 4 {
		t.Errorf("the mentor of 1A sees %d replies, want the 4 about 1A pupils (not Noor's mother's choice)", len(mentorInbox))
	}

	// Ahmad has no contact: a task to call the family at once.
	var tasks []struct {
		Kind, Student string
		Tried         []string
	}
	h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
	unreachable := 0
	for _, task := range tasks {
		if task.Kind == "unreachable" && task.Student == "1004" && len(task.Tried) == 1 {
			unreachable++
		}
	}
	if unreachable != 1 {
		t.Errorf("tasks = %+v, want one to call Ahmad's family", tasks)
	}

	// The mentor's list says Amanuel is absent, not knowing why: his mother's report stands.
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor,
		`{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"}, {"student": "1003", "kind": "absent"}, {"student": "1004", "kind": "absent"}]}`, nil)
	if k, by := h.entry(coord, "1A", "1001"); k != "sick" || by != "c-1001" {
		t.Errorf("after the mentor's list Amanuel is %s (%s), want the family's sick report kept", k, by)
	}

	// The list read and sent back as it is keeps the report too.
	var asRead struct {
		Absences []map[string]any `json:"absences"`
	}
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", mentor, nil, &asRead)
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, asRead, nil)
	if k, by := h.entry(coord, "1A", "1001"); k != "sick" || by != "c-1001" {
		t.Errorf("after the list was sent back as read, Amanuel is %s (%s)", k, by)
	}

	// STOP: nothing more reaches that number, not even an apology; START: back.
	before := len(h.to("+31612345103"))
	h.reply("+31612345103", "Stop")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor,
		`{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"}, {"student": "1004", "kind": "absent"}]}`, nil)
	eventually(t, "the apology to Olena's mother refused for STOP", func() bool {
		var msgs []messageJSON
		h.mustCall(200, "GET", "/api/v1/messages?student=1003", coord, nil, &msgs)
		for _, m := range msgs {
			if m.Status == "failed" && m.ErrorCode != nil && *m.ErrorCode == 21610 {
				return true
			}
		}
		return false
	})
	if got := len(h.to("+31612345103")); got != before {
		t.Errorf("%d messages reached a number that sent STOP", got-before)
	}
	h.reply("+31612345103", "START")
	h.mustCall(200, "GET", "/api/v1/inbox", coord, nil, &inbox)
	if last := inbox[len(inbox)-1]; last.Kind != "opt_in" {
		t.Errorf("START read as %q", last.Kind)
	}
}

func TestWhatsAppTemplatesAndSMSFallback(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := dir + "/templates.toml"
	writeFile(t, file, "[alert_absent]\nnl = \"HX1111\"\n")
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "NABIJ_WHATSAPP_TEMPLATES": file,
		"NABIJ_TWILIO_MESSAGING_SERVICE_SID": "MG0001"})
	h.twilio.FailDeliveryTo("whatsapp:+31612345105", "failed", 63016)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord,
		`{"absences": [{"student": "1002", "kind": "absent"}, {"student": "1005", "kind": "absent"}]}`, nil)
	// Layla's mother (Arabic, no approved template): one SMS, no WhatsApp.
	// Daniel's father (Dutch, template): the template, 63016, then one SMS.
	got, ok := h.twilio.WaitForMessages(3, 10*time.Second)
	if !ok {
		t.Fatalf("the stand-in has %d messages, want 3", len(got))
	}
	h.settled(coord) // a wrong extra send would be queued, or a message not final
	got = h.twilio.Messages()
	count := map[string]int{}
	for _, m := range got {
		count[m.To]++
		if m.To == "whatsapp:+31612345105" {
			if m.ContentSID != "HX1111" || m.MessagingServiceSID != "MG0001" || m.Body != "" ||
				m.ContentVariables != `{"1":"ISK Test","2":"Daniel M."}` {
				t.Errorf("template message = %+v", m)
			}
		}
	}
	if len(got) != 3 || count["+31612345102"] != 1 || count["whatsapp:+31612345102"] != 0 ||
		count["whatsapp:+31612345105"] != 1 || count["+31612345105"] != 1 {
		t.Errorf("sent %v, want one SMS to Layla's mother, the template and one SMS to Daniel's father", count)
	}
}

func TestHoldSiblingsAndCorrections(t *testing.T) {
	t.Parallel()
	// 08:40: before the deadline (08:45), with a 2-second hold. The clock
	// is the test's: it moves past a hold when the test says so.
	clock := &testClock{now: monday}
	h := startHarnessWith(t, map[string]string{"NABIJ_HOLD": "2s"}, func(c *config) { c.now = clock.Now })
	pastTheHold := func() {
		clock.Set(clock.Now().Add(2500 * time.Millisecond))
		h.srv.dispatcher.Wake()
	}
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	// Olena is listed and corrected within the hold: nothing is sent.
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1002", "kind": "absent"}, {"student": "1003", "kind": "absent"}]}`, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1002", "kind": "absent"}]}`, nil)
	// The three sisters' classes post one after another: their mother waits for all three.
	pastTheHold() // Layla's alert waits for her sisters' lists
	var due []string
	if err := h.srv.store.View(func(tx *store.Tx) (err error) { due, err = tx.Due(clock.Now(), 10); return err }); err != nil {
		t.Fatal(err)
	}
	if n := len(h.twilio.Messages()); n != 0 || len(due) != 0 {
		t.Fatalf("%d messages went out (%d due) before the sisters' classes had posted", n, len(due))
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/2026-11-30", coord, `{"absences": [{"student": "2001", "kind": "absent"}]}`, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/2A/absences/2026-11-30", coord, `{"absences": [{"student": "3001", "kind": "absent"}]}`, nil)
	pastTheHold()
	_, ok := h.twilio.WaitForMessages(1, 10*time.Second)
	h.settled(coord) // a second message would be queued, or the first not final
	got := h.twilio.Messages()
	if !ok || len(got) != 1 {
		t.Fatalf("%d messages, want one to the mother", len(got))
	}
	want, _ := catalog(t).JoinNames("ar", []string{"Layla H.", "Noor H.", "Sara H."})
	if got[0].To != "whatsapp:+31612345102" || !strings.Contains(got[0].Body, want) {
		t.Errorf("message %q to %s, want one naming %q", got[0].Body, got[0].To, want)
	}
	if len(h.to("+31612345103")) != 0 {
		t.Error("Olena's mother got a message for an entry corrected inside the hold")
	}
}

func TestQuietHoursTurnALateAlertIntoATask(t *testing.T) {
	t.Parallel()
	// A school whose alerts run late (NABIJ_ALERT_UNTIL) still sends none at night.
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T21:30:00+01:00", "NABIJ_ALERT_UNTIL": "22:00"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1003", "kind": "absent"}]}`, nil)
	eventually(t, "the alert expired and a task made", func() bool {
		var tasks []struct {
			Kind, Student string
			Tried         []string
		}
		h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
		return len(tasks) == 1 && tasks[0].Kind == "unreachable" && tasks[0].Student == "1003" && strings.Contains(tasks[0].Tried[0], "expired")
	})
	if n := h.twilio.Requests(); n != 0 {
		t.Errorf("%d sends at 21:30; nothing reaches a family at night", n)
	}
}

// A Tigrinya father of two absent brothers answers the "which child?"
// question in Ge'ez numerals: ፲፩ is eleven (ten and one), and the right
// pupil is marked sick.
func TestGeezNumeralsChooseTheChild(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "NABIJ_HOLD": "1s"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, `{
  "classes": [{"id": "1A", "name": "ISK 1A"}, {"id": "1B", "name": "ISK 1B"}],
  "students": [
    {"id": "1001", "name": "Yonas G.", "class": "1A", "birth_date": "2010-03-04",
     "contacts": [{"id": "c-gebre", "role": "parent", "name": "Vader", "phone": "+31612345201", "language": "ti", "channel": "sms"}]},
    {"id": "2001", "name": "Dawit G.", "class": "1B", "birth_date": "2011-03-04",
     "contacts": [{"id": "c-gebre", "role": "parent", "name": "Vader", "phone": "+31612345201", "language": "ti", "channel": "sms"}]}
  ]}`, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/2026-11-30", coord, `{"absences": [{"student": "2001", "kind": "absent"}]}`, nil)
	eventually(t, "the alert", func() bool { return len(h.to("+31612345201")) == 1 })
	h.reply("+31612345201", "፩") // 1: sick — but which of the two?
	eventually(t, "the question which child", func() bool { return len(h.to("+31612345201")) == 2 })
	question := h.to("+31612345201")[1]
	// The options joined with the Ethiopic comma.
	if !strings.Contains(question, "11 = Yonas G.፣ 12 = Dawit G.") {
		t.Fatalf("question = %q", question)
	}
	h.reply("+31612345201", "፲፪") // twelve: Dawit
	eventually(t, "Dawit marked sick", func() bool { k, by := h.entry(coord, "1B", "2001"); return k == "sick" && by == "c-gebre" })
	if k, _ := h.entry(coord, "1A", "1001"); k != "absent" {
		t.Errorf("Yonas is %s, want still absent: his father chose Dawit", k)
	}
}

// Tigrinya speaks of a girl as she: the alert about one girl uses the
// feminine variant, a pupil without a gender the neutral wording, and each
// message's back-translation is the variant's own.
func TestAGirlIsShe(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "NABIJ_HOLD": "1s"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, `{
  "classes": [{"id": "1A", "name": "ISK 1A"}],
  "students": [
    {"id": "1001", "name": "Saba T.", "class": "1A", "birth_date": "2011-03-04", "gender": "f",
     "contacts": [{"id": "c-1", "role": "parent", "name": "Moeder", "phone": "+31612345301", "language": "ti", "channel": "sms"}]},
    {"id": "1002", "name": "Mehari K.", "class": "1A", "birth_date": "2011-03-04",
     "contacts": [{"id": "c-2", "role": "parent", "name": "Vader", "phone": "+31612345302", "language": "ti", "channel": "sms"}]}
  ]}`, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"}]}`, nil)
	eventually(t, "both alerts", func() bool { return len(h.to("+31612345301")) == 1 && len(h.to("+31612345302")) == 1 })
	c := catalog(t)
	hint, _ := c.Render("ti", "alert_reply_hint", nil, -1)
	want := func(gender, name string) string {
		s, err := c.RenderGender("ti", "alert_absent", gender, map[string]any{"School": "ISK Test", "Names": name}, 1)
		if err != nil {
			t.Fatal(err)
		}
		return s + " " + hint
	}
	if got := h.to("+31612345301")[0]; got != want("f", "Saba T.") || got == want("", "Saba T.") {
		t.Errorf("the alert about a girl = %q, want the feminine variant %q", got, want("f", "Saba T."))
	}
	if got := h.to("+31612345302")[0]; got != want("", "Mehari K.") {
		t.Errorf("the alert about a pupil of no given gender = %q, want the neutral %q", got, want("", "Mehari K."))
	}
	var msgs []struct {
		Student  string   `json:"student"`
		Students []string `json:"students"`
		Back     string   `json:"back_translation"`
	}
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
	for _, m := range msgs {
		if len(m.Students) == 1 && m.Students[0] == "1001" && !strings.Contains(m.Back, "feminine") {
			t.Errorf("the back-translation of the girl's alert = %q, not the feminine variant's", m.Back)
		}
	}
	if len(msgs) != 2 {
		t.Errorf("%d messages", len(msgs))
	}
	// A gender nabij does not know is refused, naming the field; nothing changes.
	var bad struct {
		Error struct {
			Details []struct{ Field, Message string }
		}
	}
	if code := h.call("PUT", "/api/v1/roster", adminToken, `{"classes": [{"id": "1A", "name": "ISK 1A"}],
  "students": [{"id": "1001", "name": "Saba T.", "class": "1A", "birth_date": "2011-03-04", "gender": "meisje"}]}`, &bad); code != 422 ||
		len(bad.Error.Details) != 1 || bad.Error.Details[0].Field != "students[0].gender" {
		t.Errorf("a roster with gender \"meisje\": HTTP %d %+v", code, bad)
	}
}

// entryOn is a pupil's entry on class's list of date, as the API reads it.
func (h *harness) entryOn(token, class, date, student string) (kind, reportedBy string) {
	h.t.Helper()
	var l struct {
		Absences []struct {
			Student    string `json:"student"`
			Kind       string `json:"kind"`
			ReportedBy string `json:"reported_by"`
		} `json:"absences"`
	}
	h.mustCall(200, "GET", "/api/v1/classes/"+class+"/absences/"+date, token, nil, &l)
	for _, a := range l.Absences {
		if a.Student == student {
			return a.Kind, a.ReportedBy
		}
	}
	return "", ""
}

// reached waits until every message of date on the API is sent or further
// (a reply is read against the messages the family has had), and returns
// how many there are.
func (h *harness) reached(token, date string) int {
	h.t.Helper()
	var n int
	eventually(h.t, "the day's messages reached", func() bool {
		var msgs []messageJSON
		h.mustCall(200, "GET", "/api/v1/messages?date="+date, token, nil, &msgs)
		n = len(msgs)
		for _, m := range msgs {
			if m.Status != "sent" && m.Status != "delivered" && m.Status != "read" {
				return false
			}
		}
		return n > 0
	})
	return n
}

// messagesAbout lists the messages of date about student.
func (h *harness) messagesAbout(token, date, student string) []messageJSON {
	h.t.Helper()
	var msgs, out []messageJSON
	h.mustCall(200, "GET", "/api/v1/messages?date="+date, token, nil, &msgs)
	for _, m := range msgs {
		if slices.Contains(m.Students, student) {
			out = append(out, m)
		}
	}
	return out
}

// Wednesday's alert reached Olena's mother; on Thursday at 07:30, before any
// list, she texts "1". The reply belongs to Thursday, not to Wednesday's
// alert: Wednesday stays unexcused, Thursday is a sick report by her, she is
// told so in Ukrainian, and Thursday's list saying "absent" at 07:32 keeps
// her report and sends her no "we miss Olena today". On Saturday a "1" goes
// to the inbox.
func TestThursdayMorningOneIsAboutThursday(t *testing.T) {
	t.Parallel()
	loc := mustLoc("Europe/Amsterdam")
	clock := &testClock{now: time.Date(2026, 12, 2, 8, 50, 0, 0, loc)} // Wednesday
	h := startHarnessWith(t, nil, func(c *config) { c.now = clock.Now })
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	const olena, mother = "1003", "+31612345103"

	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-12-02", mentor, `{"absences": [{"student": "1003", "kind": "absent"}]}`, nil)
	eventually(t, "Wednesday's alert", func() bool { return len(h.to(mother)) == 1 })
	h.reached(coord, "2026-12-02")

	clock.Set(time.Date(2026, 12, 3, 7, 30, 0, 0, loc)) // Thursday, before any list
	h.reply(mother, "1")
	eventually(t, "the confirmation in Ukrainian", func() bool { return len(h.to(mother)) == 2 })
	if got := h.to(mother)[1]; got != renderKey(t, "uk", "reply_thanks_sick", "Olena K.", 1) {
		t.Errorf("confirmation = %q", got)
	}
	if k, by := h.entryOn(coord, "1A", "2026-12-02", olena); k != "absent" || by != "" {
		t.Errorf("Wednesday is %s (reported by %q): Thursday's reply rewrote yesterday", k, by)
	}
	if k, by := h.entryOn(coord, "1A", "2026-12-03", olena); k != "sick" || by != "c-1003" {
		t.Errorf("Thursday before the list reads %q (%q), want sick reported by c-1003", k, by)
	}
	// The report is no list: the class has still to post.
	var digest struct {
		ClassesMissing []string `json:"classes_missing"`
	}
	h.mustCall(200, "GET", "/api/v1/digest?date=2026-12-03", coord, nil, &digest)
	if !slices.Contains(digest.ClassesMissing, "1A") {
		t.Errorf("after a family's report the digest says class 1A posted: %+v", digest)
	}
	// The mentor's roll call and the coordinator's board show it.
	for _, who := range []struct{ name, page, want string }{
		{"A. de Vries", "/?class=1A", `value="sick" checked`},
		{"C. Jansen", "/board", "ziek gemeld door familie"},
	} {
		s := newStaff(h)
		if code := s.signIn(h.signInLink(h.userID(who.name))); code != 303 {
			t.Fatalf("sign-in: %d", code)
		}
		_, body := s.get(who.page)
		i := strings.Index(body, `id="pupil-1003"`)
		if who.page == "/board" {
			i = strings.Index(body, `id="absent-1003"`)
		}
		if i < 0 || !strings.Contains(body[i:], who.want) {
			t.Errorf("%s does not show Olena's sick report (%s)", who.page, who.want)
		}
	}

	clock.Set(time.Date(2026, 12, 3, 7, 32, 0, 0, loc))
	var res struct {
		Alerts []struct{ Student string } `json:"alerts"`
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-12-03", mentor, `{"absences": [{"student": "1003", "kind": "absent"}]}`, &res)
	if len(res.Alerts) != 0 {
		t.Errorf("Thursday's list led to alerts %+v, want none: Olena's mother reported her sick", res.Alerts)
	}
	if k, by := h.entryOn(coord, "1A", "2026-12-03", olena); k != "sick" || by != "c-1003" {
		t.Errorf("after the mentor's list Thursday reads %q (%q), want the family's sick report kept", k, by)
	}
	for _, m := range h.messagesAbout(coord, "2026-12-03", olena) {
		if m.Status != "cancelled" && strings.HasPrefix(m.Body, renderKey(t, "uk", "alert_absent", "Olena K.", 1)) {
			t.Errorf("an alert about Olena on Thursday: %+v", m)
		}
	}

	// Saturday is no school day: a "1" is for the coordinator to read.
	clock.Set(time.Date(2026, 12, 5, 10, 0, 0, 0, loc))
	h.reply(mother, "1")
	var inbox []struct {
		Kind string `json:"kind"`
		Body string `json:"body"`
	}
	eventually(t, "the Saturday reply in the inbox", func() bool {
		h.mustCall(200, "GET", "/api/v1/inbox?date=2026-12-05", coord, nil, &inbox)
		return len(inbox) == 1
	})
	if inbox[0].Kind != "unmatched" {
		t.Errorf("Saturday's 1 read as %q, want unmatched (the inbox)", inbox[0].Kind)
	}
	if n := len(h.to(mother)); n != 2 {
		t.Errorf("Olena's mother got %d messages, want 2 (Wednesday's alert, Thursday's confirmation)", n)
	}
}

// The same Thursday morning for a mother of two: "1" before any list asks
// which child, in Arabic, and her answer makes that child's Thursday a sick
// report; the other child's list still sends its alert.
func TestThursdayMorningOneWithTwoChildren(t *testing.T) {
	t.Parallel()
	loc := mustLoc("Europe/Amsterdam")
	clock := &testClock{now: time.Date(2026, 12, 2, 8, 50, 0, 0, loc)}
	h := startHarnessWith(t, nil, func(c *config) { c.now = clock.Now })
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, `{
  "classes": [{"id": "1A", "name": "ISK 1A"}, {"id": "1B", "name": "ISK 1B"}],
  "students": [
    {"id": "1002", "name": "Layla H.", "class": "1A", "birth_date": "2011-05-06",
     "contacts": [{"id": "c-hassan", "role": "parent", "name": "Moeder Hassan", "phone": "+31612345102", "language": "ar", "channel": "whatsapp"}]},
    {"id": "2001", "name": "Noor H.", "class": "1B", "birth_date": "2009-05-06",
     "contacts": [{"id": "c-hassan", "role": "parent", "name": "Moeder Hassan", "phone": "+31612345102", "language": "ar", "channel": "whatsapp"}]}
  ]}`, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	const mother = "+31612345102"

	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-12-02", coord, `{"absences": [{"student": "1002", "kind": "absent"}]}`, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/2026-12-02", coord, `{"absences": [{"student": "2001", "kind": "absent"}]}`, nil)
	// One message or two (each list its own, the hold being 0): Wednesday's.
	wed := h.reached(coord, "2026-12-02")

	clock.Set(time.Date(2026, 12, 3, 7, 30, 0, 0, loc))
	h.reply("whatsapp:"+mother, "1")
	eventually(t, "the question which child", func() bool { return len(h.to(mother)) == wed+1 })
	if q := h.to(mother)[wed]; !strings.Contains(q, "\u2068\u200e11 = Layla H.\u200e\u2069، \u2068\u200e12 = Noor H.\u200e\u2069") {
		t.Errorf("question = %q", q)
	}
	for _, d := range []struct{ class, date, id string }{{"1A", "2026-12-02", "1002"}, {"1B", "2026-12-02", "2001"}, {"1A", "2026-12-03", "1002"}, {"1B", "2026-12-03", "2001"}} {
		want := "absent"
		if d.date == "2026-12-03" {
			want = ""
		}
		if k, _ := h.entryOn(coord, d.class, d.date, d.id); k != want {
			t.Errorf("before she answered, %s on %s is %q, want %q", d.id, d.date, k, want)
		}
	}
	h.reached(coord, "2026-12-03")
	h.reply("whatsapp:"+mother, "١٢") // 12: Noor
	eventually(t, "Noor's Thursday a sick report", func() bool {
		k, by := h.entryOn(coord, "1B", "2026-12-03", "2001")
		return k == "sick" && by == "c-hassan"
	})
	eventually(t, "the confirmation", func() bool { return len(h.to(mother)) == wed+2 })
	if got := h.to(mother)[wed+1]; got != renderKey(t, "ar", "reply_thanks_sick", "Noor H.", 1) {
		t.Errorf("confirmation = %q", got)
	}
	if k, _ := h.entryOn(coord, "1B", "2026-12-02", "2001"); k != "absent" {
		t.Errorf("Noor's Wednesday is %q, want still absent", k)
	}
	if k, _ := h.entryOn(coord, "1A", "2026-12-03", "1002"); k != "" {
		t.Errorf("Layla's Thursday is %q: her mother chose Noor", k)
	}

	// Thursday's lists: Noor's says absent and stays sick, with no alert;
	// Layla's alert goes out.
	clock.Set(time.Date(2026, 12, 3, 8, 50, 0, 0, loc))
	h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/2026-12-03", coord, `{"absences": [{"student": "2001", "kind": "absent"}]}`, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-12-03", coord, `{"absences": [{"student": "1002", "kind": "absent"}]}`, nil)
	if k, by := h.entryOn(coord, "1B", "2026-12-03", "2001"); k != "sick" || by != "c-hassan" {
		t.Errorf("after 1B's list Noor's Thursday reads %q (%q)", k, by)
	}
	eventually(t, "Layla's alert", func() bool { return len(h.to(mother)) == wed+3 })
	if got := h.to(mother)[wed+2]; !strings.Contains(got, "Layla H.") || strings.Contains(got, "Noor H.") {
		t.Errorf("Thursday's alert = %q, want one naming Layla only", got)
	}
}

// A "1" while the morning's alert is still in its hold: the alert is taken
// back, the pupil's day is a sick report by the family, and the family
// gets only the confirmation.
func TestOneDuringTheHoldTakesTheAlertBack(t *testing.T) {
	t.Parallel()
	loc := mustLoc("Europe/Amsterdam")
	clock := &testClock{now: time.Date(2026, 12, 3, 8, 30, 0, 0, loc)}
	h := startHarnessWith(t, map[string]string{"NABIJ_HOLD": "2m"}, func(c *config) { c.now = clock.Now })
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	const mother = "+31612345103"
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-12-03", coord, `{"absences": [{"student": "1003", "kind": "absent"}]}`, nil)
	clock.Set(time.Date(2026, 12, 3, 8, 31, 0, 0, loc))
	h.reply(mother, "1")
	eventually(t, "the confirmation", func() bool { return len(h.to(mother)) == 1 })
	if got := h.to(mother)[0]; got != renderKey(t, "uk", "reply_thanks_sick", "Olena K.", 1) {
		t.Errorf("the only message to Olena's mother = %q, want the confirmation", got)
	}
	if k, by := h.entryOn(coord, "1A", "2026-12-03", "1003"); k != "sick" || by != "c-1003" {
		t.Errorf("Olena is %q (%q), want sick reported by c-1003", k, by)
	}
	for _, m := range h.messagesAbout(coord, "2026-12-03", "1003") {
		if strings.HasPrefix(m.Body, renderKey(t, "uk", "alert_absent", "Olena K.", 1)) && m.Status != "cancelled" {
			t.Errorf("the alert in its hold was not taken back: %+v", m)
		}
	}
}
