package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
	"github.com/nabij-isk/nabij/voice"
	"github.com/nabij-isk/nabij/voice/audio"
)

// The school's recordings of its call messages: an admin uploads one per
// language and kind, checked before it is kept; a call in a language plays
// its recording, else the speech engine speaks, else the call cannot carry
// the message (VoiceFor). Twilio fetches a recording at a media link that
// names it, expires, and is signed with a key the store keeps (MediaURL).

// MaxRecordingSize is the largest recording file taken (10 MB): a
// 90-second WAV of 44.1 kHz 16-bit stereo is 16 MB, so such a file is
// refused with its size and the advice to save it as MP3 or mono.
const MaxRecordingSize = 10 << 20

// maxSpokenBy is the longest "spoken by" taken, in characters.
const maxSpokenBy = 100

// DefaultMediaTTL is how long a media link is good for when the caller
// gives no time: a call fetches its recording within seconds of its TwiML.
const DefaultMediaTTL = time.Hour

// UploadRecording keeps the audio read from r as the school's recording of
// kind in lang, spoken by spokenBy, in place of the one before: the
// language must be one of the catalog's, the kind one of voice.Kinds, who
// spoke it given (at most 100 characters), and the audio must pass
// voice/audio's Check (MP3 or WAV, 2 to 90 seconds, audible, not
// distorted, at most MaxRecordingSize). A refused recording changes nothing and is a
// *school.ValidationError naming the field and why.
func (s *Service) UploadRecording(ctx context.Context, admin school.User, lang string, kind voice.Kind, spokenBy string, r io.Reader) (_ voice.Recording, err error) {
	defer failed(&err, "upload recording (%s, %s)", lang, kind)
	if err := s.checkRecordingFields(lang, kind, &spokenBy, nil); err != nil {
		return voice.Recording{}, err
	}
	return s.keepRecording(ctx, admin, lang, kind, spokenBy, "upload", r)
}

// checkRecordingFields checks what a recording is of and who spoke it
// (trimmed in place); more lists problems of the caller's own fields.
func (s *Service) checkRecordingFields(lang string, kind voice.Kind, spokenBy *string, more []school.FieldError) error {
	errs := more
	if _, ok := s.catalogLanguage(lang); !ok {
		errs = append(errs, school.FieldError{Field: "language", Message: fmt.Sprintf("%q is not a language of nabij's translations", lang)})
	}
	if !kind.Valid() {
		errs = append(errs, school.FieldError{Field: "kind", Message: fmt.Sprintf("kind %q is not one of absent, late, apology, thanks", kind)})
	}
	*spokenBy = strings.TrimSpace(*spokenBy)
	switch {
	case *spokenBy == "":
		errs = append(errs, school.FieldError{Field: "spoken_by", Message: "say who spoke the recording"})
	case utf8.RuneCountInString(*spokenBy) > maxSpokenBy:
		errs = append(errs, school.FieldError{Field: "spoken_by", Message: fmt.Sprintf("at most %d characters", maxSpokenBy)})
	}
	if len(errs) > 0 {
		return &school.ValidationError{Details: errs}
	}
	return nil
}

// keepRecording checks the audio read from r and keeps it as the
// recording of kind in lang, in place of the one before; source says how
// it was made (upload, phone).
func (s *Service) keepRecording(ctx context.Context, admin school.User, lang string, kind voice.Kind, spokenBy, source string, r io.Reader) (voice.Recording, error) {
	var buf bytes.Buffer
	info, err := audio.Check(io.TeeReader(r, &buf), MaxRecordingSize)
	var refused *audio.Refusal
	if errors.As(err, &refused) {
		return voice.Recording{}, &school.ValidationError{Details: []school.FieldError{{Field: "file", Message: refused.Error()}}}
	}
	if err != nil {
		return voice.Recording{}, fmt.Errorf("reading the upload: %w", err)
	}
	rec := voice.Recording{Language: lang, Kind: kind, SpokenBy: spokenBy, Format: string(info.Format),
		ContentType: info.ContentType, Duration: info.Duration, Source: source,
		UploadedBy: admin.ID, UploadedAt: s.Now().UTC()}
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error { return tx.PutRecording(&rec, buf.Bytes()) })
	return rec, err
}

// Recordings are the school's recordings, without their audio.
func (s *Service) Recordings(ctx context.Context) (out []voice.Recording, err error) {
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		out, err = tx.Recordings()
		return err
	})
	return out, err
}

// RecordingAudio is a recording and its audio; school.ErrNotFound when
// there is no such recording.
func (s *Service) RecordingAudio(ctx context.Context, id string) (rec voice.Recording, data []byte, err error) {
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var ok bool
		if rec, ok, err = tx.RecordingByID(id); err != nil || !ok {
			return notFoundIf(!ok, err, id)
		}
		data, ok, err = tx.RecordingAudio(id)
		return notFoundIf(!ok, err, id)
	})
	return rec, data, err
}

func notFoundIf(missing bool, err error, id string) error {
	if err == nil && missing {
		return school.NotFound("recording %s", id)
	}
	return err
}

// DeleteRecording removes a recording and its audio: calls in its
// language then use the speech engine, or cannot carry that message.
func (s *Service) DeleteRecording(ctx context.Context, admin school.User, id string) (err error) {
	defer failed(&err, "delete recording %s", id)
	return s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		err := tx.DeleteRecording(id)
		if errors.Is(err, store.ErrNoRecording) {
			return school.NotFound("recording %s", id)
		}
		return err
	})
}

// VoiceSource is what a call uses for one message in one language.
type VoiceSource = voice.Source

// VoiceFor is what a call in lang uses for kind: the school's recording
// (its id), else the speech engine (<Say> in voice.Speakers[lang]), else
// none. The error is the store's.
func (s *Service) VoiceFor(lang string, kind voice.Kind) (src VoiceSource, err error) {
	err = s.Store.View(func(tx *store.Tx) error {
		src, err = VoiceForTx(tx, lang, kind)
		return err
	})
	return src, err
}

// VoiceForTx is VoiceFor inside a transaction a use case already holds.
func VoiceForTx(tx *store.Tx, lang string, kind voice.Kind) (VoiceSource, error) {
	rec, ok, err := tx.Recording(lang, kind)
	if err != nil {
		return VoiceSource{}, err
	}
	if ok {
		return voice.SourceOf(lang, kind, &rec), nil
	}
	return voice.SourceOf(lang, kind, nil), nil
}

// LanguageVoice is what calls in one language use, message by message.
type LanguageVoice struct {
	Language translations.Language
	Kinds    []KindVoice // in voice.Kinds' order
}

// KindVoice is what calls use for one message; Recording is the recording
// when Source.Use is voice.UseRecording.
type KindVoice struct {
	Kind      voice.Kind
	Source    VoiceSource
	Recording *voice.Recording
}

// VoiceCoverage is, for every language of the catalog and every message
// of a call, what a call uses: a recording (by whom), the speech engine
// (which voice), or none.
func (s *Service) VoiceCoverage(ctx context.Context) ([]LanguageVoice, error) {
	recs, err := s.Recordings(ctx)
	if err != nil {
		return nil, err
	}
	return Coverage(s.Translations.Languages(), recs), nil
}

// Coverage is VoiceCoverage over langs with the recordings recs (none
// when the store was not read).
func Coverage(langs []translations.Language, recs []voice.Recording) []LanguageVoice {
	out := make([]LanguageVoice, 0, len(langs))
	for _, l := range langs {
		lv := LanguageVoice{Language: l}
		for _, k := range voice.Kinds {
			kv := KindVoice{Kind: k}
			for i := range recs {
				if recs[i].Language == l.Tag && recs[i].Kind == k {
					r := recs[i]
					kv.Recording = &r
				}
			}
			kv.Source = voice.SourceOf(l.Tag, k, kv.Recording)
			lv.Kinds = append(lv.Kinds, kv)
		}
		out = append(out, lv)
	}
	return out
}

func (s *Service) catalogLanguage(tag string) (translations.Language, bool) {
	for _, l := range s.Translations.Languages() {
		if l.Tag == tag {
			return l, true
		}
	}
	return translations.Language{}, false
}

// MediaURL is the path Twilio fetches the recording id at, good for ttl
// (DefaultMediaTTL when ttl is not positive): /media/voice/ and a token
// that names the recording and when the link ends, signed with the key the
// store keeps. The caller puts nabij's public URL before it. The link is
// listed nowhere; whoever has it can fetch the recording until it ends.
func (s *Service) MediaURL(id string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = DefaultMediaTTL
	}
	key, err := s.Store.MediaKey()
	if err != nil {
		return "", fmt.Errorf("media key: %w", err)
	}
	exp := s.Now().Add(ttl).Unix()
	payload := id + "." + strconv.FormatInt(exp, 10)
	return "/media/voice/" + payload + "." + mediaMAC(key, payload), nil
}

func mediaMAC(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("nabij media\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// MediaAudio is the recording a media link's token names and its audio,
// with when the link ends. A token that is malformed, forged, expired, or
// names a recording no longer kept is school.ErrNotFound, all alike.
func (s *Service) MediaAudio(ctx context.Context, token string) (voice.Recording, []byte, time.Time, error) {
	gone := school.NotFound("media")
	rest, mac, ok := cutLast(token)
	if !ok {
		return voice.Recording{}, nil, time.Time{}, gone
	}
	id, expRaw, ok := cutLast(rest)
	if !ok || id == "" {
		return voice.Recording{}, nil, time.Time{}, gone
	}
	key, err := s.Store.MediaKey()
	if err != nil {
		return voice.Recording{}, nil, time.Time{}, fmt.Errorf("media key: %w", err)
	}
	if !hmac.Equal([]byte(mac), []byte(mediaMAC(key, rest))) {
		return voice.Recording{}, nil, time.Time{}, gone
	}
	exp, err := strconv.ParseInt(expRaw, 10, 64)
	if err != nil || !s.Now().Before(time.Unix(exp, 0)) {
		return voice.Recording{}, nil, time.Time{}, gone
	}
	rec, data, err := s.RecordingAudio(ctx, id)
	if err != nil {
		return voice.Recording{}, nil, time.Time{}, err
	}
	return rec, data, time.Unix(exp, 0), nil
}

func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}
