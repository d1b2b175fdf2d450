package app

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// The pages' views: what one screen shows, read in one transaction.

// RollCallRow is one pupil on the mentor's roll call.
type RollCallRow struct {
	Student school.Student
	Entry   school.Absence // Kind "" when present
	// Known is a report the mentor did not make: a family's sick report,
	// approved leave.
	Known string
}

// SentRow is a message as a page shows it.
type SentRow struct {
	Message  *alerts.Message
	Students []string // names
}

// RollCall is the mentor's morning screen for one class.
type RollCall struct {
	Class    school.Class
	Classes  []school.Class // the classes the user may switch to
	Date     school.Date
	Deadline time.Time
	Posted   bool
	// Overdue says the deadline of a school day has passed and the list is
	// not posted.
	Overdue bool
	Rows    []RollCallRow
	Sent    []SentRow
	Replies []store.Inbound
}

// RollCall reads today's roll call of class for u; an empty class picks
// u's first.
func (s *Service) RollCall(ctx context.Context, u school.User, class string) (_ *RollCall, err error) {
	defer failed(&err, "roll call %s", class)
	date := s.Today()
	rc := &RollCall{Date: date, Deadline: s.Protocol.SchoolDay.ListDeadline(date, s.Location)}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		r, err := tx.Roster()
		if err != nil {
			return err
		}
		for _, c := range r.Classes {
			if u.Role == school.RoleCoordinator || u.Teaches(c.ID) {
				rc.Classes = append(rc.Classes, c)
			}
		}
		if class == "" && len(rc.Classes) > 0 {
			class = rc.Classes[0].ID
		}
		if !mayWriteList(u, class) {
			return fmt.Errorf("%w: %s may not take the roll of class %s", school.ErrForbidden, u.ID, class)
		}
		i := slices.IndexFunc(rc.Classes, func(c school.Class) bool { return c.ID == class })
		if i < 0 {
			return school.NotFound("class %s", class)
		}
		rc.Class = rc.Classes[i]
		list, posted, err := tx.AbsenceList(class, date)
		if err != nil {
			return err
		}
		rc.Posted = posted && list.Posted() // families' reports alone are no list
		rc.Overdue = !rc.Posted && s.Now().After(rc.Deadline) && s.Calendar != nil && s.Calendar.IsSchoolDay(date)
		names, classes := map[string]string{}, map[string]string{}
		for _, st := range r.Students {
			names[st.ID], classes[st.ID] = st.Name, st.Class
			if st.Class != class {
				continue
			}
			row := RollCallRow{Student: st}
			if posted {
				if e, ok := list.Entry(st.ID); ok {
					row.Entry = e
					switch {
					case e.Kind == school.Sick && e.ReportedBy != "":
						row.Known = "sick_by_family"
					case e.Kind == school.Excused:
						row.Known = "excused"
					}
				}
			}
			rc.Rows = append(rc.Rows, row)
		}
		seen := map[string]bool{}
		for _, row := range rc.Rows {
			msgs, err := tx.MessagesOf(date, row.Student.ID)
			if err != nil {
				return err
			}
			for _, m := range msgs {
				if seen[m.ID] || !m.Live() {
					continue
				}
				seen[m.ID] = true
				if u.Role == school.RoleMentor {
					m = forMentor(u, m, func(id string) bool { return u.Teaches(classes[id]) })
				}
				rc.Sent = append(rc.Sent, SentRow{Message: m, Students: namesOf(m.Students, names)})
			}
		}
		inbox, err := tx.Inbounds()
		for _, in := range inbox {
			if in.Date == date.String() && slices.ContainsFunc(in.Students, func(id string) bool {
				return slices.ContainsFunc(rc.Rows, func(r RollCallRow) bool { return r.Student.ID == id })
			}) {
				if u.Role == school.RoleMentor {
					in = inboundForMentor(u, in, func(id string) bool { return u.Teaches(classes[id]) })
				}
				rc.Replies = append(rc.Replies, in)
			}
		}
		return err
	})
	return rc, err
}

func namesOf(ids []string, names map[string]string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = names[id]
		if out[i] == "" {
			out[i] = id
		}
	}
	return out
}

// BoardRow is an absent pupil on the coordinator's board.
type BoardRow struct {
	Student  school.Student
	Entry    school.Absence
	Messages []*alerts.Message
	Replies  []store.Inbound
}

// TaskRow is a task with the numbers to call, and what the page says of
// it in the user's language (the task's Reason and Tried are the API's
// Dutch and English text).
type TaskRow struct {
	Task school.Task
	Name string
	// Contacts are the numbers to call: the pupil's own contacts and their
	// housing unit's (a woonbegeleider who asked to be called back).
	Contacts []school.Contact
	// Earlier is the task's day when it is not today's (a task left open).
	Earlier school.Date
	// ClassName and Deadline fill in a missing list's sentence.
	ClassName string
	Deadline  time.Time
	// Code is the provider's error code of a refused account.
	Code string
	// Tried is what was tried for an unreachable family.
	Tried []TryRow
}

// TryRow is one way nabij tried to reach a family, as a page shows it.
type TryRow struct {
	Role          school.ContactRole
	Contact       string
	Channel       school.Channel
	Status        alerts.Status
	ErrorCode     int
	AfterWhatsApp bool
	// Try and Call are a phone call's try (1, 2) and its outcome
	// (alerts.Call…), for Channel voice.
	Try  int
	Call string
	// OptedOut: the contact sent STOP; NoContact: the roster has none.
	OptedOut, NoContact bool
	// Raw is an entry of no known form, as the task has it.
	Raw string
}

// CalendarNotice says the calendar's holiday data ends soon (Ends, in
// Days days), has ended (Ended) or has not begun (Starts), on Date.
type CalendarNotice struct {
	Kind string // "ended", "starts", "ends"
	Date school.Date
	Days int
}

var refusedCode = regexp.MustCompile(`code (\d+)`)

// The forms of a task's Tried entries (alerts.CheckReach, noOneToTell).
var (
	triedMessage  = regexp.MustCompile(`^(\S+) (\S+) via (\S+): (\S+)(?: \((\d+)\))?( after WhatsApp failed)?$`)
	triedOptedOut = regexp.MustCompile(`^(\S+) (\S+): opted out \(STOP\)$`)
	triedCall     = regexp.MustCompile(`^(\S+) (\S+) by phone, try (\d+): (\S+)$`)
)

// triedRows reads a task's Tried entries, what was tried when the task was
// made, for the page to say in its own words; an entry of another form
// stays as it is (Raw).
func triedRows(entries []string) []TryRow {
	var out []TryRow
	for _, e := range entries {
		if m := triedMessage.FindStringSubmatch(e); m != nil {
			code, _ := strconv.Atoi(m[5])
			out = append(out, TryRow{Role: school.ContactRole(m[1]), Contact: m[2], Channel: school.Channel(m[3]),
				Status: alerts.Status(m[4]), ErrorCode: code, AfterWhatsApp: m[6] != ""})
		} else if m := triedCall.FindStringSubmatch(e); m != nil {
			try, _ := strconv.Atoi(m[3])
			out = append(out, TryRow{Role: school.ContactRole(m[1]), Contact: m[2], Channel: school.ChannelVoice,
				Status: alerts.StatusFailed, Try: try, Call: m[4]})
		} else if m := triedOptedOut.FindStringSubmatch(e); m != nil {
			out = append(out, TryRow{Role: school.ContactRole(m[1]), Contact: m[2], OptedOut: true})
		} else if e == "no contact in the roster" {
			out = append(out, TryRow{NoContact: true})
		} else {
			out = append(out, TryRow{Raw: e})
		}
	}
	return out
}

// calendarNotice is calendarWarnings for a page: the words are the page's.
func calendarNotice(cal *school.Calendar, today school.Date) *CalendarNotice {
	c := cal.Covers
	switch {
	case c.First.IsZero():
		return nil
	case today.After(c.Last):
		return &CalendarNotice{Kind: "ended", Date: c.Last}
	case today.Before(c.First):
		return &CalendarNotice{Kind: "starts", Date: c.First}
	case today.DaysUntil(c.Last) < CalendarWarnDays:
		return &CalendarNotice{Kind: "ends", Date: c.Last, Days: today.DaysUntil(c.Last)}
	}
	return nil
}

// EscalationRow is an active case with the pupil's name.
type EscalationRow struct {
	Escalation *protocol.Escalation
	Name       string
}

// Board is the coordinator's morning at a glance.
type Board struct {
	Date        school.Date
	ReadAt      time.Time // when the board was read, in the school's time
	Posted      []school.Class
	Missing     []school.Class
	Absent      []BoardRow
	Tasks       []TaskRow
	Inbox       []store.Inbound
	Escalations []EscalationRow
	Names       map[string]string
	// CalendarWarnings: the calendar's holiday data ends soon, or has ended
	// (the API's English); Calendar says the same for the page.
	CalendarWarnings []string
	Calendar         *CalendarNotice
}

// Board reads today's board.
func (s *Service) Board(ctx context.Context) (_ *Board, err error) {
	defer failed(&err, "board")
	date := s.Today()
	b := &Board{Date: date, ReadAt: s.Now().In(s.Location), Names: map[string]string{}, CalendarWarnings: calendarWarnings(s.Calendar, date),
		Calendar: calendarNotice(s.Calendar, date)}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		r, err := tx.Roster()
		if err != nil {
			return err
		}
		students := map[string]school.Student{}
		for _, st := range r.Students {
			students[st.ID] = st
			b.Names[st.ID] = st.Name
		}
		classNames := map[string]string{}
		for _, c := range r.Classes {
			classNames[c.ID] = c.Name
		}
		for _, c := range r.Classes {
			list, ok, err := tx.AbsenceList(c.ID, date)
			if err != nil {
				return err
			}
			if !ok || !list.Posted() {
				b.Missing = append(b.Missing, c)
			} else {
				b.Posted = append(b.Posted, c)
			}
			if !ok {
				continue
			}
			for _, a := range list.Absences {
				if a.Kind != school.Absent && a.Kind != school.Sick && a.Kind != school.Late {
					continue
				}
				msgs, err := tx.MessagesOf(date, a.Student)
				if err != nil {
					return err
				}
				st, ok := students[a.Student]
				if !ok {
					// Left the roster since this morning's list.
					if st, _, _, err = pupilRecord(tx, a.Student); err != nil {
						return err
					}
				}
				row := BoardRow{Student: st, Entry: a}
				for _, m := range msgs {
					if m.Live() {
						row.Messages = append(row.Messages, m)
					}
				}
				b.Absent = append(b.Absent, row)
			}
		}
		inbox, err := tx.Inbounds()
		if err != nil {
			return err
		}
		for _, in := range inbox {
			if in.Date != date.String() && in.ReceivedAt.In(s.Location).Format("2006-01-02") != date.String() {
				continue
			}
			if in.Kind == "free_text" || in.Kind == "unmatched" {
				b.Inbox = append(b.Inbox, in)
			}
			for i := range b.Absent {
				if slices.Contains(in.Students, b.Absent[i].Student.ID) {
					b.Absent[i].Replies = append(b.Absent[i].Replies, in)
				}
			}
		}
		tasks, err := tx.Tasks()
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if t.DoneAt != nil {
				continue
			}
			st := students[t.Student]
			contacts, err := reachableContacts(tx, st)
			if err != nil {
				return err
			}
			row := TaskRow{Task: t, Name: st.Name, Contacts: contacts, ClassName: classNames[t.Class]}
			if d, err := school.ParseDate(t.Date); err == nil {
				row.Deadline = s.Protocol.SchoolDay.ListDeadline(d, s.Location)
				if d != date {
					row.Earlier = d
				}
			}
			if m := refusedCode.FindStringSubmatch(t.Reason); m != nil {
				row.Code = m[1]
			}
			row.Tried = triedRows(t.Tried)
			b.Tasks = append(b.Tasks, row)
		}
		cases, err := tx.Escalations()
		if err != nil {
			return err
		}
		for _, e := range cases {
			if !e.Active() {
				continue
			}
			name, ok := b.Names[e.Student]
			if !ok {
				// A case of a pupil who left: named from the record kept then.
				st, _, _, err := pupilRecord(tx, e.Student)
				if err != nil {
					return err
				}
				name = st.Name
			}
			b.Escalations = append(b.Escalations, EscalationRow{Escalation: e, Name: name})
		}
		return nil
	})
	return b, err
}

// pupilRecord is a pupil's roster record, or for a pupil who left the
// roster the record kept that day, and the day (zero for a pupil on it).
func pupilRecord(tx *store.Tx, id string) (school.Student, school.Date, bool, error) {
	st, ok, err := tx.Student(id)
	if err != nil || ok {
		return st, school.Date{}, ok, err
	}
	return tx.LeftPupil(id)
}

// PupilDay is one day of a pupil's year.
type PupilDay struct {
	Date  school.Date
	Entry school.Absence
	Hours float64
	// Reporter is the name of the contact who reported the day (a
	// family's sick report), "" when none or no longer in the roster.
	Reporter string
}

// PupilPage is everything about one pupil for the coordinator.
type PupilPage struct {
	Student school.Student
	// Contacts are how the pupil's family or begeleiders are reached: their
	// own contacts and their housing unit's.
	Contacts []school.Contact
	// LeftRosterOn is the day the pupil left the roster (zero while on
	// it): the page is then made from the record kept that day.
	LeftRosterOn school.Date
	Days         []PupilDay
	Progress     []protocol.Progress
	Messages     []*alerts.Message
	Replies      []store.Inbound
	Escalations  []*protocol.Escalation
}

// Pupil reads a pupil's school year.
func (s *Service) Pupil(ctx context.Context, id string) (_ *PupilPage, err error) {
	defer failed(&err, "pupil page %s", id)
	today := s.Today()
	p := &PupilPage{}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		st, left, ok, err := pupilRecord(tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return school.NotFound("student %s", id)
		}
		p.Student, p.LeftRosterOn = st, left
		if p.Contacts, err = reachableContacts(tx, st); err != nil {
			return err
		}
		hist, err := tx.History(id)
		if err != nil {
			return err
		}
		start := school.SchoolYearStart(today)
		pupil := pupilOf(s.Protocol, st.BirthDate, hist)
		for _, h := range hist {
			if h.Date.Before(start) {
				continue
			}
			day := PupilDay{Date: h.Date, Entry: h.Absence, Hours: s.Protocol.Hours(h.Absence)}
			for _, c := range p.Contacts {
				if c.ID == h.Absence.ReportedBy {
					day.Reporter = c.Name
				}
			}
			p.Days = append(p.Days, day)
			msgs, err := tx.MessagesOf(h.Date, id)
			if err != nil {
				return err
			}
			p.Messages = append(p.Messages, msgs...)
		}
		if p.Escalations, err = tx.EscalationsOf(id); err != nil {
			return err
		}
		past := make([]protocol.PastCase, len(p.Escalations))
		for i, e := range p.Escalations {
			past[i] = e.Past()
		}
		p.Progress = s.Protocol.Progress(pupil, s.Calendar, today, past)
		inbox, err := tx.Inbounds()
		for _, in := range inbox {
			if slices.Contains(in.Students, id) {
				p.Replies = append(p.Replies, in)
			}
		}
		return err
	})
	return p, err
}
