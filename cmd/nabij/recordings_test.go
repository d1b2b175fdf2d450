package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/voice/voicetest"
)

// recordingJSON is a recording as the API answers it.
type recordingJSON struct {
	ID          string  `json:"id"`
	Language    string  `json:"language"`
	Kind        string  `json:"kind"`
	SpokenBy    string  `json:"spoken_by"`
	ContentType string  `json:"content_type"`
	Seconds     float64 `json:"seconds"`
	Size        int64   `json:"size"`
	Source      string  `json:"source"`
}

// recordingsJSON is GET /api/v1/recordings.
type recordingsJSON struct {
	Recordings []recordingJSON `json:"recordings"`
	Languages  []struct {
		Language string `json:"language"`
		Messages []struct {
			Kind      string `json:"kind"`
			Use       string `json:"use"`
			Recording string `json:"recording"`
			SpokenBy  string `json:"spoken_by"`
		} `json:"messages"`
	} `json:"languages"`
}

// uses is, per "language kind", what a call uses.
func (r recordingsJSON) uses() map[string]string {
	out := map[string]string{}
	for _, l := range r.Languages {
		for _, m := range l.Messages {
			out[l.Language+" "+m.Kind] = m.Use
		}
	}
	return out
}

// uploadRecording posts a recording to the API as a multipart form and
// answers the status and body.
func (h *harness) uploadRecording(token, lang, kind, spokenBy, name string, file []byte) (int, []byte) {
	h.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range [][2]string{{"language", lang}, {"kind", kind}, {"spoken_by", spokenBy}} {
		if err := w.WriteField(f[0], f[1]); err != nil {
			h.t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		h.t.Fatal(err)
	}
	fw.Write(file)
	w.Close()
	req, err := http.NewRequest("POST", h.url+"/api/v1/recordings", &b)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// get fetches url with token (none: no Authorization) and answers the
// response and its body.
func (h *harness) get(url, token string) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// The school records its message through the API: a WAV made here is
// kept, listed, and from then on what a Tigrinya call plays; its audio is
// served to the admin, and to Twilio at a media link without sign-in until
// the link ends. A 20-minute file and a PNG are refused with the reason,
// and nothing is kept.
func TestRecordingsThroughTheAPI(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	var before recordingsJSON
	h.mustCall(200, "GET", "/api/v1/recordings", adminToken, nil, &before)
	if len(before.Recordings) != 0 || before.uses()["ti absent"] != "none" || before.uses()["nl absent"] != "speech" {
		t.Fatalf("before any recording: %+v", before)
	}

	wav := voicetest.Tone(4*time.Second, 8000, 16, -6)
	code, body := h.uploadRecording(adminToken, "ti", "absent", "Mehret T.", "bericht.wav", wav)
	var rec recordingJSON
	if code != 201 || json.Unmarshal(body, &rec) != nil || rec.ID == "" || rec.Seconds != 4 || rec.Size != int64(len(wav)) || rec.ContentType != "audio/wav" {
		t.Fatalf("upload: %d %s", code, body)
	}

	for _, tc := range []struct {
		name, file, reason string
		data               []byte
	}{
		{"20 minutes", "lang.wav", "the recording is 20m0s long", voicetest.Tone(20*time.Minute, 8000, 8, -6)},
		{"a PNG", "bericht.wav", "not a sound recording", voicetest.PNG},
	} {
		code, body := h.uploadRecording(adminToken, "ti", "late", "Mehret T.", tc.file, tc.data)
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Details []struct{ Field, Message string }
			} `json:"error"`
		}
		if code != 422 || json.Unmarshal(body, &e) != nil || len(e.Error.Details) != 1 || e.Error.Details[0].Field != "file" ||
			!strings.Contains(e.Error.Details[0].Message, tc.reason) {
			t.Errorf("%s: %d %s, want 422 with %q", tc.name, code, body, tc.reason)
		}
	}
	var list recordingsJSON
	h.mustCall(200, "GET", "/api/v1/recordings", adminToken, nil, &list)
	if len(list.Recordings) != 1 || list.Recordings[0].ID != rec.ID || list.Recordings[0].SpokenBy != "Mehret T." {
		t.Errorf("after the refusals: %+v", list.Recordings)
	}
	if u := list.uses(); u["ti absent"] != "recording" || u["ti late"] != "none" || u["nl late"] != "speech" {
		t.Errorf("what calls use: %v", u)
	}
	src, err := h.srv.svc.VoiceFor("ti", "absent")
	if err != nil || src.Recording != rec.ID {
		t.Errorf("VoiceFor: %+v %v", src, err)
	}

	resp, got := h.get(h.url+"/api/v1/recordings/"+rec.ID+"/audio", adminToken)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || !bytes.Equal(got, wav) {
		t.Errorf("the admin's audio: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}

	// Twilio's fetch: no sign-in, the link is the key.
	path, err := h.srv.svc.MediaURL(rec.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	resp, got = h.get(h.url+path, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || !bytes.Equal(got, wav) {
		t.Fatalf("the media link: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}
	cc := resp.Header.Get("Cache-Control")
	age, err := strconv.Atoi(strings.TrimPrefix(cc, "private, max-age="))
	if err != nil || age > 3600 {
		t.Errorf("Cache-Control %q, want private for at most the link's hour", cc)
	}
	// A link of a nanosecond has ended by the time it is fetched (links
	// end on a whole second).
	expired, err := h.srv.svc.MediaURL(rec.ID, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	forged := path[:len(path)-3] + "abc"
	if forged == path {
		forged = path[:len(path)-3] + "xyz"
	}
	for what, p := range map[string]string{"expired": expired, "forged": forged, "another id": strings.Replace(path, rec.ID, "rec99", 1)} {
		if resp, got := h.get(h.url+p, ""); resp.StatusCode != 404 || bytes.Equal(got, wav) {
			t.Errorf("%s link: %d", what, resp.StatusCode)
		}
	}

	if code := h.call("DELETE", "/api/v1/recordings/"+rec.ID, adminToken, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if resp, _ := h.get(h.url+path, ""); resp.StatusCode != 404 {
		t.Errorf("the link of a deleted recording: %d", resp.StatusCode)
	}
	h.mustCall(200, "GET", "/api/v1/recordings", adminToken, nil, &list)
	if len(list.Recordings) != 0 || list.uses()["ti absent"] != "none" {
		t.Errorf("after the delete: %+v", list)
	}
}
