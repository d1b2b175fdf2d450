package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Over https every cookie nabij sets is a __Host- cookie: Secure, Path=/,
// no Domain, so a browser takes it only from nabij's own host. A sibling
// host of the school's domain can set a cookie for the whole domain, but
// not one with that prefix: a session or CSRF cookie it plants under the
// plain name is not read. (Sec-Fetch-Site covers browsers that send it;
// the prefix covers the rest.)
func TestCookiesOverHTTPSAreHostOnly(t *testing.T) {
	s := pageStub(coordinator)
	srv, _ := stubServer(s, Config{Catalog: mustCatalog(t), PublicURL: "https://nabij.school.example", SecureCookies: true})

	// A page read sets the CSRF and language cookies; a sign-in the session.
	set := do(srv, pageRequest("GET", "/board?lang=en", nil)).Result().Cookies()
	form := url.Values{"token": {"good-link"}, "csrf": {"csrf-token"}}
	signin := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
	signin.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signin.AddCookie(&http.Cookie{Name: "__Host-" + csrfCookie, Value: "csrf-token"})
	set = append(set, do(srv, signin).Result().Cookies()...)
	names := map[string]bool{}
	for _, ck := range set {
		names[ck.Name] = true
		if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("cookie %s: Secure %v, Path %q, Domain %q; want a __Host- cookie", ck.Name, ck.Secure, ck.Path, ck.Domain)
		}
	}
	for _, want := range []string{csrfCookie, langCookie, sessionCookie} {
		if !names["__Host-"+want] {
			t.Errorf("no __Host-%s among the cookies set: %v", want, names)
		}
	}

	// A session cookie under the plain name, as a sibling host could plant
	// it, is no session.
	s.calls = nil
	req := httptest.NewRequest("GET", "/board", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "sess"})
	if rec := do(srv, req); rec.Code != 401 || len(s.calls) > 0 {
		t.Errorf("a plain-named session cookie over https: %d, app asked %v; want 401", rec.Code, s.calls)
	}
	// Signing out clears the __Host- cookie (a deletion without Secure
	// would not reach it).
	out := pageRequest("POST", "/signout", url.Values{})
	var cleared bool
	for _, ck := range do(srv, out).Result().Cookies() {
		cleared = cleared || ck.Name == "__Host-"+sessionCookie && ck.MaxAge < 0 && ck.Secure && ck.Path == "/"
	}
	if !cleared {
		t.Errorf("signing out does not clear the __Host- session cookie")
	}

	// Over plain http on a laptop, the plain names (a browser refuses
	// __Host- there).
	srv, _ = stubServer(pageStub(coordinator), Config{Catalog: mustCatalog(t), PublicURL: "http://localhost:8080"})
	for _, ck := range do(srv, pageRequest("GET", "/board", nil)).Result().Cookies() {
		if strings.HasPrefix(ck.Name, "__Host-") || ck.Secure {
			t.Errorf("over http: cookie %s, Secure %v", ck.Name, ck.Secure)
		}
	}
}
