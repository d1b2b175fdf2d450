package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// signinFrom posts a sign-in link as a client at addr (an X-Forwarded-For
// the proxy would set; "" for none), with the form's CSRF token.
func (s *staff) signinFrom(addr, token string) int {
	s.t.Helper()
	form := url.Values{"csrf": {s.csrf("/signin/" + token)}, "token": {token}}
	req, _ := http.NewRequest("POST", s.h.url+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (h *harness) bearerFrom(addr, token string) int {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.url+"/api/v1/roster", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Behind a trusted proxy, junk sign-ins from one address do not stop a
// colleague at another; wrong tokens from one address do not stop another.
func TestSigninLimitsPerAddressBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_TRUSTED_PROXIES": "127.0.0.1/32"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	h.createUser("A. de Vries", "mentor", "1A")
	attacker := newStaff(h)
	limited := false
	for i := 0; i < 8; i++ {
		if attacker.signinFrom("198.51.100.7", "junk-link-"+string(rune('a'+i))) == 429 {
			limited = true
		}
	}
	if !limited {
		t.Errorf("eight junk sign-ins from one address were not limited")
	}
	link := strings.TrimPrefix(h.signInLink(h.userID("A. de Vries")), h.url+"/signin/")
	if code := newStaff(h).signinFrom("198.51.100.8", link); code != 303 {
		t.Errorf("a valid link from another address after junk from one: %d, want 303", code)
	}

	// Wrong bearer tokens are limited per address; a right token from
	// another address is not slowed.
	coord := h.createUser("C. Jansen", "coordinator")
	got429 := false
	for range 30 {
		if h.bearerFrom("198.51.100.7", "wrong-token") == 429 {
			got429 = true
			break
		}
	}
	if !got429 {
		t.Errorf("30 wrong tokens from one address were never limited")
	}
	if code := h.bearerFrom("198.51.100.7", coord); code != 429 {
		t.Errorf("a limited address with a right token: %d, want 429 until it waits", code)
	}
	if code := h.bearerFrom("198.51.100.8", coord); code != 200 {
		t.Errorf("a right token from another address: %d, want 200", code)
	}
}

// Without trusted proxies a client's own X-Forwarded-For is not believed:
// junk with a new address each time is still one client.
func TestUntrustedForwardedForIsIgnored(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	attacker := newStaff(h)
	codes := []int{}
	for i := 0; i < 7; i++ {
		codes = append(codes, attacker.signinFrom("203.0.113."+string(rune('1'+i)), "junk"+string(rune('a'+i))))
	}
	if codes[len(codes)-1] != 429 {
		t.Errorf("junk sign-ins each with its own X-Forwarded-For: %v, want the last 429", codes)
	}
}

// One link is not tried without end from many addresses: it has its own
// limit, whatever address each attempt comes from.
func TestSigninLimitsPerLink(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_TRUSTED_PROXIES": "127.0.0.1/32"})
	codes := []int{}
	for i := range 7 {
		codes = append(codes, newStaff(h).signinFrom(fmt.Sprintf("198.51.100.%d", 20+i), "the-same-junk-link"))
	}
	if codes[0] != 401 || codes[len(codes)-1] != 429 {
		t.Errorf("one link from seven addresses: %v, want 401 first and 429 last", codes)
	}
}

// Staff in the building share the school's public address (NAT) with
// everyone on the school's Wi-Fi, pupils included: junk sign-ins from that
// address are limited, and a mentor's valid link from it still signs in.
// (Found by a pen test: six junk attempts and the link was refused, 429.)
func TestJunkSigninsFromTheSchoolsAddressLockNoOneOut(t *testing.T) {
	t.Parallel()
	// Trusted proxy as deployed behind TLS (deploy/): the address is the
	// school's NAT address, as X-Forwarded-For gives it.
	h := startHarness(t, map[string]string{"NABIJ_TRUSTED_PROXIES": "127.0.0.1/32"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	h.createUser("A. de Vries", "mentor", "1A")
	const school = "198.51.100.7" // the school's one public address
	pupil := newStaff(h)
	limited := false
	for i := range 8 {
		if pupil.signinFrom(school, fmt.Sprintf("junk-%d", i)) == 429 {
			limited = true
		}
	}
	if !limited {
		t.Errorf("eight junk sign-ins from the school's address were not limited")
	}
	link := strings.TrimPrefix(h.signInLink(h.userID("A. de Vries")), h.url+"/signin/")
	if code := newStaff(h).signinFrom(school, link); code != 303 {
		t.Errorf("a mentor's valid link from the school's address after a pupil's junk: %d, want 303", code)
	}
}
