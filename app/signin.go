package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// How long a sign-in link and a session last; StayLifetime is a session
// its user asked to keep on their own device (SignInOnThisDevice).
const (
	LinkLifetime    = 7 * 24 * time.Hour
	SessionLifetime = 12 * time.Hour
	StayLifetime    = 30 * 24 * time.Hour
)

// ErrSignIn is a sign-in link or session that is unknown, used or expired.
var ErrSignIn = errors.New("the sign-in link is unknown, used or expired")

// Users lists the staff.
func (s *Service) Users(ctx context.Context) (_ []school.User, err error) {
	defer failed(&err, "users")
	var out []school.User
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Users()
		return err
	})
	for i := range out {
		out[i].TokenHash = ""
	}
	if out == nil {
		out = []school.User{}
	}
	return out, err
}

// SignInLink makes a one-time link token for a user; only its hash is kept.
func (s *Service) SignInLink(ctx context.Context, userID string) (_ string, _ time.Time, err error) {
	defer failed(&err, "sign-in link for %s", userID)
	token := newToken()
	expires := s.Now().Add(LinkLifetime)
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		if u, ok, err := tx.User(userID); err != nil {
			return err
		} else if !ok {
			return school.NotFound("user %s", userID)
		} else if u.Disabled {
			return fmt.Errorf("%w: user %s is disabled; enable them first", school.ErrConflict, userID)
		}
		return tx.PutSignInLink(HashToken(token), store.SignInLink{User: userID, Expires: expires})
	})
	return token, expires, err
}

// UserByName finds the one user with this name (for `nabij users link NAME`).
func (s *Service) UserByName(ctx context.Context, name string) (school.User, error) {
	users, err := s.Users(ctx)
	if err != nil {
		return school.User{}, err
	}
	var found []school.User
	for _, u := range users {
		if strings.EqualFold(strings.TrimSpace(u.Name), strings.TrimSpace(name)) {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return school.User{}, school.NotFound("no user named %q", name)
	case 1:
		return found[0], nil
	}
	return school.User{}, fmt.Errorf("%w: %d users are named %q; use the id", school.ErrConflict, len(found), name)
}

// SignIn uses a link once and opens a session; it returns the session's
// cookie value, kept only hashed.
func (s *Service) SignIn(ctx context.Context, linkToken string) (_ string, _ school.User, err error) {
	defer failed(&err, "sign in") // never the link: it is the key
	return s.signIn(ctx, linkToken, SessionLifetime)
}

// SignInOnThisDevice is SignIn for a user who asked to stay signed in on
// their own phone or laptop: the session lasts StayLifetime (a mentor's
// link once a month, not every morning: found by a review of the pages).
// Disabling the user, or signing out, ends it as any other.
func (s *Service) SignInOnThisDevice(ctx context.Context, linkToken string) (_ string, _ school.User, err error) {
	defer failed(&err, "sign in to stay") // never the link: it is the key
	return s.signIn(ctx, linkToken, StayLifetime)
}

func (s *Service) signIn(ctx context.Context, linkToken string, lifetime time.Duration) (string, school.User, error) {
	session := newToken()
	var u school.User
	now := s.Now()
	// Looked up in a read first: an unknown link (junk, a guess) never
	// takes the write lock, so that web can look up every attempt and
	// never refuse a valid link, whatever else came from its address.
	var known bool
	if err := s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		link, ok, err := tx.SignInLink(HashToken(linkToken))
		known = ok && !now.After(link.Expires)
		return err
	}); err != nil {
		return "", school.User{}, step("look up link", err)
	}
	if !known {
		return "", school.User{}, ErrSignIn
	}
	err := s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		link, ok, err := tx.TakeSignInLink(HashToken(linkToken))
		if err != nil {
			return step("take link", err)
		}
		if !ok || now.After(link.Expires) {
			return ErrSignIn
		}
		if u, ok, err = tx.User(link.User); err != nil {
			return err
		} else if !ok || u.Disabled {
			return ErrSignIn
		}
		return step("start session", startSession(tx, &u, session, now, lifetime))
	})
	if err != nil {
		return "", school.User{}, err
	}
	return session, u, nil
}

// SessionUser is the user a session cookie belongs to, while it lasts.
func (s *Service) SessionUser(ctx context.Context, session string) (school.User, bool, error) {
	var u school.User
	var ok bool
	err := s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		sess, found, err := tx.Session(HashToken(session))
		if err != nil || !found || s.Now().After(sess.Expires) {
			return err
		}
		u, ok, err = tx.User(sess.User)
		return err
	})
	if u.Disabled {
		return school.User{}, false, err
	}
	return u, ok, err
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, session string) error {
	return s.Store.UpdateContext(ctx, func(tx *store.Tx) error { return tx.DeleteSession(HashToken(session)) })
}

// TaskDone marks a task done.
func (s *Service) TaskDone(ctx context.Context, u school.User, id string) (err error) {
	defer failed(&err, "task done %s", id)
	if u.Role != school.RoleCoordinator {
		return fmt.Errorf("%w: tasks are done by the coordinator", school.ErrForbidden)
	}
	return s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		tasks, err := tx.Tasks()
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if t.ID == id {
				if t.DoneAt == nil {
					now := s.Now()
					t.DoneAt = &now
				}
				_, err := tx.PutTask(&t)
				return err
			}
		}
		return school.NotFound("task %s", id)
	})
}

// Errors of a sign-in with the school's own accounts (OpenID Connect).
var (
	ErrUnknownLogin = errors.New("no nabij user has this login")
	ErrUserDisabled = errors.New("the user is disabled")
)

// NormalizeEmail is how a login is kept and compared: trimmed, lower-cased.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func validEmail(email string) bool {
	at := strings.IndexByte(email, '@')
	return at > 0 && at < len(email)-1 && !strings.ContainsAny(email, " \t\r\n<>\"") && len(email) <= 254
}

// userByEmail finds the user with this login, if any.
func userByEmail(tx *store.Tx, email string) (school.User, bool, error) {
	users, err := tx.Users()
	if err != nil {
		return school.User{}, false, err
	}
	for _, u := range users {
		if u.Email != "" && u.Email == email {
			return u, true, nil
		}
	}
	return school.User{}, false, nil
}

// CheckEmail tells whether email may be given to a new user: well formed
// and no other user's.
func (s *Service) CheckEmail(ctx context.Context, email string) error {
	email = NormalizeEmail(email)
	if !validEmail(email) {
		return &school.ValidationError{Details: []school.FieldError{{Field: "email", Message: "not an e-mail address"}}}
	}
	return s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		if other, ok, err := userByEmail(tx, email); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%w: user %s already has this email", school.ErrConflict, other.ID)
		}
		return nil
	})
}

// SetEmail gives a user their login with the school's accounts; an empty
// email takes it away. It is unique: another user's is refused.
func (s *Service) SetEmail(ctx context.Context, id, email string) (_ school.User, err error) {
	defer failed(&err, "set email of %s", id)
	email = NormalizeEmail(email)
	if email != "" && !validEmail(email) {
		return school.User{}, &school.ValidationError{Details: []school.FieldError{{Field: "email", Message: "not an e-mail address"}}}
	}
	var u school.User
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		var ok bool
		var err error
		if u, ok, err = tx.User(id); err != nil {
			return err
		} else if !ok {
			return school.NotFound("user %s", id)
		}
		if email != "" {
			if other, ok, err := userByEmail(tx, email); err != nil {
				return err
			} else if ok && other.ID != id {
				return fmt.Errorf("%w: user %s already has this email", school.ErrConflict, other.ID)
			}
		}
		u.Email = email
		return tx.PutUser(&u)
	})
	u.TokenHash = ""
	return u, err
}

// SignInWithLogin opens a session for the user whose email is login, as
// the school's identity provider vouched for it: the same session as a
// link's. An unknown login is ErrUnknownLogin, a disabled user
// ErrUserDisabled; neither gets a session.
func (s *Service) SignInWithLogin(ctx context.Context, login string) (_ string, _ school.User, err error) {
	defer failed(&err, "sign in with login") // never the login: an e-mail address
	login = NormalizeEmail(login)
	session := newToken()
	var u school.User
	now := s.Now()
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		if login == "" {
			return ErrUnknownLogin
		}
		var ok bool
		var err error
		if u, ok, err = userByEmail(tx, login); err != nil {
			return err
		} else if !ok {
			return ErrUnknownLogin
		} else if u.Disabled {
			return ErrUserDisabled
		}
		return step("start session", startSession(tx, &u, session, now, SessionLifetime))
	})
	if err != nil {
		return "", school.User{}, err
	}
	u.TokenHash = ""
	return session, u, nil
}

// startSession records u's sign-in at now and keeps a session under the
// hash of session: the end of every way of signing in.
func startSession(tx *store.Tx, u *school.User, session string, now time.Time, lifetime time.Duration) error {
	signedIn := now
	u.LastSignIn = &signedIn
	if err := tx.PutUser(u); err != nil {
		return step("save user", err)
	}
	return step("save session", tx.PutSession(HashToken(session), store.Session{User: u.ID, Created: now, Expires: now.Add(lifetime)}))
}
