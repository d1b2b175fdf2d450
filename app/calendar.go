package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// CalendarWarnDays is how long before its data ends the calendar warns that
// it needs the next school year.
const CalendarWarnDays = 90

// CalendarView is the school's calendar as the API shows it.
type CalendarView struct {
	// Covers is the span of days the calendar's holiday data knows.
	Covers school.Period `json:"covers"`
	// Closed are the days the school closed after the fact.
	Closed []store.ClosedDay `json:"closed"`
	// Warnings say what the coordinator should know: the calendar's data
	// ends soon, or has ended and no rule counts days any more.
	Warnings []string `json:"warnings"`
}

// CalendarView shows the calendar: its span, the closed days and its warnings.
func (s *Service) CalendarView(ctx context.Context) (_ *CalendarView, err error) {
	defer failed(&err, "calendar")
	v := &CalendarView{Covers: s.Calendar.Covers, Closed: []store.ClosedDay{}, Warnings: s.CalendarWarnings()}
	if v.Warnings == nil {
		v.Warnings = []string{} // an array, as docs/openapi.yaml says: never null
	}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		days, err := tx.ClosedDays()
		if days != nil {
			v.Closed = days
		}
		return err
	})
	return v, err
}

// CalendarWarnings says, for today, whether the calendar's data ends within
// CalendarWarnDays (it needs the next school year) or has ended (no rule
// counts a day it does not cover: no escalation opens, though same-morning
// alerts still go out). nil when all is well.
func (s *Service) CalendarWarnings() []string {
	return calendarWarnings(s.Calendar, s.Today())
}

func calendarWarnings(cal *school.Calendar, today school.Date) []string {
	c := cal.Covers
	if c.First.IsZero() {
		return nil
	}
	switch {
	case today.After(c.Last):
		return []string{fmt.Sprintf("The school calendar's holiday data ended on %s: no rule counts a day after it, so no escalation opens "+
			"(same-morning alerts still go out, a weekday taken for a school day). Upgrade nabij to a version with the next school year's holidays.", c.Last)}
	case today.Before(c.First):
		return []string{fmt.Sprintf("The school calendar's holiday data starts on %s: no rule counts a day before it.", c.First)}
	case today.DaysUntil(c.Last) < CalendarWarnDays:
		return []string{fmt.Sprintf("The school calendar's holiday data ends on %s, in %d days: after it no rule counts a day. "+
			"Upgrade nabij to a version with the next school year's holidays before then.", c.Last, today.DaysUntil(c.Last))}
	}
	return nil
}

// LoadClosedDays puts the closed days of the store into the calendar: at start.
func (s *Service) LoadClosedDays() error {
	return s.Store.View(func(tx *store.Tx) error {
		days, err := tx.ClosedDays()
		if err == nil {
			s.Calendar.SetClosed(store.ClosedPeriods(days))
		}
		return err
	})
}

// CloseDay marks a day closed after the fact (a storm day, a study day the
// school forgot to list), or with reopen takes that back. From then on no
// rule counts the day: the cases of the pupils listed that day are
// rechecked and their rules run again, in the same transaction; other
// pupils' rules see it at the next sweep. Only a day that is a school day
// can be closed, and only a day closed after the fact can be reopened.
func (s *Service) CloseDay(ctx context.Context, u school.User, date school.Date, reason string, reopen bool) (_ *store.ClosedDay, err error) {
	defer failed(&err, "close day %s (reopen %v)", date, reopen)
	if u.Role != school.RoleCoordinator && u.Role != school.RoleAdmin {
		return nil, fmt.Errorf("%w: only a coordinator or an admin closes a day", school.ErrForbidden)
	}
	reason = strings.TrimSpace(reason)
	if !reopen && reason == "" {
		return nil, &school.ValidationError{Details: []school.FieldError{{Field: "reason", Message: "say why the school was closed, e.g. \"stormdag\""}}}
	}
	if len(reason) > 200 {
		return nil, &school.ValidationError{Details: []school.FieldError{{Field: "reason", Message: "at most 200 characters"}}}
	}
	day := &store.ClosedDay{Date: date, Reason: reason, By: u.ID, At: s.Now()}
	var closed []store.ClosedDay
	cal := &school.Calendar{Holidays: s.Calendar.Holidays, FreeDays: s.Calendar.FreeDays, Covers: s.Calendar.Covers}
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		var err error
		if closed, err = tx.ClosedDays(); err != nil {
			return step("read closed days", err)
		}
		i := slices.IndexFunc(closed, func(c store.ClosedDay) bool { return c.Date == date })
		switch {
		case reopen && i < 0:
			return school.NotFound("%s was not closed after the fact", date)
		case reopen:
			taken := closed[i] // a copy: slices.Delete clears the slot it frees
			day = &taken
			closed = slices.Delete(closed, i, i+1)
			if _, err := tx.DeleteClosedDay(date); err != nil {
				return step("delete closed day", err)
			}
		case i >= 0:
			closed[i] = *day // the reason corrected
			return step("save closed day", tx.PutClosedDay(*day))
		default:
			if why := s.Calendar.WhyNotSchoolDay(date); why != "" {
				return &school.ValidationError{Details: []school.FieldError{{Field: "date", Message: fmt.Sprintf("%s is no school day already (%s)", date, why)}}}
			}
			closed = append(closed, *day)
			if err := tx.PutClosedDay(*day); err != nil {
				return step("save closed day", err)
			}
		}
		cal.SetClosed(store.ClosedPeriods(closed))
		return step("review day", s.reviewDay(tx, cal, date))
	})
	if err != nil {
		return nil, err
	}
	s.Calendar.SetClosed(store.ClosedPeriods(closed))
	return day, nil
}

// reviewDay rechecks the cases of the pupils listed on date and runs their
// rules again, with cal.
func (s *Service) reviewDay(tx *store.Tx, cal *school.Calendar, date school.Date) error {
	r, err := tx.Roster()
	if err != nil {
		return err
	}
	var changes []pupilChange
	for _, c := range r.Classes {
		l, ok, err := tx.AbsenceList(c.ID, date)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		for _, a := range l.Absences {
			changes = append(changes, pupilChange{student: a.Student})
		}
	}
	return s.evaluateWith(tx, cal, changes, s.Today().AddDays(-1), date)
}
