package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/translations"
	"github.com/nabij-isk/nabij/voice"
)

// The stub's recordings: one Tigrinya recording of the absent message,
// whose audio is stubAudio; the media token "good-token" names it until an
// hour from now.
var (
	stubRec   = voice.Recording{ID: "rec1", Language: "ti", Kind: voice.KindAbsent, SpokenBy: "Mehret T.", Format: "wav", ContentType: "audio/wav", Duration: 20 * time.Second, Size: 9}
	stubAudio = []byte("RIFF-WAVE")
)

func (s *stub) UploadRecording(_ context.Context, u school.User, lang string, kind voice.Kind, spokenBy string, r io.Reader) (voice.Recording, error) {
	b, _ := io.ReadAll(r)
	s.read = b
	s.record("UploadRecording %s %s %s %q", u.ID, lang, kind, spokenBy)
	if bytes.Equal(b, longFile) {
		return voice.Recording{}, &school.ValidationError{Details: []school.FieldError{{Field: "file", Message: "the recording is 20m0s long; a message may be at most 1m30s"}}}
	}
	rec := stubRec
	rec.Language, rec.Kind, rec.SpokenBy = lang, kind, spokenBy
	return rec, s.err
}

// longFile is a file the stub's audio check refuses as too long.
var longFile = []byte("twenty minutes")

func (s *stub) Recordings(context.Context) ([]voice.Recording, error) {
	return []voice.Recording{stubRec}, s.err
}

func (s *stub) RecordingAudio(_ context.Context, id string) (voice.Recording, []byte, error) {
	s.record("RecordingAudio %s", id)
	if id != stubRec.ID {
		return voice.Recording{}, nil, school.NotFound("recording %s", id)
	}
	return stubRec, stubAudio, s.err
}

func (s *stub) DeleteRecording(_ context.Context, u school.User, id string) error {
	s.record("DeleteRecording %s %s", u.ID, id)
	return s.err
}

// VoiceCoverage is not written down: every admin page asks it.
func (s *stub) VoiceCoverage(context.Context) ([]app.LanguageVoice, error) {
	langs := []translations.Language{{Tag: "nl", Name: "Nederlands", EnglishName: "Dutch"}, {Tag: "ti", Name: "ትግርኛ", EnglishName: "Tigrinya"}}
	return app.Coverage(langs, []voice.Recording{stubRec}), nil
}

func (s *stub) MediaAudio(_ context.Context, token string) (voice.Recording, []byte, time.Time, error) {
	s.record("MediaAudio")
	if token != "good-token" {
		return voice.Recording{}, nil, time.Time{}, school.NotFound("media")
	}
	return stubRec, stubAudio, time.Now().Add(time.Hour), nil
}

// recordingForm is the upload form (the admin page's, or the API's with
// csrf ""), with file when it is not nil.
func recordingForm(t *testing.T, req *http.Request, csrf, lang, kind, spokenBy string, file []byte) *http.Request {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range map[string]string{"csrf": csrf, "language": lang, "kind": kind, "spoken_by": spokenBy} {
		if v != "" {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", "bericht.wav")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	req.Body, req.ContentLength = httptestBody(b.Bytes())
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// The API's recordings: admins only; an upload's fields and file reach app
// as sent, a refusal is a 422 with its reason, the audio is served with its
// content type, and the list says per language what a call uses.
func TestRecordingsAPI(t *testing.T) {
	s := &stub{user: admin}
	srv, log := stubServer(s, Config{})

	rec := do(srv, apiRequest("GET", "/api/v1/recordings", ""))
	var list recordingsView
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	if len(list.Recordings) != 1 || list.Recordings[0].SpokenBy != "Mehret T." || list.Recordings[0].Seconds != 20 {
		t.Errorf("recordings %+v", list.Recordings)
	}
	uses := map[string]voice.Use{}
	for _, l := range list.Languages {
		for _, m := range l.Messages {
			uses[l.Language+" "+string(m.Kind)] = m.Use
		}
	}
	if uses["ti absent"] != voice.UseRecording || uses["ti late"] != voice.UseNone || uses["nl late"] != voice.UseSpeech || len(uses) != 8 {
		t.Errorf("what calls use: %v", uses)
	}

	s.calls = nil
	wav := []byte("RIFF....WAVEfmt ")
	rec = do(srv, recordingForm(t, apiRequest("POST", "/api/v1/recordings", ""), "", "ti", "late", "Mehret T.", wav))
	if rec.Code != http.StatusCreated || !bytes.Equal(s.read, wav) || fmt.Sprint(s.calls) != `[UploadRecording a1 ti late "Mehret T."]` {
		t.Errorf("upload: %d %s; app read %q, was asked %v", rec.Code, rec.Body, s.read, s.calls)
	}
	rec = do(srv, recordingForm(t, apiRequest("POST", "/api/v1/recordings", ""), "", "ti", "late", "Mehret T.", longFile))
	if e := errorOf(t, rec); rec.Code != 422 || len(e.Details) != 1 || e.Details[0].Field != "file" || !strings.Contains(e.Details[0].Message, "20m0s") {
		t.Errorf("a refusal: %d %+v", rec.Code, e)
	}
	s.calls = nil
	rec = do(srv, recordingForm(t, apiRequest("POST", "/api/v1/recordings", ""), "", "ti", "late", "Mehret T.", nil))
	if e := errorOf(t, rec); rec.Code != 422 || e.Details[0].Field != "file" || len(s.calls) != 0 {
		t.Errorf("no file: %d %+v, app asked %v", rec.Code, e, s.calls)
	}

	rec = do(srv, apiRequest("GET", "/api/v1/recordings/rec1/audio", ""))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "audio/wav" || !bytes.Equal(rec.Body.Bytes(), stubAudio) {
		t.Errorf("audio: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if rec := do(srv, apiRequest("GET", "/api/v1/recordings/rec9/audio", "")); rec.Code != 404 {
		t.Errorf("another recording's audio: %d", rec.Code)
	}
	s.calls = nil
	if rec := do(srv, apiRequest("DELETE", "/api/v1/recordings/rec1", "")); rec.Code != 204 || fmt.Sprint(s.calls) != "[DeleteRecording a1 rec1]" {
		t.Errorf("delete: %d, app asked %v", rec.Code, s.calls)
	}
	if strings.Contains(log.String(), "Mehret") {
		t.Error("the log names who spoke a recording")
	}

	// Not an admin: refused before app is asked.
	for _, u := range []school.User{mentor, {ID: "c1", Role: school.RoleCoordinator}} {
		s := &stub{user: u}
		srv, _ := stubServer(s, Config{})
		for _, req := range []*http.Request{apiRequest("GET", "/api/v1/recordings", ""), apiRequest("GET", "/api/v1/recordings/rec1/audio", ""),
			apiRequest("DELETE", "/api/v1/recordings/rec1", ""),
			recordingForm(t, apiRequest("POST", "/api/v1/recordings", ""), "", "ti", "late", "x", wav)} {
			if rec := do(srv, req); rec.Code != 403 || len(s.calls) != 0 {
				t.Errorf("%s %s as %s: %d, app asked %v", req.Method, req.URL, u.Role, rec.Code, s.calls)
			}
		}
	}
}

// A media link needs no sign-in: a good token answers the audio, kept
// privately for no longer than the link lives; any other token is one and
// the same 404.
func TestMediaLinks(t *testing.T) {
	s := &stub{}
	srv, log := stubServer(s, Config{})
	rec := do(srv, httpRequest("GET", "/media/voice/good-token"))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "audio/wav" || !bytes.Equal(rec.Body.Bytes(), stubAudio) {
		t.Fatalf("a good link: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	cc := rec.Header().Get("Cache-Control")
	age, err := strconv.Atoi(strings.TrimPrefix(cc, "private, max-age="))
	if err != nil || age > 3600 || age < 3500 {
		t.Errorf("Cache-Control %q, want private and at most the link's hour", cc)
	}
	first := do(srv, httpRequest("GET", "/media/voice/forged-token"))
	for _, path := range []string{"/media/voice/forged-token", "/media/voice/rec1.1999999999.AAAA", "/media/voice/rec1"} {
		rec := do(srv, httpRequest("GET", path))
		if rec.Code != 404 || rec.Body.String() != first.Body.String() || rec.Header().Get("Content-Type") == "audio/wav" {
			t.Errorf("%s: %d %q, want the same 404 for every bad token (%q)", path, rec.Code, rec.Body, first.Body)
		}
	}
	if strings.Contains(log.String(), "good-token") || strings.Contains(log.String(), "forged-token") {
		t.Error("the log holds a media token")
	}
}

func httpRequest(method, target string) *http.Request {
	req, _ := http.NewRequest(method, target, nil)
	return req
}

// The admin page's voice section: per language and message what a call
// uses (none in a warning), each recording played from an admin-only
// route with a delete button, an upload form per row with its CSRF token;
// a refusal shown beside its row's form; an upload without the token
// refused.
func TestAdminVoiceSection(t *testing.T) {
	s := pageStub(admin)
	srv, _ := stubServer(s, Config{Catalog: mustCatalog(t)})
	rec := do(srv, pageRequest("GET", "/admin", nil))
	isPage(t, "the admin page", rec, 200, `id="voice"`, "Voice messages", "Recorded by Mehret T.",
		`<audio controls preload="metadata" src="/admin/recordings/rec1/audio">`, `action="/admin/recordings/rec1/delete"`,
		`<strong class="voice-none">None: a call cannot carry this message</strong>`, "Speech engine (Google.nl-NL-Standard-A)",
		`<form method="post" action="/admin/recordings" enctype="multipart/form-data">`, `name="csrf" value="csrf-token"`,
		`name="language" value="ti"><input type="hidden" name="kind" value="thanks">`)
	if n := strings.Count(rec.Body.String(), `action="/admin/recordings"`); n != 8 {
		t.Errorf("%d upload forms, want one per language and message (8)", n)
	}

	s.calls = nil
	wav := []byte("RIFF....WAVEfmt ")
	isRedirect(t, "an upload", do(srv, recordingForm(t, pageRequest("POST", "/admin/recordings", nil), "csrf-token", "ti", "late", "Mehret T.", wav)), "/admin?recorded=rec1#voice")
	if !bytes.Equal(s.read, wav) || fmt.Sprint(s.calls) != `[UploadRecording a1 ti late "Mehret T."]` {
		t.Errorf("app read %q, was asked %v", s.read, s.calls)
	}
	isPage(t, "after an upload", do(srv, pageRequest("GET", "/admin?recorded=rec1", nil)), 200, "The recording is kept")

	rec = do(srv, recordingForm(t, pageRequest("POST", "/admin/recordings", nil), "csrf-token", "ti", "late", "Mehret T.", longFile))
	isPage(t, "a refused upload", rec, 422, "Not taken: the recording is 20m0s long; a message may be at most 1m30s")
	body := rec.Body.String()
	row := body[strings.Index(body, `id="voice-ti-late"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "20m0s") {
		t.Error("the refusal is not beside its row's form")
	}

	s.calls = nil
	rec = do(srv, recordingForm(t, pageRequest("POST", "/admin/recordings", nil), "forged", "ti", "late", "Mehret T.", wav))
	if rec.Code != 403 || len(s.calls) != 0 {
		t.Errorf("an upload without the CSRF token: %d, app asked %v", rec.Code, s.calls)
	}
	isRedirect(t, "a delete", do(srv, pageRequest("POST", "/admin/recordings/rec1/delete", url.Values{})), "/admin#voice")
	if rec := do(srv, pageRequest("GET", "/admin/recordings/rec1/audio", nil)); rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), stubAudio) || rec.Header().Get("Content-Type") != "audio/wav" {
		t.Errorf("playback: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}

	// A mentor gets none of it.
	m := pageStub(mentor)
	srv, _ = stubServer(m, Config{Catalog: mustCatalog(t)})
	if rec := do(srv, pageRequest("GET", "/admin/recordings/rec1/audio", nil)); rec.Code != 403 || len(m.calls) != 0 {
		t.Errorf("a mentor's playback: %d, app asked %v", rec.Code, m.calls)
	}
}
