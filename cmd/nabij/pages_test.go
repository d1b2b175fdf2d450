package main

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// staff is a browser without JavaScript: a cookie jar and forms.
type staff struct {
	t      *testing.T
	h      *harness
	client *http.Client
}

func newStaff(h *harness) *staff {
	jar, _ := cookiejar.New(nil)
	return &staff{t: h.t, h: h, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (s *staff) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.client.Get(s.h.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// csrf reads the token a page's forms carry.
func (s *staff) csrf(page string) string {
	s.t.Helper()
	_, body := s.get(page)
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		s.t.Fatalf("no CSRF token on %s", page)
	}
	return m[1]
}

func (s *staff) post(path string, form url.Values) (int, string) {
	s.t.Helper()
	resp, err := s.client.PostForm(s.h.url+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (s *staff) signIn(link string) int {
	s.t.Helper()
	path := strings.TrimPrefix(link, s.h.url)
	token := strings.TrimPrefix(path, "/signin/")
	code, _ := s.post("/signin", url.Values{"csrf": {s.csrf(path)}, "token": {token}})
	return code
}

func TestPagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	h.createUser("A. de Vries", "mentor", "1A")
	coord := h.createUser("C. Jansen", "coordinator")
	mentor := newStaff(h)

	// A page without a session asks to sign in; a link works once.
	if code, _ := mentor.get("/"); code != 401 {
		t.Errorf("the roll call without a session: %d", code)
	}
	link := h.signInLink(h.userID("A. de Vries"))
	if code := mentor.signIn(link); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	if code := newStaff(h).signIn(link); code != 401 {
		t.Errorf("the same link a second time: %d, want 401", code)
	}

	// The roll call is a plain form; without its CSRF token it is refused.
	form := url.Values{"date": {"2026-11-30"}, "student": {"1001", "1003"}, "kind-1001": {"absent"}, "kind-1003": {"late"}, "minutes-1003": {"25"}}
	if code, _ := mentor.post("/rollcall/1A", form); code != 403 {
		t.Errorf("a form without its CSRF token: %d, want 403", code)
	}
	var list struct{ Absences []any }
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", coord, nil, &list)
	if len(list.Absences) != 0 {
		t.Fatalf("a refused form changed the list: %+v", list)
	}
	form.Set("csrf", mentor.csrf("/"))
	if code, _ := mentor.post("/rollcall/1A", form); code != 303 {
		t.Fatalf("the roll call form: %d", code)
	}
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", coord, nil, &list)
	if len(list.Absences) != 2 {
		t.Errorf("after the form the list has %d entries, want 2", len(list.Absences))
	}
	if code, body := mentor.get("/?class=1A"); code != 200 || !strings.Contains(body, `value="absent" checked`) {
		t.Errorf("the roll call does not show the list sent: %d", code)
	}

	// Signed out, the session is gone.
	if code, _ := mentor.post("/signout", url.Values{"csrf": {mentor.csrf("/")}}); code != 200 {
		t.Errorf("sign out: %d", code)
	}
	if code, _ := mentor.get("/"); code != 401 {
		t.Errorf("after signing out the roll call answers %d", code)
	}

	// Sign-in attempts are rate limited.
	limited := false
	guesser := newStaff(h)
	for range 12 {
		if code := guesser.signIn(h.url + "/signin/not-a-token"); code == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("12 wrong sign-ins in a row were never slowed down")
	}
}

func TestAdminLoadsARosterFileWithAPreview(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	var admin struct{ ID string }
	h.mustCall(201, "POST", "/api/v1/users", adminToken, map[string]any{"name": "Beheer", "role": "admin"}, &admin)
	a := newStaff(h)
	if code := a.signIn(h.signInLink(admin.ID)); code != 303 {
		t.Fatalf("admin sign-in: %d", code)
	}
	upload := func(csv string) (int, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("csrf", a.csrf("/admin"))
		f, _ := w.CreateFormFile("file", "export.csv")
		f.Write([]byte(csv))
		w.Close()
		req, _ := http.NewRequest("POST", h.url+"/admin/roster", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := a.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	bad := "leerlingnummer;roepnaam;achternaam;geboortedatum;klas;verzorger;relatie;telefoon;taal\n" +
		"1001;Amanuel;T.;04-03-2010;1A;Voogd;voogd;0612345002;nl\n" +
		"1002;Layla;H.;31-02-2011;1A;Moeder;ouder;12345;Arabisch\n"
	code, body := upload(bad)
	if code != 200 || !strings.Contains(body, "error") || !strings.Contains(body, "<td>3</td>") {
		t.Fatalf("a bad file: %d, no row errors shown", code)
	}
	good := "leerlingnummer;roepnaam;achternaam;geboortedatum;klas;verzorger;relatie;telefoon;taal\n" +
		"1001;Amanuel;T.;04-03-2010;1A;Voogd;voogd;0612345002;nl\n" +
		"1009;Sara;M.;05-06-2011;1A;Moeder;ouder;0612345099;Tigrinya\n"
	// A file past the first MB held in memory (here 3 MB of empty lines
	// after the pupils) is read from its temporary file just the same.
	if code, body = upload(good + strings.Repeat("\n", 3<<20)); code != 200 || !strings.Contains(body, "1009") {
		t.Fatalf("a 3 MB file: %d, no preview", code)
	}
	code, body = upload(good)
	m := regexp.MustCompile(`name="import" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if code != 200 || m == nil || !strings.Contains(body, "1009") {
		t.Fatalf("a good file: %d, no preview", code)
	}
	var r struct{ Students []struct{ ID string } }
	h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &r)
	if len(r.Students) != 5 {
		t.Fatalf("the preview changed the roster: %d pupils", len(r.Students))
	}
	if code, _ := a.post("/admin/roster/apply", url.Values{"csrf": {a.csrf("/admin")}, "import": {m[1]}}); code != 303 {
		t.Fatalf("apply: %d", code)
	}
	h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &r)
	if len(r.Students) != 2 || r.Students[1].ID != "1009" {
		t.Errorf("after applying: %+v", r.Students)
	}
	if code, _ := a.post("/admin/roster/apply", url.Values{"csrf": {a.csrf("/admin")}, "import": {m[1]}}); code != 400 {
		t.Errorf("applying the same preview twice: %d, want 400", code)
	}
}

func TestUsersLinkCommand(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	h.createUser("A. de Vries", "mentor", "1A")
	env := map[string]string{"NABIJ_ADMIN_TOKEN": adminToken}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"users", "link", "A. de Vries", "--url", h.url}, func(k string) string { return env[k] }, &out, &errOut)
	if code != 0 || !strings.HasPrefix(out.String(), h.url+"/signin/") {
		t.Fatalf("users link: exit %d, %q %q", code, out.String(), errOut.String())
	}
	if got := newStaff(h).signIn(strings.TrimSpace(strings.SplitN(out.String(), "\n", 2)[0])); got != 303 {
		t.Errorf("the printed link does not sign in: %d", got)
	}
	out.Reset()
	if code := run(context.Background(), []string{"users", "link", "Niemand", "--url", h.url}, func(k string) string { return env[k] }, &out, &errOut); code != 1 {
		t.Errorf("an unknown name: exit %d", code)
	}
}
