package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// Service is nabij's use cases over the store: each one validates, decides
// and writes in a single transaction.
type Service struct {
	Store     *store.Store
	Protocol  *protocol.Protocol
	Calendar  *school.Calendar
	Planner   *alerts.Planner
	Fallbacks *alerts.Fallbacks
	Location  *time.Location
	Settings  Settings
	Now       func() time.Time
	// Wake tells the dispatcher there is new work in the outbox.
	Wake func()
	// Observe, when set, is told of every message a webhook changed.
	Observe func(*alerts.Message)
	// Translations is the catalog messages are written with (the
	// Planner's Renderer holds the same): the embedded files with the
	// school's own wording in place, swapped when a reviewer saves one.
	Translations *translations.Live
	// translationsMu keeps a save and its swap together, so two saves
	// cannot put their catalogs in force in the wrong order.
	translationsMu sync.Mutex
	// overridesSeen is the school's files last put in force (languages and
	// when each was saved), for RefreshTranslationOverrides.
	overridesSeen string
	// RecordingCaller places the calls that record a message by phone
	// (nil: nabij cannot call); those under way are in the store.
	RecordingCaller RecordingCaller
}

// Today is the school-local date now.
func (s *Service) Today() school.Date { return school.DateOf(s.Now().In(s.Location)) }

// HashToken is how tokens are stored: tokens are 256 random bits, so a plain
// SHA-256 is enough to make a stolen database useless for signing in.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// Authenticate finds the user a bearer token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (school.User, bool, error) {
	var u school.User
	var ok bool
	err := s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var err error
		u, ok, err = tx.UserByTokenHash(HashToken(token))
		return err
	})
	if u.Disabled {
		return school.User{}, false, err
	}
	if ok && err == nil {
		s.noteAPIUse(u)
	}
	return u, ok, err
}

// CreateUser adds a staff member and returns their token, shown only this once.
func (s *Service) CreateUser(ctx context.Context, name string, role school.Role, classes []string) (_ school.User, _ string, err error) {
	defer failed(&err, "create user (%s)", role)
	var errs []school.FieldError
	name = strings.TrimSpace(name)
	if name == "" {
		errs = append(errs, school.FieldError{Field: "name", Message: "a name is required"})
	}
	switch role {
	case school.RoleMentor, school.RoleCoordinator, school.RoleAdmin:
	case school.RoleReviewer:
		errs = append(errs, school.FieldError{Field: "language", Message: "a reviewer needs the language they review"})
	default:
		errs = append(errs, school.FieldError{Field: "role", Message: fmt.Sprintf("role %q is not one of mentor, coordinator, admin, reviewer", role)})
	}
	if role == school.RoleMentor && len(classes) == 0 {
		errs = append(errs, school.FieldError{Field: "classes", Message: "a mentor needs at least one class"})
	}
	token := newToken()
	u := school.User{Name: name, Role: role, Classes: classes, TokenHash: HashToken(token)}
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		unknown, err := unknownClasses(tx, classes)
		if err != nil {
			return err
		}
		if errs = append(errs, unknown...); len(errs) > 0 {
			return &school.ValidationError{Details: errs}
		}
		return tx.PutUser(&u)
	})
	if err != nil {
		return school.User{}, "", err
	}
	return u, token, nil
}

// ReplaceRoster checks r whole and puts it in place of the roster, or
// changes nothing.
func (s *Service) ReplaceRoster(_ context.Context, r *school.Roster) (err error) {
	defer failed(&err, "replace roster")
	if err := r.Normalize(s.Today()); err != nil {
		return err
	}
	return s.Store.Update(func(tx *store.Tx) error {
		// Retention counts from the day a pupil leaves the roster.
		old, err := tx.Roster()
		if err != nil {
			return step("read roster", err)
		}
		stays := map[string]bool{}
		for _, st := range r.Students {
			stays[st.ID] = true
			if err := tx.ClearLeft(st.ID); err != nil {
				return step("clear left "+st.ID, err)
			}
		}
		for _, st := range old.Students {
			if !stays[st.ID] {
				if err := tx.MarkLeft(st, s.Today()); err != nil {
					return step("mark left "+st.ID, err)
				}
			}
		}
		return step("save roster", tx.ReplaceRoster(r))
	})
}

// Roster is the roster as u may see it: a mentor sees only their classes and
// the housing units of their pupils.
func (s *Service) Roster(_ context.Context, u school.User) (*school.Roster, error) {
	var r *school.Roster
	err := s.Store.View(func(tx *store.Tx) error {
		var err error
		r, err = tx.Roster()
		return err
	})
	if err == nil && u.Role == school.RoleReviewer {
		return nil, fmt.Errorf("%w: a reviewer sees only their language's messages", school.ErrForbidden)
	}
	if err != nil || u.Role != school.RoleMentor {
		return r, err
	}
	mine := &school.Roster{Classes: []school.Class{}, HousingUnits: []school.HousingUnit{}, Students: []school.Student{}}
	units := map[string]bool{}
	for _, c := range r.Classes {
		if u.Teaches(c.ID) {
			mine.Classes = append(mine.Classes, c)
		}
	}
	for _, st := range r.Students {
		if u.Teaches(st.Class) {
			st.PGN = "" // for coordinators only: a DUO melding needs it, a mentor does not
			mine.Students = append(mine.Students, st)
			units[st.HousingUnit] = true
		}
	}
	for _, hu := range r.HousingUnits {
		if units[hu.ID] {
			mine.HousingUnits = append(mine.HousingUnits, hu)
		}
	}
	return mine, nil
}

// sameAbsences reports whether two lists say the same, in any order.
func sameAbsences(a, b []school.Absence) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(x school.Absence) string {
		return fmt.Sprintf("%s|%s|%d|%s|%g|%s", x.Student, x.Kind, x.Minutes, x.Reason, x.Hours, x.ReportedBy)
	}
	ka := make([]string, len(a))
	kb := make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = key(a[i]), key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// unknownClasses names, by their place in classes, the classes the roster
// does not have.
func unknownClasses(tx *store.Tx, classes []string) ([]school.FieldError, error) {
	var out []school.FieldError
	for i, c := range classes {
		if _, ok, err := tx.Class(c); err != nil {
			return nil, err
		} else if !ok {
			out = append(out, school.FieldError{Field: fmt.Sprintf("classes[%d]", i), Message: fmt.Sprintf("class %q is not in the roster", c)})
		}
	}
	return out, nil
}
