package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// Inbound handles a message a contact sent: 1 (sick), 2 (please call),
// STOP and START, an answer to "which child?", or free text for the
// coordinator's inbox. It is kept first, so that no reply is ever lost, and
// handled once, however often the provider posts it.
func (s *Service) Inbound(ctx context.Context, in store.Inbound) (err error) {
	defer failed(&err, "inbound %s", in.ProviderID)
	// A family's reply is kept even when Twilio's request ends while it
	// waits for the store: Twilio does not send it again.
	ctx = context.WithoutCancel(ctx)
	now := s.Now()
	in.ReceivedAt = now
	var woke bool
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		isNew, err := tx.PutInbound(&in)
		if err != nil || !isNew {
			return step("keep reply", err)
		}
		woke, err = s.handleReply(tx, &in)
		if err != nil {
			return step("handle reply", err)
		}
		_, err = tx.PutInbound(&in)
		return step("save reply", err)
	})
	if err == nil && woke && s.Wake != nil {
		s.Wake()
	}
	return err
}

// answered finds the alert (or open question) a reply from phone answers:
// the newest one to that number of the same school day, today. A reply
// never reaches back to another day's alert: Thursday's "1" is about
// Thursday.
func (s *Service) answered(tx *store.Tx, phone string, today school.Date) (*alerts.Message, error) {
	msgs, err := tx.MessagesToPhone(phone, 20)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Date != today {
			if m.Date.Before(today) {
				break
			}
			continue
		}
		if !m.Reached() {
			continue // still in its hold, cancelled or failed: not what the family answers
		}
		if m.IsAlert() || (m.Template == alerts.TemplateWhichChild && len(m.Options) > 0) {
			return m, nil
		}
	}
	return nil, nil
}

func (s *Service) handleReply(tx *store.Tx, in *store.Inbound) (wake bool, err error) {
	to, err := s.answered(tx, in.From, s.Today())
	if err != nil {
		return false, err
	}
	return s.handleReplyTo(tx, in, to)
}

// handleReplyTo reads in as the answer to the message to (nil: none). A
// key pressed on a call (channel voice) has a text reply's effects, but is
// thanked in the call itself, not by a message, and a call does not ask
// which child: a key 1 about several absent children is the coordinator's
// to ask.
func (s *Service) handleReplyTo(tx *store.Tx, in *store.Inbound, to *alerts.Message) (wake bool, err error) {
	now := s.Now()
	today := s.Today()
	spoken := in.Channel == string(school.ChannelVoice)
	var options map[string]string
	if to != nil {
		options = to.Options
		in.Message, in.Students, in.Date, in.Contact = to.ID, to.Students, to.Date.String(), to.Contact
		to.RepliedAt = &now
		if err := tx.PutMessage(to); err != nil {
			return false, step("mark replied", err)
		}
	}
	reply, chosen := alerts.ReadReply(in.Body, options)
	if reply == alerts.ReplyOptIn && alerts.AnswerWordOptIn(in.Body) {
		out, err := tx.OptedOut(in.From)
		if err != nil {
			return false, step("read opt-out", err)
		}
		if !out {
			reply = alerts.ReplyText // "Yes": an answer, for the coordinator to read
		}
	}
	switch reply {
	case alerts.ReplyOptOut:
		in.Kind, in.Note = "opt_out", "no more messages to this number until it sends START"
		return false, step("opt out", tx.SetOptOut(in.From, &store.OptOut{Word: in.Body, At: now}))
	case alerts.ReplyOptIn:
		in.Kind, in.Note = "opt_in", "messages to this number again"
		return false, step("opt in", tx.SetOptOut(in.From, nil))
	}
	if to == nil && reply == alerts.ReplySick {
		return s.sickBeforeAlert(tx, in, today, now)
	}
	if to == nil {
		// The inbox still says whose family wrote.
		contact, children, err := contactOf(tx, in.From)
		if err != nil {
			return false, err
		}
		if contact.ID != "" {
			in.Contact, in.Students = contact.ID, children
		}
		in.Kind, in.Note = "unmatched", "no message to this number today: the coordinator reads it"
		return false, nil
	}
	r := s.Planner.Renderer
	switch reply {
	case alerts.ReplySick, alerts.ReplyOption:
		candidates := to.Students
		if reply == alerts.ReplyOption {
			candidates = []string{chosen}
		}
		absent, err := s.mayReportSick(tx, to.Date, candidates)
		if err != nil {
			return false, err
		}
		switch {
		case len(absent) == 0:
			in.Kind, in.Note = "sick", "reported sick, but no pupil of the message is absent any more: the coordinator checks"
			return false, nil
		case len(absent) > 1 && spoken:
			in.Kind, in.Students = "which_child", absent
			in.Note = "key 1 on a call about more than one absent child: the coordinator asks which one is sick"
			_, err := tx.PutTask(&school.Task{Kind: school.TaskCallBack, Date: to.Date.String(), Student: absent[0],
				Reason: "De familie drukte 1 (ziek) bij een oproep over meer kinderen: vraag welk kind ziek is.",
				Tried:  []string{}, Created: now, Key: school.TaskCallBack + "|" + to.Date.String() + "|" + in.From})
			return false, err
		case len(absent) > 1:
			// Never guess which child: ask.
			in.Kind, in.Note = "which_child", "more than one child absent: asked which one is sick"
			m, err := r.Answer(tx, to, in.Channel, alerts.TemplateWhichChild, absent, whichChild(absent), now)
			return true, step("answer", stampReview(tx, r, m, err))
		}
		if err := s.markSick(tx, to.Date, absent[0], to.Contact); err != nil {
			return false, step("mark sick", err)
		}
		in.Kind, in.Students = "sick", absent
		in.Note = fmt.Sprintf("pupil %s marked sick, reported by contact %s", absent[0], to.Contact)
		if spoken {
			return false, nil
		}
		m, err := r.Answer(tx, to, in.Channel, alerts.TemplateThanksSick, absent, nil, now)
		return true, step("answer", stampReview(tx, r, m, err))
	case alerts.ReplyCall:
		in.Kind, in.Note = "call_back", "the family asks to be called: a task for the coordinator"
		student := ""
		if len(to.Students) > 0 {
			student = to.Students[0]
		}
		if _, err := tx.PutTask(&school.Task{Kind: school.TaskCallBack, Date: to.Date.String(), Student: student,
			Reason: "De familie vraagt om teruggebeld te worden (antwoord 2).", Tried: []string{},
			Created: now, Key: school.TaskCallBack + "|" + to.Date.String() + "|" + in.From}); err != nil {
			return false, step("call-back task", err)
		}
		if spoken {
			return false, nil
		}
		m, err := r.Answer(tx, to, in.Channel, alerts.TemplateThanksCall, to.Students, nil, now)
		return true, step("answer", stampReview(tx, r, m, err))
	}
	in.Kind, in.Note = "free_text", "for the coordinator's inbox"
	return false, nil
}

// sickBeforeAlert reads a "1" from a number nabij sent no alert to today:
// on a school day it is a sick report for today for the contact's child
// (asked which child when there are several), kept on the day's list
// before the mentor's, which then sends no alert about the child; on a day
// that is not a school day it is for the coordinator's inbox.
func (s *Service) sickBeforeAlert(tx *store.Tx, in *store.Inbound, today school.Date, now time.Time) (bool, error) {
	if !s.Calendar.IsSchoolDay(today) {
		in.Kind = "unmatched"
		in.Note = fmt.Sprintf("1 (sick) on %s, not a school day (%s): the coordinator reads it", today, s.Calendar.WhyNotSchoolDay(today))
		return false, nil
	}
	contact, children, err := contactOf(tx, in.From)
	if err != nil {
		return false, err
	}
	if contact.ID == "" {
		in.Kind, in.Note = "unmatched", "1 (sick) from a number that is no pupil's contact: the coordinator reads it"
		return false, nil
	}
	in.Date, in.Contact, in.Students = today.String(), contact.ID, children
	sick, err := s.mayReportSick(tx, today, children)
	if err != nil {
		return false, err
	}
	r := s.Planner.Renderer
	switch {
	case len(sick) == 0:
		in.Kind = "unmatched"
		in.Note = "1 (sick) before any alert today, but today's lists have the contact's children at school or reported already: the coordinator checks"
		return false, nil
	case len(sick) > 1:
		in.Kind, in.Students = "which_child", sick
		in.Note = "1 (sick) before any alert today from a contact of several children: asked which one is sick"
		m, err := r.AnswerContact(tx, today, contact, in.Channel, alerts.TemplateWhichChild, sick, whichChild(sick), now)
		return true, step("answer", stampReview(tx, r, m, err))
	}
	if err := s.markSick(tx, today, sick[0], contact.ID); err != nil {
		return false, step("mark sick", err)
	}
	in.Kind, in.Students = "sick", sick
	in.Note = fmt.Sprintf("pupil %s reported sick for today before any alert, by contact %s", sick[0], contact.ID)
	m, err := r.AnswerContact(tx, today, contact, in.Channel, alerts.TemplateThanksSick, sick, nil, now)
	return true, step("answer", stampReview(tx, r, m, err))
}

// contactOf finds the pupils' contact who has phone, and the pupils they
// are a contact of; an empty contact when phone is no pupil's contact's.
func contactOf(tx *store.Tx, phone string) (school.Contact, []string, error) {
	children := tx.StudentsByPhone(phone)
	for _, id := range children {
		st, ok, err := tx.Student(id)
		if err != nil {
			return school.Contact{}, nil, err
		}
		if i := slices.IndexFunc(st.Contacts, func(c school.Contact) bool { return c.Phone == phone }); ok && i >= 0 {
			return st.Contacts[i], children, nil
		}
	}
	return school.Contact{}, nil, nil
}

// whichChild numbers the children a "which child?" question offers: 11,
// 12, … (a "1" and the child's place).
func whichChild(children []string) map[string]string {
	opts := map[string]string{}
	for i, id := range children {
		opts["1"+strconv.Itoa(i+1)] = id
	}
	return opts
}

// stampReview records on an answer just queued who reviewed the wording
// of its language and when (see alerts.Renderer.StampReview).
func stampReview(tx *store.Tx, r *alerts.Renderer, m *alerts.Message, err error) error {
	if err != nil || m == nil {
		return err
	}
	r.StampReview(m)
	return tx.PutMessage(m)
}

// mayReportSick keeps the pupils a family's sick report of date can be
// about: those the day's list has absent (or sick by a family's report),
// and those whose class no member of staff has posted a list for yet.
// A pupil the mentor listed present, late or excused is left out: the
// mentor saw them.
func (s *Service) mayReportSick(tx *store.Tx, date school.Date, students []string) ([]string, error) {
	var out []string
	for _, id := range students {
		_, class, ok, err := tx.StudentFacts(id)
		if err != nil || !ok {
			continue
		}
		l, ok, err := tx.AbsenceList(class, date)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, id)
			continue
		}
		e, listed := l.Entry(id)
		if listed && e.Kind == school.Absent || !l.Posted() && (!listed || e.Kind == school.Sick) {
			out = append(out, id)
		}
	}
	return out, nil
}

// markSick turns a pupil's day into a sick report by a contact: the list
// changes (or, before the mentor has posted one, a list of the families'
// reports is begun), an alert about the pupil still in its hold is taken
// back, and the escalations recheck.
func (s *Service) markSick(tx *store.Tx, date school.Date, student, contact string) error {
	_, class, _, err := tx.StudentFacts(student)
	if err != nil {
		return err
	}
	l, ok, err := tx.AbsenceList(class, date)
	if err != nil {
		return err
	}
	if !ok {
		l = &school.AbsenceList{Class: class, Date: date, Absences: []school.Absence{}, ReportsOnly: true}
	}
	kinds := []school.AbsenceKind{school.Sick}
	if _, listed := l.Entry(student); !listed {
		l.Absences = append(l.Absences, school.Absence{Student: student, Kind: school.Sick})
	}
	for i := range l.Absences {
		if l.Absences[i].Student == student {
			if k := l.Absences[i].Kind; k != school.Sick {
				kinds = append(kinds, k)
			}
			l.Absences[i].Kind, l.Absences[i].ReportedBy = school.Sick, contact
			l.Absences[i].Minutes = 0
		}
	}
	now := s.Now()
	l.UpdatedAt, l.UpdatedBy = now, "contact:"+contact
	if err := tx.PutAbsenceList(l); err != nil {
		return step("save list", err)
	}
	if err := s.Planner.Withhold(tx, date, student, now); err != nil {
		return step("withhold alert", err)
	}
	return step("evaluate", s.evaluate(tx, []pupilChange{{student, kinds}}, s.Today().AddDays(-1), date))
}

// Inbox lists the replies u may read: a coordinator all, a mentor those
// about pupils of their classes; date narrows to one day.
func (s *Service) Inbox(ctx context.Context, u school.User, on school.Date) (_ []store.Inbound, err error) {
	defer failed(&err, "inbox of %s", u.ID)
	if u.Role != school.RoleCoordinator && u.Role != school.RoleMentor {
		return nil, fmt.Errorf("%w: the inbox is for coordinators and mentors", school.ErrForbidden)
	}
	date := ""
	if !on.IsZero() {
		date = on.String()
	}
	out := []store.Inbound{}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		all, err := tx.Inbounds()
		for _, in := range all {
			if date != "" && in.ReceivedAt.In(s.Location).Format("2006-01-02") != date && in.Date != date {
				continue
			}
			if u.Role == school.RoleMentor {
				if !mentorSeesStudents(tx, u, in.Students) {
					continue
				}
				in = inboundForMentor(u, in, func(id string) bool {
					_, class, ok, _ := tx.StudentFacts(id)
					return ok && u.Teaches(class)
				})
			}
			out = append(out, in)
		}
		return err
	})
	return out, err
}

// inboundForMentor is a reply as a mentor may read it: a parent of
// children in several classes may name them all, so a mentor who does not
// teach one of them gets the pupils taught and no text.
func inboundForMentor(u school.User, in store.Inbound, teaches func(id string) bool) store.Inbound {
	if !slices.ContainsFunc(in.Students, func(id string) bool { return !teaches(id) }) {
		return in
	}
	in.Students = slices.DeleteFunc(slices.Clone(in.Students), func(id string) bool { return !teaches(id) })
	in.Body, in.Note = "", ""
	return in
}

func mentorSeesStudents(tx *store.Tx, u school.User, students []string) bool {
	for _, id := range students {
		if _, class, ok, _ := tx.StudentFacts(id); ok && u.Teaches(class) {
			return true
		}
	}
	return false
}
