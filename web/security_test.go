package web

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/app"
)

// floodBody is issue 13's attack: 10 MB in 9,900 fields.
var floodBody = func() string {
	var b strings.Builder
	for i := 0; i < 9900; i++ {
		fmt.Fprintf(&b, "F%d=%s&", i, strings.Repeat("a", 1010))
	}
	return b.String()
}()

// manyFields is under the size cap and over the field cap.
var manyFields = strings.Repeat("a=b&", 9900)

func webhookServer() http.Handler {
	return New(nil, Config{PublicURL: "https://nabij.example", TwilioAuthToken: "secret",
		TwilioAccountSID: "AC" + strings.Repeat("0", 32), Registry: prometheus.NewRegistry(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func postFlood(srv http.Handler, body string) int { return postFloodAs(srv, body, false) }

// postFloodAs posts body; chunked leaves out the Content-Length, so that
// only the limited read can refuse it.
func postFloodAs(srv http.Handler, body string, chunked bool) int {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/twilio/inbound", strings.NewReader(body))
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", "bm90LWEtc2lnbmF0dXJl")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Code
}

// The flood is answered with a 4xx, at once: the body is read with a limit
// and its fields counted before anything is parsed or signed.
func TestWebhookFloodRefusedBeforeParsing(t *testing.T) {
	srv := webhookServer()
	for name, body := range map[string]string{"10 MB, 9,900 fields": floodBody, "39 KB, 9,900 fields": manyFields} {
		start := time.Now()
		code := postFlood(srv, body)
		if chunked := postFloodAs(srv, body, true); chunked != code {
			t.Errorf("%s without a Content-Length: %d, with one %d", name, chunked, code)
		}
		if code != http.StatusRequestEntityTooLarge && code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 413 or 400", name, code)
		}
		// The goal is under 50 ms; the bound here leaves room for a busy CI.
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("%s: answered in %s", name, took)
		}
	}
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			postFlood(srv, floodBody)
		}
	})
	if per := res.AllocedBytesPerOp(); per > 1<<20 {
		t.Errorf("the 10 MB flood allocated %d bytes per request, want under 1 MB", per)
	}
}

// BenchmarkWebhookFlood is the figure in README's Security section:
// go test -run '^$' -bench WebhookFlood -benchmem ./web
func BenchmarkWebhookFlood(b *testing.B) {
	srv := webhookServer()
	for _, c := range []struct {
		name    string
		body    string
		chunked bool
	}{{"10MB_9900_fields", floodBody, false}, {"10MB_9900_fields_chunked", floodBody, true}, {"39KB_9900_fields", manyFields, false}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if code := postFloodAs(srv, c.body, c.chunked); code/100 != 4 {
					b.Fatalf("answered %d", code)
				}
			}
		})
	}
}

// The melding page's one inline <style> is allowed by its hash: the hash
// in the policy is of the text the browser gets.
func TestCSPAllowsTheMeldingStyle(t *testing.T) {
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, "melding.html", &app.MeldingDraft{}); err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(b.String(), "<style>")
	css, _, ok2 := strings.Cut(after, "</style>")
	if !ok || !ok2 {
		t.Fatal("the melding has no <style>")
	}
	sum := sha256.Sum256([]byte(css))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(contentSecurityPolicy, want) {
		t.Errorf("CSP %q does not allow the melding's style %s", contentSecurityPolicy, want)
	}
	for _, d := range []string{"default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(contentSecurityPolicy, d) {
			t.Errorf("CSP %q lacks %s", contentSecurityPolicy, d)
		}
	}
	if strings.Contains(contentSecurityPolicy, "unsafe-inline") {
		t.Error("CSP allows unsafe-inline")
	}
}
