package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/voice"
	"github.com/nabij-isk/nabij/voice/voicetest"
)

// An admin's recording is checked, kept in place of the one before, and
// from then on what a call in its language uses; a refused one (too long,
// not audio, bad fields) changes nothing and says why.
func TestUploadRecording(t *testing.T) {
	ts := newTestSchool(t)
	admin := ts.user("A. Admin", school.RoleAdmin)
	wav := voicetest.Tone(3*time.Second, 8000, 16, -6)
	rec, err := ts.svc.UploadRecording(ts.ctx, admin, "ti", voice.KindAbsent, " Mehret T. ", bytes.NewReader(wav))
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == "" || rec.SpokenBy != "Mehret T." || rec.Format != "wav" || rec.ContentType != "audio/wav" ||
		rec.Duration != 3*time.Second || rec.Size != int64(len(wav)) || rec.UploadedBy != admin.ID || rec.Source != "upload" {
		t.Errorf("kept %+v", rec)
	}
	got, data, err := ts.svc.RecordingAudio(ts.ctx, rec.ID)
	if err != nil || got.ID != rec.ID || !bytes.Equal(data, wav) {
		t.Fatalf("audio: %+v %d bytes %v", got, len(data), err)
	}

	for _, tc := range []struct {
		lang string
		kind voice.Kind
		want voice.Use
	}{
		{"ti", voice.KindAbsent, voice.UseRecording},
		{"ti", voice.KindLate, voice.UseNone},
		{"nl", voice.KindAbsent, voice.UseSpeech},
		{"so", voice.KindAbsent, voice.UseNone}, // no speech engine speaks Somali
		{"ar", voice.KindAbsent, voice.UseSpeech},
	} {
		src, err := ts.svc.VoiceFor(tc.lang, tc.kind)
		if err != nil || src.Use != tc.want {
			t.Errorf("VoiceFor(%s, %s) = %+v %v, want %s", tc.lang, tc.kind, src, err, tc.want)
		}
		if tc.want == voice.UseRecording && (src.Recording != rec.ID || src.SpokenBy != "Mehret T.") {
			t.Errorf("VoiceFor(%s, %s) = %+v, want recording %s", tc.lang, tc.kind, src, rec.ID)
		}
		if tc.want == voice.UseSpeech && src.Speech != voice.Speakers[tc.lang] {
			t.Errorf("VoiceFor(%s, %s) speaks %+v", tc.lang, tc.kind, src.Speech)
		}
	}

	refused := func(what, field, reason, lang string, kind voice.Kind, spokenBy string, file []byte) {
		t.Helper()
		_, err := ts.svc.UploadRecording(ts.ctx, admin, lang, kind, spokenBy, bytes.NewReader(file))
		var ve *school.ValidationError
		if !errors.As(err, &ve) || ve.Details[0].Field != field || !strings.Contains(ve.Details[0].Message, reason) {
			t.Errorf("%s: %v, want %s refused with %q", what, err, field, reason)
		}
	}
	long := voicetest.Tone(20*time.Minute, 8000, 8, -6)
	if len(long) > MaxRecordingSize {
		t.Fatalf("the 20-minute file is %d bytes, over the limit", len(long))
	}
	refused("20 minutes", "file", "the recording is 20m0s long", "ti", voice.KindAbsent, "Yonas", long)
	refused("a PNG", "file", "not a sound recording", "ti", voice.KindAbsent, "Yonas", voicetest.PNG)
	refused("no language of nabij's", "language", "not a language", "xx", voice.KindAbsent, "Yonas", wav)
	refused("no kind", "kind", "not one of", "ti", "song", "Yonas", wav)
	refused("no speaker", "spoken_by", "who spoke", "ti", voice.KindAbsent, "  ", wav)
	refused("a long name", "spoken_by", "at most 100", "ti", voice.KindAbsent, strings.Repeat("ä", 101), wav)
	all, err := ts.svc.Recordings(ts.ctx)
	if err != nil || len(all) != 1 || all[0].ID != rec.ID {
		t.Fatalf("after the refusals: %+v %v", all, err)
	}

	// A new recording replaces the old.
	again, err := ts.svc.UploadRecording(ts.ctx, admin, "ti", voice.KindAbsent, "Yonas", bytes.NewReader(wav))
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := ts.svc.Recordings(ts.ctx); len(all) != 1 || all[0].ID != again.ID || again.ID == rec.ID {
		t.Errorf("after a replacement: %+v", all)
	}
	if _, _, err := ts.svc.RecordingAudio(ts.ctx, rec.ID); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("the replaced recording's audio: %v", err)
	}

	cov, err := ts.svc.VoiceCoverage(ts.ctx)
	if err != nil || len(cov) != len(ts.svc.Translations.Languages()) {
		t.Fatalf("coverage of %d languages: %v", len(cov), err)
	}
	for _, l := range cov {
		if l.Language.Tag != "ti" {
			continue
		}
		if len(l.Kinds) != 4 || l.Kinds[0].Kind != voice.KindAbsent || l.Kinds[0].Recording == nil || l.Kinds[0].Recording.SpokenBy != "Yonas" ||
			l.Kinds[1].Source.Use != voice.UseNone {
			t.Errorf("Tigrinya: %+v", l.Kinds)
		}
	}

	if err := ts.svc.DeleteRecording(ts.ctx, admin, again.ID); err != nil {
		t.Fatal(err)
	}
	if err := ts.svc.DeleteRecording(ts.ctx, admin, again.ID); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if src, _ := ts.svc.VoiceFor("ti", voice.KindAbsent); src.Use != voice.UseNone {
		t.Errorf("after the delete a call uses %+v", src)
	}
}

// A media link names its recording until it ends; one forged, cut, expired,
// or naming a recording gone is not found, all alike.
func TestMediaLinks(t *testing.T) {
	ts := newTestSchool(t)
	admin := ts.user("A. Admin", school.RoleAdmin)
	wav := voicetest.Tone(3*time.Second, 8000, 16, -6)
	rec, err := ts.svc.UploadRecording(ts.ctx, admin, "ti", voice.KindAbsent, "Mehret T.", bytes.NewReader(wav))
	if err != nil {
		t.Fatal(err)
	}
	path, err := ts.svc.MediaURL(rec.ID, 0)
	if err != nil || !strings.HasPrefix(path, "/media/voice/") {
		t.Fatalf("MediaURL: %q %v", path, err)
	}
	token := strings.TrimPrefix(path, "/media/voice/")
	got, data, expires, err := ts.svc.MediaAudio(ts.ctx, token)
	if err != nil || got.ID != rec.ID || !bytes.Equal(data, wav) || !expires.Equal(ts.now.Add(DefaultMediaTTL).Truncate(time.Second)) {
		t.Fatalf("a good link: %s %d bytes until %s, %v", got.ID, len(data), expires, err)
	}
	short, _ := ts.svc.MediaURL(rec.ID, time.Minute)
	shortToken := strings.TrimPrefix(short, "/media/voice/")
	id, rest, _ := strings.Cut(token, ".")
	for what, bad := range map[string]string{
		"forged":          token[:len(token)-2] + "xx",
		"another id":      "rec99." + rest,
		"a later end":     id + ".9999999999." + token[strings.LastIndex(token, ".")+1:],
		"cut":             id,
		"empty":           "",
		"no signature":    id + "." + rest[:strings.Index(rest, ".")],
		"another's token": strings.Replace(token, id, "rec1x", 1),
	} {
		if _, _, _, err := ts.svc.MediaAudio(ts.ctx, bad); !errors.Is(err, school.ErrNotFound) {
			t.Errorf("%s (%q): %v, want not found", what, bad, err)
		}
	}
	ts.now = ts.now.Add(2 * time.Minute)
	if _, _, _, err := ts.svc.MediaAudio(ts.ctx, shortToken); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("an expired link: %v", err)
	}
	if _, _, _, err := ts.svc.MediaAudio(ts.ctx, token); err != nil {
		t.Errorf("a link within its hour: %v", err)
	}
	if err := ts.svc.DeleteRecording(ts.ctx, admin, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ts.svc.MediaAudio(ts.ctx, token); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("a link to a deleted recording: %v", err)
	}
}
