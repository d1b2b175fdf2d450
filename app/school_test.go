package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// testSchool is a small ISK for the tests of the use cases: a Service as
// cmd/nabij wires it (the default protocol, the national calendar of region
// midden, the embedded translations, a hold of two minutes, alerts until
// 12:00), on a real store in t.TempDir(), with a clock the test moves.
// Nothing is sent: the use cases write the outbox, and a test stands in
// for the dispatcher where it needs a message to have gone out (sent).
//
// The roster, on Monday 2 March 2026:
//
//	1A  amanuel  parent c-amanuel (Tigrinya, +31612345001); PGN 123456782
//	    sara     parent c-hassan (Arabic, +31612345002), the mother of noor too
//	    lena     no contact at all
//	    dawit    parent c-dawit (Zulu, +31612345004: no messages, Dutch instead)
//	1B  noor     parent c-hassan
//	    yusuf    Nidos voogd c-voogd (+31612345003), lives in KWE Noord
//	             (woonbegeleiders' phone +31612345009)
type testSchool struct {
	t   *testing.T
	svc *Service
	now time.Time
	loc *time.Location
	ctx context.Context
	// wakes counts the times the service woke the dispatcher; observed
	// are the messages a status callback changed.
	wakes    int
	observed []*alerts.Message
	replies  int // inbound messages so far, for their provider ids
	// The staff: the coordinator, the mentors of 1A and of 1B.
	coord, mentorA, mentorB school.User
}

// newTestSchool opens the school at 08:20 on Monday 2 March 2026.
func newTestSchool(t *testing.T) *testSchool {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := school.NewCalendar(school.RegionMidden, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	live := translations.NewLive(embedded)
	ts := &testSchool{t: t, loc: loc, ctx: context.Background(), now: time.Date(2026, 3, 2, 8, 20, 0, 0, loc)}
	now := func() time.Time { return ts.now }
	ts.svc = &Service{
		Store:    testStore(t),
		Protocol: protocol.Default(),
		Calendar: cal,
		Planner: &alerts.Planner{Renderer: &alerts.Renderer{Catalog: live, School: "ISK Test", ReplyHint: true},
			Hold: 2 * time.Minute, Validity: 4 * time.Hour},
		Fallbacks: &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: now},
		Location:  loc,
		Settings: Settings{SchoolName: "ISK Test", Address: "Schoolstraat 1, Groningen", ContactPhone: "+31501234567",
			ContactEmail: "verzuim@isk.example", AlertUntil: 12 * time.Hour},
		Now:          now,
		Wake:         func() { ts.wakes++ },
		Observe:      func(m *alerts.Message) { ts.observed = append(ts.observed, m) },
		Translations: live,
	}
	if err := ts.svc.ReplaceRoster(ts.ctx, testRoster()); err != nil {
		t.Fatal(err)
	}
	ts.coord = ts.user("C. Jansen", school.RoleCoordinator)
	ts.mentorA = ts.user("A. de Vries", school.RoleMentor, "1A")
	ts.mentorB = ts.user("B. Bakker", school.RoleMentor, "1B")
	return ts
}

func testRoster() *school.Roster {
	hassan := school.Contact{ID: "c-hassan", Role: school.RoleParent, Name: "Moeder H.", Phone: "+31612345002", Language: "ar"}
	return &school.Roster{
		Classes: []school.Class{{ID: "1A", Name: "Klas 1A"}, {ID: "1B", Name: "Klas 1B"}},
		HousingUnits: []school.HousingUnit{{ID: "kwe-noord", Name: "KWE Noord", Address: "Noorderstraat 1, Groningen",
			Contacts: []school.Contact{{ID: "wb-noord", Role: school.RoleWoonbegeleider, Name: "Woonbegeleiders Noord", Phone: "+31612345009"}}}},
		Students: []school.Student{
			{ID: "amanuel", Name: "Amanuel T.", Class: "1A", BirthDate: school.Date{Year: 2011, Month: 5, Day: 1}, Gender: "m", PGN: "123456782",
				Contacts: []school.Contact{{ID: "c-amanuel", Role: school.RoleParent, Name: "Moeder T.", Phone: "+31612345001", Language: "ti"}}},
			{ID: "sara", Name: "Sara H.", Class: "1A", BirthDate: school.Date{Year: 2012, Month: 2, Day: 2}, Gender: "f", Contacts: []school.Contact{hassan}},
			{ID: "lena", Name: "Lena K.", Class: "1A", BirthDate: school.Date{Year: 2011, Month: 7, Day: 7}},
			{ID: "dawit", Name: "Dawit G.", Class: "1A", BirthDate: school.Date{Year: 2011, Month: 8, Day: 8},
				Contacts: []school.Contact{{ID: "c-dawit", Role: school.RoleParent, Name: "Vader G.", Phone: "+31612345004", Language: "zu"}}},
			{ID: "noor", Name: "Noor H.", Class: "1B", BirthDate: school.Date{Year: 2010, Month: 3, Day: 3}, Gender: "f", Contacts: []school.Contact{hassan}},
			{ID: "yusuf", Name: "Yusuf A.", Class: "1B", BirthDate: school.Date{Year: 2009, Month: 9, Day: 9}, Gender: "m", HousingUnit: "kwe-noord",
				Contacts: []school.Contact{{ID: "c-voogd", Role: school.RoleGuardian, Name: "Nidos voogd", Phone: "+31612345003"}}},
		},
	}
}

// user makes a member of staff.
func (ts *testSchool) user(name string, role school.Role, classes ...string) school.User {
	ts.t.Helper()
	u, _, err := ts.svc.CreateUser(ts.ctx, name, role, classes)
	if err != nil {
		ts.t.Fatal(err)
	}
	return u
}

// date reads a date the test writes as "2026-03-02".
func (ts *testSchool) date(s string) school.Date {
	ts.t.Helper()
	d, err := school.ParseDate(s)
	if err != nil {
		ts.t.Fatal(err)
	}
	return d
}

// optionalDate is date, or the zero date (every day) for "".
func (ts *testSchool) optionalDate(date string) school.Date {
	if date == "" {
		return school.Date{}
	}
	return ts.date(date)
}

// at sets the clock to day at hh:mm, school time.
func (ts *testSchool) at(day, hhmm string) {
	ts.t.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, ts.loc)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.now = t
}

// The calls to app's API that take a date, each in one place: the dates
// are written "2026-03-02" in the tests.

func (ts *testSchool) recordList(u school.User, class, date string, absences ...school.Absence) (*ListResult, error) {
	if absences == nil {
		absences = []school.Absence{}
	}
	return ts.svc.RecordList(ts.ctx, u, class, ts.date(date), absences)
}

func (ts *testSchool) list(u school.User, class, date string) (*school.AbsenceList, error) {
	return ts.svc.List(ts.ctx, u, class, ts.date(date))
}

func (ts *testSchool) closeDay(u school.User, date, reason string, reopen bool) (*store.ClosedDay, error) {
	return ts.svc.CloseDay(ts.ctx, u, ts.date(date), reason, reopen)
}

func (ts *testSchool) inbox(u school.User, date string) ([]store.Inbound, error) {
	return ts.svc.Inbox(ts.ctx, u, ts.optionalDate(date))
}

func (ts *testSchool) reach(from, to string) (*Reach, error) {
	return ts.svc.Reach(ts.ctx, ts.date(from), ts.date(to))
}

func (ts *testSchool) storedDigest(date string) (*Digest, error) {
	return ts.svc.StoredDigest(ts.ctx, ts.date(date))
}

func (ts *testSchool) messages(u school.User, date, student string) ([]*alerts.Message, error) {
	return ts.svc.Messages(ts.ctx, u, MessageFilter{Date: ts.optionalDate(date), Student: student})
}

// post records a list, and fails the test if it is refused.
func (ts *testSchool) post(u school.User, class, date string, absences ...school.Absence) *ListResult {
	ts.t.Helper()
	res, err := ts.recordList(u, class, date, absences...)
	if err != nil {
		ts.t.Fatalf("list %s %s: %v", class, date, err)
	}
	return res
}

func absent(id string) school.Absence { return school.Absence{Student: id, Kind: school.Absent} }
func sick(id string) school.Absence   { return school.Absence{Student: id, Kind: school.Sick} }
func late(id string, minutes int) school.Absence {
	return school.Absence{Student: id, Kind: school.Late, Minutes: minutes}
}
func excused(id, reason string) school.Absence {
	return school.Absence{Student: id, Kind: school.Excused, Reason: reason}
}

// view reads the store.
func (ts *testSchool) view(fn func(tx *store.Tx) error) {
	ts.t.Helper()
	if err := ts.svc.Store.View(fn); err != nil {
		ts.t.Fatal(err)
	}
}

// messagesOn are the day's messages in the outbox, oldest first.
func (ts *testSchool) messagesOn(date string) []*alerts.Message {
	ts.t.Helper()
	var out []*alerts.Message
	ts.view(func(tx *store.Tx) error {
		var err error
		out, err = tx.MessagesOn(ts.date(date))
		return err
	})
	return out
}

// messagesTo are the day's messages to one phone.
func (ts *testSchool) messagesTo(date, phone string) []*alerts.Message {
	var out []*alerts.Message
	for _, m := range ts.messagesOn(date) {
		if m.Phone == phone {
			out = append(out, m)
		}
	}
	return out
}

// stored is the list of class on date as the store has it.
func (ts *testSchool) stored(class, date string) *school.AbsenceList {
	ts.t.Helper()
	var l *school.AbsenceList
	ts.view(func(tx *store.Tx) error {
		var err error
		l, _, err = tx.AbsenceList(class, ts.date(date))
		return err
	})
	return l
}

// tasks are every task, done or not.
func (ts *testSchool) tasks() []school.Task {
	ts.t.Helper()
	var out []school.Task
	ts.view(func(tx *store.Tx) error {
		var err error
		out, err = tx.Tasks()
		return err
	})
	return out
}

// cases are a pupil's escalations, oldest first.
func (ts *testSchool) cases(student string) []*protocol.Escalation {
	ts.t.Helper()
	var out []*protocol.Escalation
	ts.view(func(tx *store.Tx) error {
		var err error
		out, err = tx.EscalationsOf(student)
		return err
	})
	return out
}

// sendAll stands in for the dispatcher: every queued message of the day
// goes out (status sent, with a provider id), as Twilio's answer would
// record it.
func (ts *testSchool) sendAll(date string) {
	ts.t.Helper()
	err := ts.svc.Store.Update(func(tx *store.Tx) error {
		msgs, err := tx.MessagesOn(ts.date(date))
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Status != alerts.StatusQueued {
				continue
			}
			sent := ts.now
			m.Status, m.ProviderID, m.Attempts, m.SentAt = alerts.StatusSent, "SM"+m.ID, 1, &sent
			if err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		ts.t.Fatal(err)
	}
}

// reply is a message from a family's phone, as the inbound webhook hands
// it over; it returns what nabij made of it.
func (ts *testSchool) reply(from, body string) store.Inbound {
	ts.t.Helper()
	ts.replies++
	in := store.Inbound{ProviderID: fmt.Sprintf("SMin%04d", ts.replies), From: from, To: "+3197010000000", Channel: "sms", Body: body}
	if err := ts.svc.Inbound(ts.ctx, in); err != nil {
		ts.t.Fatalf("reply %q: %v", body, err)
	}
	return ts.lastInbound()
}

func (ts *testSchool) lastInbound() store.Inbound {
	ts.t.Helper()
	var all []store.Inbound
	ts.view(func(tx *store.Tx) error {
		var err error
		all, err = tx.Inbounds()
		return err
	})
	if len(all) == 0 {
		ts.t.Fatal("no inbound message kept")
	}
	return all[len(all)-1]
}
