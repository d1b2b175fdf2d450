package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// The use cases that came to write more than once in a transaction without
// a StepError (sign-in, replacing the roster) now name themselves, and
// never the link or login they were given: the link is the key, the login
// an e-mail address. The errors they wrap are found through them.
func TestSignInAndRosterErrorsNameTheUseCase(t *testing.T) {
	st := testStore(t)
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	svc := &Service{Store: st, Location: time.UTC, Now: func() time.Time { return now }}
	ctx := context.Background()

	const link, login = "4c1nk0000000000000000000000000000", "someone@school.example"
	_, _, err := svc.SignIn(ctx, link)
	checkStep(t, err, "sign in", link)
	if !errors.Is(err, ErrSignIn) {
		t.Errorf("an unknown link: %v, want ErrSignIn", err)
	}
	_, _, err = svc.SignInWithLogin(ctx, login)
	checkStep(t, err, "sign in with login", login)
	if !errors.Is(err, ErrUnknownLogin) {
		t.Errorf("an unknown login: %v, want ErrUnknownLogin", err)
	}

	err = svc.ReplaceRoster(ctx, &school.Roster{Classes: []school.Class{{ID: "1 A", Name: "1A"}}})
	checkStep(t, err, "replace roster", "")
	var ve *school.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("a bad roster: %v, want a ValidationError", err)
	}
}

// checkStep fails unless err is a StepError of op whose text does not hold secret.
func checkStep(t *testing.T, err error, op, secret string) {
	t.Helper()
	var se *StepError
	if !errors.As(err, &se) || se.Op != op {
		t.Errorf("error %q; want a StepError of %q", err, op)
	}
	if secret != "" && err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("error %q names %q", err, secret)
	}
}
