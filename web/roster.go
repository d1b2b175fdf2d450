package web

import (
	"errors"
	"fmt"

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

// rosterImportError is an import's error as the admin page shows it: an
// unreadable file and a preview gone are the admin's to put right (400).
func rosterImportError(err error) error {
	if errors.Is(err, rosterimport.ErrUnreadable) || errors.Is(err, app.ErrRosterImportGone) {
		return badRequest("%v", err)
	}
	return err
}
