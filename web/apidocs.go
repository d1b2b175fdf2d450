package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/docs"
)

// The API's own description, served by nabij: GET /api/v1/openapi.yaml is
// docs/openapi.yaml as it is in the repository (embedded by package docs),
// GET /api/docs the reference page Redoc renders from it, with Redoc's
// bundle vendored in web/static/vendor/redoc/ so that the page works
// offline. Both are public, like /healthz: they describe the interface,
// which is published with the code, and carry no school's data.

// cspKey is the echo context key under which a handler gives its answer a
// Content-Security-Policy other than contentSecurityPolicy.
const cspKey = "nabij.csp"

// apiDocsPolicy is the Content-Security-Policy of the /api/docs page only:
// nabij's own, with two relaxations Redoc needs.
//   - style-src 'unsafe-inline': Redoc styles its components with
//     styled-components, which writes <style> elements at run time whose
//     contents no hash can know beforehand. The page itself shows no school
//     data and takes no input, so an injected style has nothing to reach.
//   - worker-src blob:: Redoc's search index runs in a Web Worker that the
//     bundle creates from a blob: URL of its own code.
//   - img-src data:: Redoc's icons (a section's link icon) are SVG in data:
//     URLs, which no address is asked for.
//
// Scripts stay 'self' (no inline script, no eval); fonts, fetches and
// everything else stay 'self', so nothing leaves for another address
// (Redoc's footer logo on cdn.redoc.ly is blocked and hides itself).
const apiDocsPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:" +
	"; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// apiDocsPage loads Redoc from nabij's own static files; the spec's URL is
// the <redoc> element's spec-url attribute, which Redoc's bundle reads
// itself when it loads, so the page has no script of its own.
const apiDocsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nabij API reference</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<noscript><p>The API reference is drawn by JavaScript. The description itself:
<a href="/api/v1/openapi.yaml">/api/v1/openapi.yaml</a> (OpenAPI 3.1).</p></noscript>
<redoc spec-url="/api/v1/openapi.yaml"></redoc>
<script src="/static/vendor/redoc/redoc.standalone.js"></script>
</body>
</html>
`

// apiDocsRoutes registers the OpenAPI file and its reference page, outside
// the /api/v1 group's authentication and audit.
func (h *handlers) apiDocsRoutes(e *echo.Echo) {
	e.GET("/api/v1/openapi.yaml", openAPIFile)
	e.GET("/api/docs", apiDocs)
}

// openAPIFile answers docs/openapi.yaml as YAML (RFC 9512's media type).
func openAPIFile(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", docs.OpenAPI)
}

// apiDocs answers the reference page, under its own Content-Security-Policy.
func apiDocs(c echo.Context) error {
	c.Set(cspKey, apiDocsPolicy)
	return c.HTML(http.StatusOK, apiDocsPage)
}
