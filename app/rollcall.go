package app

import (
	"context"
	"fmt"

	"github.com/nabij-isk/nabij/school"
)

// RollCallEntry is one pupil's row of the roll call page: the entry the
// page showed when it was loaded (Was) and the one it sent (Now). A Kind
// of "" or present is no entry: the pupil was at school.
type RollCallEntry struct {
	Student string
	Was     school.Absence
	Now     school.Absence
}

// RecordRollCall records the roll call page of class, loaded for day. The
// page sends every pupil's row, and the list may have changed since it was
// loaded (a colleague, the coordinator, a family's report): only the rows
// the page changed take their new value; every other entry stays as the
// list holds it now. (Found by a review: a page open for a while sent its
// old rows as the whole list, took off an absence a colleague had just
// posted, and nabij told the family it had been a mistake.) A page loaded
// on another day than today is refused (a validation error on "date"):
// its rows were of that day.
func (s *Service) RecordRollCall(ctx context.Context, u school.User, class string, day school.Date, rows []RollCallEntry) (_ *ListResult, err error) {
	defer failed(&err, "record roll call %s %s", class, day)
	if !mayWriteList(u, class) {
		return nil, fmt.Errorf("%w: %s may not post the list of class %s", school.ErrForbidden, u.ID, class)
	}
	if today := s.Today(); day != today {
		return nil, &school.ValidationError{Details: []school.FieldError{{Field: "date",
			Message: fmt.Sprintf("the page was loaded on %s; today is %s", day, today)}}}
	}
	if rows == nil {
		rows = []RollCallEntry{}
	}
	return s.recordList(ctx, u, class, day, nil, rows)
}

// mergeRollCall is the list a roll call page's rows make of the list as it
// stands now (nil when there is none): a row the page changed takes its new
// value (present: off the list); every other entry of now stays, and kept
// counts those a colleague changed after the page was loaded. An entry of
// a pupil the page did not show who left the class since (left) is left
// out, to keepDeparted, as for a list the API sends: it keeps the entry
// while the day is still this list's. (Found by a review: carried into the
// list, it was refused, and so was every roll call of the class that day.)
func mergeRollCall(now *school.AbsenceList, rows []RollCallEntry, left func(student string) bool) (list []school.Absence, kept int) {
	current := map[string]school.Absence{}
	if now != nil {
		for _, a := range now.Absences {
			current[a.Student] = a
		}
	}
	onPage := make(map[string]bool, len(rows))
	list = []school.Absence{}
	for _, r := range rows {
		onPage[r.Student] = true
		cur, has := current[r.Student]
		if SameEntry(r.Now, r.Was) {
			if has {
				list = append(list, cur)
			}
			if !SameEntry(entryOrPresent(cur, has), r.Was) {
				kept++
			}
			continue
		}
		if r.Now.Kind != "" && r.Now.Kind != school.Present {
			list = append(list, r.Now)
		}
	}
	if now != nil {
		for _, a := range now.Absences {
			if !onPage[a.Student] && !left(a.Student) {
				list = append(list, a)
			}
		}
	}
	return list, kept
}

// entryOrPresent is a list's entry, or present when it has none.
func entryOrPresent(a school.Absence, has bool) school.Absence {
	if !has {
		return school.Absence{Kind: school.Present}
	}
	return a
}

// SameEntry reports whether two rows of the roll call say the same: the
// kind (none and present alike), a late arrival's minutes, leave's reason.
func SameEntry(a, b school.Absence) bool {
	kind := func(k school.AbsenceKind) school.AbsenceKind {
		if k == "" {
			return school.Present
		}
		return k
	}
	if kind(a.Kind) != kind(b.Kind) {
		return false
	}
	switch a.Kind {
	case school.Late:
		return a.Minutes == b.Minutes
	case school.Excused:
		return a.Reason == b.Reason
	}
	return true
}
