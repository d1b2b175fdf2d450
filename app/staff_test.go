package app

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// A mentor reads the roster of their own classes only, with the housing
// units of their pupils and no PGN; a coordinator reads it whole.
func TestTheRosterAsEachReaderMaySeeIt(t *testing.T) {
	ts := newTestSchool(t)
	whole, err := ts.svc.Roster(ts.ctx, ts.coord)
	if err != nil || len(whole.Students) != 6 || len(whole.Classes) != 2 || len(whole.HousingUnits) != 1 {
		t.Fatalf("the coordinator's roster: %+v %v", whole, err)
	}
	i := slices.IndexFunc(whole.Students, func(s school.Student) bool { return s.ID == "amanuel" })
	if whole.Students[i].PGN != "123456782" {
		t.Errorf("the coordinator does not see the PGN: %+v", whole.Students[i])
	}
	a, err := ts.svc.Roster(ts.ctx, ts.mentorA)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range a.Students {
		ids = append(ids, s.ID)
		if s.PGN != "" {
			t.Errorf("a mentor sees %s's PGN", s.ID)
		}
	}
	if len(a.Classes) != 1 || a.Classes[0].ID != "1A" || len(ids) != 4 || slices.Contains(ids, "noor") || len(a.HousingUnits) != 0 {
		t.Errorf("the mentor of 1A's roster: classes %+v, pupils %v, units %+v", a.Classes, ids, a.HousingUnits)
	}
	b, err := ts.svc.Roster(ts.ctx, ts.mentorB)
	if err != nil || len(b.Students) != 2 || len(b.HousingUnits) != 1 || b.HousingUnits[0].ID != "kwe-noord" {
		t.Errorf("the mentor of 1B's roster: %+v %v", b, err)
	}
}

// A roster is checked whole and put in place, or nothing changes.
func TestABadRosterChangesNothing(t *testing.T) {
	ts := newTestSchool(t)
	r := testRoster()
	r.Students[0].Contacts[0].Phone = "+31501234567" // a landline
	r.Students[1].Class = "9Z"
	var ve *school.ValidationError
	if err := ts.svc.ReplaceRoster(ts.ctx, r); !errors.As(err, &ve) || len(ve.Details) != 2 {
		t.Fatalf("a roster with a landline and an unknown class: %v", err)
	}
	got, _ := ts.svc.Roster(ts.ctx, ts.coord)
	if got.Students[0].Contacts[0].Phone != "+31612345001" || got.Students[1].Class != "1A" {
		t.Errorf("a refused roster changed the roster: %+v", got.Students[:2])
	}
}

// A new member of staff is checked before anything is kept.
func TestCreateUserRefusals(t *testing.T) {
	ts := newTestSchool(t)
	var ve *school.ValidationError
	for _, c := range []struct {
		name    string
		role    school.Role
		classes []string
		field   string
	}{
		{" ", school.RoleCoordinator, nil, "name"},
		{"X", "headmaster", nil, "role"},
		{"X", school.RoleReviewer, nil, "language"},
		{"X", school.RoleMentor, nil, "classes"},
		{"X", school.RoleMentor, []string{"1A", "9Z"}, "classes[1]"},
	} {
		_, token, err := ts.svc.CreateUser(ts.ctx, c.name, c.role, c.classes)
		if !errors.As(err, &ve) || len(ve.Details) != 1 || ve.Details[0].Field != c.field || token != "" {
			t.Errorf("%q %s %v: %v, want a refusal of %s", c.name, c.role, c.classes, err, c.field)
		}
	}
	if users, _ := ts.svc.Users(ts.ctx); len(users) != 3 {
		t.Errorf("refusals made users: %d", len(users))
	}
	u, token, err := ts.svc.CreateUser(ts.ctx, "  D. Smit ", school.RoleMentor, []string{"1B"})
	if err != nil || u.Name != "D. Smit" || token == "" || u.TokenHash != HashToken(token) {
		t.Errorf("a new mentor: %+v %v", u, err)
	}
	if got, ok, err := ts.svc.Authenticate(ts.ctx, token); !ok || err != nil || got.ID != u.ID {
		t.Errorf("the new mentor's token: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := ts.svc.Authenticate(ts.ctx, "not-a-token"); ok {
		t.Error("an unknown token signed in")
	}
}

// `nabij users link NAME` finds the one user with the name.
func TestUserByName(t *testing.T) {
	ts := newTestSchool(t)
	if u, err := ts.svc.UserByName(ts.ctx, " a. DE VRIES"); err != nil || u.ID != ts.mentorA.ID || u.TokenHash != "" {
		t.Errorf("by name: %+v %v", u, err)
	}
	if _, err := ts.svc.UserByName(ts.ctx, "Z. Nobody"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("no such user: %v", err)
	}
	ts.user("A. de Vries", school.RoleCoordinator)
	if _, err := ts.svc.UserByName(ts.ctx, "A. de Vries"); !errors.Is(err, school.ErrConflict) {
		t.Errorf("two users of that name: %v", err)
	}
}

// Signing out ends the session; the nightly purge drops expired sessions.
func TestSignOut(t *testing.T) {
	ts := newTestSchool(t)
	link, expires, err := ts.svc.SignInLink(ts.ctx, ts.coord.ID)
	if err != nil || !expires.Equal(ts.now.Add(LinkLifetime)) {
		t.Fatalf("a link: %v %v", expires, err)
	}
	session, _, err := ts.svc.SignIn(ts.ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.svc.SignIn(ts.ctx, link); !errors.Is(err, ErrSignIn) {
		t.Errorf("a link used twice: %v", err)
	}
	if err := ts.svc.SignOut(ts.ctx, session); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ts.svc.SessionUser(ts.ctx, session); ok {
		t.Error("a session lives after signing out")
	}

	// Another session, expired by the time of the nightly purge, which
	// drops it from the store.
	link, _, _ = ts.svc.SignInLink(ts.ctx, ts.coord.ID)
	expired, _, err := ts.svc.SignIn(ts.ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	ts.now = ts.now.Add(SessionLifetime + time.Hour)
	if _, err := ts.svc.Purge(ts.ctx, Retention{Years: 5, BodyDays: 365}); err != nil {
		t.Fatal(err)
	}
	ts.view(func(tx *store.Tx) error {
		if _, found, err := tx.Session(HashToken(expired)); err != nil || found {
			t.Errorf("the expired session is kept (%v)", err)
		}
		return nil
	})
}

// A "1" before any alert from a parent of two children asks which one;
// a "1" about children their mentors have listed at school already is for
// the coordinator.
func TestOneBeforeTheListFromAParentOfTwo(t *testing.T) {
	ts := newTestSchool(t)
	ts.at("2026-03-02", "07:40")
	in := ts.reply("+31612345002", "1")
	if in.Kind != "which_child" || len(in.Students) != 2 {
		t.Fatalf("the reply: %+v", in)
	}
	q := ts.messagesTo("2026-03-02", "+31612345002")
	if len(q) != 1 || len(q[0].Options) != 2 || q[0].Language != "ar" || q[0].Contact != "c-hassan" {
		t.Fatalf("the question: %+v", q)
	}
	if l := ts.stored("1A", "2026-03-02"); l != nil {
		t.Errorf("a list before the answer: %+v", l)
	}

	ts.at("2026-03-03", "08:50")
	ts.post(ts.mentorA, "1A", "2026-03-03")
	ts.post(ts.mentorB, "1B", "2026-03-03", late("noor", 5))
	in = ts.reply("+31612345002", "1")
	if in.Kind != "unmatched" || in.Note == "" {
		t.Errorf("a 1 about children at school: %+v", in)
	}
	if e, _ := ts.stored("1B", "2026-03-03").Entry("noor"); e.Kind != school.Late {
		t.Errorf("noor: %+v", e)
	}
}

// The cron spec of an hour of the school day, on weekdays.
func TestDailySpec(t *testing.T) {
	if got := DailySpec(time.Date(0, 1, 1, 17, 5, 0, 0, time.UTC)); got != "5 17 * * 1-5" {
		t.Errorf("DailySpec(17:05) = %q", got)
	}
}

// The file of a language to bring back into the project: the embedded
// one until the school corrects it, then the school's.
func TestTranslationFile(t *testing.T) {
	ts := newTestSchool(t)
	tag, raw, o, err := ts.svc.TranslationFile(ts.ctx, "tir")
	if err != nil || tag != "ti" || o != nil || len(raw) == 0 {
		t.Fatalf("the embedded Tigrinya file: %q %d bytes %+v %v", tag, len(raw), o, err)
	}
	if _, _, _, err := ts.svc.TranslationFile(ts.ctx, "zu"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("a language nabij has no messages in: %v", err)
	}
	reviewer, _, err := ts.svc.CreateReviewer(ts.ctx, "Selam B.", "ti")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.svc.MarkReviewed(ts.ctx, reviewer); err != nil {
		t.Fatal(err)
	}
	_, mine, o, err := ts.svc.TranslationFile(ts.ctx, "ti")
	if err != nil || o == nil || o.By != reviewer.ID || slices.Equal(mine, raw) {
		t.Errorf("the school's file: %+v %v", o, err)
	}
}
