package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// MissingLists reports the classes without a list for date: a task for the
// coordinator and the classes' mentors. It returns the classes.
func (s *Service) MissingLists(ctx context.Context, date school.Date) (_ []string, err error) {
	defer failed(&err, "missing lists %s", date)
	var missing []string
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		r, err := tx.Roster()
		if err != nil {
			return err
		}
		deadline := s.Protocol.SchoolDay.ListDeadline(date, s.Location)
		for _, c := range r.Classes {
			if tx.ListPosted(c.ID, date) {
				continue
			}
			missing = append(missing, c.ID)
			task := &school.Task{Kind: "missing_list", Date: date.String(), Class: c.ID, Created: s.Now(),
				Key:    "missing_list|" + date.String() + "|" + c.ID,
				Reason: fmt.Sprintf("Klas %s heeft om %s nog geen absentielijst gestuurd.", c.Name, deadline.Format("15:04"))}
			if _, err := tx.PutTask(task); err != nil {
				return step("task for "+c.ID, err)
			}
		}
		return nil
	})
	return missing, err
}

// Tasks lists the tasks u may see: a coordinator all, a mentor those of
// their classes and pupils.
func (s *Service) Tasks(ctx context.Context, u school.User) (_ []school.Task, err error) {
	defer failed(&err, "tasks for %s", u.ID)
	if u.Role != school.RoleCoordinator && u.Role != school.RoleMentor {
		return nil, fmt.Errorf("%w: tasks are for coordinators and mentors", school.ErrForbidden)
	}
	out := []school.Task{}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		all, err := tx.Tasks()
		for _, t := range all {
			class := t.Class
			if class == "" && t.Student != "" {
				st, _, _ := tx.Student(t.Student)
				class = st.Class
			}
			if u.Role == school.RoleCoordinator || u.Teaches(class) {
				out = append(out, t)
			}
		}
		return err
	})
	return out, err
}

// Digest is the coordinator's morning at a glance.
type Digest struct {
	Date            school.Date            `json:"date"`
	ClassesPosted   []string               `json:"classes_posted"`
	ClassesMissing  []string               `json:"classes_missing"`
	Absent          int                    `json:"absent"`
	Late            int                    `json:"late"`
	Sick            int                    `json:"sick"`
	Excused         int                    `json:"excused"`
	Messages        map[alerts.Status]int  `json:"messages"`
	OpenEscalations map[protocol.Level]int `json:"open_escalations"`
	DueSoon         []string               `json:"due_within_two_working_days"`
	OpenTasks       int                    `json:"open_tasks"`
	// CallNow are the pupils of date whose families no message reached.
	CallNow []string `json:"call_now"`
	// DutchInstead are the messages of date that went in Dutch because nabij
	// has no messages in the contact's languages: someone should call.
	DutchInstead []string `json:"dutch_instead"`
	// CalendarWarnings say the calendar's holiday data ends soon, or has
	// ended and no rule counts the days after it.
	CalendarWarnings []string `json:"calendar_warnings"`
	// LateLists are the classes whose list of date came after
	// NABIJ_ALERT_UNTIL, so that no same-morning alert went out for it;
	// read afresh whenever the digest is read.
	LateLists []string  `json:"late_lists"`
	MadeAt    time.Time `json:"made_at"`
}

// MorningDigest sums up date for the coordinator and keeps it.
func (s *Service) MorningDigest(ctx context.Context, date school.Date) (_ *Digest, err error) {
	defer failed(&err, "morning digest %s", date)
	return s.digest(ctx, date, true)
}

func (s *Service) digest(ctx context.Context, date school.Date, keep bool) (*Digest, error) {
	d := &Digest{Date: date, ClassesPosted: []string{}, ClassesMissing: []string{}, DueSoon: []string{}, CallNow: []string{}, DutchInstead: []string{}, LateLists: []string{},
		Messages: map[alerts.Status]int{}, OpenEscalations: map[protocol.Level]int{}, MadeAt: s.Now(),
		CalendarWarnings: calendarWarnings(s.Calendar, date)}
	if d.CalendarWarnings == nil {
		d.CalendarWarnings = []string{}
	}
	update := s.Store.UpdateContext
	if !keep {
		update = s.Store.ViewContext
	}
	err := update(ctx, func(tx *store.Tx) error {
		r, err := tx.Roster()
		if err != nil {
			return err
		}
		for _, c := range r.Classes {
			l, ok, err := tx.AbsenceList(c.ID, date)
			if err != nil {
				return err
			}
			if !ok || !l.Posted() {
				d.ClassesMissing = append(d.ClassesMissing, c.ID)
			} else {
				d.ClassesPosted = append(d.ClassesPosted, c.ID)
			}
			if !ok {
				continue
			}
			if l.AlertsWithheld == school.AlertsAfterUntil {
				d.LateLists = append(d.LateLists, c.ID)
			}
			for _, a := range l.Absences {
				switch a.Kind {
				case school.Absent:
					d.Absent++
				case school.Late:
					d.Late++
				case school.Sick:
					d.Sick++
				case school.Excused:
					d.Excused++
				}
			}
		}
		msgs, err := tx.MessagesOn(date)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			d.Messages[m.Status]++
			if m.LanguageFallback && m.Live() {
				d.DutchInstead = append(d.DutchInstead, m.ID)
			}
		}
		cases, err := tx.Escalations()
		if err != nil {
			return err
		}
		soon := school.AddWorkingDays(date, 2)
		for _, e := range cases {
			if !e.Active() {
				continue
			}
			d.OpenEscalations[e.Level]++
			if e.Due != nil && !e.Due.After(soon) {
				d.DueSoon = append(d.DueSoon, e.ID)
			}
		}
		tasks, err := tx.Tasks()
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if t.DoneAt == nil {
				d.OpenTasks++
				if t.Kind == school.TaskUnreachable && t.Date == date.String() {
					d.CallNow = append(d.CallNow, t.Student)
				}
			}
		}
		slices.Sort(d.DueSoon)
		if !keep {
			return nil
		}
		return tx.PutDigest(date.String(), d)
	})
	return d, err
}

// StoredDigest is the digest made for date, or a fresh one when none was.
func (s *Service) StoredDigest(ctx context.Context, date school.Date) (_ *Digest, err error) {
	defer failed(&err, "digest %s", date)
	var d Digest
	var ok bool
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var err error
		if ok, err = tx.Digest(date.String(), &d); err != nil || !ok {
			return err
		}
		// A list posted after the digest was made, too late for alerts.
		d.LateLists, err = lateLists(tx, date)
		return err
	})
	if d.CalendarWarnings == nil {
		d.CalendarWarnings = []string{} // a digest kept by an older nabij
	}
	if err != nil || ok {
		return &d, err
	}
	return s.digest(ctx, date, false) // a day without a kept digest: made now, not kept
}
