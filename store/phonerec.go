package store

import (
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/voice"
)

// PhoneRecording is a call that records one of the school's messages by
// phone (app.RecordByPhone), kept by the SHA-256 of its token until it
// expires: Twilio's requests of the call may reach any replica.
type PhoneRecording struct {
	ID       string      `json:"id"`
	Language string      `json:"language"`
	Kind     voice.Kind  `json:"kind"`
	SpokenBy string      `json:"spoken_by"`
	Admin    school.User `json:"admin"`
	Phone    string      `json:"phone"`
	CallSID  string      `json:"call_sid,omitempty"`
	Expires  time.Time   `json:"expires"`
	// Done is set once a recording was posted: a session is used once.
	Done bool `json:"done,omitempty"`
}

// PutPhoneRecording keeps a recording call, and drops those expired.
func (t *Tx) PutPhoneRecording(tokenHash string, p PhoneRecording, now time.Time) error {
	if err := dropWhere(t, bucketPhoneRecordings, func(v *PhoneRecording) bool { return !now.Before(v.Expires) }); err != nil {
		return err
	}
	return t.put(bucketPhoneRecordings, tokenHash, p)
}

// PhoneRecordingOf is the recording call of a token's hash.
func (t *Tx) PhoneRecordingOf(tokenHash string) (PhoneRecording, bool, error) {
	var p PhoneRecording
	ok, err := t.get(bucketPhoneRecordings, tokenHash, &p)
	return p, ok, err
}

// DeletePhoneRecording forgets a recording call.
func (t *Tx) DeletePhoneRecording(tokenHash string) error {
	return t.tx.Bucket(bucketPhoneRecordings).Delete([]byte(tokenHash))
}
