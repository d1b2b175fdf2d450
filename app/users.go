package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// BootstrapAdminID is the id the bootstrap admin token (NABIJ_ADMIN_TOKEN)
// acts under. It is no user: it cannot be disabled or rotated here, only
// changed in the configuration.
const BootstrapAdminID = "admin"

// loadUser is a stored user, or a clear refusal for the bootstrap admin
// and for an unknown id.
func loadUser(tx *store.Tx, id string) (school.User, error) {
	if id == BootstrapAdminID {
		return school.User{}, fmt.Errorf("%w: the bootstrap admin token is not a user; change NABIJ_ADMIN_TOKEN in the configuration and restart", school.ErrConflict)
	}
	u, ok, err := tx.User(id)
	if err != nil {
		return u, err
	}
	if !ok {
		return u, school.NotFound("user %s", id)
	}
	return u, nil
}

// DisableUser takes a staff member's access away at once: their token,
// sessions and sign-in links stop working, and sign-in refuses them. An
// admin cannot disable themselves, nor the last enabled admin.
func (s *Service) DisableUser(ctx context.Context, by school.User, id string) (_ school.User, err error) {
	defer failed(&err, "disable user %s", id)
	var u school.User
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = loadUser(tx, id); err != nil {
			return err
		}
		if u.ID == by.ID {
			return fmt.Errorf("%w: you cannot disable yourself; another admin can", school.ErrConflict)
		}
		if u.Role == school.RoleAdmin && !u.Disabled {
			users, err := tx.Users()
			if err != nil {
				return err
			}
			others := 0
			for _, o := range users {
				if o.Role == school.RoleAdmin && !o.Disabled && o.ID != u.ID {
					others++
				}
			}
			if others == 0 {
				return fmt.Errorf("%w: user %s is the last enabled admin; make or enable another admin first", school.ErrConflict, id)
			}
		}
		u.Disabled = true
		if _, err := tx.DeleteSessionsOf(u.ID); err != nil {
			return step("end sessions", err)
		}
		if _, err := tx.DeleteSignInLinksOf(u.ID); err != nil {
			return step("revoke sign-in links", err)
		}
		return step("save user", tx.PutUser(&u))
	})
	u.TokenHash = ""
	return u, err
}

// EnableUser gives a disabled staff member access again: their API token
// works again (rotate it if it may have leaked); they sign in with a new link.
func (s *Service) EnableUser(ctx context.Context, id string) (_ school.User, err error) {
	defer failed(&err, "enable user %s", id)
	var u school.User
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = loadUser(tx, id); err != nil {
			return err
		}
		u.Disabled = false
		return tx.PutUser(&u)
	})
	u.TokenHash = ""
	return u, err
}

// RotateToken gives a user a new API token, shown only this once; the old
// one stops working at once.
func (s *Service) RotateToken(ctx context.Context, id string) (_ school.User, _ string, err error) {
	defer failed(&err, "rotate token of %s", id)
	token := newToken()
	var u school.User
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = loadUser(tx, id); err != nil {
			return err
		}
		u.TokenHash = HashToken(token)
		return tx.PutUser(&u)
	})
	u.TokenHash = ""
	if err != nil {
		return school.User{}, "", err
	}
	return u, token, nil
}

// RevokeSignInLinks drops every unused sign-in link of a user; it returns
// how many there were.
func (s *Service) RevokeSignInLinks(ctx context.Context, id string) (_ int, err error) {
	defer failed(&err, "revoke sign-in links of %s", id)
	n := 0
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		if _, err := loadUser(tx, id); err != nil {
			return err
		}
		var err error
		n, err = tx.DeleteSignInLinksOf(id)
		return err
	})
	return n, err
}

// SetClasses changes the classes a user teaches, each of the roster; a
// mentor keeps at least one, a reviewer has none. It takes effect on the
// user's next request.
func (s *Service) SetClasses(ctx context.Context, id string, classes []string) (_ school.User, err error) {
	defer failed(&err, "set classes of %s", id)
	var u school.User
	var clean []string
	seen := map[string]bool{}
	for _, c := range classes {
		if c = strings.TrimSpace(c); c != "" && !seen[c] {
			seen[c] = true
			clean = append(clean, c)
		}
	}
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = loadUser(tx, id); err != nil {
			return err
		}
		var errs []school.FieldError
		switch {
		case u.Role == school.RoleReviewer && len(clean) > 0:
			errs = append(errs, school.FieldError{Field: "classes", Message: "a reviewer has no classes"})
		case u.Role == school.RoleMentor && len(clean) == 0:
			errs = append(errs, school.FieldError{Field: "classes", Message: "a mentor needs at least one class"})
		}
		unknown, err := unknownClasses(tx, clean)
		if err != nil {
			return err
		}
		if errs = append(errs, unknown...); len(errs) > 0 {
			return &school.ValidationError{Details: errs}
		}
		u.Classes = clean
		return tx.PutUser(&u)
	})
	u.TokenHash = ""
	if err != nil {
		return school.User{}, err
	}
	return u, nil
}

// apiUseGrain is how often a user's last API use is written: a token used
// all day costs one write an hour, not one a request.
const apiUseGrain = time.Hour

// noteAPIUse records that u's token was used, when the last record is an
// hour old or more. A failed write costs only this bookkeeping, never the
// request, so it is not reported.
func (s *Service) noteAPIUse(u school.User) {
	now := s.Now()
	if u.LastAPIUse != nil && now.Sub(*u.LastAPIUse) < apiUseGrain {
		return
	}
	_ = s.Store.Update(func(tx *store.Tx) error {
		cur, ok, err := tx.User(u.ID)
		if err != nil || !ok || cur.TokenHash != u.TokenHash {
			return err
		}
		if cur.LastAPIUse != nil && now.Sub(*cur.LastAPIUse) < apiUseGrain {
			return nil
		}
		cur.LastAPIUse = &now
		return tx.PutUser(&cur)
	})
}
