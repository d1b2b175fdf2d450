package alerts

import (
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// Want is one alert the protocol wants: a template about a pupil to a contact.
type Want struct {
	Student  string
	Template string
	Contact  school.Contact
}

// Recipients resolves the protocol's decisions to the contacts who hear of them.
func Recipients(decisions []protocol.Notify, students map[string]school.Student, units map[string]school.HousingUnit) []Want {
	var out []Want
	for _, d := range decisions {
		s, ok := students[d.Student]
		if !ok {
			continue
		}
		var contacts []school.Contact
		if d.Audience == protocol.AudienceAll {
			contacts = append(contacts, s.Contacts...)
		}
		if u, ok := units[s.HousingUnit]; ok && (d.Audience == protocol.AudienceAll || d.Audience == protocol.AudienceHousingUnit) {
			contacts = append(contacts, u.Contacts...)
		}
		for _, c := range contacts {
			out = append(out, Want{Student: d.Student, Template: d.Template, Contact: c})
		}
	}
	return out
}

// Planner keeps the outbox of a day in line with what the protocol wants.
type Planner struct {
	Renderer *Renderer
	// Hold is how long a new alert waits before it is sent, so that a
	// correction can still cancel it silently.
	Hold time.Duration
}

type wantKey struct{ student, template, phone string }

type groupKey struct {
	phone    string
	channel  school.Channel
	template string
}

// Apply brings the messages of date about the pupils in scope in line with
// wants: an alert already made is never made again (whatever became of it),
// an alert no longer wanted is cancelled while it is still in its hold, and
// new alerts to the same phone join into one message (siblings). It returns
// the message behind every want.
func (p *Planner) Apply(tx Tx, date school.Date, scope []string, wants []Want, now time.Time) (map[Want]*Message, error) {
	wanted := map[wantKey]bool{}
	for _, w := range wants {
		wanted[wantKey{w.Student, w.Template, w.Contact.Phone}] = true
	}
	have := map[wantKey]*Message{}
	for _, student := range scope {
		msgs, err := tx.MessagesOf(date, student)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if !m.Live() {
				continue
			}
			k := wantKey{student, m.Template, m.Phone}
			if wanted[k] {
				have[k] = m
				continue
			}
			if err := p.withdraw(tx, m, student); err != nil {
				return nil, err
			}
		}
	}

	out := map[Want]*Message{}
	groups := map[groupKey][]Want{}
	var order []groupKey
	for _, w := range wants {
		if m, ok := have[wantKey{w.Student, w.Template, w.Contact.Phone}]; ok {
			out[w] = m
			continue
		}
		g := groupKey{w.Contact.Phone, w.Contact.Channel, w.Template}
		if _, seen := groups[g]; !seen {
			order = append(order, g)
		}
		groups[g] = append(groups[g], w)
	}
	for _, g := range order {
		m, err := p.join(tx, date, g, groups[g], now)
		if err != nil {
			return nil, err
		}
		for _, w := range groups[g] {
			out[w] = m
		}
	}
	return out, nil
}

// withdraw takes student out of a message that is no longer wanted for them.
// Only a message still in its hold can change; one already on its way stays
// as it is.
func (p *Planner) withdraw(tx Tx, m *Message, student string) error {
	if m.Status != StatusQueued || m.Attempts > 0 {
		return nil
	}
	kept := m.Students[:0:0]
	for _, s := range m.Students {
		if s != student {
			kept = append(kept, s)
		}
	}
	m.Students = kept
	if len(kept) == 0 {
		m.Status = StatusCancelled
		return tx.PutMessage(m)
	}
	if err := p.render(tx, m); err != nil {
		return err
	}
	return tx.PutMessage(m)
}

// join adds the wants of one phone, channel and template to the message
// still in its hold, or makes a new one.
func (p *Planner) join(tx Tx, date school.Date, g groupKey, wants []Want, now time.Time) (*Message, error) {
	m, err := tx.OpenMessage(date, g.phone, g.channel, g.template)
	if err != nil {
		return nil, err
	}
	if m == nil || !m.DueAt.After(now) {
		c := wants[0].Contact
		m = &Message{
			Date: date, Contact: c.ID, Role: c.Role, Phone: c.Phone, Channel: c.Channel,
			Template: g.template, Status: StatusQueued, DueAt: now.Add(p.Hold), CreatedAt: now,
		}
		m.Language, m.LanguageFallback = p.Renderer.Language(c)
	}
	for _, w := range wants {
		if !m.Concerns(w.Student) {
			m.Students = append(m.Students, w.Student)
		}
	}
	m.UpdatedAt = now
	if err := p.render(tx, m); err != nil {
		return nil, err
	}
	return m, tx.PutMessage(m)
}

func (p *Planner) render(tx Tx, m *Message) error {
	names := make([]string, 0, len(m.Students))
	for _, id := range m.Students {
		s, ok, err := tx.Student(id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("render message %s: student %s is not in the roster", m.ID, id)
		}
		names = append(names, s.Name)
	}
	return p.Renderer.Render(m, names)
}
