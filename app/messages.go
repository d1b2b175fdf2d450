package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// MessageFilter narrows the messages listed; empty fields match all.
type MessageFilter struct {
	Date    school.Date // zero: every day
	Student string
}

// Messages lists messages u may see: a coordinator all, a mentor those about
// pupils of their classes.
func (s *Service) Messages(ctx context.Context, u school.User, f MessageFilter) (_ []*alerts.Message, err error) {
	defer failed(&err, "messages for %s", u.ID)
	if u.Role != school.RoleCoordinator && u.Role != school.RoleMentor {
		return nil, fmt.Errorf("%w: messages are for coordinators and mentors", school.ErrForbidden)
	}
	out := []*alerts.Message{}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var msgs []*alerts.Message
		var err error
		if !f.Date.IsZero() {
			msgs, err = tx.MessagesOn(f.Date)
		} else {
			msgs, err = tx.AllMessages()
		}
		if err != nil {
			return err
		}
		classes := map[string]string{}
		classOf := func(id string) string {
			if c, ok := classes[id]; ok {
				return c
			}
			st, _, _ := tx.Student(id)
			classes[id] = st.Class
			return st.Class
		}
		for _, m := range msgs {
			if f.Student != "" && !m.Concerns(f.Student) {
				continue
			}
			if u.Role == school.RoleMentor {
				if !mentorSees(u, m, classOf) {
					continue
				}
				m = forMentor(u, m, func(id string) bool { return u.Teaches(classOf(id)) })
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

func mentorSees(u school.User, m *alerts.Message, classOf func(string) string) bool {
	for _, id := range m.Students {
		if u.Teaches(classOf(id)) {
			return true
		}
	}
	return false
}

// forMentor is m as a mentor may see it: a message to a parent of
// children in several classes names them all, and a mentor who does not
// teach one of them learns nothing of that child. Only the pupils taught
// are listed, and the text (and its back-translation, and the answers
// offered), which name every child, are left out.
func forMentor(u school.User, m *alerts.Message, teaches func(id string) bool) *alerts.Message {
	if !slices.ContainsFunc(m.Students, func(id string) bool { return !teaches(id) }) {
		return m
	}
	c := *m
	c.Students = slices.DeleteFunc(slices.Clone(m.Students), func(id string) bool { return !teaches(id) })
	c.Late = slices.DeleteFunc(slices.Clone(m.Late), func(id string) bool { return !teaches(id) })
	c.Body, c.Back, c.ContentVariables = "", "", ""
	c.Options = nil
	return &c
}

// DeliveryStatus applies a provider's status callback.
func (s *Service) DeliveryStatus(ctx context.Context, providerID, status string, code int) (err error) {
	defer failed(&err, "delivery status %s", providerID)
	// A status is applied even when Twilio's request ends while it waits
	// for the store: Twilio does not send it again, and a WhatsApp message
	// left undelivered must still go again as SMS.
	ctx = context.WithoutCancel(ctx)
	var changed *alerts.Message
	// Callbacks come many at once: they share commits.
	err = s.Store.GroupContext(ctx, func(tx *store.Tx) error {
		var err error
		changed, err = s.Fallbacks.Callback(tx, providerID, status, code)
		return err
	})
	if err != nil || changed == nil {
		return err
	}
	if s.Observe != nil {
		s.Observe(changed)
	}
	if changed.Fallback != "" && s.Wake != nil {
		s.Wake()
	}
	return nil
}
