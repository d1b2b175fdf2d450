package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

func TestSignInLinksAndSessionsExpire(t *testing.T) {
	svc, clock, u, link := signInSetup(t)
	ctx := context.Background()
	old, _, _ := svc.SignInLink(ctx, u.ID)
	session, got, err := svc.SignIn(ctx, link)
	if err != nil || got.ID != u.ID {
		t.Fatalf("sign in: %v %v", got, err)
	}
	if _, ok, _ := svc.SessionUser(ctx, session); !ok {
		t.Fatal("a fresh session is not valid")
	}
	*clock = clock.Add(SessionLifetime + time.Minute)
	if _, ok, _ := svc.SessionUser(ctx, session); ok {
		t.Error("a session outlived its lifetime")
	}
	*clock = clock.Add(LinkLifetime)
	if _, _, err := svc.SignIn(ctx, old); !errors.Is(err, ErrSignIn) {
		t.Errorf("an expired link signed in: %v", err)
	}
	if _, _, err := svc.SignInLink(ctx, "u999"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("a link for nobody: %v", err)
	}
}

// A user who asks to stay signed in on their own device keeps the session
// for StayLifetime, not a school day; disabling them ends it at once.
func TestASessionToStayLastsAMonthUntilTheUserIsDisabled(t *testing.T) {
	svc, clock, u, link := signInSetup(t)
	ctx := context.Background()
	session, _, err := svc.SignInOnThisDevice(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SignInOnThisDevice(ctx, link); !errors.Is(err, ErrSignIn) {
		t.Errorf("the link signed in twice: %v", err)
	}
	for _, after := range []time.Duration{SessionLifetime + time.Hour, 7 * 24 * time.Hour, StayLifetime - time.Hour} {
		*clock = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC).Add(after)
		if _, ok, _ := svc.SessionUser(ctx, session); !ok {
			t.Errorf("the session to stay ended after %v", after)
		}
	}
	*clock = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC).Add(StayLifetime + time.Minute)
	if _, ok, _ := svc.SessionUser(ctx, session); ok {
		t.Error("the session to stay outlived its lifetime")
	}
	link, _, _ = svc.SignInLink(ctx, u.ID)
	session, _, _ = svc.SignInOnThisDevice(ctx, link)
	if _, err := svc.DisableUser(ctx, school.User{ID: "admin", Role: school.RoleAdmin}, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := svc.SessionUser(ctx, session); ok {
		t.Error("a disabled user's session to stay still works")
	}
}

func TestSignInWithLoginMatchesTheUniqueEmail(t *testing.T) {
	st := testStore(t)
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	svc := &Service{Store: st, Location: time.UTC, Now: func() time.Time { return now }}
	ctx := context.Background()
	a, _, err := svc.CreateUser(ctx, "C. Jansen", school.RoleCoordinator, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := svc.CreateUser(ctx, "B. Admin", school.RoleAdmin, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := svc.SetEmail(ctx, a.ID, " C.Jansen@School.example "); err != nil || u.Email != "c.jansen@school.example" {
		t.Fatalf("set email: %+v %v", u, err)
	}
	if _, err := svc.SetEmail(ctx, b.ID, "c.jansen@SCHOOL.example"); !errors.Is(err, school.ErrConflict) {
		t.Errorf("another user's email: %v, want a conflict", err)
	}
	if _, err := svc.SetEmail(ctx, b.ID, "not-an-address"); err == nil {
		t.Error("a malformed email was taken")
	}
	if err := svc.CheckEmail(ctx, "C.JANSEN@school.example"); !errors.Is(err, school.ErrConflict) {
		t.Errorf("check of a taken email: %v", err)
	}
	session, u, err := svc.SignInWithLogin(ctx, "C.Jansen@school.example")
	if err != nil || u.ID != a.ID || u.TokenHash != "" {
		t.Fatalf("sign in: %+v %v", u, err)
	}
	if got, ok, _ := svc.SessionUser(ctx, session); !ok || got.ID != a.ID {
		t.Error("no session after the sign-in")
	}
	if _, _, err := svc.SignInWithLogin(ctx, "someone@school.example"); !errors.Is(err, ErrUnknownLogin) {
		t.Errorf("unknown login: %v", err)
	}
	if _, _, err := svc.SignInWithLogin(ctx, ""); !errors.Is(err, ErrUnknownLogin) {
		t.Errorf("empty login: %v", err)
	}
	if _, err := svc.DisableUser(ctx, b, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SignInWithLogin(ctx, "c.jansen@school.example"); !errors.Is(err, ErrUserDisabled) {
		t.Errorf("disabled user: %v", err)
	}
}

// signInSetup is a service on a fresh store whose clock the test moves, a
// coordinator in it and a sign-in link of theirs.
func signInSetup(t *testing.T) (svc *Service, clock *time.Time, u school.User, link string) {
	t.Helper()
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	svc = &Service{Store: testStore(t), Location: time.UTC, Now: func() time.Time { return now }}
	u, _, err := svc.CreateUser(context.Background(), "C. Jansen", school.RoleCoordinator, nil)
	if err != nil {
		t.Fatal(err)
	}
	if link, _, err = svc.SignInLink(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	return svc, &now, u, link
}
