package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

var coordinator = school.User{ID: "u1", Name: "C. Jansen", Role: school.RoleCoordinator}
var admin = school.User{ID: "a1", Name: "A. Admin", Role: school.RoleAdmin}

// A request web cannot read is refused with API.md's error shape and the
// status that says why, before app is asked anything.
func TestAPIRefusesBadRequestsBeforeTheService(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		user                 school.User
		method, target, body string
		status               int
		code                 string
		fields               []string
	}{
		{"malformed JSON", coordinator, "PUT", "/api/v1/classes/1A/absences/2026-12-04", `{"absences":[`, 400, "bad_request", nil},
		{"a wrong type", coordinator, "PUT", "/api/v1/classes/1A/absences/2026-12-04", `{"absences":"s1"}`, 400, "bad_request", []string{"absences"}},
		{"two values", coordinator, "PUT", "/api/v1/classes/1A/absences/2026-12-04", `{"absences":[]}{}`, 400, "bad_request", nil},
		{"no absences", coordinator, "PUT", "/api/v1/classes/1A/absences/2026-12-04", `{}`, 400, "bad_request", nil},
		{"a list over its limit", coordinator, "PUT", "/api/v1/classes/1A/absences/2026-12-04", `{"absences":[` + strings.Repeat(`{"student":"s1","kind":"absent"},`, 9000) + `{}]}`, 413, "too_large", nil},
		{"a list of a bad date", coordinator, "PUT", "/api/v1/classes/1A/absences/2026-13-01", `{"absences":[]}`, 422, "invalid", []string{"date"}},
		{"reading a list of a bad date", coordinator, "GET", "/api/v1/classes/1A/absences/yesterday", "", 422, "invalid", []string{"date"}},
		{"messages of a bad date", coordinator, "GET", "/api/v1/messages?date=2026-12-4x", "", 422, "invalid", []string{"date"}},
		{"an unknown case status", coordinator, "GET", "/api/v1/escalations?status=closed", "", 400, "bad_request", nil},
		{"an action without a body", coordinator, "POST", "/api/v1/escalations/e1", "", 400, "bad_request", nil},
		{"a digest without a date", coordinator, "GET", "/api/v1/digest", "", 422, "invalid", []string{"date"}},
		{"a day closed without a body", coordinator, "PUT", "/api/v1/calendar/closed/2026-12-04", "", 400, "bad_request", nil},
		{"a user of a number", admin, "POST", "/api/v1/users", `{"name":7}`, 400, "bad_request", []string{"name"}},
		{"a mentor with a language", admin, "POST", "/api/v1/users", `{"name":"M","role":"mentor","language":"ti"}`, 422, "invalid", []string{"language"}},
		{"a reviewer with classes", admin, "POST", "/api/v1/users", `{"name":"R","role":"reviewer","language":"ti","classes":["1A"]}`, 422, "invalid", []string{"classes"}},
		{"a roster with a bad birth date", admin, "PUT", "/api/v1/roster", `{"classes":[{"id":"1A","name":"1A"}],"students":[{"id":"s1","name":"A","class":"1A","birth_date":"2011-02-30"}]}`, 422, "invalid", []string{"students[0].birth_date"}},
		{"classes not a list", admin, "PUT", "/api/v1/users/u2/classes", `{"classes":"1A"}`, 400, "bad_request", []string{"classes"}},
		{"an email not a string", admin, "PUT", "/api/v1/users/u2/email", `{"email":true}`, 400, "bad_request", []string{"email"}},
		{"an audit log from no date", admin, "GET", "/api/v1/admin/audit?from=last-week", "", 400, "bad_request", nil},
		{"an audit log to no date", admin, "GET", "/api/v1/admin/audit?to=2026-12-32", "", 400, "bad_request", nil},
		{"an audit log of no entries", admin, "GET", "/api/v1/admin/audit?limit=0", "", 400, "bad_request", nil},
		{"an audit log too long", admin, "GET", "/api/v1/admin/audit?limit=100001", "", 400, "bad_request", nil},
		{"an audit log of a word", admin, "GET", "/api/v1/admin/audit?limit=all", "", 400, "bad_request", nil},
	} {
		s := &stub{user: tc.user}
		audited := false
		srv, _ := stubServer(s, Config{AuditLog: func(time.Time, time.Time, string, int) ([]store.AuditEntry, error) {
			audited = true
			return nil, nil
		}})
		rec := do(srv, apiRequest(tc.method, tc.target, tc.body))
		if rec.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, rec.Code, rec.Body, tc.status)
			continue
		}
		e := errorOf(t, rec)
		var fields []string
		for _, d := range e.Details {
			fields = append(fields, d.Field)
		}
		if e.Code != tc.code || e.Message == "" || !reflect.DeepEqual(fields, tc.fields) {
			t.Errorf("%s: %+v, want code %s naming %v", tc.name, e, tc.code, tc.fields)
		}
		if len(s.calls) > 0 || audited {
			t.Errorf("%s: app was asked %v (audit log read: %v)", tc.name, s.calls, audited)
		}
	}
}

// What web passes to app: the signed-in user, ids from the route, dates
// and filters typed, the body's values as sent.
func TestAPIPassesTypedValues(t *testing.T) {
	for _, tc := range []struct {
		user                 school.User
		method, target, body string
		status               int
		calls                []string
	}{
		{coordinator, "PUT", "/api/v1/classes/1A/absences/2026-12-04", `{"absences":[{"student":"s1","kind":"late","minutes":10},{"student":"s2","kind":"absent"}]}`, 200,
			[]string{"RecordList u1 1A 2026-12-04 [{Student:s1 Kind:late Minutes:10 Reason: Hours:0 ReportedBy:} {Student:s2 Kind:absent Minutes:0 Reason: Hours:0 ReportedBy:}]"}},
		{coordinator, "PUT", "/api/v1/classes/1A/absences/2026-12-04", `{"absences":[], "unknown": 1}`, 200, []string{"RecordList u1 1A 2026-12-04 []"}},
		{coordinator, "GET", "/api/v1/classes/2B/absences/2026-12-03", "", 200, []string{"List u1 2B 2026-12-03"}},
		{coordinator, "GET", "/api/v1/messages?date=2026-12-04&student=s7", "", 200, []string{"Messages u1 date=2026-12-04 student=s7"}},
		{coordinator, "GET", "/api/v1/messages", "", 200, []string{"Messages u1 date= student="}},
		{coordinator, "GET", "/api/v1/escalations?status=acknowledged&student=s1&level=leerplicht", "", 200, []string{"Escalations status=acknowledged student=s1 level=leerplicht"}},
		{coordinator, "POST", "/api/v1/escalations/e1", `{"action":"dismiss","note":"verhuisd"}`, 200, []string{`ActOnEscalation u1 e1 dismiss "verhuisd"`}},
		{coordinator, "GET", "/api/v1/escalations/e1/melding", "", 200, []string{"Melding u1 e1"}},
		{coordinator, "GET", "/api/v1/tasks", "", 200, []string{"Tasks u1"}},
		{coordinator, "GET", "/api/v1/digest?date=2026-12-04", "", 200, []string{"StoredDigest 2026-12-04"}},
		{coordinator, "GET", "/api/v1/calendar", "", 200, []string{"CalendarView"}},
		{admin, "DELETE", "/api/v1/calendar/closed/2026-12-04", "", 200, []string{`CloseDay a1 2026-12-04 "" true`}},
		{admin, "GET", "/api/v1/roster", "", 200, []string{"Roster a1"}},
		{admin, "PUT", "/api/v1/roster", `{"classes":[{"id":"1A","name":"1A"}],"students":[{"id":"s1","name":"A","class":"1A","birth_date":"2011-02-03"}]}`, 200,
			[]string{`ReplaceRoster 1 classes ["s1 2011-02-03"]`}},
		{admin, "POST", "/api/v1/users", `{"name":"M. de Vries","role":"mentor","classes":["1A","1B"]}`, 201, []string{`CreateUser "M. de Vries" mentor ["1A" "1B"]`}},
		{admin, "POST", "/api/v1/users", `{"name":"Selam B.","role":"reviewer","language":"ti","email":"selam@isk.example"}`, 201,
			[]string{"CheckEmail selam@isk.example", `CreateReviewer "Selam B." ti`, "SetEmail u9 selam@isk.example"}},
		{admin, "GET", "/api/v1/users", "", 200, []string{"Users"}},
		{admin, "POST", "/api/v1/users/u2/link", "", 201, []string{"SignInLink u2"}},
		{admin, "POST", "/api/v1/users/u2/disable", "", 200, []string{"DisableUser a1 u2"}},
		{admin, "POST", "/api/v1/users/u2/enable", "", 200, []string{"EnableUser u2"}},
		{admin, "POST", "/api/v1/users/u2/token", "", 201, []string{"RotateToken u2"}},
		{admin, "DELETE", "/api/v1/users/u2/links", "", 200, []string{"RevokeSignInLinks u2"}},
		{admin, "PUT", "/api/v1/users/u2/classes", `{"classes":["3C"]}`, 200, []string{`SetClasses u2 ["3C"]`}},
		{admin, "PUT", "/api/v1/users/u2/email", `{"email":"m@isk.example"}`, 200, []string{"SetEmail u2 m@isk.example"}},
		{admin, "POST", "/api/v1/roster/imports/imp1/apply", "", 200, []string{"ApplyRosterImport a1 imp1"}},
		{admin, "GET", "/api/v1/translations/ti/file", "", 200, []string{"TranslationFile ti"}},
	} {
		s := &stub{user: tc.user, result: &app.ListResult{}, list: &school.AbsenceList{}, esc: &protocol.Escalation{ID: "e1"},
			melding: &app.MeldingDraft{}, digest: &app.Digest{}, calendar: &app.CalendarView{}, roster: &school.Roster{}}
		srv, _ := stubServer(s, Config{})
		rec := do(srv, apiRequest(tc.method, tc.target, tc.body))
		if rec.Code != tc.status || !reflect.DeepEqual(s.calls, tc.calls) {
			t.Errorf("%s %s: %d %s\napp was asked %q\nwant %d, %q", tc.method, tc.target, rec.Code, rec.Body, s.calls, tc.status, tc.calls)
		}
		if ct := rec.Header().Get("Content-Type"); tc.status < 300 && !strings.Contains(tc.target, "/file") && !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.target, ct)
		}
	}
}

// An error of app's reaches the client as the status its kind says, found
// however app wrapped it; an error of no known kind is a 500 that says
// nothing of it, its step in the log.
func TestAPIMapsTheServiceErrors(t *testing.T) {
	notFound := fmt.Errorf("list 1A 2026-12-04: read: %w", school.NotFound("class %s", "1A"))
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		msg    string
	}{
		{"not found", notFound, 404, "not_found", "class 1A was not found"},
		{"forbidden", &app.StepError{Op: "list 1A 2026-12-04", Err: school.ErrForbidden}, 403, "forbidden", "your role does not allow this"},
		{"a transition", &app.StepError{Op: "act on escalation e1", Err: fmt.Errorf("%w: dismissed cannot be acknowledged", protocol.ErrTransition)}, 409, "conflict", ""},
		{"invalid", &app.StepError{Op: "record list", Err: &school.ValidationError{Details: []school.FieldError{{Field: "absences[0].student", Message: "unknown"}}}}, 422, "invalid", ""},
		{"a full disk", &app.StepError{Op: "list 1A 2026-12-04", Err: fmt.Errorf("commit: %w", &store.WriteError{Err: syscall.ENOSPC})}, 500, "store_write_failed", ""},
		{"anything else", &app.StepError{Op: "list 1A 2026-12-04", Err: errors.New("read: bucket s3cret gone")}, 500, "internal", "something went wrong on our side; nothing was applied"},
	} {
		s := &stub{user: coordinator, err: tc.err}
		srv, log := stubServer(s, Config{})
		rec := do(srv, apiRequest("GET", "/api/v1/classes/1A/absences/2026-12-04", ""))
		e := errorOf(t, rec)
		if rec.Code != tc.status || e.Code != tc.code || (tc.msg != "" && e.Message != tc.msg) {
			t.Errorf("%s: %d %+v, want %d %s %q", tc.name, rec.Code, e, tc.status, tc.code, tc.msg)
		}
		if tc.status == 500 {
			if strings.Contains(rec.Body.String(), "list 1A") || strings.Contains(rec.Body.String(), "s3cret") {
				t.Errorf("%s: the answer tells where: %s", tc.name, rec.Body)
			}
			if !strings.Contains(log.String(), "list 1A 2026-12-04") {
				t.Errorf("%s: the log does not name the use case:\n%s", tc.name, log)
			}
		}
	}

	// The roster file's own errors: unreadable is the client's (400), a
	// preview gone is a 404 that says so.
	s := &stub{user: admin, err: fmt.Errorf("preview roster: %w", rosterimport.ErrUnreadable)}
	srv, _ := stubServer(s, Config{})
	if rec := do(srv, apiRequest("POST", "/api/v1/roster/imports", "x")); rec.Code != 400 || errorOf(t, rec).Code != "bad_request" {
		t.Errorf("an unreadable file: %d %s", rec.Code, rec.Body)
	}
	s.err = fmt.Errorf("apply roster import imp1: %w", app.ErrRosterImportGone)
	if rec := do(srv, apiRequest("POST", "/api/v1/roster/imports/imp1/apply", "")); rec.Code != 404 || !strings.Contains(errorOf(t, rec).Message, app.ErrRosterImportGone.Error()) {
		t.Errorf("a preview gone: %d %s", rec.Code, rec.Body)
	}
	// An error after the user was made: the token is not shown.
	s = &stub{user: admin, err: &app.StepError{Op: "create user", Err: school.ErrConflict}}
	srv, _ = stubServer(s, Config{})
	if rec := do(srv, apiRequest("POST", "/api/v1/users", `{"name":"M","role":"mentor"}`)); rec.Code != 409 || strings.Contains(rec.Body.String(), "tok-u9") {
		t.Errorf("a user refused: %d %s", rec.Code, rec.Body)
	}
}

// Who may call what, where the routes decide: no token 401, a wrong role
// 403 before app is asked; a reviewer uses no API at all; the admin token
// is the admin.
func TestAPIRoles(t *testing.T) {
	mentor := school.User{ID: "m1", Role: school.RoleMentor, Classes: []string{"1A"}}
	reviewer := school.User{ID: "r1", Role: school.RoleReviewer, Language: "ti"}
	routes := []struct {
		method, target, body string
		allowed              []school.Role
	}{
		{"GET", "/api/v1/escalations", "", []school.Role{school.RoleCoordinator}},
		{"POST", "/api/v1/escalations/e1", `{"action":"acknowledge"}`, []school.Role{school.RoleCoordinator}},
		{"GET", "/api/v1/escalations/e1/melding", "", []school.Role{school.RoleCoordinator}},
		{"GET", "/api/v1/digest?date=2026-12-04", "", []school.Role{school.RoleCoordinator}},
		{"GET", "/api/v1/reach?from=2026-12-01&to=2026-12-04", "", []school.Role{school.RoleCoordinator}},
		{"GET", "/api/v1/calendar", "", []school.Role{school.RoleCoordinator, school.RoleAdmin}},
		{"PUT", "/api/v1/calendar/closed/2026-12-04", `{"reason":"storm"}`, []school.Role{school.RoleCoordinator, school.RoleAdmin}},
		{"POST", "/api/v1/users", `{"name":"M","role":"mentor"}`, []school.Role{school.RoleAdmin}},
		{"PUT", "/api/v1/roster", `{}`, []school.Role{school.RoleAdmin}},
		{"GET", "/api/v1/users", "", []school.Role{school.RoleAdmin}},
		{"POST", "/api/v1/users/u2/disable", "", []school.Role{school.RoleAdmin}},
		{"GET", "/api/v1/translations/ti/file", "", []school.Role{school.RoleAdmin}},
		{"GET", "/api/v1/tasks", "", []school.Role{school.RoleMentor, school.RoleCoordinator, school.RoleAdmin}},
		{"GET", "/api/v1/messages", "", []school.Role{school.RoleMentor, school.RoleCoordinator, school.RoleAdmin}},
	}
	for _, r := range routes {
		for _, u := range []school.User{mentor, coordinator, admin, reviewer} {
			s := &stub{user: u, esc: &protocol.Escalation{ID: "e1"}, melding: &app.MeldingDraft{}, digest: &app.Digest{}, calendar: &app.CalendarView{}}
			srv, _ := stubServer(s, Config{})
			rec := do(srv, apiRequest(r.method, r.target, r.body))
			allowed := false
			for _, role := range r.allowed {
				allowed = allowed || role == u.Role
			}
			switch {
			case allowed && (rec.Code >= 300 || len(s.calls) == 0):
				t.Errorf("%s %s as %s: %d %s, calls %v, want it done", r.method, r.target, u.Role, rec.Code, rec.Body, s.calls)
			case !allowed && (rec.Code != 403 || errorOf(t, rec).Code != "forbidden" || len(s.calls) > 0):
				t.Errorf("%s %s as %s: %d %s, calls %v, want 403 and app not asked", r.method, r.target, u.Role, rec.Code, rec.Body, s.calls)
			}
		}
	}

	s := &stub{user: admin}
	srv, _ := stubServer(s, Config{AdminToken: "the-admin-token-of-the-school"})
	for name, auth := range map[string]string{"no header": "", "another scheme": "Basic Z29vZA==", "no token": "Bearer ", "a wrong token": "Bearer bad"} {
		req := apiRequest("GET", "/api/v1/users", "")
		req.Header.Set("Authorization", auth)
		rec := do(srv, req)
		if rec.Code != 401 || errorOf(t, rec).Code != "unauthorized" || rec.Header().Get("WWW-Authenticate") != `Bearer realm="nabij"` {
			t.Errorf("%s: %d %s %v", name, rec.Code, rec.Body, rec.Header())
		}
	}
	req := apiRequest("POST", "/api/v1/users", `{"name":"M","role":"mentor"}`)
	req.Header.Set("Authorization", "bearer the-admin-token-of-the-school")
	if rec := do(srv, req); rec.Code != 201 || len(s.calls) != 1 {
		t.Errorf("the admin token: %d %s %v", rec.Code, rec.Body, s.calls)
	}
}

// The answers are the views: a message without the family's number, its
// first pupil as student, an error code only when there is one; a user's
// new token once; a sign-in link at the public URL.
func TestAPIAnswersAreTheViews(t *testing.T) {
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	s := &stub{user: admin, msgs: []*alerts.Message{
		{ID: "m1", Students: []string{"s1", "s2"}, Contact: "c1", Phone: "+31612345001", Channel: school.ChannelSMS, Language: "ti", Status: alerts.StatusFailed, ErrorCode: 30003, Date: school.Date{Year: 2026, Month: 12, Day: 4}, CreatedAt: at, UpdatedAt: at},
		{ID: "m2", Students: []string{"s3"}, Contact: "c2", Phone: "+31612345002", Status: alerts.StatusDelivered},
	}, revoked: 3, users: []school.User{{ID: "u2", Name: "M. de Vries", Role: school.RoleMentor, TokenHash: "hash-of-the-token"}}}
	srv, _ := stubServer(s, Config{PublicURL: "https://nabij.isk.example/"})
	get := func(method, target, body string) (int, []byte) {
		rec := do(srv, apiRequest(method, target, body))
		return rec.Code, rec.Body.Bytes()
	}

	_, body := get("GET", "/api/v1/messages", "")
	var msgs []map[string]any
	if err := json.Unmarshal(body, &msgs); err != nil || len(msgs) != 2 {
		t.Fatalf("messages: %v %s", err, body)
	}
	if strings.Contains(string(body), "+316") || msgs[0]["student"] != "s1" || msgs[0]["error_code"] != float64(30003) || msgs[1]["error_code"] != nil || msgs[1]["student"] != "s3" {
		t.Errorf("messages: %s", body)
	}

	if _, body = get("GET", "/api/v1/users", ""); strings.Contains(string(body), "hash-of-the-token") || !strings.Contains(string(body), `"id":"u2"`) {
		t.Errorf("users: %s", body)
	}
	if code, body := get("POST", "/api/v1/users/u2/token", ""); code != 201 || string(body) != `{"id":"u2","token":"new-token-u2"}`+"\n" {
		t.Errorf("a new token: %d %s", code, body)
	}
	if code, body := get("DELETE", "/api/v1/users/u2/links", ""); code != 200 || string(body) != `{"revoked":3}`+"\n" {
		t.Errorf("links revoked: %d %s", code, body)
	}
	code, body := get("POST", "/api/v1/users/u2/link", "")
	var link signInLinkView
	if err := json.Unmarshal(body, &link); code != 201 || err != nil || link.URL != "https://nabij.isk.example/signin/link-u2" || !link.ExpiresAt.Equal(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("a sign-in link: %d %s", code, body)
	}
	code, body = get("POST", "/api/v1/users", `{"name":"M. de Vries","role":"mentor"}`)
	var created userCreatedView
	if err := json.Unmarshal(body, &created); code != 201 || err != nil || created.Token != "tok-u9" || created.Classes == nil {
		t.Errorf("a user made: %d %s", code, body)
	}

	// Without a public URL, the link is at the address the admin used.
	srv, _ = stubServer(s, Config{})
	req := apiRequest("POST", "/api/v1/users/u2/link", "")
	req.Host = "nabij.local:8080"
	if rec := do(srv, req); !strings.Contains(rec.Body.String(), `"url":"http://nabij.local:8080/signin/link-u2"`) {
		t.Errorf("a sign-in link without a public URL: %s", rec.Body)
	}
}

// The melding is JSON, or the printable page when a browser asks for
// HTML, with the pupil's name escaped.
func TestMeldingAsJSONOrPage(t *testing.T) {
	s := &stub{user: coordinator, melding: &app.MeldingDraft{Escalation: "e1", Student: "s1", Name: "<b>Amanuel</b> T.", PGN: "123456782"}}
	srv, _ := stubServer(s, Config{})
	rec := do(srv, apiRequest("GET", "/api/v1/escalations/e1/melding", ""))
	var v meldingView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); rec.Code != 200 || err != nil || v.Name != "<b>Amanuel</b> T." || v.PGN != "123456782" {
		t.Errorf("melding as JSON: %d %s", rec.Code, rec.Body)
	}
	req := apiRequest("GET", "/api/v1/escalations/e1/melding", "")
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	rec = do(srv, req)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(rec.Body.String(), "&lt;b&gt;Amanuel&lt;/b&gt; T.") || strings.Contains(rec.Body.String(), "<b>Amanuel") {
		t.Errorf("melding as a page: %d %s\n%.300s", rec.Code, rec.Header(), rec.Body)
	}
}

// The school's file of a language is TOML, named by its tag, and says
// where it comes from.
func TestTranslationFileAnswer(t *testing.T) {
	s := &stub{user: admin, file: []byte("[alert_absent]\nother = \"…\"\n")}
	srv, _ := stubServer(s, Config{})
	rec := do(srv, apiRequest("GET", "/api/v1/translations/ti/file", ""))
	if rec.Code != 200 || rec.Body.String() != string(s.file) || rec.Header().Get("Content-Type") != "application/toml; charset=utf-8" ||
		rec.Header().Get("X-Nabij-Source") != "embedded" || rec.Header().Get("Content-Disposition") != `attachment; filename="ti.toml"` || rec.Header().Get("Last-Modified") != "" {
		t.Errorf("the embedded file: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	s.override = &store.TranslationOverride{Language: "ti", By: "r1", At: time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))}
	rec = do(srv, apiRequest("GET", "/api/v1/translations/ti/file", ""))
	if rec.Header().Get("X-Nabij-Source") != "school" || rec.Header().Get("Last-Modified") != "Tue, 01 Dec 2026 09:00:00 GMT" {
		t.Errorf("the school's file: %v", rec.Header())
	}
	s.err = &app.StepError{Op: "translation file xx", Err: school.NotFound("language %s", "xx")}
	if rec := do(srv, apiRequest("GET", "/api/v1/translations/xx/file", "")); rec.Code != 404 || errorOf(t, rec).Message != "language xx was not found" {
		t.Errorf("no such language: %d %s", rec.Code, rec.Body)
	}
}
