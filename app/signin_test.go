package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

func TestSignInLinksAndSessionsExpire(t *testing.T) {
	st := testStore(t)
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	svc := &Service{Store: st, Location: time.UTC, Now: func() time.Time { return now }}
	ctx := context.Background()
	u, _, err := svc.CreateUser(ctx, "C. Jansen", school.RoleCoordinator, nil)
	if err != nil {
		t.Fatal(err)
	}
	link, _, err := svc.SignInLink(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	old, _, _ := svc.SignInLink(ctx, u.ID)
	session, got, err := svc.SignIn(ctx, link)
	if err != nil || got.ID != u.ID {
		t.Fatalf("sign in: %v %v", got, err)
	}
	if _, ok, _ := svc.SessionUser(ctx, session); !ok {
		t.Fatal("a fresh session is not valid")
	}
	now = now.Add(SessionLifetime + time.Minute)
	if _, ok, _ := svc.SessionUser(ctx, session); ok {
		t.Error("a session outlived its lifetime")
	}
	now = now.Add(LinkLifetime)
	if _, _, err := svc.SignIn(ctx, old); !errors.Is(err, ErrSignIn) {
		t.Errorf("an expired link signed in: %v", err)
	}
	if _, _, err := svc.SignInLink(ctx, "u999"); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("a link for nobody: %v", err)
	}
}
