package alerts

import (
	"encoding/json"
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
	// HoldUntil, when later than the hold, keeps the message back longer:
	// until the lists of the contact's other children are in, so that a
	// parent gets one message naming all of them.
	HoldUntil time.Time
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
	// Validity is how long after the list an alert may still go out.
	Validity time.Duration
	// Templates map a template and language to an approved WhatsApp
	// template (a Twilio ContentSid). When set, a WhatsApp message without
	// one goes as SMS; when nil, WhatsApp messages go as free text.
	Templates map[string]map[string]string
	// Speaks reports whether a call in language can carry template: the
	// school recorded it, or a speech engine speaks the language. A call
	// that cannot is not placed: the message fails at once, which makes the
	// "call this family now" task, rather than a call that says nothing.
	// When nil, every call can.
	Speaks func(tx Tx, language, template string) (bool, error)
}

type wantKey struct{ student, template, phone string }

// groupKey is what wants share to be one message: the phone and channel,
// and the template, where absent and late are one (morning): a contact gets
// one message a morning naming each pupil with what happened.
type groupKey struct {
	phone    string
	channel  school.Channel
	template string
}

// morning is the group of the same-morning alerts, absent and late.
const morning = "morning"

func groupOf(template string) string {
	if template == TemplateAbsent || template == TemplateLate {
		return morning
	}
	return template
}

// Apply brings the alerts of date about the pupils in scope in line with
// wants: an alert already made is never made again (whatever became of it),
// an alert no longer wanted is cancelled while it is still in its hold (and
// apologised for once it was sent), new alerts to the same phone join into
// one message (siblings), and contacts who opted out get nothing. It
// returns the message behind every want that has one.
func (p *Planner) Apply(tx Tx, date school.Date, scope []string, wants []Want, now time.Time) (map[Want]*Message, error) {
	return p.ApplyUntil(tx, date, scope, wants, now, time.Time{})
}

// ApplyUntil is Apply for a day whose same-morning alerts end at until
// (NABIJ_ALERT_UNTIL): from until on no new alert is made (a want without
// a message is left out of the answer), while the alerts made before stay
// and a pupil taken off the list is still withdrawn or apologised for; a
// new alert expires at the latest at until plus the hold, so that a list
// posted just before until still goes out, and an alert held back (an
// outage, a queue) does not arrive in the afternoon. A zero until is no
// limit.
func (p *Planner) ApplyUntil(tx Tx, date school.Date, scope []string, wants []Want, now, until time.Time) (map[Want]*Message, error) {
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
			if !m.Live() || !m.IsAlert() {
				continue
			}
			k := wantKey{student, m.TemplateOf(student), m.Phone}
			if wanted[k] {
				have[k] = m
				continue
			}
			if err := p.withdraw(tx, m, student, now); err != nil {
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
		if !until.IsZero() && !now.Before(until) {
			continue // too late in the day for a new same-morning alert
		}
		if opted, err := tx.OptedOut(w.Contact.Phone); err != nil {
			return nil, err
		} else if opted {
			continue
		}
		g := groupKey{w.Contact.Phone, p.channelFor(w.Contact, w.Template), groupOf(w.Template)}
		if _, seen := groups[g]; !seen {
			order = append(order, g)
		}
		groups[g] = append(groups[g], w)
	}
	for _, g := range order {
		m, err := p.join(tx, date, g, groups[g], now, until)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue // a late arrival after the contact's morning message
		}
		for _, w := range groups[g] {
			out[w] = m
		}
	}
	return out, nil
}

// withdraw takes student out of an alert that is no longer wanted for them.
// A message still in its hold changes silently; one already sent about an
// absence gets a short apology, once.
func (p *Planner) withdraw(tx Tx, m *Message, student string, now time.Time) error {
	// A queued message can still change, also one waiting to retry after a
	// certain refusal; one whose last send ended without an answer may be at
	// the provider already.
	if m.Status != StatusQueued || m.Uncertain {
		if m.TemplateOf(student) == TemplateAbsent && m.Reached() {
			return p.apologise(tx, m, student, now)
		}
		return nil
	}
	late := lateOf(m)
	kept := m.Students[:0:0]
	for _, s := range m.Students {
		if s != student {
			kept = append(kept, s)
		}
	}
	m.Students = kept
	setLate(m, late)
	m.UpdatedAt = now
	if len(kept) == 0 {
		m.Status = StatusCancelled
		return tx.PutMessage(m)
	}
	if err := p.render(tx, m); err != nil {
		return err
	}
	return tx.PutMessage(m)
}

// Withhold takes student out of the alerts of date still in their hold: a
// family reported the pupil sick before the alert went, so nothing is sent
// about them. An alert already on its way or sent stays as it is (it is
// no mistake to apologise for).
func (p *Planner) Withhold(tx Tx, date school.Date, student string, now time.Time) error {
	msgs, err := tx.MessagesOf(date, student)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Live() && m.IsAlert() && m.Status == StatusQueued && !m.Uncertain {
			if err := p.withdraw(tx, m, student, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// apologise sends "sorry, our mistake: … is at school" for an alert that
// reached a family by mistake.
func (p *Planner) apologise(tx Tx, alert *Message, student string, now time.Time) error {
	msgs, err := tx.MessagesOf(alert.Date, student)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Template == TemplateApology && m.Phone == alert.Phone && m.Live() {
			return nil
		}
	}
	sorry := &Message{Date: alert.Date, Students: []string{student}, Contact: alert.Contact, Role: alert.Role,
		Phone: alert.Phone, Channel: alert.Channel, Language: alert.Language, LanguageFallback: alert.LanguageFallback,
		Template: TemplateApology, Status: StatusQueued, DueAt: now, CreatedAt: now, UpdatedAt: now}
	if p.Validity > 0 {
		sorry.ExpiresAt = now.Add(p.Validity)
	}
	if err := p.render(tx, sorry); err != nil {
		return err
	}
	p.content(sorry)
	return tx.PutMessage(sorry)
}

// join adds the wants of one phone and channel (absent and late pupils
// together, siblings and the pupils of one housing unit) to the morning
// message still in its hold, or makes a new one: one message names each
// pupil with what happened.
//
// A late arrival known only after the contact's morning message has left
// its hold makes no second message that morning: being late is "just so
// you know", and the contact hears of it no more than once a morning. The
// pupil is still on the list, the board and the roll call. An absent pupil
// is always told, in a message of its own if the first has gone.
func (p *Planner) join(tx Tx, date school.Date, g groupKey, wants []Want, now, until time.Time) (*Message, error) {
	m, err := p.openMessage(tx, date, g)
	if err != nil {
		return nil, err
	}
	if m == nil || !m.DueAt.After(now) {
		template := g.template
		if template == morning {
			template = TemplateLate
			for _, w := range wants {
				if w.Template != TemplateLate {
					template = TemplateAbsent
				}
			}
		}
		if template == TemplateLate {
			if told, err := toldToday(tx, date, g.phone); err != nil || told {
				return nil, err
			}
		}
		c := wants[0].Contact
		m = &Message{
			Date: date, Contact: c.ID, Role: c.Role, Phone: c.Phone, Channel: g.channel,
			Template: template, Status: StatusQueued, CreatedAt: now,
		}
		if g.channel != c.Channel {
			m.Note = "no approved WhatsApp template for this message and language: sent as SMS"
		}
		if p.Validity > 0 {
			m.ExpiresAt = now.Add(p.Validity)
		}
		if last := until.Add(p.Hold); !until.IsZero() && (m.ExpiresAt.IsZero() || last.Before(m.ExpiresAt)) {
			m.ExpiresAt = last
		}
		m.Language, m.LanguageFallback = p.Renderer.Language(c)
	}
	m.DueAt = now.Add(p.Hold)
	late := lateOf(m)
	for _, w := range wants {
		if !m.Concerns(w.Student) {
			m.Students = append(m.Students, w.Student)
			if w.Template == TemplateLate {
				late[w.Student] = true
			}
		}
		if w.HoldUntil.After(m.DueAt) {
			m.DueAt = w.HoldUntil
		}
	}
	setLate(m, late)
	m.UpdatedAt = now
	if err := p.render(tx, m); err != nil {
		return nil, err
	}
	p.content(m)
	if err := tx.PutMessage(m); err != nil {
		return nil, err
	}
	return m, p.unspeakable(tx, m, now)
}

// unspeakable ends at once a new call nabij has nothing to say with (no
// recording and no speech engine for its language): failed, with the
// reason, and the pupils' "call now" task if nothing else reaches the
// family.
func (p *Planner) unspeakable(tx Tx, m *Message, now time.Time) error {
	if !m.IsCall() || p.Speaks == nil || m.Status != StatusQueued {
		return nil
	}
	ok, err := p.Speaks(tx, m.Language, m.Template)
	if err != nil || ok {
		return err
	}
	m.Status, m.UpdatedAt = StatusFailed, now
	m.Note = fmt.Sprintf("no recording of this message in %s and no speech engine for it: nabij did not call", m.Language)
	if m.Call == nil {
		m.Call = &Call{Try: 1, Outcome: CallFailed}
	}
	if err := tx.PutMessage(m); err != nil {
		return err
	}
	return CheckReach(tx, m, now)
}

// openMessage is the message still open to g's wants: for a morning
// alert the one about an absent pupil, else the one about late pupils.
func (p *Planner) openMessage(tx Tx, date school.Date, g groupKey) (*Message, error) {
	if g.template != morning {
		return tx.OpenMessage(date, g.phone, g.channel, g.template)
	}
	for _, template := range []string{TemplateAbsent, TemplateLate} {
		m, err := tx.OpenMessage(date, g.phone, g.channel, template)
		if m != nil || err != nil {
			return m, err
		}
	}
	return nil, nil
}

// lateOf is the set of m's pupils m speaks of as late.
func lateOf(m *Message) map[string]bool {
	late := map[string]bool{}
	for _, s := range m.Students {
		if m.TemplateOf(s) == TemplateLate {
			late[s] = true
		}
	}
	return late
}

// setLate makes m's template and Late say of each of its pupils what
// late says: alert_late when every pupil is late, else alert_absent with
// the late ones in Late. Only a morning alert changes.
func setLate(m *Message, late map[string]bool) {
	if !m.IsAlert() || len(m.Students) == 0 {
		return
	}
	m.Late = nil
	for _, s := range m.Students {
		if late[s] {
			m.Late = append(m.Late, s)
		}
	}
	if len(m.Late) == len(m.Students) {
		m.Template, m.Late = TemplateLate, nil
	} else {
		m.Template = TemplateAbsent
	}
}

// phoneMessages is the store's look-up of the messages to a phone.
type phoneMessages interface {
	MessagesToPhone(phone string, limit int) ([]*Message, error)
}

// toldToday reports whether phone has had a same-morning alert of date
// (one not cancelled). A store without the look-up tells nothing.
func toldToday(tx Tx, date school.Date, phone string) (bool, error) {
	pm, ok := tx.(phoneMessages)
	if !ok {
		return false, nil
	}
	msgs, err := pm.MessagesToPhone(phone, 50)
	if err != nil {
		return false, err
	}
	for _, m := range msgs {
		if m.Date == date && m.IsAlert() && m.Live() {
			return true, nil
		}
	}
	return false, nil
}

// channelFor is the channel a contact is written to with template: their
// own, except that where WhatsApp templates are in use and none is approved
// for this message in the contact's language, WhatsApp becomes SMS (a
// business may not start a WhatsApp conversation with free text).
func (p *Planner) channelFor(c school.Contact, template string) school.Channel {
	if c.Channel != school.ChannelWhatsApp || p.Templates == nil {
		return c.Channel
	}
	lang, _ := p.Renderer.Language(c)
	if p.Templates[template][lang] == "" {
		return school.ChannelSMS
	}
	return c.Channel
}

// content sets the approved WhatsApp template of m and its variables
// ({{1}} the school, {{2}} the pupils' names).
func (p *Planner) content(m *Message) {
	if m.Channel != school.ChannelWhatsApp || p.Templates == nil {
		return
	}
	sid := p.Templates[m.Template][m.Language]
	if len(m.Late) > 0 {
		sid = "" // no approved template says of one pupil absent, of another late
	}
	if sid == "" {
		// An apology to a WhatsApp contact without a template goes as SMS.
		m.Channel = school.ChannelSMS
		m.Note = "no approved WhatsApp template for this message and language: sent as SMS"
		return
	}
	m.ContentSID = sid
	vars, _ := json.Marshal(map[string]string{"1": p.Renderer.School, "2": m.names})
	m.ContentVariables = string(vars)
}

func (p *Planner) render(tx Tx, m *Message) error {
	names := make([]string, 0, len(m.Students))
	genders := make([]string, 0, len(m.Students))
	for _, id := range m.Students {
		s, ok, err := tx.Student(id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("render message %s: student %s is not in the roster", m.ID, id)
		}
		names = append(names, s.Name)
		genders = append(genders, s.Gender)
	}
	if err := p.Renderer.RenderPupils(m, names, genders); err != nil {
		return err
	}
	p.Renderer.StampReview(m)
	return nil
}
