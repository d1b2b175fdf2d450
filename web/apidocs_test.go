package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/docs"
)

func get(srv http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// GET /api/v1/openapi.yaml is docs/openapi.yaml byte for byte, without
// credentials, under nabij's own Content-Security-Policy.
func TestOpenAPIFileServed(t *testing.T) {
	rec := get(webhookServer(), "/api/v1/openapi.yaml")
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), docs.OpenAPI) || len(docs.OpenAPI) == 0 {
		t.Fatalf("%d, %d bytes, want 200 and docs/openapi.yaml's %d", rec.Code, rec.Body.Len(), len(docs.OpenAPI))
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); csp != contentSecurityPolicy {
		t.Errorf("CSP %q, want nabij's own", csp)
	}
}

// GET /api/docs loads Redoc from nabij's own files, with no inline script,
// under a policy relaxed for styles, workers and data: images only; and the
// relaxation is the page's alone.
func TestAPIDocsPageAndItsPolicy(t *testing.T) {
	srv := webhookServer()
	rec := get(srv, "/api/docs")
	if rec.Code != http.StatusOK {
		t.Fatalf("/api/docs: %d", rec.Code)
	}
	page := rec.Body.String()
	scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1)
	if len(scripts) != 1 || scripts[0] != `<script src="/static/vendor/redoc/redoc.standalone.js">` {
		t.Errorf("the page's scripts: %q, want Redoc's vendored bundle alone", scripts)
	}
	if !strings.Contains(page, `<redoc spec-url="/api/v1/openapi.yaml">`) {
		t.Error("the page does not point Redoc at /api/v1/openapi.yaml")
	}
	if js := get(srv, "/static/vendor/redoc/redoc.standalone.js"); js.Code != http.StatusOK || js.Body.Len() < 500_000 {
		t.Errorf("the vendored bundle: %d, %d bytes", js.Code, js.Body.Len())
	}

	csp := rec.Header().Get("Content-Security-Policy")
	if csp != apiDocsPolicy {
		t.Errorf("/api/docs CSP %q, want apiDocsPolicy", csp)
	}
	for _, d := range []string{"default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("/api/docs CSP lacks %s", d)
		}
	}
	for _, bad := range []string{"script-src", "unsafe-eval", "http:", "https:", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("/api/docs CSP %q has %s: scripts and addresses stay nabij's own", csp, bad)
		}
	}
	if rec.Header().Get("X-Frame-Options") != "DENY" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("/api/docs lacks nabij's security headers: %v", rec.Header())
	}
	for _, path := range []string{"/static/app.css", "/api/v1/openapi.yaml", "/no-such-page"} {
		if got := get(srv, path).Header().Get("Content-Security-Policy"); got != contentSecurityPolicy {
			t.Errorf("%s CSP %q, want nabij's own", path, got)
		}
	}
}
