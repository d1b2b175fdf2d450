package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/voice"
)

// A call's life, as Twilio tells it: it fetches what to say (CallScript)
// when the family answers, posts the key they press (CallKey), and reports
// the call's progress and end (CallStatus). Each is a webhook of its own,
// signed by Twilio, about one message of the outbox.

// CallLine is one thing a call says: the school's recording, or a text the
// speech engine speaks.
type CallLine struct {
	// Recording is the id of the school's recording to play, and Play the
	// path Twilio fetches it at: signed, expiring, listed nowhere
	// (MediaURL); web puts the public URL in front.
	Recording, Play string
	// Say is the text to speak, in Speech's language and voice.
	Say    string
	Speech voice.Speech
}

// CallScript is what nabij says on a call.
type CallScript struct {
	Message string // the message id
	// Line is the message; nothing is said when Line is the zero value
	// (the call hangs up).
	Line CallLine
	// AskKeys is true when the family is asked for a key (1 sick, 2 call
	// me back): a person answered an absent alert. The message is then said
	// once more when no key comes.
	AskKeys bool
}

// ErrNotThisCall is a webhook about a message that is not the call Twilio
// names (a stale or forged request): nothing is changed.
var ErrNotThisCall = errors.New("not this call")

// voiceLine is what a call in lang says for kind about children pupils:
// the school's recording, else the speech engine's text, else nothing (ok
// false). A recording is one for any number of children: the school words
// it so ("uw kind of kinderen").
func (s *Service) voiceLine(tx *store.Tx, lang string, kind voice.Kind, children int) (CallLine, bool, error) {
	src, err := VoiceForTx(tx, lang, kind)
	if err != nil {
		return CallLine{}, false, err
	}
	switch src.Use {
	case voice.UseRecording:
		play, err := s.MediaURL(src.Recording, 0)
		if err != nil {
			return CallLine{}, false, err
		}
		return CallLine{Recording: src.Recording, Play: play}, true, nil
	case voice.UseSpeech:
		if text, speech, ok := voice.Spoken(lang, kind, children, s.Planner.Renderer.School); ok {
			return CallLine{Say: text, Speech: speech}, true, nil
		}
	}
	return CallLine{}, false, nil
}

// Speaks reports whether a call in lang can carry template (the planner's
// Speaks): there is a recording or a speech engine for it.
func (s *Service) Speaks(tx alerts.Tx, lang, template string) (bool, error) {
	kind, ok := voice.KindOf(template)
	if !ok {
		return false, nil
	}
	stx, ok := tx.(*store.Tx)
	if !ok {
		return false, fmt.Errorf("speaks: a transaction of another store (%T)", tx)
	}
	src, err := VoiceForTx(stx, lang, kind)
	return src.Use != voice.UseNone, err
}

// callOf is the call message id Twilio calls callSID, or ErrNotThisCall.
//
// A call's webhooks may come before nabij has recorded Twilio's answer to
// placing it (the phone is answered at once; or the answer was lost, and
// the call is looked up later): a message claimed for sending, or left
// uncertain by a send without an answer, and without a provider id takes
// the call's SID from its first signed webhook, so the family is heard; it
// stays uncertain until Twilio's progress moves it on, so that it is
// looked up, never placed again.
func callOf(tx *store.Tx, id, callSID string) (*alerts.Message, error) {
	m, err := tx.Message(id)
	if errors.Is(err, school.ErrNotFound) {
		return nil, ErrNotThisCall
	}
	if err != nil {
		return nil, err
	}
	if !m.IsCall() {
		return nil, ErrNotThisCall
	}
	if m.ProviderID == "" && (m.Status == alerts.StatusSending || m.Uncertain) {
		m.ProviderID = callSID
		return m, tx.PutMessage(m)
	}
	if m.ProviderID != callSID {
		return nil, ErrNotThisCall
	}
	return m, nil
}

// CallScript is what the call callSID, about message id, says now that it
// is answered — by a person, or by a machine (answeredBy, Twilio's
// answering-machine detection), which gets the message after the beep and
// is asked nothing.
func (s *Service) CallScript(ctx context.Context, id, callSID, answeredBy string) (_ CallScript, err error) {
	defer failed(&err, "call script %s", id)
	var script CallScript
	err = s.Store.UpdateContext(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		m, err := callOf(tx, id, callSID)
		if err != nil {
			return err
		}
		kind, ok := voice.KindOf(m.Template)
		if !ok {
			return nil // nothing a call says: it hangs up
		}
		line, ok, err := s.voiceLine(tx, m.Language, kind, len(m.Students))
		if err != nil || !ok {
			return err
		}
		script = CallScript{Message: m.ID, Line: line}
		call := &alerts.Call{AnsweredBy: answeredBy}
		if m.Call != nil {
			c := *m.Call
			c.AnsweredBy = answeredBy
			call = &c
		}
		if call.Try == 0 {
			call.Try = 1
		}
		script.AskKeys = voice.AsksForKeys(kind) && !call.Machine()
		call.Played = true
		m.Call = call
		m.UpdatedAt = s.Now()
		return tx.PutMessage(m)
	})
	return script, err
}

// CallKey handles the key the family pressed on the call callSID about
// message id: 1 is a sick report by that contact and 2 a call-back task,
// with the effects of a text reply 1 and 2 (a key 1 about several absent
// children is left to the coordinator, who asks which one). It answers
// with what the call says next: thanks, or the message again for any
// other key.
func (s *Service) CallKey(ctx context.Context, id, callSID, digits string) (_ CallScript, err error) {
	defer failed(&err, "call key %s", id)
	now := s.Now()
	var script CallScript
	var woke bool
	err = s.Store.UpdateContext(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		m, err := callOf(tx, id, callSID)
		if err != nil {
			return err
		}
		kind, _ := voice.KindOf(m.Template)
		if digits != "1" && digits != "2" {
			line, ok, err := s.voiceLine(tx, m.Language, kind, len(m.Students))
			if err != nil || !ok {
				return err
			}
			script = CallScript{Message: m.ID, Line: line, AskKeys: voice.AsksForKeys(kind)}
			return nil
		}
		// The key is kept as a reply is, once however often Twilio posts it,
		// and shows in the coordinator's inbox.
		in := store.Inbound{ProviderID: callSID + "/" + digits, From: m.Phone, Channel: string(school.ChannelVoice),
			Body: digits, ReceivedAt: now}
		isNew, err := tx.PutInbound(&in)
		if err != nil {
			return err
		}
		if isNew {
			m.Pressed(digits, now)
			if err := tx.PutMessage(m); err != nil {
				return err
			}
			if woke, err = s.handleReplyTo(tx, &in, m); err != nil {
				return err
			}
			if _, err := tx.PutInbound(&in); err != nil {
				return err
			}
		}
		line, ok, err := s.voiceLine(tx, m.Language, voice.KindThanks, len(m.Students))
		if err != nil || !ok {
			return err
		}
		script = CallScript{Message: m.ID, Line: line}
		return nil
	})
	if err == nil && woke && s.Wake != nil {
		s.Wake()
	}
	return script, err
}

// CallStatus applies Twilio's report of the call callSID about message
// id: its progress, and its end (alerts.ApplyCallStatus: reached, tried
// once more, or the "call now" task).
func (s *Service) CallStatus(ctx context.Context, id, callSID, status, answeredBy string, seconds int) (err error) {
	defer failed(&err, "call status %s", id)
	var changed *alerts.Message
	err = s.Store.GroupContext(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		changed = nil
		m, err := callOf(tx, id, callSID)
		if err != nil {
			return err
		}
		ok, err := s.Fallbacks.ApplyCallStatus(tx, m, status, answeredBy, seconds)
		if err != nil || !ok {
			return err
		}
		changed = m
		return tx.PutMessage(m)
	})
	if err != nil || changed == nil {
		return err
	}
	if s.Observe != nil {
		s.Observe(changed)
	}
	if changed.Retry != "" && s.Wake != nil {
		s.Wake()
	}
	return nil
}

// ChannelChange is what SetContactChannel did.
type ChannelChange struct {
	Contact string
	Channel school.Channel
	// Calls are the calls made at once to the contact: today's alerts that
	// reached them as a text they did not answer ("did not read it").
	Calls []string
}

// SetContactChannel changes how a contact is reached, in the roster as
// stored: under every pupil and housing unit the contact stands. It is a
// coordinator's "did not read it" on the board (or an admin's change):
// switched to voice, today's alerts that went to the contact as a text and
// were not answered are made again as a call, due now, within their
// validity. The school's next roster import sets the channel to what its
// own records say; the import's preview shows the change.
func (s *Service) SetContactChannel(ctx context.Context, u school.User, contactID string, ch school.Channel) (_ *ChannelChange, err error) {
	defer failed(&err, "set contact channel %s", contactID)
	if u.Role != school.RoleCoordinator && u.Role != school.RoleAdmin {
		return nil, fmt.Errorf("%w: only a coordinator or an admin changes how a family is reached", school.ErrForbidden)
	}
	switch ch {
	case school.ChannelSMS, school.ChannelWhatsApp, school.ChannelVoice:
	default:
		return nil, &school.ValidationError{Details: []school.FieldError{{Field: "channel",
			Message: fmt.Sprintf("channel %q is not one of sms, whatsapp, voice", ch)}}}
	}
	now := s.Now()
	today := s.Today()
	change := &ChannelChange{Contact: contactID, Channel: ch}
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		r, err := tx.Roster()
		if err != nil {
			return err
		}
		var phone string
		set := func(cs []school.Contact) {
			for i := range cs {
				if cs[i].ID == contactID {
					cs[i].Channel, phone = ch, cs[i].Phone
				}
			}
		}
		for i := range r.Students {
			set(r.Students[i].Contacts)
		}
		for i := range r.HousingUnits {
			set(r.HousingUnits[i].Contacts)
		}
		if phone == "" {
			return school.NotFound("contact %s", contactID)
		}
		if err := step("save roster", tx.ReplaceRoster(r)); err != nil {
			return err
		}
		if ch != school.ChannelVoice {
			return nil
		}
		msgs, err := tx.MessagesToPhone(phone, 20)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Date == today && m.IsAlert() && m.IsCall() && m.Live() && m.Contact == contactID {
				return nil // called today already: once is enough
			}
		}
		for _, m := range msgs {
			if m.Date != today || !m.IsAlert() || m.IsCall() || !m.Reached() || m.RepliedAt != nil || m.Contact != contactID ||
				(!m.ExpiresAt.IsZero() && !now.Before(m.ExpiresAt)) {
				continue
			}
			call := m.AsCall(now, now)
			call.Note = "a call after the text " + m.ID + " was not read"
			if ok, err := s.Speaks(tx, call.Language, call.Template); err != nil || !ok {
				return err // nothing to say in a call: the text stands
			}
			if err := step("plan the call", tx.PutMessage(call)); err != nil {
				return err
			}
			change.Calls = append(change.Calls, call.ID)
		}
		return nil
	})
	if err == nil && len(change.Calls) > 0 && s.Wake != nil {
		s.Wake()
	}
	return change, err
}
