package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
)

// The recording call's webhooks: the prompt says in Dutch what to speak
// and records with <Record> posting to the session's own done URL; a
// malformed or unknown token asks app for nothing more and is 404; a
// refused recording is said on the call.
func TestPhoneRecordingWebhooks(t *testing.T) {
	token := strings.Repeat("A", 43)
	form := url.Values{"AccountSid": {hookAccount}, "CallSid": {callSID}}
	s := &stub{}
	rec := do(hookServer(s), signedHook("/webhooks/twilio/record/"+token, form))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "<Record ") || !strings.Contains(body, `action="`+hookURL+"/webhooks/twilio/record/"+token+`/done"`) ||
		!strings.Contains(body, `maxLength="90"`) || !strings.Contains(body, `finishOnKey="#"`) || !strings.Contains(body, "afwezig") {
		t.Errorf("the prompt: %d %s", rec.Code, body)
	}
	if rec := do(hookServer(&stub{}), signedHook("/webhooks/twilio/record/short", form)); rec.Code != http.StatusNotFound {
		t.Errorf("a malformed token: %d", rec.Code)
	}
	gone := &stub{err: school.NotFound("recording call")}
	if rec := do(hookServer(gone), signedHook("/webhooks/twilio/record/"+token, form)); rec.Code != http.StatusNotFound {
		t.Errorf("an unknown session: %d", rec.Code)
	}
	done := url.Values{"AccountSid": {hookAccount}, "CallSid": {callSID}, "RecordingUrl": {"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"},
		"RecordingSid": {"RE0123456789abcdef0123456789abcdef"}, "RecordingDuration": {"6"}, "Digits": {"#"}}
	s = &stub{}
	rec = do(hookServer(s), signedHook("/webhooks/twilio/record/"+token+"/done", done))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Opgenomen en bewaard") ||
		len(s.calls) != 1 || !strings.HasPrefix(s.calls[0], "PhoneRecordingDone https://api.twilio.com/") {
		t.Errorf("a kept recording: %d %s, app asked %q", rec.Code, rec.Body, s.calls)
	}
	refused := &stub{err: &school.ValidationError{Details: []school.FieldError{{Field: "file", Message: "nothing audible was recorded"}}}}
	rec = do(hookServer(refused), signedHook("/webhooks/twilio/record/"+token+"/done", done))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "niet bewaard") || !strings.Contains(rec.Body.String(), "nothing audible was recorded") {
		t.Errorf("a refused recording: %d %s", rec.Code, rec.Body)
	}
	bad := url.Values{"AccountSid": {hookAccount}, "CallSid": {callSID}, "RecordingUrl": {"javascript:alert(1)"}}
	s = &stub{}
	if rec := do(hookServer(s), signedHook("/webhooks/twilio/record/"+token+"/done", bad)); rec.Code != http.StatusBadRequest || len(s.calls) != 0 {
		t.Errorf("a RecordingUrl that is no URL: %d, app asked %q", rec.Code, s.calls)
	}
}

// POST /api/v1/recordings/calls: the fields reach app; no voice number is
// 409; malformed JSON asks app nothing.
func TestRecordByPhoneAPI(t *testing.T) {
	s := &stub{user: school.User{ID: "u1", Role: school.RoleAdmin}}
	srv, _ := stubServer(s, Config{})
	rec := do(srv, apiRequest(http.MethodPost, "/api/v1/recordings/calls", `{"language":"ti","kind":"absent","spoken_by":"M.","phone":"+31612349001"}`))
	if rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), `"status":"calling"`) ||
		len(s.calls) != 1 || s.calls[0] != `RecordByPhone admin ti absent "M." +31612349001` {
		t.Errorf("%d %s, app asked %q", rec.Code, rec.Body, s.calls)
	}
	s.calls, s.err = nil, app.ErrNoRecordingCalls
	if rec := do(srv, apiRequest(http.MethodPost, "/api/v1/recordings/calls", `{"language":"ti"}`)); rec.Code != http.StatusConflict {
		t.Errorf("without a voice number: %d %s", rec.Code, rec.Body)
	}
	s.calls, s.err = nil, nil
	if rec := do(srv, apiRequest(http.MethodPost, "/api/v1/recordings/calls", `{"language":`)); rec.Code != http.StatusBadRequest || len(s.calls) != 0 {
		t.Errorf("malformed JSON: %d, app asked %q", rec.Code, s.calls)
	}
}
