package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"golang.org/x/text/language"
)

// A real OpenID provider for the tests: zitadel/oidc's OP (pkg/op) with
// its example in-memory storage and its own login page, on loopback. Its
// users sign in with the password opPassword.
const (
	opClientID     = "nabij"
	opClientSecret = "nabij-test-secret"
	opPassword     = "verysecure"
)

type opUsers map[string]*storage.User

func (u opUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u opUsers) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u opUsers) ExampleClientID() string { return "service" }

// startOP starts the provider with one user per email and a client whose
// one redirect URI is redirect; it returns the issuer URL.
func startOP(t *testing.T, redirect string, emails ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	users := opUsers{}
	for i, e := range emails {
		id := "op-user-" + string(rune('a'+i))
		users[id] = &storage.User{ID: id, Username: e, Password: opPassword, FirstName: "Test", LastName: "Mentor",
			Email: e, EmailVerified: true, PreferredLanguage: language.English}
	}
	clients := map[string]*storage.Client{opClientID: storage.WebClient(opClientID, opClientSecret, redirect)}
	router := exampleop.SetupServer(issuer, storage.NewStorageWithClients(users, clients), nil, false)
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return issuer
}

// startOIDCHarness is nabij signing in with the provider; the provider
// knows mentor@school.example, stranger@school.example (unknown to nabij)
// and gone@school.example.
func startOIDCHarness(t *testing.T) *harness {
	t.Helper()
	socket := listen(t)
	public := "http://" + socket.Addr().String()
	issuer := startOP(t, public+"/auth/oidc/callback", "mentor@school.example", "stranger@school.example", "gone@school.example")
	h := startHarnessOn(t, socket, map[string]string{
		"NABIJ_CLOCK":              "2026-11-30T08:50:00+01:00",
		"NABIJ_OIDC_ISSUER":        issuer,
		"NABIJ_OIDC_CLIENT_ID":     opClientID,
		"NABIJ_OIDC_CLIENT_SECRET": opClientSecret,
	}, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	var res struct{ ID, Email string }
	h.mustCall(201, "POST", "/api/v1/users", adminToken, map[string]any{"name": "A. de Vries", "role": "mentor", "classes": []string{"1A"}, "email": "Mentor@School.example"}, &res)
	if res.Email != "mentor@school.example" {
		t.Fatalf("created with email %q", res.Email)
	}
	// The email is unique.
	h.mustCall(409, "POST", "/api/v1/users", adminToken, map[string]any{"name": "B. Bakker", "role": "coordinator", "email": "mentor@school.example"}, nil)
	return h
}

var loginFormID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// oidcClient is a browser without JavaScript: a cookie jar that stops at
// nabij's callback, so that the test can look at it (or replay it).
func oidcClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/auth/oidc/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// providerLogin starts a sign-in at nabij, signs in at the provider's own
// login page as email, and returns nabij's callback URL, not yet visited.
func providerLogin(t *testing.T, h *harness, c *http.Client, email string) string {
	t.Helper()
	resp, err := c.Get(h.url + "/auth/oidc/start")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := loginFormID.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login form at %s: %d %.500s", resp.Request.URL, resp.StatusCode, page)
	}
	login := *resp.Request.URL
	login.Path, login.RawQuery = "/login/username", ""
	resp, err = c.PostForm(login.String(), url.Values{"id": {string(m[1])}, "username": {email}, "password": {opPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the provider's login answered %d, not the redirect to nabij", resp.StatusCode)
	}
	cb, err := resp.Location()
	if err != nil || cb.Path != "/auth/oidc/callback" || cb.Query().Get("code") == "" {
		t.Fatalf("redirect to %v (%v), want nabij's callback with a code", cb, err)
	}
	return cb.String()
}

func visit(t *testing.T, c *http.Client, u string, cookies ...*http.Cookie) (int, string, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en")
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	// One request: a redirect is looked at, not followed.
	one := *c
	one.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := one.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

func sessionOf(resp *http.Response) string {
	for _, ck := range resp.Cookies() {
		if ck.Name == "nabij_session" && ck.MaxAge >= 0 {
			return ck.Value
		}
	}
	return ""
}

func TestOIDCSignInAndReplay(t *testing.T) {
	t.Parallel()
	h := startOIDCHarness(t)
	c := oidcClient(t)
	cb := providerLogin(t, h, c, "mentor@school.example")
	stateCookie := &http.Cookie{Name: "nabij_oidc", Value: mustQuery(t, cb, "state")}

	code, body, resp := visit(t, c, cb)
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/" || sessionOf(resp) == "" {
		t.Fatalf("callback: %d to %q, session %v: %.300s", code, resp.Header.Get("Location"), sessionOf(resp) != "", body)
	}
	var csrfRenewed bool
	for _, ck := range resp.Cookies() {
		csrfRenewed = csrfRenewed || (ck.Name == "nabij_csrf" && ck.Value != "")
	}
	if !csrfRenewed {
		t.Error("the CSRF token was not renewed at sign-in")
	}
	// The session is a link sign-in's: the roll call opens.
	code, body, _ = visit(t, c, h.url+"/")
	if code != 200 || !strings.Contains(body, "pupil-1001") {
		t.Fatalf("roll call after sign-in: %d %.300s", code, body)
	}

	// The same callback again, even with the state's cookie: refused.
	replay := oidcClient(t)
	code, body, resp = visit(t, replay, cb, stateCookie)
	if code != http.StatusUnauthorized || sessionOf(resp) != "" || !strings.Contains(body, "already used") {
		t.Errorf("replayed callback: %d, session %v: %.300s", code, sessionOf(resp) != "", body)
	}
	if !strings.Contains(h.logs.String(), `msg="signed in" user=u`) {
		t.Errorf("no sign-in in the log:\n%s", h.logs.String())
	}
	if strings.Contains(h.logs.String(), "mentor@school.example") {
		t.Error("the log names the email")
	}
	var entries []struct{ User, Action string }
	h.mustCall(200, "GET", "/api/v1/admin/audit", adminToken, nil, &entries)
	found := false
	for _, e := range entries {
		found = found || e.Action == "GET /auth/oidc/callback"
	}
	if !found {
		t.Errorf("the sign-in is not in the audit log: %+v", entries)
	}
}

func mustQuery(t *testing.T, u, key string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query().Get(key)
}

func TestOIDCWrongStateIsRefused(t *testing.T) {
	t.Parallel()
	h := startOIDCHarness(t)
	c := oidcClient(t)
	cb := providerLogin(t, h, c, "mentor@school.example")
	p, _ := url.Parse(cb)
	q := p.Query()
	q.Set("state", "forged-"+q.Get("state"))
	p.RawQuery = q.Encode()
	code, body, resp := visit(t, c, p.String())
	if code != http.StatusUnauthorized || sessionOf(resp) != "" || !strings.Contains(body, "Sign in with your school account") {
		t.Errorf("wrong state: %d, session %v: %.400s", code, sessionOf(resp) != "", body)
	}
	// A callback from another browser (no state cookie) is refused too.
	code, _, resp = visit(t, oidcClient(t), cb)
	if code != http.StatusUnauthorized || sessionOf(resp) != "" {
		t.Errorf("callback without the browser's cookie: %d", code)
	}
}

func TestOIDCUnknownAndDisabledUsersAreRefused(t *testing.T) {
	t.Parallel()
	h := startOIDCHarness(t)
	var gone struct{ ID string }
	h.mustCall(201, "POST", "/api/v1/users", adminToken, map[string]any{"name": "G. Weg", "role": "coordinator"}, &gone)
	h.mustCall(200, "PUT", "/api/v1/users/"+gone.ID+"/email", adminToken, map[string]string{"email": "gone@school.example"}, nil)
	h.mustCall(200, "POST", "/api/v1/users/"+gone.ID+"/disable", adminToken, nil, nil)

	for email, want := range map[string]string{
		"stranger@school.example": "not known to nabij",
		"gone@school.example":     "turned off",
	} {
		c := oidcClient(t)
		cb := providerLogin(t, h, c, email)
		code, body, resp := visit(t, c, cb)
		if code != http.StatusForbidden || sessionOf(resp) != "" || !strings.Contains(body, want) {
			t.Errorf("%s: %d, session %v: %.400s", email, code, sessionOf(resp) != "", body)
		}
		if code, _, _ := visit(t, c, h.url+"/"); code != http.StatusUnauthorized {
			t.Errorf("%s: the roll call answered %d after a refused sign-in", email, code)
		}
	}
	if strings.Contains(h.logs.String(), "@school.example") {
		t.Error("the log names an email")
	}
}

func TestOIDCSignInInABrowser(t *testing.T) {
	t.Parallel()
	h := startOIDCHarness(t)
	ctx := browser(t, false)
	var body, loc string
	err := chromedp.Run(ctx,
		chromedp.Navigate(h.url+"/signin?lang=en"),
		chromedp.Click(`#oidc-signin`, chromedp.ByQuery),
		// The provider's own login page.
		chromedp.WaitVisible(`#username`, chromedp.ByQuery),
		chromedp.SendKeys(`#username`, "mentor@school.example", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, opPassword, chromedp.ByQuery),
		chromedp.Submit(`#password`, chromedp.ByQuery),
		chromedp.WaitVisible(`#pupil-1001`, chromedp.ByQuery),
		chromedp.Location(&loc),
		chromedp.Text(`main`, &body, chromedp.ByQuery),
	)
	if err != nil {
		var html string
		_ = chromedp.Run(ctx, chromedp.Location(&loc), chromedp.OuterHTML("body", &html, chromedp.ByQuery))
		t.Fatalf("%v at %s\n%.1500s", err, loc, html)
	}
	if loc != h.url+"/" || !strings.Contains(body, "1A") {
		t.Errorf("landed on %s: %.300s", loc, body)
	}
	screenshot(t, ctx, "oidc-rollcall.png")
}

func TestOIDCSettingsAreChecked(t *testing.T) {
	t.Parallel()
	base := map[string]string{"NABIJ_PUBLIC_URL": "https://nabij.school.example", "NABIJ_OIDC_ISSUER": "https://login.microsoftonline.com/t/v2.0", "NABIJ_OIDC_CLIENT_ID": "c"}
	load := func(change map[string]string) (*config, error) {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range change {
			env[k] = v
		}
		return loadConfig(func(k string) string { return env[k] })
	}
	cfg, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OIDC.RedirectURL != "https://nabij.school.example/auth/oidc/callback" || cfg.OIDC.Claim != "email" {
		t.Errorf("oidc settings: %+v", cfg.OIDC)
	}
	for name, change := range map[string]map[string]string{
		"NABIJ_OIDC_CLIENT_ID": {"NABIJ_OIDC_CLIENT_ID": ""},
		"NABIJ_OIDC_ISSUER":    {"NABIJ_OIDC_ISSUER": "http://idp.example"},
		"NABIJ_PUBLIC_URL":     {"NABIJ_PUBLIC_URL": ""},
	} {
		if _, err := load(change); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: %v, want an error naming %s", change, err, name)
		}
	}
	if !secretNames["NABIJ_OIDC_CLIENT_SECRET"] {
		t.Error("the client secret may not be given as a file")
	}
}

// The admin page gives a new user their school email, and /signin offers
// only links while sign-in with the school's accounts is off.
func TestAdminPageSetsTheEmail(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.createUser("Admin User", "admin")
	admin := newStaff(h)
	if code := admin.signIn(h.signInLink(h.userID("Admin User"))); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	code, body := admin.post("/admin/users", url.Values{"csrf": {admin.csrf("/admin")}, "name": {"C. Jansen"}, "role": {"coordinator"}, "email": {"C.Jansen@School.example"}})
	if code != 200 || !strings.Contains(body, "c.jansen@school.example") {
		t.Fatalf("create with email: %d %.300s", code, body)
	}
	code, _ = admin.post("/admin/users", url.Values{"csrf": {admin.csrf("/admin")}, "name": {"D. Dubbel"}, "role": {"coordinator"}, "email": {"c.jansen@school.example"}})
	if code != http.StatusConflict {
		t.Errorf("a second user with the same email: %d, want 409", code)
	}
	var users []struct{ Name, Email string }
	h.mustCall(200, "GET", "/api/v1/users", adminToken, nil, &users)
	for _, u := range users {
		if u.Name == "D. Dubbel" {
			t.Error("the refused user was made")
		}
	}
	if code, body := newStaff(h).get("/signin"); code != 200 || strings.Contains(body, "oidc-signin") {
		t.Errorf("/signin without OIDC: %d %.300s", code, body)
	}
	if code, _ := newStaff(h).get("/auth/oidc/start"); code < 400 {
		t.Errorf("/auth/oidc/start without OIDC: %d, want no sign-in to start", code)
	}
}

// One address cannot fill the sign-ins under way (and so keep colleagues
// from starting theirs): past 60 at once it is slowed, another address is
// not.
func TestOIDCStartsAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	socket := listen(t)
	public := "http://" + socket.Addr().String()
	issuer := startOP(t, public+"/auth/oidc/callback", "mentor@school.example")
	h := startHarnessOn(t, socket, map[string]string{
		"NABIJ_OIDC_ISSUER":        issuer,
		"NABIJ_OIDC_CLIENT_ID":     opClientID,
		"NABIJ_OIDC_CLIENT_SECRET": opClientSecret,
		"NABIJ_TRUSTED_PROXIES":    "127.0.0.1/32",
	}, nil)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := func(from string) int {
		req, _ := http.NewRequest("GET", h.url+"/auth/oidc/start", nil)
		req.Header.Set("X-Forwarded-For", from)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// 60 at once, then one a second: the starts that pass before the
	// first 429 are 60 and the seconds they took (a start that keeps a
	// sign-in in PostgreSQL takes a round trip, and a loaded machine more).
	began := time.Now()
	passed := 0
	for ; passed <= 200; passed++ {
		code := start("203.0.113.7")
		if code == http.StatusTooManyRequests {
			break
		}
		if code != http.StatusFound {
			t.Fatalf("start %d from one address: %d, want 302 or 429", passed+1, code)
		}
	}
	if most := 60 + int(time.Since(began)/time.Second) + 1; passed < 60 || passed > most {
		t.Errorf("%d starts from one address passed before a 429, want 60 to %d", passed, most)
	}
	if code := start("198.51.100.9"); code != http.StatusFound {
		t.Errorf("a colleague at another address: %d, want 302", code)
	}
}
