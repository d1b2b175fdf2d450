package main

import (
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The API reference at /api/docs renders in a browser that can reach
// nabij and nothing else: every request the page makes is held by the
// browser, let through to 127.0.0.1 and failed (and named by the test) for
// any other address. Redoc comes from nabij's own /static/vendor/, the
// description from /api/v1/openapi.yaml, and the page's Content-Security-
// Policy (apidocs.go) lets Redoc run without an inline script or eval, and
// refuses it nothing but its footer logo from cdn.redoc.ly.
func TestAPIDocsRenderOffline(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	ctx := browser(t, true)

	var mu sync.Mutex
	var outside, seen, thrown, refused []string
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *fetch.EventRequestPaused:
			// The listener must not block: the answer goes from a goroutine.
			go func() {
				exec := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Target)
				u, err := url.Parse(ev.Request.URL)
				mu.Lock()
				seen = append(seen, ev.Request.URL)
				local := err == nil && u.Hostname() == "127.0.0.1"
				if !local {
					outside = append(outside, ev.Request.URL)
				}
				mu.Unlock()
				if local {
					_ = fetch.ContinueRequest(ev.RequestID).Do(exec)
				} else {
					_ = fetch.FailRequest(ev.RequestID, network.ErrorReasonBlockedByClient).Do(exec)
				}
			}()
		case *cdplog.EventEntryAdded:
			// A Content-Security-Policy violation: something Redoc needs
			// that the page's policy refuses. The one expected is its
			// footer logo from cdn.redoc.ly, which must stay refused.
			if ev.Entry.Source == cdplog.SourceSecurity && !strings.Contains(ev.Entry.Text, "https://cdn.redoc.ly/") {
				mu.Lock()
				refused = append(refused, ev.Entry.Text)
				mu.Unlock()
			}
		case *runtime.EventExceptionThrown:
			mu.Lock()
			thrown = append(thrown, ev.ExceptionDetails.Error())
			mu.Unlock()
		}
	})

	// Wide enough for Redoc's three panels: the menu holds every summary.
	var text string
	err := chromedp.Run(ctx,
		emulation.SetDeviceMetricsOverride(1280, 900, 1, false),
		cdplog.Enable(),
		fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*"}}),
		chromedp.Navigate(h.url+"/api/docs"),
		// Redoc marks each operation's section with its operationId.
		chromedp.WaitVisible(`[id$="operation/putAbsenceList"]`, chromedp.ByQuery),
		chromedp.Text(`body`, &text, chromedp.ByQuery),
	)
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		t.Fatalf("the reference did not render: %v\nrequests: %q\nexceptions: %q", err, seen, thrown)
	}
	for _, want := range []string{
		"nabij API",            // info.title
		"Is the store usable?", // GET /healthz's summary
		"This OpenAPI file",    // GET /api/v1/openapi.yaml's summary
		"The API reference page",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the rendered reference lacks %q", want)
		}
	}
	if len(outside) > 0 {
		t.Errorf("the page asked for addresses other than nabij's: %q", outside)
	}
	if len(thrown) > 0 {
		t.Errorf("the page threw: %q", thrown)
	}
	if len(refused) > 0 {
		t.Errorf("the page's Content-Security-Policy refused what Redoc needs: %q", refused)
	}
	for _, want := range []string{h.url + "/static/vendor/redoc/redoc.standalone.js", h.url + "/api/v1/openapi.yaml"} {
		if !slices.Contains(seen, want) {
			t.Errorf("the page never asked for %s; it asked for %q", want, seen)
		}
	}
	screenshot(t, ctx, "api-docs.png")
}
