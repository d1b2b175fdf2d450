package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/voice"
)

// Recording a message by phone: an admin asks nabij to call their own
// phone; the call tells them which message to speak after the beep, and
// Twilio records it (<Record>); nabij fetches the recording from Twilio,
// checks it as an upload is checked, and keeps it as the school's
// recording of that message, made by phone.
//
// A session lives in the store, for PhoneRecordingTTL, kept by its token's
// SHA-256: Twilio's requests of the call may reach any replica, and a
// restart in between does not lose it. Its token, 256 random bits, is in
// the URLs Twilio calls; every such webhook is also signed by Twilio.

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
type PhoneRecording = store.PhoneRecording

// phoneRecording is the session of token, if it is live: not expired, not
// used. finish uses it.
func (s *Service) phoneRecording(ctx context.Context, token string, finish bool) (PhoneRecording, bool, error) {
	key := tokenKey(token)
	var session PhoneRecording
	var ok bool
	view := s.Store.ViewContext
	if finish {
		view = s.Store.UpdateContext
	}
	err := view(ctx, func(tx *store.Tx) error {
		var err error
		session, ok, err = tx.PhoneRecordingOf(key)
		if err != nil || !ok {
			return err
		}
		if session.Done || !s.Now().Before(session.Expires) {
			ok = false
			return nil
		}
		if finish {
			session.Done = true
			return tx.PutPhoneRecording(key, session, s.Now())
		}
		return nil
	})
	if err != nil {
		return PhoneRecording{}, false, err
	}
	return session, ok, nil
}

// tokenKey is what the store keeps a secret token by.
func tokenKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
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
		more = append(more, school.FieldErrorOf("phone", perr))
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
	session := PhoneRecording{ID: "rc-" + base64.RawURLEncoding.EncodeToString(raw[32:]), Language: lang, Kind: kind, SpokenBy: spokenBy, Admin: admin,
		Phone: e164, Expires: s.Now().Add(PhoneRecordingTTL)}
	key := tokenKey(token)
	if err := s.Store.UpdateContext(ctx, func(tx *store.Tx) error { return tx.PutPhoneRecording(key, session, s.Now()) }); err != nil {
		return PhoneRecording{}, fmt.Errorf("keep the session: %w", err)
	}
	sid, err := s.RecordingCaller.PlaceRecordingCall(ctx, e164, token)
	if err != nil {
		_ = s.Store.UpdateContext(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.DeletePhoneRecording(key) })
		return PhoneRecording{}, fmt.Errorf("place the call: %w", err)
	}
	session.CallSID = sid
	// The call's webhooks may come before this is written; they read only
	// what the session says to record.
	if err := s.Store.UpdateContext(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		cur, ok, err := tx.PhoneRecordingOf(key)
		if err != nil || !ok {
			return err
		}
		cur.CallSID = sid
		return tx.PutPhoneRecording(key, cur, s.Now())
	}); err != nil {
		return PhoneRecording{}, fmt.Errorf("keep the call: %w", err)
	}
	return session, nil
}

// RecordingPrompt is the session of token, for the TwiML that tells the
// admin what to speak; ok is false for a token that is unknown, expired or
// used.
func (s *Service) RecordingPrompt(token string) (PhoneRecording, bool) {
	session, ok, err := s.phoneRecording(context.Background(), token, false)
	return session, ok && err == nil
}

// PhoneRecordingDone keeps what Twilio recorded on the call of token, read
// from recordingURL: checked as an upload is, and kept as the recording of
// the session's message, made by phone. The session is used once: a
// second post, an unknown or an expired token is school.ErrNotFound. A
// recording the check refuses is a *school.ValidationError whose message
// the call tells the admin.
func (s *Service) PhoneRecordingDone(ctx context.Context, token, recordingURL string) (_ voice.Recording, err error) {
	session, ok, err := s.phoneRecording(ctx, token, true)
	if err != nil {
		return voice.Recording{}, fmt.Errorf("phone recording: %w", err)
	}
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
