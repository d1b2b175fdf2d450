package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
)

// rosterRequest is the roster as posted: dates as text, so that a bad birth
// date is a named field in a 422, not a 400 for the whole body.
type rosterRequest struct {
	Classes      []school.Class       `json:"classes"`
	HousingUnits []school.HousingUnit `json:"housing_units"`
	Students     []studentRequest     `json:"students"`
}

type studentRequest struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Class       string           `json:"class"`
	BirthDate   string           `json:"birth_date"`
	Gender      string           `json:"gender"`
	HousingUnit string           `json:"housing_unit"`
	Contacts    []school.Contact `json:"contacts"`
	PGN         string           `json:"pgn"`
}

func (r *rosterRequest) roster() (*school.Roster, error) {
	out := &school.Roster{Classes: r.Classes, HousingUnits: r.HousingUnits, Students: make([]school.Student, len(r.Students))}
	if out.Classes == nil {
		out.Classes = []school.Class{}
	}
	if out.HousingUnits == nil {
		out.HousingUnits = []school.HousingUnit{}
	}
	var bad []school.FieldError
	for i, s := range r.Students {
		st := school.Student{ID: s.ID, Name: s.Name, Class: s.Class, Gender: s.Gender, HousingUnit: s.HousingUnit, Contacts: s.Contacts, PGN: s.PGN}
		if st.Contacts == nil {
			st.Contacts = []school.Contact{}
		}
		if s.BirthDate != "" {
			d, err := school.ParseDate(s.BirthDate)
			if err != nil {
				bad = append(bad, school.FieldError{Field: fmt.Sprintf("students[%d].birth_date", i), Message: err.Error()})
			}
			st.BirthDate = d
		}
		out.Students[i] = st
	}
	if len(bad) > 0 {
		// Report these with every other bad field of the roster.
		if err := out.Normalize(school.Date{Year: 9999, Month: 12, Day: 31}); err != nil {
			ve := err.(*school.ValidationError)
			ve.Details = append(bad, withoutMissingBirthDates(ve.Details, bad)...)
			return nil, ve
		}
		return nil, &school.ValidationError{Details: bad}
	}
	return out, nil
}

// withoutMissingBirthDates drops "birth date required" for the dates already
// reported as unreadable.
func withoutMissingBirthDates(details, unreadable []school.FieldError) []school.FieldError {
	skip := map[string]bool{}
	for _, u := range unreadable {
		skip[u.Field] = true
	}
	var out []school.FieldError
	for _, d := range details {
		if !skip[d.Field] {
			out = append(out, d)
		}
	}
	return out
}

// rosterImportView is the API's answer to a roster file: the preview of
// what applying it changes, or every bad row (then without an id).
type rosterImportView struct {
	ID        string             `json:"id,omitempty"`
	Format    app.RosterFormat   `json:"format"`
	Rows      int                `json:"rows"`
	Errors    []rowErrorView     `json:"errors"`
	Changes   *rosterChangesView `json:"changes,omitempty"`
	ExpiresAt *time.Time         `json:"expires_at,omitempty"`
	LongNames []string           `json:"long_names,omitempty"`
}

// rowErrorView is a bad row of a roster file.
type rowErrorView struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// rosterChangesView is what applying a roster file changes, by id.
type rosterChangesView struct {
	NewStudents     []string `json:"new_students"`
	ChangedStudents []string `json:"changed_students"`
	RemovedStudents []string `json:"removed_students"`
	NewContacts     []string `json:"new_contacts"`
	ChangedContacts []string `json:"changed_contacts"`
	RemovedContacts []string `json:"removed_contacts"`
	NewClasses      []string `json:"new_classes"`
	RemovedClasses  []string `json:"removed_classes"`
}

// postRosterImport reads a roster file sent as the body (a nabij CSV or a
// OneRoster zip, told apart by its content) and answers its preview.
func (h *handlers) postRosterImport(c echo.Context) error {
	file, size, done, err := spool(c.Request().Body)
	if err != nil {
		return err
	}
	defer done()
	imp, err := h.svc.PreviewRosterImport(c.Request().Context(), user(c), file, size)
	if errors.Is(err, rosterimport.ErrUnreadable) {
		return badRequest("%v", err)
	} else if err != nil {
		return err
	}
	h.log.Info("roster file previewed", "format", imp.Format, "rows", imp.Rows, "errors", len(imp.Errors), "by", user(c).ID)
	v := rosterImportView{ID: imp.ID, Format: imp.Format, Rows: imp.Rows, Errors: []rowErrorView{}, LongNames: imp.LongNames}
	for _, e := range imp.Errors {
		v.Errors = append(v.Errors, rowErrorView{Row: e.Row, Column: e.Column, Message: e.Message})
	}
	if imp.ID != "" {
		ch := rosterChangesView(imp.Changes)
		v.Changes, v.ExpiresAt = &ch, &imp.Expires
	}
	return c.JSON(http.StatusOK, v)
}

// applyRosterImport applies a preview of postRosterImport's.
func (h *handlers) applyRosterImport(c echo.Context) error {
	r, err := h.svc.ApplyRosterImport(c.Request().Context(), user(c), c.Param("id"))
	if errors.Is(err, app.ErrRosterImportGone) {
		return &apiError{http.StatusNotFound, "not_found", err.Error(), nil}
	} else if err != nil {
		return err
	}
	h.log.Info("roster replaced from a file", "students", len(r.Students), "classes", len(r.Classes), "by", user(c).ID)
	return c.JSON(http.StatusOK, map[string]int{"classes": len(r.Classes), "students": len(r.Students), "housing_units": len(r.HousingUnits)})
}

// rosterImportError is an import's error as the admin page shows it: an
// unreadable file and a preview gone are the admin's to put right (400).
func rosterImportError(err error) error {
	if errors.Is(err, rosterimport.ErrUnreadable) || errors.Is(err, app.ErrRosterImportGone) {
		// The answer a 400 with the cause's words; the cause kept for a
		// page to say in its own (pageError).
		return errors.Join(badRequest("%v", err), err)
	}
	return err
}

// spool makes a request body readable at any offset, as a zip is read: its
// first uploadMemory bytes in memory, the rest (up to the server's body
// limit) in a temporary file, as a multipart upload is. done removes it.
func spool(body io.Reader) (file io.ReaderAt, size int64, done func(), err error) {
	var head bytes.Buffer
	n, err := io.CopyN(&head, body, uploadMemory+1)
	if err == io.EOF {
		return bytes.NewReader(head.Bytes()), n, func() {}, nil
	} else if err != nil {
		return nil, 0, nil, bodyError(err)
	}
	f, err := os.CreateTemp("", "nabij-roster-*")
	if err != nil {
		return nil, 0, nil, err
	}
	done = func() {
		f.Close()
		os.Remove(f.Name())
	}
	if _, err := f.Write(head.Bytes()); err != nil {
		done()
		return nil, 0, nil, err
	}
	rest, err := io.Copy(f, body)
	if err != nil {
		done()
		return nil, 0, nil, bodyError(err)
	}
	return f, n + rest, done, nil
}

// bodyError is a failed read of a request body: past its limit a 413.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(tooBig.Limit)
	}
	return err
}
