package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/voice"
)

// stub is the whole Service as the handler tests need it: each call is
// written down with the typed values it was given (calls), and answers
// what the test set, or err when set. Authenticate (token "good") and
// SessionUser (session "sess") answer user and are not written down: they
// are the gate, not the use case.
type stub struct {
	user  school.User
	calls []string
	err   error
	// recordErr, when set, is RecordRollCall's answer alone (the roll call is read again after it).
	recordErr error
	contact   *app.ContactCard
	today     school.Date

	roster   *school.Roster
	imp      *app.RosterImport
	read     []byte // what PreviewRosterImport read of the file
	list     *school.AbsenceList
	result   *app.ListResult
	msgs     []*alerts.Message
	esc      *protocol.Escalation
	melding  *app.MeldingDraft
	tasks    []school.Task
	digest   *app.Digest
	calendar *app.CalendarView
	users    []school.User
	rollCall *app.RollCall
	board    *app.Board
	pupil    *app.PupilPage
	review   *app.ReviewView
	file     []byte
	override *store.TranslationOverride
	revoked  int
	// reviewErr, when set, is what CorrectTranslation and MarkReviewed
	// answer (app.ErrUnchanged, a refusal), Review still answering.
	reviewErr error
	// script is what CallScript and CallKey answer.
	script app.CallScript
}

func (s *stub) record(format string, args ...any) {
	s.calls = append(s.calls, fmt.Sprintf(format, args...))
}

func (s *stub) Authenticate(_ context.Context, token string) (school.User, bool, error) {
	return s.user, token == "good", nil
}

func (s *stub) SessionUser(_ context.Context, session string) (school.User, bool, error) {
	return s.user, session == "sess", nil
}

func (s *stub) CreateUser(_ context.Context, name string, role school.Role, classes []string) (school.User, string, error) {
	s.record("CreateUser %q %s %q", name, role, classes)
	return school.User{ID: "u9", Name: name, Role: role, Classes: classes}, "tok-u9", s.err
}

func (s *stub) CreateReviewer(_ context.Context, name, language string) (school.User, string, error) {
	s.record("CreateReviewer %q %s", name, language)
	return school.User{ID: "u9", Name: name, Role: school.RoleReviewer, Language: language}, "tok-u9", s.err
}

func (s *stub) ReplaceRoster(_ context.Context, r *school.Roster) error {
	var ids []string
	for _, st := range r.Students {
		ids = append(ids, st.ID+" "+st.BirthDate.String())
	}
	s.record("ReplaceRoster %d classes %q", len(r.Classes), ids)
	return s.err
}

func (s *stub) PreviewRosterImport(_ context.Context, u school.User, file io.ReaderAt, size int64) (*app.RosterImport, error) {
	s.read = make([]byte, size)
	if _, err := file.ReadAt(s.read, 0); err != nil && err != io.EOF {
		return nil, err
	}
	s.record("PreviewRosterImport %s %d", u.ID, size)
	return s.imp, s.err
}

func (s *stub) ApplyRosterImport(_ context.Context, u school.User, id string) (*school.Roster, error) {
	s.record("ApplyRosterImport %s %s", u.ID, id)
	return s.roster, s.err
}

func (s *stub) Roster(_ context.Context, u school.User) (*school.Roster, error) {
	s.record("Roster %s", u.ID)
	return s.roster, s.err
}

func (s *stub) RecordList(_ context.Context, u school.User, class string, date school.Date, absences []school.Absence) (*app.ListResult, error) {
	s.record("RecordList %s %s %s %+v", u.ID, class, date, absences)
	return s.result, s.err
}

func (s *stub) RecordRollCall(_ context.Context, u school.User, class string, day school.Date, rows []app.RollCallEntry) (*app.ListResult, error) {
	s.record("RecordRollCall %s %s %s %+v", u.ID, class, day, rows)
	if s.recordErr != nil {
		return nil, s.recordErr
	}
	return s.result, s.err
}

func (s *stub) List(_ context.Context, u school.User, class string, date school.Date) (*school.AbsenceList, error) {
	s.record("List %s %s %s", u.ID, class, date)
	return s.list, s.err
}

func (s *stub) Messages(_ context.Context, u school.User, f app.MessageFilter) ([]*alerts.Message, error) {
	s.record("Messages %s date=%s student=%s", u.ID, f.Date, f.Student)
	return s.msgs, s.err
}

func (s *stub) DeliveryStatus(_ context.Context, providerID, status string, code int) error {
	s.record("DeliveryStatus %s %s %d", providerID, status, code)
	return s.err
}

func (s *stub) Inbound(_ context.Context, in store.Inbound) error {
	s.record("Inbound %s from=%s to=%s %s %q", in.ProviderID, in.From, in.To, in.Channel, in.Body)
	return s.err
}

func (s *stub) CallScript(_ context.Context, id, callSID, answeredBy string) (app.CallScript, error) {
	s.record("CallScript %s %s %s", id, callSID, answeredBy)
	return s.script, s.err
}

func (s *stub) CallKey(_ context.Context, id, callSID, digits string) (app.CallScript, error) {
	s.record("CallKey %s %s %q", id, callSID, digits)
	return s.script, s.err
}

func (s *stub) SetContactChannel(_ context.Context, u school.User, contactID string, ch school.Channel) (*app.ChannelChange, error) {
	s.record("SetContactChannel %s %s %s", u.Role, contactID, ch)
	return &app.ChannelChange{Contact: contactID, Channel: ch}, s.err
}

func (s *stub) CallStatus(_ context.Context, id, callSID, status, answeredBy string, seconds int) error {
	s.record("CallStatus %s %s %s %s %d", id, callSID, status, answeredBy, seconds)
	return s.err
}

func (s *stub) Escalations(_ context.Context, f app.EscalationFilter) ([]*protocol.Escalation, error) {
	s.record("Escalations status=%s student=%s level=%s", f.Status, f.Student, f.Level)
	return []*protocol.Escalation{s.esc}, s.err
}

func (s *stub) ActOnEscalation(_ context.Context, u school.User, id, action, note string) (*protocol.Escalation, error) {
	s.record("ActOnEscalation %s %s %s %q", u.ID, id, action, note)
	return s.esc, s.err
}

func (s *stub) Melding(_ context.Context, u school.User, id string) (*app.MeldingDraft, error) {
	s.record("Melding %s %s", u.ID, id)
	return s.melding, s.err
}

func (s *stub) Tasks(_ context.Context, u school.User) ([]school.Task, error) {
	s.record("Tasks %s", u.ID)
	return s.tasks, s.err
}

func (s *stub) StoredDigest(_ context.Context, date school.Date) (*app.Digest, error) {
	s.record("StoredDigest %s", date)
	return s.digest, s.err
}

func (s *stub) Inbox(_ context.Context, u school.User, date school.Date) ([]store.Inbound, error) {
	s.record("Inbox %s %s", u.ID, date)
	return nil, s.err
}

func (s *stub) Reach(_ context.Context, from, to school.Date) (*app.Reach, error) {
	s.record("Reach %s %s", from, to)
	return &app.Reach{From: from, To: to}, s.err
}

func (s *stub) CalendarView(context.Context) (*app.CalendarView, error) {
	s.record("CalendarView")
	return s.calendar, s.err
}

func (s *stub) CloseDay(_ context.Context, u school.User, date school.Date, reason string, reopen bool) (*store.ClosedDay, error) {
	s.record("CloseDay %s %s %q %v", u.ID, date, reason, reopen)
	return &store.ClosedDay{Date: date, Reason: reason, By: u.ID}, s.err
}

func (s *stub) CalendarWarnings() []string { return []string{"the calendar ends on 2027-07-31"} }

func (s *stub) Today() school.Date { return s.today }

func (s *stub) SignIn(_ context.Context, link string) (string, school.User, error) {
	s.record("SignIn %s", link)
	return "sess", s.user, s.err
}

func (s *stub) SignInOnThisDevice(_ context.Context, link string) (string, school.User, error) {
	s.record("SignInOnThisDevice %s", link)
	return "sess", s.user, s.err
}

func (s *stub) SignInWithLogin(_ context.Context, login string) (string, school.User, error) {
	s.record("SignInWithLogin %s", login)
	return "sess", s.user, s.err
}

func (s *stub) SignOut(_ context.Context, session string) error {
	s.record("SignOut %s", session)
	return s.err
}

func (s *stub) SignInLink(_ context.Context, userID string) (string, time.Time, error) {
	s.record("SignInLink %s", userID)
	return "link-" + userID, time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), s.err
}

func (s *stub) Users(context.Context) ([]school.User, error) {
	s.record("Users")
	return s.users, s.err
}

func (s *stub) DisableUser(_ context.Context, by school.User, id string) (school.User, error) {
	s.record("DisableUser %s %s", by.ID, id)
	return school.User{ID: id, Name: "Name of " + id, Role: school.RoleMentor, Disabled: true}, s.err
}

func (s *stub) EnableUser(_ context.Context, id string) (school.User, error) {
	s.record("EnableUser %s", id)
	return school.User{ID: id, Name: "Name of " + id, Role: school.RoleMentor}, s.err
}

func (s *stub) RotateToken(_ context.Context, id string) (school.User, string, error) {
	s.record("RotateToken %s", id)
	return school.User{ID: id, Name: "Name of " + id}, "new-token-" + id, s.err
}

func (s *stub) RevokeSignInLinks(_ context.Context, id string) (int, error) {
	s.record("RevokeSignInLinks %s", id)
	return s.revoked, s.err
}

func (s *stub) SetClasses(_ context.Context, id string, classes []string) (school.User, error) {
	s.record("SetClasses %s %q", id, classes)
	return school.User{ID: id, Name: "Name of " + id, Role: school.RoleMentor, Classes: classes}, s.err
}

func (s *stub) CheckEmail(_ context.Context, email string) error {
	s.record("CheckEmail %s", email)
	return s.err
}

func (s *stub) SetEmail(_ context.Context, id, email string) (school.User, error) {
	s.record("SetEmail %s %s", id, email)
	return school.User{ID: id, Name: "Name of " + id, Role: school.RoleMentor, Email: email}, s.err
}

func (s *stub) RollCall(_ context.Context, u school.User, class string) (*app.RollCall, error) {
	s.record("RollCall %s %q", u.ID, class)
	return s.rollCall, s.err
}

func (s *stub) Board(context.Context) (*app.Board, error) {
	s.record("Board")
	return s.board, s.err
}

func (s *stub) Pupil(_ context.Context, id string) (*app.PupilPage, error) {
	s.record("Pupil %s", id)
	return s.pupil, s.err
}

func (s *stub) Case(_ context.Context, id string) (*app.EscalationRow, error) {
	s.record("Case %s", id)
	if s.esc == nil || s.esc.ID != id {
		return nil, school.NotFound("escalation %s", id)
	}
	return &app.EscalationRow{Escalation: s.esc, Name: "Noor"}, s.err
}

func (s *stub) Contact(_ context.Context, u school.User, id string) (*app.ContactCard, error) {
	s.record("Contact %s %s", u.ID, id)
	if s.contact == nil {
		return nil, school.NotFound("contact %s", id)
	}
	return s.contact, s.err
}

func (s *stub) TaskDone(_ context.Context, u school.User, id string) error {
	s.record("TaskDone %s %s", u.ID, id)
	return s.err
}

func (s *stub) Review(_ context.Context, u school.User) (*app.ReviewView, error) {
	s.record("Review %s", u.ID)
	return s.review, s.err
}

func (s *stub) CorrectTranslation(_ context.Context, u school.User, key string, forms, back map[string]string) error {
	s.record("CorrectTranslation %s %s %q %q", u.ID, key, forms, back)
	return s.reviewErr
}

func (s *stub) MarkReviewed(_ context.Context, u school.User) error {
	s.record("MarkReviewed %s", u.ID)
	return s.reviewErr
}

func (s *stub) TranslationFile(_ context.Context, lang string) (string, []byte, *store.TranslationOverride, error) {
	s.record("TranslationFile %s", lang)
	return lang, s.file, s.override, s.err
}

// stubServer is web on s; cfg's registry and log are filled in, the log
// written to the buffer returned.
func stubServer(s *stub, cfg Config) (*echo.Echo, *bytes.Buffer) {
	var log bytes.Buffer
	cfg.Registry = prometheus.NewRegistry()
	cfg.Log = slog.New(slog.NewTextHandler(&log, nil))
	return New(s, cfg), &log
}

// apiRequest is a request to the API with the good token and, with a body,
// JSON's content type.
func apiRequest(method, target, body string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer good")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// pageRequest is a signed-in request to a page; a form is posted with the
// CSRF token its cookie holds.
func pageRequest(method, target string, form url.Values) *http.Request {
	var body io.Reader
	if form != nil {
		form.Set("csrf", "csrf-token")
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	// The cookies under both names nabij gives them: plain over http,
	// __Host- over https (a server reads only its own).
	for _, prefix := range []string{"", "__Host-"} {
		req.AddCookie(&http.Cookie{Name: prefix + sessionCookie, Value: "sess"})
		req.AddCookie(&http.Cookie{Name: prefix + csrfCookie, Value: "csrf-token"})
		req.AddCookie(&http.Cookie{Name: prefix + langCookie, Value: "en"})
	}
	return req
}

func do(srv http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// apiErr is API.md's error shape, read from an answer.
type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"details"`
}

func errorOf(t *testing.T, rec *httptest.ResponseRecorder) apiErr {
	t.Helper()
	var body struct {
		Error apiErr `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("not the error shape: %v in %q", err, rec.Body)
	}
	return body.Error
}

func (s *stub) RecordByPhone(_ context.Context, u school.User, lang string, kind voice.Kind, spokenBy, phone string) (app.PhoneRecording, error) {
	s.record("RecordByPhone %s %s %s %q %s", u.Role, lang, kind, spokenBy, phone)
	return app.PhoneRecording{ID: "rc-1", Language: lang, Kind: kind}, s.err
}

func (s *stub) RecordingPrompt(token string) (app.PhoneRecording, bool) {
	s.record("RecordingPrompt")
	return app.PhoneRecording{ID: "rc-1", Language: "ti", Kind: voice.KindAbsent}, s.err == nil
}

func (s *stub) PhoneRecordingDone(_ context.Context, token, recordingURL string) (voice.Recording, error) {
	s.record("PhoneRecordingDone %s", recordingURL)
	return voice.Recording{ID: "r1", Language: "ti", Kind: voice.KindAbsent}, s.err
}
