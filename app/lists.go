package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// AlertRef is one alert a list led to, as the list's answer shows it.
type AlertRef struct {
	Message  string         `json:"message"`
	Student  string         `json:"student"`
	Contact  string         `json:"contact"`
	Channel  school.Channel `json:"channel"`
	Language string         `json:"language"`
	// LanguageFallback: nabij has no messages in the contact's languages,
	// so the alert goes in Dutch; the coordinator is told in the digest.
	LanguageFallback bool          `json:"language_fallback,omitempty"`
	Status           alerts.Status `json:"status"`
}

// ListResult is what recording a list did.
type ListResult struct {
	Date     school.Date `json:"date"`
	Class    string      `json:"class"`
	Recorded int         `json:"recorded"`
	Alerts   []AlertRef  `json:"alerts"`
	// AlertsWithheld says why the list made no new alert: after_alert_until
	// (today's list posted after NABIJ_ALERT_UNTIL) or past_day (a list of
	// a day before today); Note says it in words.
	AlertsWithheld string `json:"alerts_withheld,omitempty"`
	Note           string `json:"note,omitempty"`
	// KeptMeanwhile counts the roll call page's rows another user changed
	// after the page was loaded and the page left as they were: kept as
	// that user left them (RecordRollCall; not in the API's answer).
	KeptMeanwhile int `json:"-"`
	// AlertsUntil is when same-morning alerts end (NABIJ_ALERT_UNTIL), in
	// the school's time; zero when the school set no end.
	AlertsUntil time.Time `json:"-"`
}

// alertsEnd is when the same-morning alerts of date end
// (NABIJ_ALERT_UNTIL); zero when the school set no end.
func (s *Service) alertsEnd(date school.Date) time.Time {
	d := s.Settings.AlertUntil
	if d <= 0 {
		return time.Time{}
	}
	return date.At(int(d/time.Hour), int(d%time.Hour/time.Minute), s.Location)
}

// mayWriteList reports whether u may post class's list: its mentor or a coordinator.
func mayWriteList(u school.User, class string) bool {
	return u.Role == school.RoleCoordinator || (u.Role == school.RoleMentor && u.Teaches(class))
}

// checkListDate refuses days no list can be for.
func (s *Service) checkListDate(date school.Date) error {
	if date.After(s.Today()) {
		return &school.ValidationError{Details: []school.FieldError{{Field: "date", Message: fmt.Sprintf("%s is in the future: a list is for today or a past day", date)}}}
	}
	return nil
}

// RecordList puts the whole list of class for date in place of the one
// before. In the same transaction it decides the same-morning alerts (only
// for today's list) and brings the outbox in line: putting the same list
// again changes nothing, a correction never sends an alert twice.
func (s *Service) RecordList(ctx context.Context, u school.User, class string, date school.Date, absences []school.Absence) (_ *ListResult, err error) {
	defer failed(&err, "record list %s %s", class, date)
	return s.recordList(ctx, u, class, date, absences, nil)
}

// recordList is RecordList; with rows (the roll call page's), the list is
// the list as it stands with the rows the page changed (mergeRollCall).
func (s *Service) recordList(ctx context.Context, u school.User, class string, date school.Date, absences []school.Absence, rows []RollCallEntry) (*ListResult, error) {
	if !mayWriteList(u, class) {
		return nil, fmt.Errorf("%w: %s may not post the list of class %s", school.ErrForbidden, u.ID, class)
	}
	if err := s.checkListDate(date); err != nil {
		return nil, err
	}
	now := s.Now()
	list := &school.AbsenceList{Class: class, Date: date, UpdatedAt: now, UpdatedBy: u.ID}
	res := &ListResult{Date: date, Class: class, Recorded: onList(absences)}
	until := s.alertsEnd(date)
	if !until.IsZero() {
		res.AlertsUntil = until.In(s.Location)
	}
	switch {
	case date != s.Today():
		res.AlertsWithheld = "past_day"
		res.Note = fmt.Sprintf("a list of %s, a day before today: no same-morning alert is sent for it", date)
	case !until.IsZero() && !now.Before(until):
		list.AlertsWithheld, res.AlertsWithheld = school.AlertsAfterUntil, school.AlertsAfterUntil
		res.Note = fmt.Sprintf("posted at %s, after %s (NABIJ_ALERT_UNTIL): same-morning alerts are sent only until then, so no new alert was sent; the list is recorded and counted, and the coordinator's digest names it",
			now.In(s.Location).Format("15:04"), until.Format("15:04"))
	}
	// Lists posted at the same moment share a commit (Group): the closure may
	// run more than once, so it starts from the posted list each time.
	err := s.Store.GroupContext(ctx, func(tx *store.Tx) error {
		list.Absences = append(make([]school.Absence, 0, len(absences)), absences...)
		res.Alerts = []AlertRef{}
		ahead := readAhead(list.Absences)
		for _, r := range rows[:min(len(rows), maxReadAhead)] {
			ahead = append(ahead, r.Student)
		}
		if err := tx.ReadAheadForList(class, date, ahead); err != nil {
			return step("read ahead", err)
		}
		old, hadOld, err := tx.AbsenceList(class, date)
		if err != nil {
			return step("read list", err)
		}
		if rows != nil {
			var now *school.AbsenceList
			if hadOld {
				now = old
			}
			left := func(id string) bool {
				_, c, ok, err := tx.StudentFacts(id)
				return err == nil && (!ok || c != class)
			}
			list.Absences, res.KeptMeanwhile = mergeRollCall(now, rows, left)
			res.Recorded = onList(list.Absences)
		}
		if _, ok, err := tx.Class(class); err != nil {
			return err
		} else if !ok {
			return school.NotFound("class %s", class)
		}
		classOf := func(id string) (string, bool) {
			_, class, ok, err := tx.StudentFacts(id)
			return class, ok && err == nil
		}
		// A pupil no longer in the class (moved, or left the roster) whose
		// day this list wrote may still be corrected in it: a doctor's note
		// can come after the pupil left.
		listable := func(id string) (string, bool) {
			if c, ok := classOf(id); ok && c == class {
				return c, true
			}
			if c, has, err := tx.HistoryClass(id, date); err == nil && has && c == class {
				return c, true
			}
			return classOf(id)
		}
		// A mentor is told nothing of other classes; a coordinator is
		// told where a pupil is.
		check := school.ListCheck{Reveal: u.Role == school.RoleCoordinator, DayHours: s.Protocol.SchoolDay.DayHours}
		if len(list.Absences) > 0 {
			check.Pupils, check.Limit = tx.ClassSize(class), true
		}
		if err := list.ValidateWith(listable, s.Calendar, check); err != nil {
			return err
		}
		if err := presentElsewhere(tx, list, check.Reveal); err != nil {
			return err
		}
		if hadOld {
			keepFamilyReports(old, list)
			if err := keepDeparted(old, list, classOf, func(id string) (string, bool, error) { return tx.HistoryClass(id, date) }); err != nil {
				return step("read history", err)
			}
		}
		// "present" only takes a pupil off the list (a departed pupil's
		// entry, which leaving them out keeps): it is never stored.
		list.Absences = slices.DeleteFunc(list.Absences, func(a school.Absence) bool { return a.Kind == school.Present })
		if !hadOld || !old.Posted() || !sameAbsences(old.Absences, list.Absences) {
			if err := tx.PutAbsenceList(list); err != nil {
				return step("save list", err)
			}
		}
		scope := studentsOf(list)
		if hadOld {
			for _, id := range studentsOf(old) {
				if !slices.Contains(scope, id) {
					scope = append(scope, id)
				}
			}
		}
		// The alerts of a pupil no longer in the class (an entry kept from
		// the list as it was) stay as they are: not cancelled, not planned.
		scope = slices.DeleteFunc(scope, func(id string) bool { c, ok := classOf(id); return !ok || c != class })
		var wants []alerts.Want
		var absent []string
		if date == s.Today() {
			wants, absent, err = s.wants(tx, list, now)
			if err != nil {
				return step("find contacts", err)
			}
		}
		// Only today's list touches the outbox: correcting a past day's list
		// must neither cancel nor apologise for that day's alerts.
		planned := map[alerts.Want]*alerts.Message{}
		if date == s.Today() {
			if planned, err = s.Planner.ApplyUntil(tx, date, scope, wants, now, until); err != nil {
				return step("plan alerts", err)
			}
		}
		reached := map[string]bool{}
		for _, w := range wants {
			m, ok := planned[w]
			if !ok {
				continue // the contact opted out
			}
			reached[w.Student] = true
			res.Alerts = append(res.Alerts, AlertRef{Message: m.ID, Student: w.Student, Contact: w.Contact.ID,
				Channel: m.Channel, Language: m.Language, LanguageFallback: m.LanguageFallback, Status: m.Status})
		}
		// An absent pupil no message can go to: call the family now. (A
		// list after the alerts' end tried none: the digest names it.)
		for _, id := range absent {
			if !reached[id] && list.AlertsWithheld == "" {
				if err := s.noOneToTell(tx, date, id, now); err != nil {
					return step("task for "+id, err)
				}
			}
		}
		// Escalations count the days before today: today's absences are
		// counted by the end-of-day sweep, once the day is over.
		var prev *school.AbsenceList
		if hadOld {
			prev = old
		}
		return step("evaluate", s.evaluate(tx, changesOf(prev, list), s.Today().AddDays(-1), date))
	})
	if err != nil {
		return nil, err
	}
	if s.Wake != nil {
		s.Wake()
	}
	return res, nil
}

// presentElsewhere refuses "present" for a pupil whose day is on another
// class's list (they moved class since): this list holds no entry of
// theirs to take off, and their day stays where it is. The coordinator is
// told which list to correct; a mentor is told nothing of other classes.
// (Found by a review: the list was taken, 200, and the day stayed.)
func presentElsewhere(tx *store.Tx, list *school.AbsenceList, reveal bool) error {
	for i, a := range list.Absences {
		if a.Kind != school.Present {
			continue
		}
		c, has, err := tx.HistoryClass(a.Student, list.Date)
		if err != nil {
			return step("read history", err)
		}
		if has && c != list.Class {
			msg := fmt.Sprintf("student %q's day is on another class's list: it is taken off there", a.Student)
			if reveal {
				msg = fmt.Sprintf("student %q's %s is on class %q's list: take it off there", a.Student, list.Date, c)
			}
			return &school.ValidationError{Details: []school.FieldError{{Field: fmt.Sprintf("absences[%d].kind", i), Message: msg}}}
		}
	}
	return nil
}

// onList counts the entries a list records: all but present.
func onList(absences []school.Absence) int {
	n := 0
	for _, a := range absences {
		if a.Kind != school.Present {
			n++
		}
	}
	return n
}

// readAhead names the pupils whose records a list's transaction reads
// ahead: at most maxReadAhead (a class is a few dozen; a list of more is
// refused further on, and its reads are not worth a round trip).
func readAhead(absences []school.Absence) []string {
	ids := make([]string, 0, min(len(absences), maxReadAhead))
	for _, a := range absences[:min(len(absences), maxReadAhead)] {
		ids = append(ids, strings.TrimSpace(a.Student))
	}
	return ids
}

const maxReadAhead = 100

func studentsOf(l *school.AbsenceList) []string {
	ids := make([]string, len(l.Absences))
	for i, a := range l.Absences {
		ids[i] = a.Student
	}
	return ids
}

// wants asks the protocol who hears of today's list, and names the absent
// pupils (whose families must be reached one way or another).
func (s *Service) wants(tx *store.Tx, list *school.AbsenceList, now time.Time) ([]alerts.Want, []string, error) {
	decisions := s.Protocol.SameMorningAlerts(list)
	students := map[string]school.Student{}
	units := map[string]school.HousingUnit{}
	var absent []string
	for _, d := range decisions {
		st, ok, err := tx.Student(d.Student)
		if err != nil {
			return nil, nil, err
		}
		if !ok || st.Class != list.Class {
			// Kept from the list as it was (keepDeparted): the pupil left
			// the roster or the class since; their messages stay as they are.
			continue
		}
		students[st.ID] = st
		if d.Kind == school.Absent {
			absent = append(absent, st.ID)
		}
		if st.HousingUnit != "" {
			if hu, ok, err := tx.HousingUnit(st.HousingUnit); err != nil {
				return nil, nil, err
			} else if ok {
				units[hu.ID] = hu
			}
		}
	}
	decisions = slices.DeleteFunc(decisions, func(d protocol.Notify) bool { _, ok := students[d.Student]; return !ok })
	wants := alerts.Recipients(decisions, students, units)
	phones := make([]string, 0, len(wants))
	for _, w := range wants {
		if !slices.Contains(phones, w.Contact.Phone) {
			phones = append(phones, w.Contact.Phone)
		}
	}
	if err := tx.ReadAheadForContacts(list.Date, phones); err != nil {
		return nil, nil, err
	}
	// A parent whose other children's classes have not posted yet waits for
	// them, until the lists' deadline, so that one message names them all.
	deadline := s.Protocol.SchoolDay.ListDeadline(list.Date, s.Location)
	if now.Before(deadline) {
		for i, w := range wants {
			for _, sib := range tx.StudentsByPhone(w.Contact.Phone) {
				_, class, ok, err := tx.StudentFacts(sib)
				if err != nil {
					return nil, nil, err
				}
				if ok && sib != w.Student && class != list.Class && !tx.ListPosted(class, list.Date) {
					wants[i].HoldUntil = deadline
					break
				}
			}
		}
	}
	return wants, absent, nil
}

// noOneToTell makes the "call this family now" task for an absent pupil
// without a contact nabij may write to.
func (s *Service) noOneToTell(tx *store.Tx, date school.Date, id string, now time.Time) error {
	st, _, err := tx.Student(id)
	if err != nil {
		return err
	}
	tried := []string{}
	for _, c := range st.Contacts {
		if out, _ := tx.OptedOut(c.Phone); out {
			tried = append(tried, fmt.Sprintf("%s %s: opted out (STOP)", c.Role, c.ID))
		}
	}
	if len(st.Contacts) == 0 {
		tried = append(tried, "no contact in the roster")
	}
	return alerts.Unreachable(tx, date, id, tried, now)
}

// List is the list of class for date as it stands; an empty one when none was posted.
func (s *Service) List(ctx context.Context, u school.User, class string, date school.Date) (_ *school.AbsenceList, err error) {
	defer failed(&err, "list %s %s", class, date)
	if !u.MaySeeClass(class) {
		return nil, fmt.Errorf("%w: %s may not see class %s", school.ErrForbidden, u.ID, class)
	}
	var list *school.AbsenceList
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		if _, ok, err := tx.Class(class); err != nil {
			return err
		} else if !ok {
			return school.NotFound("class %s", class)
		}
		l, ok, err := tx.AbsenceList(class, date)
		if ok {
			list = l
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = &school.AbsenceList{Class: class, Date: date, Absences: []school.Absence{}}
	}
	return list, nil
}

// keepFamilyReports keeps a sick report a family sent (by replying 1) when
// the mentor's corrected list still says "absent" (the mentor knows the
// pupil is not there, the family knows why) or "sick" (the list sent back as
// it was read). A mentor who lists the pupil late, excused or present is
// not overruled.
func keepFamilyReports(old, list *school.AbsenceList) {
	for i, a := range list.Absences {
		prev, ok := old.Entry(a.Student)
		if ok && prev.Kind == school.Sick && prev.ReportedBy != "" && (a.Kind == school.Absent || a.Kind == school.Sick) {
			list.Absences[i] = prev
		}
	}
}

// keepDeparted keeps the entries of the old list of pupils who are no longer
// in its class (they left the roster, or moved to another class) while the
// day is still this list's (historyClass: no other class's list has written
// it since, and retention has not purged it): the list cannot name them now,
// and a list sent again, to correct another pupil, must not erase the
// absence a case of theirs stands on, nor undo another list's correction.
func keepDeparted(old, list *school.AbsenceList, classOf func(string) (string, bool), historyClass func(string) (string, bool, error)) error {
	for _, a := range old.Absences {
		if class, ok := classOf(a.Student); ok && class == list.Class {
			continue
		}
		if _, listed := list.Entry(a.Student); listed {
			continue
		}
		class, has, err := historyClass(a.Student)
		if err != nil {
			return err
		}
		if has && class == list.Class {
			list.Absences = append(list.Absences, a)
		}
	}
	return nil
}

// lateLists names the classes whose list of date was posted after
// NABIJ_ALERT_UNTIL (no same-morning alert went out for it).
func lateLists(tx *store.Tx, date school.Date) ([]string, error) {
	out := []string{}
	r, err := tx.Roster()
	if err != nil {
		return nil, err
	}
	for _, c := range r.Classes {
		l, ok, err := tx.AbsenceList(c.ID, date)
		if err != nil {
			return nil, err
		}
		if ok && l.AlertsWithheld == school.AlertsAfterUntil {
			out = append(out, c.ID)
		}
	}
	return out, nil
}
