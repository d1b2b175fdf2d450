package alerts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

var (
	day = school.Date{Year: 2026, Month: 11, Day: 30}
	t0  = time.Date(2026, 11, 30, 8, 40, 0, 0, time.UTC)
)

type fixture struct {
	t       *testing.T
	store   *store.Store
	planner *alerts.Planner
}

func contact(id, phone, lang string, ch school.Channel) school.Contact {
	return school.Contact{ID: id, Role: school.RoleParent, Name: "x", Phone: phone, Language: lang, Channel: ch}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mother := contact("mother", "+31612345001", "ar", school.ChannelWhatsApp)
	roster := &school.Roster{
		Classes:      []school.Class{{ID: "1A"}, {ID: "2A"}},
		HousingUnits: []school.HousingUnit{{ID: "kwe", Name: "KWE", Contacts: []school.Contact{{ID: "kwe-dienst", Role: school.RoleWoonbegeleider, Name: "d", Phone: "+31612345009", Language: "nl", Channel: school.ChannelSMS}}}},
		Students: []school.Student{
			{ID: "1", Name: "Layla", Class: "1A", Contacts: []school.Contact{mother}},
			{ID: "2", Name: "Noor", Class: "2A", Contacts: []school.Contact{mother}},
			{ID: "3", Name: "Amanuel", Class: "1A", HousingUnit: "kwe", Contacts: []school.Contact{contact("voogd", "+31612345002", "xx", school.ChannelSMS)}},
			{ID: "4", Name: "Yonas", Class: "2A", HousingUnit: "kwe", Contacts: []school.Contact{contact("voogd-4", "+31612345003", "en", school.ChannelSMS)}},
		},
	}
	if err := st.Update(func(tx *store.Tx) error { return tx.ReplaceRoster(roster) }); err != nil {
		t.Fatal(err)
	}
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, store: st, planner: &alerts.Planner{Renderer: &alerts.Renderer{Catalog: cat, School: "ISK Test"}, Hold: 2 * time.Minute}}
}

// absent plans today's alerts for the students listed absent in class's
// scope, as RecordList does.
func (f *fixture) absent(now time.Time, scope []string, absent ...string) map[alerts.Want]*alerts.Message {
	f.t.Helper()
	var out map[alerts.Want]*alerts.Message
	err := f.store.Update(func(tx *store.Tx) error {
		list := &school.AbsenceList{Date: day}
		students := map[string]school.Student{}
		units := map[string]school.HousingUnit{}
		for _, id := range absent {
			list.Absences = append(list.Absences, school.Absence{Student: id, Kind: school.Absent})
			s, _, _ := tx.Student(id)
			students[id] = s
			if u, ok, _ := tx.HousingUnit(s.HousingUnit); ok {
				units[u.ID] = u
			}
		}
		wants := alerts.Recipients(protocol.Default().SameMorningAlerts(list), students, units)
		var err error
		out, err = f.planner.Apply(tx, day, scope, wants, now)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) messages() []*alerts.Message {
	f.t.Helper()
	var out []*alerts.Message
	if err := f.store.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.MessagesOn(day)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func live(msgs []*alerts.Message) []*alerts.Message {
	var out []*alerts.Message
	for _, m := range msgs {
		if m.Live() {
			out = append(out, m)
		}
	}
	return out
}

func TestAlertGoesToEveryContactAndHousingUnit(t *testing.T) {
	f := newFixture(t)
	f.absent(t0, []string{"3"}, "3")
	msgs := f.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2 (voogd and the KWE phone)", len(msgs))
	}
	for _, m := range msgs {
		if m.Status != alerts.StatusQueued || !m.DueAt.Equal(t0.Add(2*time.Minute)) {
			t.Errorf("message %s: status %s due %v, want queued until the end of the hold", m.ID, m.Status, m.DueAt)
		}
	}
	// The voogd's language "xx" has no messages: Dutch, and flagged.
	voogd := msgs[0]
	if voogd.Contact != "voogd" {
		voogd = msgs[1]
	}
	if voogd.Language != "nl" || !voogd.LanguageFallback {
		t.Errorf("voogd message language %s fallback %v, want nl with the fallback flag", voogd.Language, voogd.LanguageFallback)
	}
}

func TestSameWantsTwiceMakeNothingNew(t *testing.T) {
	f := newFixture(t)
	first := f.absent(t0, []string{"3"}, "3")
	second := f.absent(t0.Add(time.Minute), []string{"3"}, "3")
	if n := len(f.messages()); n != 2 {
		t.Fatalf("%d messages after the same list twice, want 2", n)
	}
	for w, m := range first {
		if second[w].ID != m.ID {
			t.Errorf("want %+v: message %s the first time, %s the second", w, m.ID, second[w].ID)
		}
	}
}

func TestSiblingsShareOneMessage(t *testing.T) {
	f := newFixture(t)
	f.absent(t0, []string{"1"}, "1")                  // class 1A posts
	f.absent(t0.Add(time.Minute), []string{"2"}, "2") // class 2A posts within the hold
	msgs := live(f.messages())
	if len(msgs) != 1 {
		t.Fatalf("%d live messages to the mother, want 1", len(msgs))
	}
	m := msgs[0]
	if len(m.Students) != 2 || m.Language != "ar" {
		t.Fatalf("message students %v language %s, want both sisters in Arabic", m.Students, m.Language)
	}
	for _, name := range []string{"Layla", "Noor"} {
		if !strings.Contains(m.Body, name) {
			t.Errorf("body %q does not name %s", m.Body, name)
		}
	}
}

func TestAfterTheHoldASiblingGetsANewMessage(t *testing.T) {
	f := newFixture(t)
	f.absent(t0, []string{"1"}, "1")
	f.absent(t0.Add(3*time.Minute), []string{"2"}, "2")
	if n := len(live(f.messages())); n != 2 {
		t.Fatalf("%d live messages, want 2: the first one's hold had ended", n)
	}
}

func TestCorrectionInsideTheHoldCancels(t *testing.T) {
	f := newFixture(t)
	f.absent(t0, []string{"1"}, "1")
	f.absent(t0.Add(time.Minute), []string{"2"}, "2")
	// 1A corrects: Layla is there after all. Noor's part stays.
	f.absent(t0.Add(90*time.Second), []string{"1"})
	msgs := live(f.messages())
	if len(msgs) != 1 || len(msgs[0].Students) != 1 || msgs[0].Students[0] != "2" {
		t.Fatalf("after the correction: %+v, want one message about Noor only", msgs)
	}
	if strings.Contains(msgs[0].Body, "Layla") {
		t.Errorf("body still names Layla: %q", msgs[0].Body)
	}
	// 2A corrects too: nothing left, the message is cancelled.
	f.absent(t0.Add(100*time.Second), []string{"2"})
	if n := len(live(f.messages())); n != 0 {
		t.Fatalf("%d live messages after both corrections, want 0", n)
	}
}

func TestCorrectionAfterSendingApologisesOnceAndNeverResends(t *testing.T) {
	f := newFixture(t)
	f.absent(t0, []string{"3"}, "3")
	// The dispatcher sent them.
	err := f.store.Update(func(tx *store.Tx) error {
		msgs, _ := tx.MessagesOn(day)
		for _, m := range msgs {
			m.Status, m.Attempts = alerts.StatusSent, 1
			if err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.absent(t0.Add(10*time.Minute), []string{"3"})      // corrected away: Amanuel is at school
	f.absent(t0.Add(20*time.Minute), []string{"3"}, "3") // absent after all
	f.absent(t0.Add(30*time.Minute), []string{"3"})      // and at school again
	var alertsSent, apologies int
	for _, m := range f.messages() {
		switch m.Template {
		case alerts.TemplateAbsent:
			alertsSent++
			if m.Status != alerts.StatusSent {
				t.Errorf("alert %s is %s, want it left sent", m.ID, m.Status)
			}
		case alerts.TemplateApology:
			apologies++
			if !strings.Contains(m.Body, "Amanuel") {
				t.Errorf("apology %q does not name the pupil", m.Body)
			}
		}
	}
	if alertsSent != 2 || apologies != 2 {
		t.Fatalf("%d alerts and %d apologies, want the 2 sent alerts and one apology to each contact", alertsSent, apologies)
	}
}

// absentUntil is absent with the day's alerts ending at until.
func (f *fixture) absentUntil(now, until time.Time, scope []string, absent ...string) map[alerts.Want]*alerts.Message {
	f.t.Helper()
	var out map[alerts.Want]*alerts.Message
	err := f.store.Update(func(tx *store.Tx) error {
		list := &school.AbsenceList{Date: day}
		students := map[string]school.Student{}
		for _, id := range absent {
			list.Absences = append(list.Absences, school.Absence{Student: id, Kind: school.Absent})
			s, _, _ := tx.Student(id)
			students[id] = s
		}
		wants := alerts.Recipients(protocol.Default().SameMorningAlerts(list), students, nil)
		var err error
		out, err = f.planner.ApplyUntil(tx, day, scope, wants, now, until)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// Same-morning alerts end at NABIJ_ALERT_UNTIL: an alert made before it
// expires at the latest at that hour plus the hold, however long its
// validity; a list after it makes no new alert, keeps the morning's, and a
// pupil taken off it is still apologised for.
func TestAlertsEndAtTheirHour(t *testing.T) {
	f := newFixture(t)
	f.planner.Validity = 4 * time.Hour
	noon := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.absentUntil(time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC), noon, []string{"1"}, "1")
	msgs := f.messages()
	if len(msgs) != 1 || !msgs[0].ExpiresAt.Equal(noon.Add(f.planner.Hold)) {
		t.Fatalf("an 11:00 alert: %d messages, expiring %v; want one expiring at 12:02 (until and the hold), not 15:00", len(msgs), msgs[0].ExpiresAt)
	}
	// The alert went out; at 16:00 the list adds Amanuel and takes Layla off.
	if err := f.store.Update(func(tx *store.Tx) error {
		msgs[0].Status = alerts.StatusDelivered
		return tx.PutMessage(msgs[0])
	}); err != nil {
		t.Fatal(err)
	}
	late := time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)
	if out := f.absentUntil(late, noon, []string{"1", "3"}, "3"); len(out) != 0 {
		t.Errorf("a 16:00 list planned %d alerts, want none", len(out))
	}
	var apologies, alertsAbout3 int
	for _, m := range f.messages() {
		switch {
		case m.Template == alerts.TemplateApology && m.Concerns("1"):
			apologies++
		case m.IsAlert() && m.Concerns("3"):
			alertsAbout3++
		}
	}
	if apologies != 1 || alertsAbout3 != 0 {
		t.Errorf("after the 16:00 list: %d apologies for Layla (want 1), %d alerts about Amanuel (want 0)", apologies, alertsAbout3)
	}
}

// Withhold takes a pupil a family reported sick out of the alert still in
// its hold (a sibling stays in it) and leaves an alert that went alone.
func TestWithholdTakesBackOnlyWhatIsHeld(t *testing.T) {
	f := newFixture(t)
	f.absent(t0, []string{"1", "2"}, "1", "2") // the sisters' mother: one message
	if err := f.store.Update(func(tx *store.Tx) error { return f.planner.Withhold(tx, day, "1", t0.Add(time.Minute)) }); err != nil {
		t.Fatal(err)
	}
	msgs := live(f.messages())
	if len(msgs) != 1 || len(msgs[0].Students) != 1 || msgs[0].Students[0] != "2" || strings.Contains(msgs[0].Body, "Layla") {
		t.Fatalf("after withholding Layla: %+v, want the held message about Noor alone", msgs)
	}
	msgs[0].Status = alerts.StatusSent
	if err := f.store.Update(func(tx *store.Tx) error {
		if err := tx.PutMessage(msgs[0]); err != nil {
			return err
		}
		return f.planner.Withhold(tx, day, "2", t0.Add(2*time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	if msgs := live(f.messages()); len(msgs) != 1 || msgs[0].Status != alerts.StatusSent || len(msgs[0].Students) != 1 {
		t.Errorf("withholding a pupil of a sent alert changed it: %+v", msgs)
	}
}

// list plans today's alerts for a list of scope with kinds, as RecordList
// does.
func (f *fixture) list(now time.Time, scope []string, kinds map[string]school.AbsenceKind) map[alerts.Want]*alerts.Message {
	f.t.Helper()
	var out map[alerts.Want]*alerts.Message
	err := f.store.Update(func(tx *store.Tx) error {
		list := &school.AbsenceList{Date: day}
		students := map[string]school.Student{}
		units := map[string]school.HousingUnit{}
		for _, id := range scope {
			kind, ok := kinds[id]
			if !ok {
				continue
			}
			a := school.Absence{Student: id, Kind: kind}
			if kind == school.Late {
				a.Minutes = 20
			}
			list.Absences = append(list.Absences, a)
			s, _, _ := tx.Student(id)
			students[id] = s
			if u, ok, _ := tx.HousingUnit(s.HousingUnit); ok {
				units[u.ID] = u
			}
		}
		wants := alerts.Recipients(protocol.Default().SameMorningAlerts(list), students, units)
		var err error
		out, err = f.planner.Apply(tx, day, scope, wants, now)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

const kwePhone = "+31612345009"

// toPhone is the live messages to phone.
func (f *fixture) toPhone(phone string) []*alerts.Message {
	var out []*alerts.Message
	for _, m := range live(f.messages()) {
		if m.Phone == phone {
			out = append(out, m)
		}
	}
	return out
}

// oneMorningMessage checks that phone has one live message, naming
// Amanuel absent and Yonas late, and returns it.
func (f *fixture) oneMorningMessage(phone string) *alerts.Message {
	f.t.Helper()
	msgs := f.toPhone(phone)
	if len(msgs) != 1 {
		for _, m := range msgs {
			f.t.Logf("message %s %s %v: %s", m.ID, m.Template, m.Students, m.Body)
		}
		f.t.Fatalf("%d live messages to the housing unit's phone, want 1", len(msgs))
	}
	m := msgs[0]
	want := "Goedemorgen vanuit ISK Test. We missen Amanuel vandaag op school. We hopen dat alles goed is. Yonas was vandaag te laat op school. Even ter informatie."
	if m.Body != want || m.Template != alerts.TemplateAbsent || strings.Join(m.Late, ",") != "4" {
		f.t.Errorf("message %s %v late %v:\n%s\nwant\n%s", m.Template, m.Students, m.Late, m.Body, want)
	}
	if wantBack := "Good morning from ISK Test. We miss Amanuel at school today. We hope everything is fine. Yonas were late for school today. Just for your information."; m.Back != wantBack {
		f.t.Errorf("back-translation\n%s\nwant\n%s", m.Back, wantBack)
	}
	return m
}

func TestAbsentAndLateOfOneHousingUnitMakeOneMessage(t *testing.T) {
	f := newFixture(t)
	kinds := map[string]school.AbsenceKind{"3": school.Absent, "4": school.Late}
	out := f.list(t0, []string{"3", "4"}, kinds)
	m := f.oneMorningMessage(kwePhone)
	for w, got := range out {
		if w.Contact.Phone == kwePhone && got.ID != m.ID {
			t.Errorf("want %s %s: message %s, want the one message %s", w.Student, w.Template, got.ID, m.ID)
		}
	}
	// The voogd hears of the absence; of the late arrival only the unit.
	if n := len(f.toPhone("+31612345002")); n != 1 {
		t.Errorf("%d messages to Amanuel's voogd, want 1", n)
	}
	if n := len(f.toPhone("+31612345003")); n != 0 {
		t.Errorf("%d messages to Yonas's voogd, want none (late: the housing unit only)", n)
	}
	// The same list again makes nothing new.
	f.list(t0.Add(time.Minute), []string{"3", "4"}, kinds)
	f.oneMorningMessage(kwePhone)
}

func TestALateArrivalJoinsTheHousingUnitsMessageInItsHold(t *testing.T) {
	f := newFixture(t)
	f.list(t0, []string{"4"}, map[string]school.AbsenceKind{"4": school.Late}) // 2A posts first
	f.list(t0.Add(time.Minute), []string{"3"}, map[string]school.AbsenceKind{"3": school.Absent})
	f.oneMorningMessage(kwePhone)
}

func TestALateArrivalAfterTheMorningMessageMakesNoSecond(t *testing.T) {
	f := newFixture(t)
	f.list(t0, []string{"3"}, map[string]school.AbsenceKind{"3": school.Absent})
	out := f.list(t0.Add(5*time.Minute), []string{"4"}, map[string]school.AbsenceKind{"4": school.Late})
	if msgs := f.toPhone(kwePhone); len(msgs) != 1 || msgs[0].Concerns("4") {
		t.Fatalf("%d messages to the housing unit's phone, want only the morning's first (late is just so you know)", len(msgs))
	}
	if len(out) != 0 {
		t.Errorf("the late arrival has messages %v, want none", out)
	}
	// An absent pupil is always told, in a message of its own.
	f.list(t0.Add(6*time.Minute), []string{"4"}, map[string]school.AbsenceKind{"4": school.Absent})
	if n := len(f.toPhone(kwePhone)); n != 2 {
		t.Errorf("%d messages to the housing unit's phone, want 2: an absence after the first message is told", n)
	}
}

func TestCorrectionInsideTheHoldRewritesTheMorningMessage(t *testing.T) {
	f := newFixture(t)
	f.list(t0, []string{"3", "4"}, map[string]school.AbsenceKind{"3": school.Absent, "4": school.Late})
	// Amanuel was there after all: the message speaks of Yonas only.
	f.list(t0.Add(time.Minute), []string{"3", "4"}, map[string]school.AbsenceKind{"4": school.Late})
	msgs := f.toPhone(kwePhone)
	if len(msgs) != 1 || msgs[0].Template != alerts.TemplateLate || len(msgs[0].Late) != 0 ||
		msgs[0].Body != "Goedemorgen vanuit ISK Test. Yonas was vandaag te laat op school. Even ter informatie." {
		t.Fatalf("after the correction: %d messages, first %+v", len(msgs), msgs)
	}
	// And then Amanuel is absent again, Yonas present: one message about Amanuel.
	f.list(t0.Add(90*time.Second), []string{"3", "4"}, map[string]school.AbsenceKind{"3": school.Absent})
	msgs = f.toPhone(kwePhone)
	if len(msgs) != 1 || msgs[0].Template != alerts.TemplateAbsent || len(msgs[0].Late) != 0 || strings.Contains(msgs[0].Body, "Yonas") {
		t.Fatalf("after the second correction: %d messages, first %+v", len(msgs), msgs[0])
	}
}

func TestCorrectionAfterSendingApologisesOnlyForTheAbsentPupil(t *testing.T) {
	f := newFixture(t)
	f.list(t0, []string{"3", "4"}, map[string]school.AbsenceKind{"3": school.Absent, "4": school.Late})
	m := f.oneMorningMessage(kwePhone)
	m.Status = alerts.StatusDelivered
	if err := f.store.UpdateAlerts(func(tx alerts.Tx) error { return tx.PutMessage(m) }); err != nil {
		t.Fatal(err)
	}
	// Yonas was on time: being late was just so you know, no apology.
	f.list(t0.Add(5*time.Minute), []string{"3", "4"}, map[string]school.AbsenceKind{"3": school.Absent})
	if n := len(f.toPhone(kwePhone)); n != 1 {
		t.Fatalf("%d messages to the housing unit's phone, want no apology for a late arrival", n)
	}
	// Amanuel was only late: an apology for him, and no second message about his late arrival.
	f.list(t0.Add(6*time.Minute), []string{"3", "4"}, map[string]school.AbsenceKind{"3": school.Late})
	msgs := f.toPhone(kwePhone)
	if len(msgs) != 2 || msgs[1].Template != alerts.TemplateApology || !strings.Contains(msgs[1].Body, "Amanuel") {
		t.Fatalf("%d messages to the housing unit's phone, want the morning's and one apology for Amanuel", len(msgs))
	}
}

// TestMorningMessageInEveryLanguage writes the one message about an absent
// and a late pupil in every language nabij has: the absent message, then
// the late one without the greeting they share, never costing more SMS
// parts than the two messages it replaces.
func TestMorningMessageInEveryLanguage(t *testing.T) {
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	r := &alerts.Renderer{Catalog: cat, School: "ISK De Brug", ReplyHint: true}
	names := []string{"Amanuel T.", "Yonas G."}
	for _, l := range cat.Languages() {
		combined := &alerts.Message{Language: l.Tag, Template: alerts.TemplateAbsent, Students: []string{"1001", "1002"}, Late: []string{"1002"}}
		absent := &alerts.Message{Language: l.Tag, Template: alerts.TemplateAbsent, Students: []string{"1001"}}
		late := &alerts.Message{Language: l.Tag, Template: alerts.TemplateLate, Students: []string{"1002"}}
		for _, m := range []*alerts.Message{combined, absent, late} {
			n := names[:1]
			if m == combined {
				n = names
			} else if m == late {
				n = names[1:]
			}
			if err := r.Render(m, n); err != nil {
				t.Fatalf("%s: %v", l.Tag, err)
			}
		}
		_, segs := translations.Segments(combined.Body)
		_, a := translations.Segments(absent.Body)
		_, b := translations.Segments(late.Body)
		if segs > a+b {
			t.Errorf("%s: the one message costs %d SMS parts, the two it replaces %d", l.Tag, segs, a+b)
		}
		lateWords := []rune(late.Body)
		if tail := string(lateWords[len(lateWords)-12:]); !strings.Contains(combined.Body, tail) {
			t.Errorf("%s: %q lacks the late message's %q", l.Tag, combined.Body, tail)
		}
		shared := len(combined.Body) < len(absent.Body)+1+len(late.Body)
		if !shared {
			t.Errorf("%s: the late sentences follow with their greeting: %q", l.Tag, combined.Body)
		}
		for _, name := range names {
			if !strings.Contains(combined.Body, name) || !strings.Contains(combined.Back, name) {
				t.Errorf("%s: %q (back %q) does not name %s", l.Tag, combined.Body, combined.Back, name)
			}
		}
		t.Logf("%-5s %d SMS (two messages: %d + %d): %s", l.Tag, segs, a, b, combined.Back)
	}
}
