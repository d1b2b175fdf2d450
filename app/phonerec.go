package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/voice"
)

// Recording a message by phone: an admin asks nabij to call their own
// phone; the call tells them which message to speak after the beep, and
// Twilio records it (<Record>); nabij fetches the recording from Twilio,
// checks it as an upload is checked, and keeps it as the school's
// recording of that message, made by phone.
//
// A session lives in memory, for PhoneRecordingTTL: a restart in between
// loses it, and the admin asks again. Its token, 256 random bits, is in the
// URLs Twilio calls; every such webhook is also signed by Twilio.

// PhoneRecordingTTL is how long a recording call may take from the ask to
// the recording.
const PhoneRecordingTTL = 15 * time.Minute

// RecordingCaller places the call that records a message: Twilio calls to
// and fetches the TwiML of the session token; FetchRecording reads what
// Twilio recorded.
type RecordingCaller interface {
	PlaceRecordingCall(ctx context.Context, to, token string) (callSID string, err error)
	FetchRecording(ctx context.Context, recordingURL string) ([]byte, error)
}

// ErrNoRecordingCalls is the answer when nabij cannot place calls (no
// Twilio voice number configured).
var ErrNoRecordingCalls = errors.New("calls are not configured: set NABIJ_TWILIO_VOICE_FROM to record by phone")

// PhoneRecording is one recording call: what it records, for whom.
type PhoneRecording struct {
	ID       string
	Language string
	Kind     voice.Kind
	SpokenBy string
	Admin    school.User
	Phone    string
	CallSID  string
	Expires  time.Time
	// Done is set once a recording was posted: a session is used once.
	Done bool
}

// phoneRecordings are the sessions under way, by token.
type phoneRecordings struct {
	mu       sync.Mutex
	sessions map[string]*PhoneRecording
}

func (p *phoneRecordings) take(token string, now time.Time, finish bool) (PhoneRecording, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for t, s := range p.sessions {
		if !now.Before(s.Expires) {
			delete(p.sessions, t)
		}
	}
	s, ok := p.sessions[token]
	if !ok || s.Done {
		return PhoneRecording{}, false
	}
	if finish {
		s.Done = true
	}
	return *s, true
}

// RecordByPhone calls the admin's phone to record the message kind in
// lang, spoken by spokenBy. The fields are checked as an upload's are, and
// the phone must be a number nabij can call; nothing is changed by a
// refusal. It answers with the session (its id, not its token).
func (s *Service) RecordByPhone(ctx context.Context, admin school.User, lang string, kind voice.Kind, spokenBy, phone string) (_ PhoneRecording, err error) {
	defer failed(&err, "record by phone (%s, %s)", lang, kind)
	if admin.Role != school.RoleAdmin {
		return PhoneRecording{}, fmt.Errorf("%w: only an admin records the school's messages", school.ErrForbidden)
	}
	var more []school.FieldError
	e164, perr := school.NormalizePhone(phone)
	if perr != nil {
		more = append(more, school.FieldError{Field: "phone", Message: perr.Error()})
	}
	if err := s.checkRecordingFields(lang, kind, &spokenBy, more); err != nil {
		return PhoneRecording{}, err
	}
	if s.RecordingCaller == nil {
		return PhoneRecording{}, ErrNoRecordingCalls
	}
	raw := make([]byte, 32+6)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails on supported platforms
	token := base64.RawURLEncoding.EncodeToString(raw[:32])
	session := &PhoneRecording{ID: "rc-" + base64.RawURLEncoding.EncodeToString(raw[32:]), Language: lang, Kind: kind, SpokenBy: spokenBy, Admin: admin,
		Phone: e164, Expires: s.Now().Add(PhoneRecordingTTL)}
	s.phoneRecs.mu.Lock()
	if s.phoneRecs.sessions == nil {
		s.phoneRecs.sessions = map[string]*PhoneRecording{}
	}
	s.phoneRecs.sessions[token] = session
	s.phoneRecs.mu.Unlock()
	sid, err := s.RecordingCaller.PlaceRecordingCall(ctx, e164, token)
	s.phoneRecs.mu.Lock()
	defer s.phoneRecs.mu.Unlock()
	if err != nil {
		delete(s.phoneRecs.sessions, token)
		return PhoneRecording{}, fmt.Errorf("place the call: %w", err)
	}
	session.CallSID = sid
	return *session, nil
}

// RecordingPrompt is the session of token, for the TwiML that tells the
// admin what to speak; ok is false for a token that is unknown, expired or
// used.
func (s *Service) RecordingPrompt(token string) (PhoneRecording, bool) {
	return s.phoneRecs.take(token, s.Now(), false)
}

// PhoneRecordingDone keeps what Twilio recorded on the call of token, read
// from recordingURL: checked as an upload is, and kept as the recording of
// the session's message, made by phone. The session is used once: a
// second post, an unknown or an expired token is school.ErrNotFound. A
// recording the check refuses is a *school.ValidationError whose message
// the call tells the admin.
func (s *Service) PhoneRecordingDone(ctx context.Context, token, recordingURL string) (_ voice.Recording, err error) {
	session, ok := s.phoneRecs.take(token, s.Now(), true)
	if !ok {
		return voice.Recording{}, school.NotFound("recording call")
	}
	defer failed(&err, "phone recording %s", session.ID)
	if s.RecordingCaller == nil {
		return voice.Recording{}, ErrNoRecordingCalls
	}
	data, err := s.RecordingCaller.FetchRecording(ctx, recordingURL)
	if err != nil {
		return voice.Recording{}, fmt.Errorf("fetch the recording: %w", err)
	}
	return s.keepRecording(ctx, session.Admin, session.Language, session.Kind, session.SpokenBy, "phone", bytes.NewReader(data))
}
