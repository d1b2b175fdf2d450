package web

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

var (
	mentor   = school.User{ID: "m1", Name: "M. de Vries", Role: school.RoleMentor, Classes: []string{"1A"}}
	reviewer = school.User{ID: "r1", Name: "Selam B.", Role: school.RoleReviewer, Language: "ti"}
	// aName is a pupil's name as a roster may carry it: the pages show it
	// escaped.
	aName    = `<script>alert(1)</script>Amanuel`
	aNameOut = `&lt;script&gt;alert(1)&lt;/script&gt;Amanuel`
)

// isPage checks an answer is an HTML page with status and each of texts.
func isPage(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, texts ...string) {
	t.Helper()
	if rec.Code != status || rec.Header().Get("Content-Type") != "text/html; charset=UTF-8" {
		t.Errorf("%s: %d %q, want an HTML page %d\n%.500s", what, rec.Code, rec.Header().Get("Content-Type"), status, rec.Body)
		return
	}
	for _, s := range texts {
		if !strings.Contains(rec.Body.String(), s) {
			t.Errorf("%s: the page lacks %q\n%s", what, s, rec.Body)
		}
	}
	if strings.Contains(rec.Body.String(), aName) {
		t.Errorf("%s: a name is not escaped", what)
	}
}

func isRedirect(t *testing.T, what string, rec *httptest.ResponseRecorder, to string) {
	t.Helper()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != to {
		t.Errorf("%s: %d to %q, want 303 to %q\n%.300s", what, rec.Code, rec.Header().Get("Location"), to, rec.Body)
	}
}

func pageStub(u school.User) *stub {
	return &stub{user: u, today: school.Date{Year: 2026, Month: 12, Day: 4},
		rollCall: &app.RollCall{Class: school.Class{ID: "1A", Name: "ISK 1A"}}, board: &app.Board{}, pupil: &app.PupilPage{},
		melding: &app.MeldingDraft{}, esc: &protocol.Escalation{ID: "e1", Status: protocol.StatusOpen}, result: &app.ListResult{},
		review: &app.ReviewView{}, roster: &school.Roster{},
		contact: &app.ContactCard{Contact: school.Contact{ID: "c1", Name: "Moeder", Phone: "+31612345001", Role: school.RoleParent, Channel: school.ChannelWhatsApp}}}
}

// Who may open a page: without a session the sign-in page (401), with the
// wrong role a 403 page, app not asked; a reviewer sees only the review.
func TestPagesNeedASessionAndTheRole(t *testing.T) {
	routes := []struct {
		method, target string
		allowed        []school.Role
	}{
		{"GET", "/", []school.Role{school.RoleMentor, school.RoleCoordinator}},
		{"POST", "/rollcall/1A", []school.Role{school.RoleMentor, school.RoleCoordinator, school.RoleAdmin}},
		{"GET", "/board", []school.Role{school.RoleCoordinator}},
		{"POST", "/escalations/e1/action", []school.Role{school.RoleCoordinator}},
		{"GET", "/escalations/e1/melding", []school.Role{school.RoleCoordinator}},
		{"POST", "/tasks/t1/done", []school.Role{school.RoleCoordinator}},
		{"GET", "/contacts/c1/call", []school.Role{school.RoleCoordinator}},
		{"POST", "/contacts/c1/call", []school.Role{school.RoleCoordinator}},
		{"POST", "/contacts/c1/channel", []school.Role{school.RoleCoordinator}},
		{"GET", "/pupils/s1", []school.Role{school.RoleCoordinator}},
		{"GET", "/admin", []school.Role{school.RoleAdmin}},
		{"POST", "/admin/roster/apply", []school.Role{school.RoleAdmin}},
		{"POST", "/admin/users/u2/disable", []school.Role{school.RoleAdmin}},
		{"POST", "/admin/users/u2/link", []school.Role{school.RoleAdmin}},
		{"GET", "/review", []school.Role{school.RoleReviewer}},
		{"POST", "/review/done", []school.Role{school.RoleReviewer}},
	}
	cat := mustCatalog(t)
	for _, r := range routes {
		var form url.Values
		if r.method == "POST" {
			form = url.Values{}
		}
		if r.target == "/rollcall/1A" {
			form.Set("date", "2026-12-04") // the page's day: today
		}
		if r.target == "/contacts/c1/channel" {
			form.Set("pupil", "s1")
			form.Set("channel", "sms")
		}
		for _, u := range []school.User{mentor, coordinator, admin, reviewer} {
			if r.target == "/" && u.Role == school.RoleAdmin {
				continue // sent to the admin page: below
			}
			s := pageStub(u)
			srv, _ := stubServer(s, Config{Catalog: cat})
			rec := do(srv, pageRequest(r.method, r.target, form))
			allowed := false
			for _, role := range r.allowed {
				allowed = allowed || role == u.Role
			}
			switch {
			case allowed && (rec.Code >= 400 || len(s.calls) == 0):
				t.Errorf("%s %s as %s: %d, calls %v, want it done\n%.300s", r.method, r.target, u.Role, rec.Code, s.calls, rec.Body)
			case !allowed:
				isPage(t, fmt.Sprintf("%s %s as %s", r.method, r.target, u.Role), rec, 403, "Your role does not allow this.")
				if len(s.calls) > 0 {
					t.Errorf("%s %s as %s: app asked %v", r.method, r.target, u.Role, s.calls)
				}
			}
		}
		s := pageStub(coordinator)
		srv, _ := stubServer(s, Config{})
		req := pageRequest(r.method, r.target, form)
		req.Header.Del("Cookie")
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: "csrf-token"})
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "an-old-session"})
		rec := do(srv, req)
		isPage(t, r.target+" without a session", rec, 401)
		if len(s.calls) > 0 {
			t.Errorf("%s %s without a session: app asked %v", r.method, r.target, s.calls)
		}
	}
	// The admin has no roll call: the admin page is theirs.
	srv, _ := stubServer(pageStub(admin), Config{})
	isRedirect(t, "the roll call for the admin", do(srv, pageRequest("GET", "/", nil)), "/admin")
}

// Every form needs its CSRF token, whatever headers a client sets; a
// cross-site post is refused at once. app is not asked.
func TestPageFormsNeedTheCSRFToken(t *testing.T) {
	s := pageStub(coordinator)
	srv, _ := stubServer(s, Config{})
	form := url.Values{"student": {"s1"}, "kind-s1": {"absent"}}
	for name, change := range map[string]func(*http.Request){
		"no token": func(r *http.Request) {
			r.Body, r.ContentLength = http.NoBody, 0
		},
		"another token": func(r *http.Request) {
			r.Header.Del("Cookie")
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: "sess"})
			r.AddCookie(&http.Cookie{Name: csrfCookie, Value: "another-token"})
			r.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
		},
		"no token, same-origin said": func(r *http.Request) {
			r.Body, r.ContentLength = http.NoBody, 0
			r.Header.Set("Sec-Fetch-Site", "same-origin")
		},
	} {
		req := pageRequest("POST", "/rollcall/1A", form)
		change(req)
		rec := do(srv, req)
		isPage(t, name, rec, 403, "This form has expired or did not come from this page.")
	}
	req := pageRequest("POST", "/rollcall/1A", form)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if rec := do(srv, req); rec.Code != 403 {
		t.Errorf("a cross-site post: %d", rec.Code)
	}
	if len(s.calls) > 0 {
		t.Errorf("app was asked %v", s.calls)
	}
	// A page read gives the token for its forms.
	rec := do(srv, pageRequest("GET", "/board", nil))
	if !strings.HasPrefix(rec.Header().Get("Set-Cookie"), csrfCookie+"=csrf-token;") {
		t.Errorf("the board gives no CSRF token: %v", rec.Header())
	}
	// A roll-call form larger than a class is refused before it is read.
	s.calls = nil
	big := url.Values{"student": {strings.Repeat("s", maxListBody)}}
	if rec := do(srv, pageRequest("POST", "/rollcall/1A", big)); rec.Code != 413 || len(s.calls) > 0 {
		t.Errorf("a form over the limit: %d, calls %v", rec.Code, s.calls)
	}
}

// A pupil's page and a case's melding show what app gives, escaped.
func TestPupilAndMeldingPages(t *testing.T) {
	s := pageStub(coordinator)
	s.pupil = &app.PupilPage{Student: school.Student{ID: "s1", Name: aName, Class: "1A"},
		Days:     []app.PupilDay{{Date: school.Date{Year: 2026, Month: 12, Day: 3}, Entry: school.Absence{Kind: school.Late, Minutes: 20, Reason: "<bus>"}, Hours: 1}},
		Messages: []*alerts.Message{{Date: s.today, Language: "ar", Direction: "rtl", Body: "<نفتقد>", Back: "we miss", Status: alerts.StatusDelivered}},
		Escalations: []*protocol.Escalation{{ID: "e1", Level: "leerplicht", Status: protocol.StatusOpen, ReasonEN: "16 hours",
			Actions: []protocol.Action{{Action: "acknowledge", By: "u1", Note: "<gebeld>"}}}}}
	s.melding = &app.MeldingDraft{Escalation: "e1", Name: aName, PGN: "123456782",
		Days: []app.MeldingDay{{Date: school.Date{Year: 2026, Month: 12, Day: 1}, Kind: school.Absent, Hours: 6}, {Date: school.Date{Year: 2026, Month: 12, Day: 2}, Kind: school.Late, Hours: 1}}}
	srv, _ := stubServer(s, Config{})
	isPage(t, "a pupil", do(srv, pageRequest("GET", "/pupils/s1", nil)), 200, "Pupil "+aNameOut, "&lt;bus&gt;", `dir="rtl"`, "&lt;نفتقد&gt;", "&lt;gebeld&gt;", "16 hours")
	// The draft is Dutch: a day's kind too (found by a review: "absent").
	isPage(t, "a melding", do(srv, pageRequest("GET", "/escalations/e1/melding", nil)), 200, aNameOut, "123456782",
		"<td>2026-12-01</td><td>ongeoorloofd afwezig</td>", "<td>2026-12-02</td><td>te laat</td>")
	if want := []string{"Pupil s1", "Melding u1 e1"}; !reflect.DeepEqual(s.calls, want) {
		t.Errorf("app was asked %q, want %q", s.calls, want)
	}
	// A pupil who left the roster: both pages say so.
	left := school.Date{Year: 2026, Month: 12, Day: 2}
	s.pupil.LeftRosterOn, s.melding.LeftRosterOn = left, &left
	isPage(t, "the page of a pupil who left", do(srv, pageRequest("GET", "/pupils/s1", nil)), 200, "Off the roster since 2026-12-02")
	isPage(t, "the melding of a pupil who left", do(srv, pageRequest("GET", "/escalations/e1/melding", nil)), 200, "van het rooster af sinds 2026-12-02")
}

func mustCatalog(t *testing.T) *translations.Catalog {
	t.Helper()
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// multipartRoster is the admin page's upload form with file.
func multipartRoster(t *testing.T, file []byte) *http.Request {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField("csrf", "csrf-token"); err != nil {
		t.Fatal(err)
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", "leerlingen.csv")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	req := pageRequest("POST", "/admin/roster", nil)
	req.Body, req.ContentLength = httptestBody(b.Bytes())
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

func httptestBody(b []byte) (*readCloser, int64) {
	return &readCloser{bytes.NewReader(b)}, int64(len(b))
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// The admin page: users (times in the school's zone), settings, the
// roster file's preview and its application, new users with their link,
// and access taken away; each form's answer is the page again.
func TestAdminPages(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	signedIn := time.Date(2026, 12, 4, 7, 30, 0, 0, time.UTC)
	s := pageStub(admin)
	s.users = []school.User{{ID: "u2", Name: aName, Role: school.RoleMentor, Classes: []string{"1A"}, LastSignIn: &signedIn, Email: "m@isk.example"},
		{ID: "u3", Name: "Oud", Role: school.RoleCoordinator, Disabled: true}}
	s.revoked = 2
	srv, _ := stubServer(s, Config{Catalog: mustCatalog(t), Location: cet, PublicURL: "https://nabij.isk.example",
		Settings: [][2]string{{"NABIJ_SCHOOL_NAME", "ISK <Noord>"}}})
	rec := do(srv, pageRequest("GET", "/admin?applied=30-3", nil))
	isPage(t, "the admin page", rec, 200, aNameOut, "2026-12-04 08:30", "m@isk.example", "ISK &lt;Noord&gt;", "Pupils loaded: 30 pupils in 3 classes.",
		`action="/admin/users/u3/enable"`, `<option value="ti">`)

	// The upload: the file as sent reaches app; its changes, or every bad
	// row, are shown.
	s.calls = nil
	s.imp = &app.RosterImport{ID: "imp1", Format: app.RosterCSV, Rows: 2, Changes: rosterimport.Changes{NewStudents: []string{"s7", "s8"}, RemovedStudents: []string{"s1"}},
		LongNames: []string{"s8"}}
	file := []byte("leerlingnummer;roepnaam\n1001;Amanuel\n")
	rec = do(srv, multipartRoster(t, file))
	isPage(t, "a roster previewed", rec, 200, "s7, s8", `name="import" value="imp1"`,
		`1 pupil has a name longer than 30 characters: every message about them costs families an SMS part more. A shorter given name in the export helps: <span translate="no">s8</span>`)
	if !bytes.Equal(s.read, file) || !reflect.DeepEqual(s.calls, []string{fmt.Sprintf("PreviewRosterImport a1 %d", len(file)), "Users"}) {
		t.Errorf("app read %q, was asked %v", s.read, s.calls)
	}
	s.imp = &app.RosterImport{Format: app.RosterCSV, Rows: 1, Errors: []rosterimport.RowError{{Row: 2, Column: "geboortedatum", Message: "<31-02-2011> is no date"}}}
	rec = do(srv, multipartRoster(t, file))
	isPage(t, "a roster with a bad row", rec, 200, "geboortedatum", "&lt;31-02-2011&gt; is no date")
	if strings.Contains(rec.Body.String(), `name="import"`) {
		t.Error("a roster with a bad row can be applied")
	}
	s.calls = nil
	isPage(t, "no file", do(srv, multipartRoster(t, nil)), 400, "Choose a CSV file or a OneRoster zip first.")
	if len(s.calls) > 0 {
		t.Errorf("no file: app was asked %v", s.calls)
	}
	s.err = fmt.Errorf("preview roster: %w: not a CSV", rosterimport.ErrUnreadable)
	isPage(t, "an unreadable file", do(srv, multipartRoster(t, file)), 400, "not a CSV")
	s.err = fmt.Errorf("apply roster import imp1: %w", app.ErrRosterImportGone)
	isPage(t, "a preview gone", do(srv, pageRequest("POST", "/admin/roster/apply", url.Values{"import": {"imp1"}})), 400)
	s.err = nil

	s.calls = nil
	s.roster = &school.Roster{Classes: make([]school.Class, 3), Students: make([]school.Student, 31)}
	isRedirect(t, "a roster applied", do(srv, pageRequest("POST", "/admin/roster/apply", url.Values{"import": {"imp1"}})), "/admin?applied=31-3")
	if !reflect.DeepEqual(s.calls, []string{"ApplyRosterImport a1 imp1"}) {
		t.Errorf("apply: app was asked %v", s.calls)
	}

	for _, tc := range []struct {
		name   string
		target string
		form   url.Values
		calls  []string
		status int
		texts  []string
	}{
		{"a mentor made", "/admin/users", url.Values{"name": {"M. de Vries"}, "role": {"mentor"}, "classes": {" 1A, ,1B "}, "email": {" m@isk.example "}},
			[]string{"CheckEmail m@isk.example", `CreateUser "M. de Vries" mentor ["1A" "1B"]`, "SetEmail u9 m@isk.example", "SignInLink u9", "Users"}, 200,
			[]string{"https://nabij.isk.example/signin/link-u9"}},
		{"a reviewer made", "/admin/users", url.Values{"name": {"Selam B."}, "role": {"reviewer"}, "language": {"ti"}},
			[]string{`CreateReviewer "Selam B." ti`, "SignInLink u9", "Users"}, 200, nil},
		{"a mentor with a language", "/admin/users", url.Values{"name": {"M"}, "role": {"mentor"}, "language": {"ti"}}, nil, 422,
			[]string{"language: only a reviewer has a language"}},
		{"a link", "/admin/users/u2/link", url.Values{}, []string{"SignInLink u2", "Users"}, 200,
			[]string{"Sign-in link for " + aNameOut, "https://nabij.isk.example/signin/link-u2"}},
		{"disabled", "/admin/users/u2/disable", url.Values{}, []string{"DisableUser a1 u2", "Users"}, 200, []string{"Name of u2 is disabled"}},
		{"enabled", "/admin/users/u2/enable", url.Values{}, []string{"EnableUser u2", "Users"}, 200, []string{"Name of u2 is enabled again"}},
		{"a new token", "/admin/users/u2/token", url.Values{}, []string{"RotateToken u2", "Users"}, 200, []string{"New API token for Name of u2", "new-token-u2"}},
		{"links revoked", "/admin/users/u2/links/revoke", url.Values{}, []string{"RevokeSignInLinks u2", "Users"}, 200, []string{"Unused sign-in links revoked: 2."}},
		{"classes", "/admin/users/u2/classes", url.Values{"classes": {"2B, 3C,"}}, []string{`SetClasses u2 ["2B" "3C"]`, "Users"}, 200, []string{"Classes of Name of u2: 2B, 3C."}},
	} {
		s.calls = nil
		rec := do(srv, pageRequest("POST", tc.target, tc.form))
		isPage(t, tc.name, rec, tc.status, tc.texts...)
		if !reflect.DeepEqual(s.calls, tc.calls) {
			t.Errorf("%s: app was asked %q, want %q", tc.name, s.calls, tc.calls)
		}
	}

	// app's refusal is shown, and nothing else is asked.
	s.calls = nil
	s.err = fmt.Errorf("disable user a1: %w", school.ErrConflict)
	rec = do(srv, pageRequest("POST", "/admin/users/a1/disable", url.Values{}))
	isPage(t, "disabling oneself", rec, 409)
	if !reflect.DeepEqual(s.calls, []string{"DisableUser a1 a1"}) {
		t.Errorf("disabling oneself: app was asked %v", s.calls)
	}
	s.calls = nil
	s.err = fmt.Errorf("check email: %w", school.ErrConflict)
	isPage(t, "an email taken", do(srv, pageRequest("POST", "/admin/users", url.Values{"name": {"M"}, "role": {"mentor"}, "email": {"m@isk.example"}})), 409)
	if !reflect.DeepEqual(s.calls, []string{"CheckEmail m@isk.example"}) {
		t.Errorf("an email taken: app was asked %v", s.calls)
	}
}

// The review page of a reviewer's language; a correction reaches app form
// by form, and a refused one is shown again as typed, with the reasons.
func TestReviewPages(t *testing.T) {
	s := pageStub(reviewer)
	s.review = &app.ReviewView{Language: translations.Language{Tag: "ti", Name: "ትግርኛ", EnglishName: "Tigrinya", Review: "draft"},
		Own: &store.TranslationOverride{By: "r1", At: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}, OwnBy: "Selam B.",
		Messages: []app.ReviewMessage{{Key: "alert_absent", Samples: []app.ReviewSample{{Pupils: 1, Text: "<ሰላም>", English: "We miss", Back: "we miss", Encoding: "UCS-2", Segments: 2}},
			Forms: []app.ReviewText{{Form: "one", Text: "ሰላም"}, {Form: "other", Text: "ሰላም ኩሉኹም"}}, Back: []app.ReviewText{{Form: "other", Text: "we miss"}}}}}
	srv, _ := stubServer(s, Config{})
	for q, flash := range map[string]string{"": "", "?saved=reviewed": "Tigrinya is marked reviewed.", "?saved=same": "Nothing changed.", "?saved=alert_absent": "Correction of alert_absent saved"} {
		isPage(t, "the review "+q, do(srv, pageRequest("GET", "/review"+q, nil)), 200, "&lt;ሰላም&gt;", "Selam B.", "2026-12-01 10:00", `action="/review/messages/alert_absent"`, flash)
	}

	s.calls = nil
	form := url.Values{"form-one": {"ሰላም\r\nኣብ"}, "form-other": {"ሰላም ኩሉኹም"}, "back-other": {"we miss you"}, "ignored": {"x"}}
	isRedirect(t, "a correction", do(srv, pageRequest("POST", "/review/messages/alert_absent", form)), "/review?saved=alert_absent#msg-alert_absent")
	if want := []string{`CorrectTranslation r1 alert_absent map["one":"ሰላም\nኣብ" "other":"ሰላም ኩሉኹም"] map["other":"we miss you"]`}; !reflect.DeepEqual(s.calls, want) {
		t.Errorf("app was asked %q, want %q", s.calls, want)
	}
	s.calls = nil
	isRedirect(t, "a correction without a back-translation", do(srv, pageRequest("POST", "/review/messages/alert_absent", url.Values{"form-other": {"x"}})), "/review?saved=alert_absent#msg-alert_absent")
	if want := []string{`CorrectTranslation r1 alert_absent map["other":"x"] map[]`}; !reflect.DeepEqual(s.calls, want) {
		t.Errorf("app was asked %q, want %q", s.calls, want)
	}

	s.reviewErr = fmt.Errorf("correct ti alert_absent: %w", app.ErrUnchanged)
	isRedirect(t, "a correction changing nothing", do(srv, pageRequest("POST", "/review/messages/alert_absent", form)), "/review?saved=same#msg-alert_absent")
	isRedirect(t, "marked again", do(srv, pageRequest("POST", "/review/done", url.Values{})), "/review?saved=same")

	s.reviewErr = &translations.RefusedError{Tag: "ti", Problems: []string{"{{.Names}} is missing"}}
	rec := do(srv, pageRequest("POST", "/review/messages/alert_absent", url.Values{"form-one": {"<typed>"}, "form-other": {"also typed"}, "back-other": {"typed back"}}))
	isPage(t, "a correction refused", rec, 422, "{{.Names}} is missing", "&lt;typed&gt;", "also typed", "typed back")
	isPage(t, "marking refused", do(srv, pageRequest("POST", "/review/done", url.Values{})), 422, "{{.Names}} is missing")

	s.reviewErr = nil
	isRedirect(t, "marked reviewed", do(srv, pageRequest("POST", "/review/done", url.Values{})), "/review?saved=reviewed")
	s.reviewErr = &app.StepError{Op: "mark reviewed ti", Err: fmt.Errorf("save: disk on fire")}
	isPage(t, "marking failing", do(srv, pageRequest("POST", "/review/done", url.Values{})), 500)
	s.err = fmt.Errorf("review: %w", school.ErrForbidden)
	isPage(t, "the review refused", do(srv, pageRequest("GET", "/review", nil)), 403)
}

// A sibling host of the school's domain (www.school.nl beside
// nabij.school.nl) can plant its own CSRF cookie for nabij, which the
// browser then sends first ("cookie tossing"); its post says Sec-Fetch-Site
// same-site, and is refused like a cross-site one, its token never
// compared. app is not asked. (Found by a review: the list was recorded.)
func TestASiblingSitesPostIsRefusedWhateverItsCookie(t *testing.T) {
	s := pageStub(coordinator)
	srv, _ := stubServer(s, Config{PublicURL: "https://nabij.school.example", SecureCookies: true})
	form := url.Values{"student": {"s1"}, "kind-s1": {"absent"}, "csrf": {"attacker-token"}}
	req := httptest.NewRequest("POST", "/rollcall/1A", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-site")
	req.Header.Set("Cookie", csrfCookie+"=attacker-token; "+sessionCookie+"=sess; "+csrfCookie+"=victims-token; "+langCookie+"=en")
	if rec := do(srv, req); rec.Code != 403 || len(s.calls) > 0 {
		t.Errorf("a same-site post with a tossed CSRF cookie: %d, app asked %v; want 403 and nothing done", rec.Code, s.calls)
	}
}

// An upload (the roster file, a recording) is parsed to read its CSRF
// token, so it is refused before its body is read unless a signed-in admin
// sends it: without a session 401, another role 403, as the pages' own
// checks answer. (Found by a review: an anonymous broken upload got "the
// upload cannot be read", so it had been parsed, to temporary files.)
func TestAnUploadIsNotReadBeforeTheAdminIsKnown(t *testing.T) {
	broken := func(target string, cookies ...*http.Cookie) *http.Request {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("file", "x.csv")
		fw.Write(bytes.Repeat([]byte("a"), 2<<20)) // past the first MB, and no closing boundary
		req := httptest.NewRequest("POST", target, &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		for _, c := range append(cookies, &http.Cookie{Name: langCookie, Value: "en"}) {
			req.AddCookie(c)
		}
		return req
	}
	for _, target := range []string{"/admin/roster", "/admin/recordings"} {
		srv, _ := stubServer(pageStub(admin), Config{})
		if rec := do(srv, broken(target)); rec.Code != 401 {
			t.Errorf("%s without a session: %d %.100s, want 401 before the body is read", target, rec.Code, rec.Body)
		}
		srv, _ = stubServer(pageStub(coordinator), Config{})
		if rec := do(srv, broken(target, &http.Cookie{Name: sessionCookie, Value: "sess"})); rec.Code != 403 {
			t.Errorf("%s from a coordinator: %d %.100s, want 403 before the body is read", target, rec.Code, rec.Body)
		}
		srv, _ = stubServer(pageStub(admin), Config{})
		if rec := do(srv, broken(target, &http.Cookie{Name: sessionCookie, Value: "sess"})); rec.Code != 400 || !strings.Contains(rec.Body.String(), "cannot be read") {
			t.Errorf("%s from the admin: %d %.100s, want the broken upload read and refused (400)", target, rec.Code, rec.Body)
		}
	}
}

// The confirmations the pages show after a form: the link carries only an
// id or numbers, and the page says what the id stands for from the store;
// text that is no id is not shown, so a link sent to a coordinator cannot
// make nabij say what its sender wants.
func TestAConfirmationShowsOnlyWhatTheStoreSays(t *testing.T) {
	phishing := url.QueryEscape("Urgent: call the family at +31 6 00000000 now")
	for _, tc := range []struct {
		user              school.User
		target, id, shown string
	}{
		{coordinator, "/board?done=", "e1", "Case of Noor: open."},
		{reviewer, "/review?saved=", "alert_absent", "alert_absent"},
		// Counts, not ids: the page's sentence says them. (Found by a
		// pen test: "saved=<sentence>-0" was shown.)
		{mentor, "/?class=1A&saved=", "3-1", "List saved: 3 on the list, 1 message."},
		{admin, "/admin?applied=", "31-3", "Pupils loaded: 31 pupils in 3 classes."},
	} {
		srv, _ := stubServer(pageStub(tc.user), Config{Catalog: mustCatalog(t)})
		for _, bad := range []string{phishing, phishing + "-0", "0-" + phishing} {
			if rec := do(srv, pageRequest("GET", tc.target+bad, nil)); rec.Code != 200 || strings.Contains(rec.Body.String(), "Urgent") {
				t.Errorf("%s with a sentence: %d, shown: %v", tc.target, rec.Code, strings.Contains(rec.Body.String(), "Urgent"))
			}
		}
		if rec := do(srv, pageRequest("GET", tc.target+tc.id, nil)); !strings.Contains(rec.Body.String(), tc.shown) {
			t.Errorf("%s%s: the confirmation %q is not shown", tc.target, tc.id, tc.shown)
		}
	}
}
