package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The roles every route is called with, in the order of a row's want.
var routeRoles = []string{"admin token", "admin user", "coordinator", "mentor 1A", "mentor 1B", "reviewer ti", "no credentials", "wrong token"}

// ok is any success: 2xx, or 3xx (a form's redirect).
const ok = 2

// routeRow is what one route should answer each role.
type routeRow struct {
	path string // the route with its parameters filled in (and a query)
	body string // a JSON body, or a form (url-encoded) for a page
	want [8]int // per routeRoles: ok, or the exact 4xx
}

// Shorthands for the common shapes.
var (
	apiAdmin = [8]int{ok, ok, 403, 403, 403, 403, 401, 401}
	apiAll   = [8]int{ok, ok, ok, ok, ok, 403, 401, 401}
	apiStaff = [8]int{403, 403, ok, ok, ok, 403, 401, 401} // coordinators and mentors
	apiCoord = [8]int{403, 403, ok, 403, 403, 403, 401, 401}
	apiCoAd  = [8]int{ok, ok, ok, 403, 403, 403, 401, 401}
	pgCoord  = [8]int{401, 403, ok, 403, 403, 403, 401, 401}
	pgAdmin  = [8]int{401, ok, 403, 403, 403, 403, 401, 401}
	pgRev    = [8]int{401, 403, 403, 403, 403, ok, 401, 401}
	public   = [8]int{ok, ok, ok, ok, ok, ok, ok, ok}
	unsigned = [8]int{403, 403, 403, 403, 403, 403, 403, 403}
)

// routeTable holds every route nabij serves. A route missing here fails
// TestEveryRouteWithEveryRole: add its row with what a security officer
// expects of each role.
func routeTable(victim string) map[string]routeRow {
	v := "/" + victim
	return map[string]routeRow{
		// /metrics on the main address (NABIJ_METRICS_ADDR=main) is the
		// admin's: its counts by language and channel are the school's.
		"GET /metrics":                                {path: "/metrics", want: [8]int{ok, ok, 403, 403, 403, 403, 401, 401}},
		"GET /healthz":                                {path: "/healthz", want: public},
		"GET /livez":                                  {path: "/livez", want: public},
		"GET /api/v1/openapi.yaml":                    {path: "/api/v1/openapi.yaml", want: public}, // the API's description: published with the code
		"GET /api/docs":                               {path: "/api/docs", want: public},            // its reference page, no school's data
		"GET /static*":                                {path: "/static/app.css", want: public},
		"GET /signin":                                 {path: "/signin", want: public},
		"GET /signin/:token":                          {path: "/signin/not-a-link", want: public},
		"POST /signin":                                {path: "/signin", body: "token=not-a-link-%s", want: [8]int{401, 401, 401, 401, 401, 401, 401, 401}},
		"POST /webhooks/twilio/status":                {path: "/webhooks/twilio/status", body: "MessageSid=SM00000000000000000000000000000001&MessageStatus=delivered", want: unsigned},
		"POST /webhooks/twilio/inbound":               {path: "/webhooks/twilio/inbound", body: "From=%2B31612345101&Body=1", want: unsigned},
		"POST /webhooks/twilio/voice/:message":        {path: "/webhooks/twilio/voice/m1", body: "CallSid=CA00000000000000000000000000000001", want: unsigned},
		"POST /webhooks/twilio/voice/:message/gather": {path: "/webhooks/twilio/voice/m1/gather", body: "CallSid=CA00000000000000000000000000000001&Digits=1", want: unsigned},
		"POST /webhooks/twilio/voice/:message/status": {path: "/webhooks/twilio/voice/m1/status", body: "CallSid=CA00000000000000000000000000000001&CallStatus=completed", want: unsigned},

		"POST /api/v1/users":                        {path: "/api/v1/users", body: `{"name":"New %s","role":"mentor","classes":["1A"]}`, want: apiAdmin},
		"GET /api/v1/users":                         {path: "/api/v1/users", want: apiAdmin},
		"POST /api/v1/users/:id/link":               {path: "/api/v1/users" + v + "/link", want: apiAdmin},
		"POST /api/v1/users/:id/disable":            {path: "/api/v1/users" + v + "/disable", want: apiAdmin},
		"POST /api/v1/users/:id/enable":             {path: "/api/v1/users" + v + "/enable", want: apiAdmin},
		"POST /api/v1/users/:id/token":              {path: "/api/v1/users" + v + "/token", want: apiAdmin},
		"DELETE /api/v1/users/:id/links":            {path: "/api/v1/users" + v + "/links", want: apiAdmin},
		"PUT /api/v1/users/:id/classes":             {path: "/api/v1/users" + v + "/classes", body: `{"classes":["2A"]}`, want: apiAdmin},
		"PUT /api/v1/users/:id/email":               {path: "/api/v1/users" + v + "/email", body: `{"email":"victim@school.example"}`, want: apiAdmin},
		"PUT /api/v1/roster":                        {path: "/api/v1/roster", body: familyRoster, want: apiAdmin},
		"GET /api/v1/roster":                        {path: "/api/v1/roster", want: apiAll},
		"POST /api/v1/roster/imports":               {path: "/api/v1/roster/imports", want: [8]int{400, 400, 403, 403, 403, 403, 401, 401}}, // an empty file
		"POST /api/v1/roster/imports/:id/apply":     {path: "/api/v1/roster/imports/none/apply", want: [8]int{404, 404, 403, 403, 403, 403, 401, 401}},
		"PUT /api/v1/classes/:class/absences/:date": {path: "/api/v1/classes/1A/absences/2026-11-30", body: `{"absences":[]}`, want: [8]int{403, 403, ok, ok, 403, 403, 401, 401}},
		"GET /api/v1/classes/:class/absences/:date": {path: "/api/v1/classes/1A/absences/2026-11-30", want: [8]int{ok, ok, ok, ok, 403, 403, 401, 401}},
		"GET /api/v1/messages":                      {path: "/api/v1/messages", want: apiStaff},
		"GET /api/v1/escalations":                   {path: "/api/v1/escalations", want: apiCoord},
		"POST /api/v1/escalations/:id":              {path: "/api/v1/escalations/e-none", body: `{"action":"acknowledge"}`, want: [8]int{403, 403, 404, 403, 403, 403, 401, 401}},
		"GET /api/v1/escalations/:id/melding":       {path: "/api/v1/escalations/e-none/melding", want: [8]int{403, 403, 404, 403, 403, 403, 401, 401}},
		"GET /api/v1/tasks":                         {path: "/api/v1/tasks", want: apiStaff},
		"GET /api/v1/digest":                        {path: "/api/v1/digest?date=2026-11-30", want: apiCoord},
		"GET /api/v1/inbox":                         {path: "/api/v1/inbox", want: apiStaff},
		"GET /api/v1/reach":                         {path: "/api/v1/reach?from=2026-11-01&to=2026-11-30", want: apiCoord},
		"GET /api/v1/calendar":                      {path: "/api/v1/calendar", want: apiCoAd},
		"PUT /api/v1/calendar/closed/:date":         {path: "/api/v1/calendar/closed/2026-11-27", body: `{"reason":"storm"}`, want: apiCoAd},
		"PUT /api/v1/contacts/:contact/channel":     {path: "/api/v1/contacts/c-none/channel", body: `{"channel":"voice"}`, want: [8]int{404, 404, 404, 403, 403, 403, 401, 401}},
		"DELETE /api/v1/calendar/closed/:date":      {path: "/api/v1/calendar/closed/2026-11-27", want: [8]int{ok, 404, 404, 403, 403, 403, 401, 401}},
		"GET /api/v1/translations":                  {path: "/api/v1/translations", want: apiAll},
		"GET /api/v1/translations/:lang/preview":    {path: "/api/v1/translations/ti/preview", want: apiAll},
		"GET /api/v1/translations/:lang/file":       {path: "/api/v1/translations/ti/file", want: apiAdmin},
		"GET /api/v1/admin/backup":                  {path: "/api/v1/admin/backup", want: apiAdmin},
		"GET /api/v1/admin/audit":                   {path: "/api/v1/admin/audit", want: apiAdmin},
		// The school's recordings: the admin's; a media link is its own key,
		// and a bad one is 404 to everyone.
		"GET /api/v1/recordings":            {path: "/api/v1/recordings", want: apiAdmin},
		"POST /api/v1/recordings":           {path: "/api/v1/recordings", body: `{}`, want: [8]int{422, 422, 403, 403, 403, 403, 401, 401}}, // no file
		"GET /api/v1/recordings/:id/audio":  {path: "/api/v1/recordings/rec-none/audio", want: [8]int{404, 404, 403, 403, 403, 403, 401, 401}},
		"DELETE /api/v1/recordings/:id":     {path: "/api/v1/recordings/rec-none", want: [8]int{404, 404, 403, 403, 403, 403, 401, 401}},
		"GET /media/voice/:token":           {path: "/media/voice/rec1.9999999999.forged", want: [8]int{404, 404, 404, 404, 404, 404, 404, 404}},
		"POST /admin/recordings":            {path: "/admin/recordings", body: "language=ti&kind=absent&spoken_by=X", want: [8]int{401, 422, 403, 403, 403, 403, 401, 401}}, // no file
		"GET /admin/recordings/:id/audio":   {path: "/admin/recordings/rec-none/audio", want: [8]int{401, 404, 403, 403, 403, 403, 401, 401}},
		"POST /admin/recordings/:id/delete": {path: "/admin/recordings/rec-none/delete", want: [8]int{401, 404, 403, 403, 403, 403, 401, 401}},
		// The harness has no voice number: an admin's ask is refused (it
		// would place a call), nobody else's reaches the use case.
		"POST /admin/recordings/call":              {path: "/admin/recordings/call", body: "language=ti&kind=absent&spoken_by=X&phone=%2B31612345678", want: [8]int{401, 422, 403, 403, 403, 403, 401, 401}},
		"POST /api/v1/recordings/calls":            {path: "/api/v1/recordings/calls", body: `{"language":"ti","kind":"absent","spoken_by":"X","phone":"+31612345678"}`, want: [8]int{409, 409, 403, 403, 403, 403, 401, 401}},
		"POST /webhooks/twilio/record/:token":      {path: "/webhooks/twilio/record/" + strings.Repeat("a", 43), body: "CallSid=CA00000000000000000000000000000001", want: unsigned},
		"POST /webhooks/twilio/record/:token/done": {path: "/webhooks/twilio/record/" + strings.Repeat("a", 43) + "/done", body: "CallSid=CA00000000000000000000000000000001", want: unsigned},

		// An admin's roll call sends them to their own page.
		"GET /":                              {path: "/", want: [8]int{401, ok, ok, ok, ok, 403, 401, 401}},
		"POST /rollcall/:class":              {path: "/rollcall/1A", body: "date=2026-11-30&student=1001&kind-1001=present", want: [8]int{401, 403, ok, ok, 403, 403, 401, 401}},
		"GET /board":                         {path: "/board", want: pgCoord},
		"POST /escalations/:id/action":       {path: "/escalations/e-none/action", body: "action=acknowledge", want: [8]int{401, 403, 404, 403, 403, 403, 401, 401}},
		"GET /escalations/:id/melding":       {path: "/escalations/e-none/melding", want: [8]int{401, 403, 404, 403, 403, 403, 401, 401}},
		"POST /tasks/:id/done":               {path: "/tasks/t-none/done", want: [8]int{401, 403, 404, 403, 403, 403, 401, 401}},
		"GET /contacts/:id/call":             {path: "/contacts/c-none/call", want: [8]int{401, 403, 404, 403, 403, 403, 401, 401}},
		"POST /contacts/:id/call":            {path: "/contacts/c-none/call", want: [8]int{401, 403, 404, 403, 403, 403, 401, 401}},
		"POST /contacts/:id/channel":         {path: "/contacts/c-none/channel", body: "pupil=1001&channel=sms", want: [8]int{401, 403, 404, 403, 403, 403, 401, 401}},
		"GET /pupils/:id":                    {path: "/pupils/1001", want: pgCoord},
		"GET /admin":                         {path: "/admin", want: pgAdmin},
		"POST /admin/roster":                 {path: "/admin/roster", want: [8]int{401, 400, 403, 403, 403, 403, 401, 401}},
		"POST /admin/roster/apply":           {path: "/admin/roster/apply", body: "import=none", want: [8]int{401, 400, 403, 403, 403, 403, 401, 401}},
		"POST /admin/users":                  {path: "/admin/users", body: "name=Page+%s&role=mentor&classes=1A", want: pgAdmin},
		"POST /admin/users/:id/link":         {path: "/admin/users" + v + "/link", want: pgAdmin},
		"POST /admin/users/:id/disable":      {path: "/admin/users" + v + "/disable", want: pgAdmin},
		"POST /admin/users/:id/enable":       {path: "/admin/users" + v + "/enable", want: pgAdmin},
		"POST /admin/users/:id/token":        {path: "/admin/users" + v + "/token", want: pgAdmin},
		"POST /admin/users/:id/links/revoke": {path: "/admin/users" + v + "/links/revoke", want: pgAdmin},
		"POST /admin/users/:id/classes":      {path: "/admin/users" + v + "/classes", body: "classes=2A", want: pgAdmin},
		"GET /review":                        {path: "/review", want: pgRev},
		"POST /review/messages/:key":         {path: "/review/messages/alert_absent", body: "other=", want: [8]int{401, 403, 403, 403, 403, 422, 401, 401}},
		"POST /review/done":                  {path: "/review/done", want: pgRev},
		"POST /signout":                      {path: "/signout", want: [8]int{401, ok, ok, ok, ok, ok, 401, 401}},
	}
}

// A client of the table: a role's credentials and its own address (behind
// the trusted proxy), so that one role's refusals never limit another.
type routeClient struct {
	role    string
	addr    string
	token   string       // a bearer token, for the API
	browser *http.Client // with the role's session, for the pages
}

func TestEveryRouteWithEveryRole(t *testing.T) {
	t.Parallel()
	// On bbolt, whose backup route answers 200 (on PostgreSQL 409: pg_dump).
	h := startHarness(t, map[string]string{"NABIJ_TRUSTED_PROXIES": "127.0.0.1/32", "NABIJ_METRICS_ADDR": "main", "NABIJ_DATA": t.TempDir()})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	var admin struct{ Token string }
	h.mustCall(201, "POST", "/api/v1/users", adminToken, map[string]any{"name": "Admin User", "role": "admin"}, &admin)
	coord := h.createUser("C. Jansen", "coordinator")
	m1A := h.createUser("A. de Vries", "mentor", "1A")
	m1B := h.createUser("B. Bakker", "mentor", "1B")
	_, rev := h.reviewerFor("R. Tesfay", "ti")
	h.createUser("Victim", "mentor", "1A")
	victim := h.userID("Victim")

	session := func(name string) *http.Client {
		s := newStaff(h)
		if name != "" {
			if code := s.signIn(h.signInLink(h.userID(name))); code != 303 {
				t.Fatalf("sign-in of %s: %d", name, code)
			}
		}
		return s.client
	}
	clients := []*routeClient{
		{token: adminToken, browser: session("")},
		{token: admin.Token, browser: session("Admin User")},
		{token: coord, browser: session("C. Jansen")},
		{token: m1A, browser: session("A. de Vries")},
		{token: m1B, browser: session("B. Bakker")},
		{token: rev, browser: session("R. Tesfay")},
		{browser: session("")},
		{token: "not-a-token", browser: session("")},
	}
	// A session cookie nabij never made, for the wrong token's pages.
	wrong := clients[7].browser
	base, _ := url.Parse(h.url)
	wrong.Jar.SetCookies(base, []*http.Cookie{{Name: "nabij_session", Value: "not-a-session", Path: "/"}})
	for i, c := range clients {
		c.role, c.addr = routeRoles[i], fmt.Sprintf("198.51.100.%d", 10+i)
	}

	table := routeTable(victim)
	var keys []string
	for _, r := range h.srv.echo.Routes() {
		if strings.ToUpper(r.Method) != r.Method || r.Method == "" {
			continue // a group's own not-found route
		}
		key := r.Method + " " + r.Path
		if slices.Contains(keys, key) {
			continue
		}
		keys = append(keys, key)
		if _, ok := table[key]; !ok {
			t.Errorf("route %s has no row in routeTable: add what each role should get", key)
		}
	}
	for key := range table {
		if !slices.Contains(keys, key) {
			t.Errorf("routeTable has a row for %s, which nabij does not serve", key)
		}
	}
	// In a fixed order: a day is closed (PUT) before it is opened again
	// (DELETE); signing out ends the session, so it comes last.
	rank := func(k string) int {
		switch {
		case k == "POST /signout":
			return 2
		case strings.HasPrefix(k, "DELETE "):
			return 1
		}
		return 0
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) < rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	wrongAddr := 0
	for _, key := range keys {
		row, found := table[key]
		if !found {
			continue
		}
		method, _, _ := strings.Cut(key, " ")
		for i, c := range clients {
			addr := c.addr
			if i == 7 {
				wrongAddr++ // wrong tokens are limited per address: each from its own
				addr = fmt.Sprintf("203.0.113.%d", wrongAddr%250+1)
			}
			got := callRoute(t, h, c, addr, method, row.path, strings.ReplaceAll(row.body, "%s", fmt.Sprint(i)))
			want := row.want[i]
			if want == ok && got >= 200 && got < 400 || got == want {
				continue
			}
			t.Errorf("%s (%s) as %s: %d, want %s", key, row.path, c.role, got, statusName(want))
		}
	}
}

func statusName(s int) string {
	if s == ok {
		return "2xx/3xx"
	}
	return fmt.Sprint(s)
}

// callRoute calls a route as c: the API with c's bearer token, a page
// with c's session and its CSRF token (so the role is what decides).
func callRoute(t *testing.T, h *harness, c *routeClient, addr, method, path, body string) int {
	t.Helper()
	api := strings.HasPrefix(path, "/api/") || path == "/metrics" // bearer tokens
	var r io.Reader
	if body != "" || method != "GET" {
		if !api && !strings.HasPrefix(path, "/webhooks/") {
			form, _ := url.ParseQuery(body)
			form.Set("csrf", csrfOf(t, h, c, addr))
			body = form.Encode()
		}
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", addr)
	client := c.browser
	if api {
		req.Header.Set("Content-Type", "application/json")
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	} else if r != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// csrfOf is c's CSRF token: the cookie a page gave its browser.
func csrfOf(t *testing.T, h *harness, c *routeClient, addr string) string {
	t.Helper()
	base, _ := url.Parse(h.url)
	find := func() string {
		for _, ck := range c.browser.Jar.Cookies(base) {
			if ck.Name == "nabij_csrf" {
				return ck.Value
			}
		}
		return ""
	}
	if v := find(); v != "" {
		return v
	}
	req, _ := http.NewRequest("GET", h.url+"/signin/x", nil)
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := c.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return find()
}
