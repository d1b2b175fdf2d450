package main

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

type userRow struct {
	ID         string
	Name       string
	Role       string
	Classes    []string
	Disabled   bool
	LastSignIn *time.Time `json:"last_sign_in"`
	LastAPIUse *time.Time `json:"last_api_use"`
}

func (h *harness) users() map[string]userRow {
	h.t.Helper()
	var list []userRow
	h.mustCall(200, "GET", "/api/v1/users", adminToken, nil, &list)
	out := map[string]userRow{}
	for _, u := range list {
		out[u.ID] = u
	}
	return out
}

// An admin takes a staff member's access away: their open page session,
// API token and unused sign-in link stop at once; enabled again, their
// token works but the old session does not; a rotated token replaces the
// old at once; revoked links stop; a classes change is in force on the next
// request; every refusal is a clear 4xx that changes nothing; each is audited.
func TestTakingAccessAway(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	boss := h.createUser("B. Beheer", "admin")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	bossID, mentorID := h.userID("B. Beheer"), h.userID("A. de Vries")

	page := newStaff(h)
	if code := page.signIn(h.signInLink(mentorID)); code != 303 {
		t.Fatalf("sign in: %d", code)
	}
	if code, _ := page.get("/"); code != 200 {
		t.Fatalf("the roll call: %d", code)
	}
	unused := h.signInLink(mentorID)
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", mentor, nil, nil)
	if u := h.users()[mentorID]; u.Disabled || u.LastSignIn == nil || u.LastSignIn.Sub(monday).Abs() > time.Minute || u.LastAPIUse == nil {
		t.Errorf("before: %+v", u)
	}

	var got userRow
	h.mustCall(200, "POST", "/api/v1/users/"+mentorID+"/disable", boss, nil, &got)
	if !got.Disabled {
		t.Errorf("disable answered %+v", got)
	}
	h.mustCall(401, "GET", "/api/v1/classes/1A/absences/2026-11-30", mentor, nil, nil)
	if code, body := page.get("/"); code != 401 || !strings.Contains(body, "link") {
		t.Errorf("a disabled user's page session: %d", code)
	}
	if code := newStaff(h).signIn(unused); code != 401 {
		t.Errorf("a disabled user's unused link: %d", code)
	}
	h.mustCall(409, "POST", "/api/v1/users/"+mentorID+"/link", adminToken, nil, nil)
	if u := h.users()[mentorID]; !u.Disabled {
		t.Errorf("the list does not say disabled: %+v", u)
	}

	h.mustCall(200, "POST", "/api/v1/users/"+mentorID+"/enable", adminToken, nil, nil)
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", mentor, nil, nil)
	if code, _ := page.get("/"); code != 401 {
		t.Errorf("a session ended by disabling came back: %d", code)
	}

	// Rotate: the old token stops, the new one works.
	var rotated struct{ ID, Token string }
	h.mustCall(201, "POST", "/api/v1/users/"+mentorID+"/token", adminToken, nil, &rotated)
	if rotated.Token == "" || rotated.Token == mentor || rotated.ID != mentorID {
		t.Fatalf("rotate: %+v", rotated)
	}
	h.mustCall(401, "GET", "/api/v1/classes/1A/absences/2026-11-30", mentor, nil, nil)
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", rotated.Token, nil, nil)
	mentor = rotated.Token

	// Revoke unused links.
	link := h.signInLink(mentorID)
	var revoked struct{ Revoked int }
	h.mustCall(200, "DELETE", "/api/v1/users/"+mentorID+"/links", adminToken, nil, &revoked)
	if revoked.Revoked != 1 {
		t.Errorf("revoked %d links, want 1", revoked.Revoked)
	}
	if code := newStaff(h).signIn(link); code != 401 {
		t.Errorf("a revoked link: %d", code)
	}

	// Classes: in force on the next request.
	h.mustCall(200, "PUT", "/api/v1/users/"+mentorID+"/classes", adminToken, `{"classes": ["1B"]}`, &got)
	if strings.Join(got.Classes, ",") != "1B" {
		t.Errorf("classes: %v", got.Classes)
	}
	h.mustCall(403, "GET", "/api/v1/classes/1A/absences/2026-11-30", mentor, nil, nil)
	h.mustCall(200, "GET", "/api/v1/classes/1B/absences/2026-11-30", mentor, nil, nil)

	// Refusals change nothing.
	before := h.users()
	for _, r := range []struct {
		want              int
		method, path, tok string
		body              any
	}{
		{404, "POST", "/api/v1/users/u999/disable", adminToken, nil},
		{404, "POST", "/api/v1/users/u999/enable", adminToken, nil},
		{404, "POST", "/api/v1/users/u999/token", adminToken, nil},
		{404, "DELETE", "/api/v1/users/u999/links", adminToken, nil},
		{404, "PUT", "/api/v1/users/u999/classes", adminToken, `{"classes": ["1A"]}`},
		{422, "PUT", "/api/v1/users/" + mentorID + "/classes", adminToken, `{"classes": ["9Z"]}`},
		{422, "PUT", "/api/v1/users/" + mentorID + "/classes", adminToken, `{"classes": []}`},
		{400, "PUT", "/api/v1/users/" + mentorID + "/classes", adminToken, `{"classes": "1A"}`},
		{409, "POST", "/api/v1/users/" + bossID + "/disable", adminToken, nil}, // the last enabled admin
		{409, "POST", "/api/v1/users/" + bossID + "/disable", boss, nil},       // oneself
		{409, "POST", "/api/v1/users/admin/disable", boss, nil},                // the bootstrap token
		{403, "POST", "/api/v1/users/" + bossID + "/disable", mentor, nil},
	} {
		var e struct {
			Error struct{ Code, Message string }
		}
		h.mustCall(r.want, r.method, r.path, r.tok, r.body, &e)
		if e.Error.Message == "" {
			t.Errorf("%s %s: no message", r.method, r.path)
		}
	}
	after := h.users()
	for id, u := range before {
		a := after[id]
		if a.Disabled != u.Disabled || strings.Join(a.Classes, ",") != strings.Join(u.Classes, ",") {
			t.Errorf("a refusal changed %s: %+v → %+v", id, u, a)
		}
	}
	h.mustCall(200, "GET", "/api/v1/classes/1B/absences/2026-11-30", mentor, nil, nil)
	h.mustCall(200, "GET", "/api/v1/users", boss, nil, nil)

	// Each is in the audit log, with the user's id.
	var log []struct {
		User, Action string
		Target       map[string]string
		Status       int
	}
	h.mustCall(200, "GET", "/api/v1/admin/audit", adminToken, nil, &log)
	want := map[string]bool{
		"POST /api/v1/users/:id/disable " + mentorID + " 200": false,
		"POST /api/v1/users/:id/enable " + mentorID + " 200":  false,
		"POST /api/v1/users/:id/token " + mentorID + " 201":   false,
		"DELETE /api/v1/users/:id/links " + mentorID + " 200": false,
		"PUT /api/v1/users/:id/classes " + mentorID + " 200":  false,
		"PUT /api/v1/users/:id/classes " + mentorID + " 422":  false,
		"POST /api/v1/users/:id/disable " + bossID + " 409":   false,
	}
	for _, e := range log {
		k := e.Action + " " + e.Target["id"] + " " + strconv.Itoa(e.Status)
		if _, ok := want[k]; ok {
			want[k] = true
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("the audit log lacks %q", k)
		}
	}
}

// The admin page: a second admin signs in, disables a mentor with the
// page's form (its CSRF token), and the mentor's open session goes to
// sign-in at once; a refused disable (oneself) says why; enable, a new
// token shown once, revoke links and classes work from the page too.
func TestAdminPageTakesAccessAway(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	h.createUser("B. Beheer", "admin")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	bossID, mentorID := h.userID("B. Beheer"), h.userID("A. de Vries")

	m := newStaff(h)
	if code := m.signIn(h.signInLink(mentorID)); code != 303 {
		t.Fatalf("mentor sign in: %d", code)
	}
	a := newStaff(h)
	if code := a.signIn(h.signInLink(bossID)); code != 303 {
		t.Fatalf("admin sign in: %d", code)
	}
	code, body := a.get("/admin")
	if code != 200 || !strings.Contains(body, "/admin/users/"+mentorID+"/disable") {
		t.Fatalf("the admin page: %d, no disable form", code)
	}
	csrf := a.csrf("/admin")
	if code, body := a.post("/admin/users/"+mentorID+"/disable", url.Values{"csrf": {csrf}}); code != 200 || !strings.Contains(body, "/admin/users/"+mentorID+"/enable") {
		t.Errorf("disable from the page: %d", code)
	}
	if code, _ := m.get("/"); code != 401 {
		t.Errorf("the disabled mentor's session: %d", code)
	}
	h.mustCall(401, "GET", "/api/v1/roster", mentor, nil, nil)
	if code, _ := a.post("/admin/users/"+mentorID+"/enable", url.Values{}); code != 403 {
		t.Errorf("a form without its CSRF token: %d", code)
	}
	if code, body := a.post("/admin/users/"+bossID+"/disable", url.Values{"csrf": {csrf}}); code != 409 || !strings.Contains(body, "yourself") {
		t.Errorf("disabling oneself from the page: %d", code)
	}
	if code, _ := a.post("/admin/users/"+mentorID+"/enable", url.Values{"csrf": {csrf}}); code != 200 {
		t.Errorf("enable: %d", code)
	}
	h.mustCall(200, "GET", "/api/v1/roster", mentor, nil, nil)
	code, body = a.post("/admin/users/"+mentorID+"/token", url.Values{"csrf": {csrf}})
	if code != 200 || !strings.Contains(body, "<code>") {
		t.Errorf("a new token from the page: %d", code)
	}
	h.mustCall(401, "GET", "/api/v1/roster", mentor, nil, nil)
	if code, body := a.post("/admin/users/"+mentorID+"/classes", url.Values{"csrf": {csrf}, "classes": {"1A, 9Z"}}); code != 422 || !strings.Contains(body, "9Z") {
		t.Errorf("an unknown class from the page: %d", code)
	}
	if code, _ := a.post("/admin/users/"+mentorID+"/classes", url.Values{"csrf": {csrf}, "classes": {"1A, 1B"}}); code != 200 {
		t.Errorf("classes from the page: %d", code)
	}
	if u := h.users()[mentorID]; strings.Join(u.Classes, ",") != "1A,1B" || u.Disabled {
		t.Errorf("after the page: %+v", u)
	}
	h.signInLink(mentorID)
	if code, body := a.post("/admin/users/"+mentorID+"/links/revoke", url.Values{"csrf": {csrf}}); code != 200 || !strings.Contains(body, "1") {
		t.Errorf("revoke from the page: %d", code)
	}
}

// The CLI goes through the running service, so each change is checked and
// audited there.
func TestUsersCommand(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	h.createUser("B. Beheer", "admin")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	mentorID := h.userID("A. de Vries")
	env := func(k string) string {
		return map[string]string{"NABIJ_ADMIN_TOKEN": adminToken}[k]
	}
	cli := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := usersCmd(append(args, "--url", h.url), env, &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := cli("disable", "A. de Vries"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %d %s %s", code, out, errs)
	}
	h.mustCall(401, "GET", "/api/v1/roster", mentor, nil, nil)
	if code, out, _ := cli("list"); code != 0 || !strings.Contains(out, "DISABLED") || !strings.Contains(out, "never") {
		t.Errorf("list: %d %s", code, out)
	}
	if code, _, _ := cli("enable", mentorID); code != 0 {
		t.Errorf("enable: %d", code)
	}
	code, out, _ := cli("rotate", mentorID)
	fresh := strings.SplitN(out, "\n", 2)[0]
	if code != 0 || fresh == "" {
		t.Fatalf("rotate: %d %s", code, out)
	}
	h.mustCall(401, "GET", "/api/v1/roster", mentor, nil, nil)
	h.mustCall(200, "GET", "/api/v1/roster", fresh, nil, nil)
	h.signInLink(mentorID)
	if code, out, _ := cli("revoke-links", mentorID); code != 0 || !strings.Contains(out, "1 unused") {
		t.Errorf("revoke-links: %d %s", code, out)
	}
	if code, out, _ := cli("classes", "A. de Vries", "1A,1B"); code != 0 || !strings.Contains(out, "1A,1B") {
		t.Errorf("classes: %d %s", code, out)
	}
	if code, _, errs := cli("classes", mentorID, "9Z"); code != 1 || !strings.Contains(errs, "9Z") {
		t.Errorf("a bad class: %d %s", code, errs)
	}
	if code, _, errs := cli("disable", "Nobody"); code != 1 || !strings.Contains(errs, "0 users match") {
		t.Errorf("an unknown user: %d %s", code, errs)
	}
	if code, _, errs := cli("disable", "B. Beheer"); code != 1 || !strings.Contains(errs, "409") {
		t.Errorf("the last admin: %d %s", code, errs)
	}
	var log []struct{ Action string }
	h.mustCall(200, "GET", "/api/v1/admin/audit", adminToken, nil, &log)
	n := 0
	for _, e := range log {
		if strings.HasPrefix(e.Action, "POST /api/v1/users/:id/disable") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d disables audited, want 2", n)
	}
}
