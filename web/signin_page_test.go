package web

import (
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

// Signing in with a link: the page holds the link's token for the form;
// the form's token reaches app, and the session is a cookie, with a new
// CSRF token, and the user's home page. Signing out ends the session.
func TestSignInAndOut(t *testing.T) {
	s := pageStub(coordinator)
	srv, _ := stubServer(s, Config{})
	rec := do(srv, httptest.NewRequest("GET", "/signin/tok-<1>", nil))
	isPage(t, "the sign-in page", rec, 200, `name="token" value="tok-&lt;1&gt;"`)
	if !strings.Contains(rec.Header().Get("Set-Cookie"), csrfCookie+"=") {
		t.Errorf("the sign-in page gives no CSRF token: %v", rec.Header())
	}
	for _, u := range []school.User{mentor, coordinator, admin, reviewer} {
		s.user, s.calls = u, nil
		req := pageRequest("POST", "/signin", url.Values{"token": {"link-token"}})
		req.RemoteAddr = "192.0.2.1:1234"
		rec := do(srv, req)
		isRedirect(t, "signed in as "+string(u.Role), rec, homeOf(u))
		// The last CSRF cookie is the one the browser keeps.
		cookies := strings.Join(rec.Header().Values("Set-Cookie"), "\n")
		csrf := cookies[strings.LastIndex(cookies, csrfCookie+"="):]
		if !strings.Contains(cookies, sessionCookie+"=sess;") || !strings.Contains(cookies, "HttpOnly") ||
			strings.HasPrefix(csrf, csrfCookie+"=csrf-token;") {
			t.Errorf("signed in as %s: cookies\n%s", u.Role, cookies)
		}
		if !reflect.DeepEqual(s.calls, []string{"SignIn link-token"}) {
			t.Errorf("signed in: app was asked %v", s.calls)
		}
	}
	if homeOf(mentor) != "/" || homeOf(reviewer) != "/review" {
		t.Errorf("homes: %s %s", homeOf(mentor), homeOf(reviewer))
	}
	// The sign-in page offers to stay signed in on this device; asked, the
	// session (and its cookie) lasts a month, not a school day.
	if rec := do(srv, httptest.NewRequest("GET", "/signin/tok", nil)); !strings.Contains(rec.Body.String(), `<input type="checkbox" name="stay" value="on">`) {
		t.Errorf("the sign-in page does not offer to stay signed in")
	}
	for stay, want := range map[string][2]string{"": {"SignIn link-token", "Max-Age=43200"}, "on": {"SignInOnThisDevice link-token", "Max-Age=2592000"}} {
		s.user, s.calls = mentor, nil
		req := pageRequest("POST", "/signin", url.Values{"token": {"link-token"}, "stay": {stay}})
		req.RemoteAddr = "192.0.2.1:1234"
		rec := do(srv, req)
		if cookies := strings.Join(rec.Header().Values("Set-Cookie"), "\n"); !reflect.DeepEqual(s.calls, []string{want[0]}) || !strings.Contains(cookies, sessionCookie+"=sess; Path=/; Max-Age="+strings.TrimPrefix(want[1], "Max-Age=")) {
			t.Errorf("stay=%q: app was asked %v, cookies %q; want %s", stay, s.calls, cookies, want)
		}
		// The CSRF token lasts as long as the longest session: a roll call
		// tab left open over a weekend is still taken (found by a review).
		if cookies := strings.Join(rec.Header().Values("Set-Cookie"), "\n"); !regexp.MustCompile(csrfCookie + `=[^;]+; Path=/; Max-Age=2592000`).MatchString(cookies) {
			t.Errorf("stay=%q: the CSRF cookie's lifetime: %q", stay, cookies)
		}
	}
	s.err = school.ErrForbidden
	req := pageRequest("POST", "/signin", url.Values{"token": {"used-token"}})
	req.RemoteAddr = "192.0.2.2:1234"
	rec = do(srv, req)
	isPage(t, "a used link", rec, 401, "This link is unknown, used or expired.")
	if strings.Contains(rec.Header().Get("Set-Cookie"), sessionCookie) {
		t.Error("a used link made a session")
	}
	s.err, s.calls = nil, nil
	s.user = coordinator
	rec = do(srv, pageRequest("POST", "/signout", url.Values{}))
	isPage(t, "signed out", rec, 200)
	if cookies := strings.Join(rec.Header().Values("Set-Cookie"), "\n"); !reflect.DeepEqual(s.calls, []string{"SignOut sess"}) || !strings.Contains(cookies, sessionCookie+"=;") {
		t.Errorf("signed out: app asked %v, cookies %q", s.calls, cookies)
	}
}
