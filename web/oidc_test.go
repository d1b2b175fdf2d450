package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"golang.org/x/text/language"

	"github.com/nabij-isk/nabij/app"
)

// A real OpenID provider, as the end-to-end tests use: zitadel/oidc's
// example OP with its in-memory storage, on loopback.
const (
	testOPClient   = "nabij"
	testOPSecret   = "nabij-test-secret"
	testOPPassword = "verysecure"
	testOPRedirect = "http://nabij.test/auth/oidc/callback"
)

type testOPUsers map[string]*storage.User

func (u testOPUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u testOPUsers) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u testOPUsers) ExampleClientID() string { return "service" }

// startTestOP starts the provider with the user mentor@school.example and
// returns its issuer URL.
func startTestOP(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	users := testOPUsers{"op-a": {ID: "op-a", Username: "mentor@school.example", Password: testOPPassword, FirstName: "Test", LastName: "Mentor",
		Email: "mentor@school.example", EmailVerified: true, PreferredLanguage: language.English}}
	clients := map[string]*storage.Client{testOPClient: storage.WebClient(testOPClient, testOPSecret, testOPRedirect)}
	srv.Config.Handler = exampleop.SetupServer(issuer, storage.NewStorageWithClients(users, clients), nil, false)
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer
}

var testOPLoginID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// oidcSignIn begins a sign-in at web, signs in at the provider's login
// page, and returns the callback the provider sends the browser to, with
// the browser's state cookie, not yet visited.
func oidcSignIn(t *testing.T, srv http.Handler) *http.Request {
	t.Helper()
	start := do(srv, httptest.NewRequest("GET", "/auth/oidc/start", nil))
	if start.Code != http.StatusFound {
		t.Fatalf("start: %d %s", start.Code, start.Body)
	}
	var state *http.Cookie
	for _, ck := range start.Result().Cookies() {
		if ck.Name == oidcCookie {
			state = ck
		}
	}
	if state == nil || state.Path != "/" || !state.HttpOnly {
		t.Fatalf("start: the state cookie is %+v", state)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == "nabij.test" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(start.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := testOPLoginID.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login form: %d %.300s", resp.StatusCode, page)
	}
	login := *resp.Request.URL
	login.Path, login.RawQuery = "/login/username", ""
	resp, err = browser.PostForm(login.String(), url.Values{"id": {string(m[1])}, "username": {"mentor@school.example"}, "password": {testOPPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, err := resp.Location()
	if err != nil || cb.Query().Get("code") == "" || cb.Query().Get("state") != state.Value {
		t.Fatalf("the provider sent the browser to %v (%v)", cb, err)
	}
	req := httptest.NewRequest("GET", cb.RequestURI(), nil)
	req.AddCookie(&http.Cookie{Name: oidcCookie, Value: state.Value})
	req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	return req
}

// Sign-in with the school's account: the login the provider vouches for
// reaches app; app's answer is a session and the user's home, or a page
// that says why not. A callback that is not this browser's, or used
// before, asks app nothing.
func TestOIDCCallback(t *testing.T) {
	issuer := startTestOP(t)
	s := pageStub(mentor)
	srv, log := stubServer(s, Config{OIDC: OIDCConfig{Issuer: issuer, ClientID: testOPClient, ClientSecret: testOPSecret, RedirectURL: testOPRedirect}})

	cb := oidcSignIn(t, srv)
	replay := cb.Clone(cb.Context())
	rec := do(srv, cb)
	isRedirect(t, "signed in", rec, "/")
	cookies := strings.Join(rec.Header().Values("Set-Cookie"), "\n")
	if !strings.Contains(cookies, sessionCookie+"=sess;") || !strings.Contains(cookies, oidcCookie+"=;") {
		t.Errorf("signed in: cookies\n%s", cookies)
	}
	if !reflect.DeepEqual(s.calls, []string{"SignInWithLogin mentor@school.example"}) {
		t.Errorf("app was asked %v", s.calls)
	}
	s.calls = nil
	isPage(t, "the callback again", do(srv, replay), 401, "Signing in with your school account failed or was already used.")
	// Refused by nabij itself, before the provider is asked the used code.
	if !strings.Contains(log.String(), "state unknown, used or expired") {
		t.Errorf("the callback again: the log does not say the state was used:\n%s", log)
	}

	for _, tc := range []struct {
		err    error
		status int
		text   string
	}{
		{fmt.Errorf("sign in: %w", app.ErrUnknownLogin), 403, "Your school account is not known to nabij."},
		{fmt.Errorf("sign in: %w", app.ErrUserDisabled), 403, "Your access to nabij has been turned off."},
		{&app.StepError{Op: "sign in", Err: fmt.Errorf("save session: disk on fire")}, 500, ""},
	} {
		s.err = tc.err
		rec := do(srv, oidcSignIn(t, srv))
		if strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), "\n"), sessionCookie+"=sess") {
			t.Errorf("%v: a session was made", tc.err)
		}
		if tc.status == 500 {
			if rec.Code != 500 || strings.Contains(rec.Body.String(), "disk") {
				t.Errorf("%v: %d %s", tc.err, rec.Code, rec.Body)
			}
			continue
		}
		isPage(t, tc.err.Error(), rec, tc.status, tc.text)
	}
	s.err = nil

	// Not this browser's: another state, no cookie; the provider's error.
	s.calls = nil
	cb = oidcSignIn(t, srv)
	forged := httptest.NewRequest("GET", strings.Replace(cb.URL.RequestURI(), "state=", "state=forged", 1), nil)
	forged.AddCookie(&http.Cookie{Name: oidcCookie, Value: cb.URL.Query().Get("state")})
	isPage(t, "a forged state", do(srv, forged), 401)
	isPage(t, "no state cookie", do(srv, httptest.NewRequest("GET", cb.URL.RequestURI(), nil)), 401)
	// The sign-in under way stays its browser's after those.
	isRedirect(t, "the browser's own callback", do(srv, cb), "/")
	cb = oidcSignIn(t, srv)
	q := cb.URL.Query()
	q.Del("code")
	q.Set("error", "access_denied")
	denied := httptest.NewRequest("GET", "/auth/oidc/callback?"+q.Encode(), nil)
	denied.AddCookie(&http.Cookie{Name: oidcCookie, Value: q.Get("state")})
	isPage(t, "the provider's refusal", do(srv, denied), 401)
	if want := []string{"SignInWithLogin mentor@school.example"}; !reflect.DeepEqual(s.calls, want) {
		t.Errorf("app was asked %v, want %v", s.calls, want)
	}
	if strings.Contains(log.String(), "@school.example") {
		t.Errorf("the log names an email:\n%s", log)
	}
}

// A provider that cannot be reached is a page that says so; the sign-in
// page offers the school's account when there is one.
func TestOIDCProviderDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	s := pageStub(mentor)
	srv, _ := stubServer(s, Config{OIDC: OIDCConfig{Issuer: down.URL, ClientID: testOPClient, RedirectURL: testOPRedirect}})
	req := httptest.NewRequest("GET", "/auth/oidc/start", nil)
	req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	isPage(t, "the provider down", do(srv, req), 502, "cannot be reached now")
	req = httptest.NewRequest("GET", "/signin", nil)
	req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	isPage(t, "the sign-in page", do(srv, req), 200, `href="/auth/oidc/start"`, "Sign in with your school account")

	srv, _ = stubServer(s, Config{})
	if rec := do(srv, httptest.NewRequest("GET", "/auth/oidc/start", nil)); rec.Code == http.StatusFound {
		t.Errorf("sign-in with the school's account without an issuer: %d", rec.Code)
	}
}

// email_verified as a provider sends it: a boolean, or a string (a pen
// test found "false" as a string taken as verified); missing is no refusal.
func TestEmailUnverified(t *testing.T) {
	for v, want := range map[any]bool{false: true, true: false, "false": true, "FALSE ": true, "true": false, nil: false, 0.0: false} {
		if got := emailUnverified(v); got != want {
			t.Errorf("emailUnverified(%#v) = %v, want %v", v, got, want)
		}
	}
}
