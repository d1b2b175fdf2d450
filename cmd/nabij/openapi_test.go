package main

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// notInContract are the routes docs/openapi.yaml does not describe, on
// purpose: its header says the staff pages are HTML for browsers, not API.
// Each is listed by method and path, so that a new route is either in the
// file or added here by someone who decided it is no API.
var notInContract = map[string]bool{
	// The staff pages (web/pages.go, web/users.go), HTML for browsers.
	"GET /":                               true,
	"GET /board":                          true,
	"GET /pupils/{id}":                    true,
	"GET /escalations/{id}/melding":       true,
	"POST /escalations/{id}/action":       true,
	"POST /tasks/{id}/done":               true,
	"GET /contacts/{id}/call":             true,
	"POST /contacts/{id}/call":            true,
	"POST /contacts/{id}/channel":         true,
	"POST /rollcall/{class}":              true,
	"GET /admin":                          true,
	"POST /admin/roster":                  true,
	"POST /admin/roster/apply":            true,
	"POST /admin/users":                   true,
	"POST /admin/users/{id}/link":         true,
	"POST /admin/users/{id}/disable":      true,
	"POST /admin/users/{id}/enable":       true,
	"POST /admin/users/{id}/token":        true,
	"POST /admin/users/{id}/links/revoke": true,
	"POST /admin/users/{id}/classes":      true,
	"POST /admin/recordings":              true,
	"GET /admin/recordings/{id}/audio":    true,
	"POST /admin/recordings/{id}/delete":  true,
	"POST /admin/recordings/call":         true,
	"GET /review":                         true,
	"POST /review/messages/{key}":         true,
	"POST /review/done":                   true,
	"GET /signin":                         true,
	"POST /signin":                        true,
	"GET /signin/{token}":                 true,
	"POST /signout":                       true,
	// The pages' stylesheet and scripts, and the reference page's renderer.
	"GET /static*": true,
	// Sign-in with the school's own accounts by OpenID Connect (web/oidc.go),
	// browser redirects, served only with NABIJ_OIDC_ISSUER (set below).
	"GET /auth/oidc/start":    true,
	"GET /auth/oidc/callback": true,
}

// echoParam is an echo path parameter, ":id"; the file writes "{id}".
var echoParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIMatchesTheRoutes fails when a route is added without its entry
// in docs/openapi.yaml, or the file describes an operation nabij does not
// serve (issue 15 item 2). The service is built as the end-to-end tests
// build it, with /metrics on the main address.
func TestOpenAPIMatchesTheRoutes(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{
		"NABIJ_METRICS_ADDR": "main", // /metrics on the main address: an echo route
		// Sign-in by OpenID Connect on, for its routes (the provider is only
		// asked when someone signs in).
		"NABIJ_OIDC_ISSUER":        "https://login.example.org/tenant/v2.0",
		"NABIJ_OIDC_CLIENT_ID":     "nabij",
		"NABIJ_OIDC_CLIENT_SECRET": "secret",
	})
	if _, _, err := loadContract(); err != nil {
		t.Fatal(err)
	}
	doc := contract.doc
	served := map[string]bool{}
	for _, r := range h.srv.echo.Routes() {
		if strings.HasPrefix(r.Method, "echo_") {
			continue // echo's own not-found routes of a group, no route of nabij
		}
		served[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	described := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+path] = true
		}
	}
	var missing, stale []string
	for r := range served {
		if _, ok := notInContract[r]; ok {
			if described[r] {
				t.Errorf("%s is in docs/openapi.yaml and in notInContract: take it out of the list", r)
			}
			continue
		}
		if !described[r] {
			missing = append(missing, r)
		}
	}
	for r := range described {
		if !served[r] {
			stale = append(stale, r)
		}
	}
	for r := range notInContract {
		if !served[r] {
			t.Errorf("notInContract lists %s, which nabij does not serve", r)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	for _, r := range missing {
		t.Errorf("nabij serves %s, which docs/openapi.yaml does not describe", r)
	}
	for _, r := range stale {
		t.Errorf("docs/openapi.yaml describes %s, which nabij does not serve", r)
	}
	if len(served) < 30 || len(described) < 30 {
		t.Errorf("only %d routes served and %d operations described: the test reads the wrong thing", len(served), len(described))
	}
}
