package store

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/nabij-isk/nabij/voice"
)

// The school's recordings of its call messages: one current recording per
// language and kind. What is known of a recording (voice.Recording) is kept
// in recordings, its audio apart in recording_audio, both under its id, so
// that listing them reads no audio. Recordings are the school's, not a
// pupil's: retention leaves them alone; they are kept until an admin
// deletes or replaces one. A new bucket needs no schema version: Open makes
// it, and an older nabij leaves it be.

// ErrNoRecording is a recording id the store does not have.
var ErrNoRecording = errors.New("no such recording")

// PutRecording keeps r with its audio as the recording of its language and
// kind, giving it an id. The recording it replaces, if any, goes in the
// same transaction, its audio with it: no audio is left without its
// recording.
func (t *Tx) PutRecording(r *voice.Recording, audio []byte) error {
	if r.Language == "" || !r.Kind.Valid() {
		return fmt.Errorf("a recording needs a language and a kind (%q, %q)", r.Language, r.Kind)
	}
	if len(audio) == 0 {
		return errors.New("a recording needs its audio")
	}
	old, ok, err := t.Recording(r.Language, r.Kind)
	if err != nil {
		return err
	}
	if ok {
		if err := t.DeleteRecording(old.ID); err != nil {
			return err
		}
	}
	seq, err := t.tx.Bucket(bucketRecordings).NextSequence()
	if err != nil {
		return err
	}
	r.ID = fmt.Sprintf("rec%d", seq)
	r.Size = int64(len(audio))
	if err := t.tx.Bucket(bucketRecordingAudio).Put([]byte(r.ID), audio); err != nil {
		return err
	}
	return t.put(bucketRecordings, r.ID, r)
}

// Recording is the current recording of lang and kind, if there is one.
func (t *Tx) Recording(lang string, kind voice.Kind) (voice.Recording, bool, error) {
	all, err := t.Recordings()
	if err != nil {
		return voice.Recording{}, false, err
	}
	for _, r := range all {
		if r.Language == lang && r.Kind == kind {
			return r, true, nil
		}
	}
	return voice.Recording{}, false, nil
}

// RecordingByID is the recording with id, if there is one.
func (t *Tx) RecordingByID(id string) (voice.Recording, bool, error) {
	var r voice.Recording
	if t.tx.Bucket(bucketRecordings) == nil {
		return r, false, nil // a store opened read-only before these buckets were made
	}
	ok, err := t.get(bucketRecordings, id, &r)
	return r, ok, err
}

// RecordingAudio is the audio of the recording with id: a copy, valid
// after the transaction. ok is false when there is no such recording.
func (t *Tx) RecordingAudio(id string) ([]byte, bool, error) {
	b := t.tx.Bucket(bucketRecordingAudio)
	if b == nil {
		return nil, false, nil
	}
	raw := b.Get([]byte(id))
	if raw == nil {
		return nil, false, nil
	}
	return append([]byte(nil), raw...), true, nil
}

// Recordings are every recording the school keeps, in the order they were
// made (ids), without their audio.
func (t *Tx) Recordings() ([]voice.Recording, error) {
	if t.tx.Bucket(bucketRecordings) == nil {
		return nil, nil
	}
	var out []voice.Recording
	err := each(t, bucketRecordings, "", func(_ string, r *voice.Recording) error {
		out = append(out, *r)
		return nil
	})
	return out, err
}

// DeleteRecording removes the recording with id and its audio;
// ErrNoRecording when there is none.
func (t *Tx) DeleteRecording(id string) error {
	if t.tx.Bucket(bucketRecordings).Get([]byte(id)) == nil {
		return fmt.Errorf("%w: %s", ErrNoRecording, id)
	}
	if err := t.tx.Bucket(bucketRecordingAudio).Delete([]byte(id)); err != nil {
		return err
	}
	return t.tx.Bucket(bucketRecordings).Delete([]byte(id))
}

// mediaKeyName is where the key that signs recordings' media links is kept
// in the meta bucket.
var mediaKeyName = []byte("media_key")

// MediaKey is the key nabij signs its recordings' media links with: 32
// random bytes made when the store is first opened and kept in it, so that
// a link stays good across a restart and a restored backup keeps it; read
// once at Open, so that a link can be signed inside a transaction. It is
// no password: whoever reads the store can read the recordings.
func (s *Store) MediaKey() ([]byte, error) {
	if len(s.mediaKey) == 0 {
		return nil, errors.New("store: no media key (the store was not opened by Open)")
	}
	return append([]byte(nil), s.mediaKey...), nil
}

// ensureMediaKey makes the media key when the store has none, and returns
// it; Open keeps it, so that a link can be signed inside a transaction.
func ensureMediaKey(meta kvBucket) ([]byte, error) {
	if raw := meta.Get(mediaKeyName); raw != nil {
		return append([]byte(nil), raw...), nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, meta.Put(mediaKeyName, key)
}
