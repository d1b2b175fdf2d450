package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

func TestDisableRotateRevokeAndClasses(t *testing.T) {
	st := testStore(t)
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	svc := &Service{Store: st, Location: time.UTC, Now: func() time.Time { return now }}
	ctx := context.Background()
	if err := svc.ReplaceRoster(ctx, &school.Roster{Classes: []school.Class{{ID: "1A", Name: "1A"}, {ID: "1B", Name: "1B"}}}); err != nil {
		t.Fatal(err)
	}
	admin, _, err := svc.CreateUser(ctx, "B. Admin", school.RoleAdmin, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, token, err := svc.CreateUser(ctx, "A. de Vries", school.RoleMentor, []string{"1A"})
	if err != nil {
		t.Fatal(err)
	}
	link, _, _ := svc.SignInLink(ctx, m.ID)
	unused, _, _ := svc.SignInLink(ctx, m.ID)
	session, _, err := svc.SignIn(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	users, _ := svc.Users(ctx)
	for _, u := range users {
		if u.ID == m.ID && (u.LastSignIn == nil || !u.LastSignIn.Equal(now)) {
			t.Errorf("last sign-in: %v", u.LastSignIn)
		}
	}

	if _, ok, _ := svc.Authenticate(ctx, token); !ok {
		t.Fatal("the token does not work")
	}
	users, _ = svc.Users(ctx)
	for _, u := range users {
		if u.ID == m.ID && (u.LastAPIUse == nil || !u.LastAPIUse.Equal(now)) {
			t.Errorf("last API use: %v", u.LastAPIUse)
		}
	}

	if _, err := svc.DisableUser(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := svc.Authenticate(ctx, token); ok {
		t.Error("a disabled user's token works")
	}
	if _, ok, _ := svc.SessionUser(ctx, session); ok {
		t.Error("a disabled user's session works")
	}
	if _, _, err := svc.SignIn(ctx, unused); !errors.Is(err, ErrSignIn) {
		t.Errorf("a disabled user's link: %v", err)
	}
	if _, _, err := svc.SignInLink(ctx, m.ID); !errors.Is(err, school.ErrConflict) {
		t.Errorf("a link for a disabled user: %v", err)
	}
	if _, err := svc.EnableUser(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := svc.Authenticate(ctx, token); !ok {
		t.Error("an enabled user's token does not work")
	}
	if _, ok, _ := svc.SessionUser(ctx, session); ok {
		t.Error("a session ended by disabling came back")
	}

	_, fresh, err := svc.RotateToken(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := svc.Authenticate(ctx, token); ok {
		t.Error("the old token works after a rotation")
	}
	if u, ok, _ := svc.Authenticate(ctx, fresh); !ok || u.ID != m.ID {
		t.Error("the new token does not work")
	}

	l, _, _ := svc.SignInLink(ctx, m.ID)
	if n, err := svc.RevokeSignInLinks(ctx, m.ID); err != nil || n != 1 {
		t.Errorf("revoke: %d %v", n, err)
	}
	if _, _, err := svc.SignIn(ctx, l); !errors.Is(err, ErrSignIn) {
		t.Errorf("a revoked link: %v", err)
	}

	if u, err := svc.SetClasses(ctx, m.ID, []string{"1B", " 1A", "1B"}); err != nil || len(u.Classes) != 2 {
		t.Errorf("classes: %v %v", u.Classes, err)
	}
	var ve *school.ValidationError
	if _, err := svc.SetClasses(ctx, m.ID, []string{"9Z"}); !errors.As(err, &ve) {
		t.Errorf("an unknown class: %v", err)
	}
	if _, err := svc.SetClasses(ctx, m.ID, nil); !errors.As(err, &ve) {
		t.Errorf("a mentor without classes: %v", err)
	}
	if u, _, _ := svc.Authenticate(ctx, fresh); len(u.Classes) != 2 {
		t.Errorf("a refused change changed the classes: %v", u.Classes)
	}

	// Refusals change nothing.
	if _, err := svc.DisableUser(ctx, admin, admin.ID); !errors.Is(err, school.ErrConflict) {
		t.Errorf("disable oneself: %v", err)
	}
	if _, err := svc.DisableUser(ctx, school.User{ID: BootstrapAdminID}, admin.ID); !errors.Is(err, school.ErrConflict) {
		t.Errorf("disable the last admin: %v", err)
	}
	if _, err := svc.DisableUser(ctx, admin, BootstrapAdminID); !errors.Is(err, school.ErrConflict) {
		t.Errorf("disable the bootstrap admin: %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := svc.DisableUser(ctx, admin, "u999"); return err },
		func() error { _, err := svc.EnableUser(ctx, "u999"); return err },
		func() error { _, _, err := svc.RotateToken(ctx, "u999"); return err },
		func() error { _, err := svc.RevokeSignInLinks(ctx, "u999"); return err },
		func() error { _, err := svc.SetClasses(ctx, "u999", []string{"1A"}); return err },
	} {
		if err := f(); !errors.Is(err, school.ErrNotFound) {
			t.Errorf("an unknown user: %v", err)
		}
	}
	users, _ = svc.Users(ctx)
	for _, u := range users {
		if u.Disabled {
			t.Errorf("%s is disabled after refusals", u.ID)
		}
	}
}
