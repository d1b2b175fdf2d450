package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func messageSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// postRaw posts body as a form with a signature header; it returns the
// status and how long nabij took to answer.
func (h *harness) postRaw(path, body, sig string) (int, time.Duration) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// nabij may answer and close before the whole body is sent.
		return 0, time.Since(start)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// The attack of issue 13: a 10 MB form with 9,900 fields and any
// signature used to cost tens of seconds of CPU before its 403. Now the
// body is refused before it is parsed or a signature computed.
func TestWebhookFloodAnsweredFast(t *testing.T) {
	h := startHarness(t, nil)
	var big strings.Builder
	for i := 0; i < 9900; i++ {
		fmt.Fprintf(&big, "F%d=%s&", i, strings.Repeat("a", 1000))
	}
	many := strings.Repeat("a=b&", 9900) // 39 KB: under the size cap, over the field cap
	for name, body := range map[string]string{"10 MB": big.String(), "9,900 fields": many} {
		for _, path := range []string{"/webhooks/twilio/status", "/webhooks/twilio/inbound"} {
			code, took := h.postRaw(path, body, "bm90LWEtc2lnbmF0dXJl")
			if code != 0 && (code < 400 || code > 499) {
				t.Errorf("%s to %s: %d, want a 4xx", name, path, code)
			}
			if took > 2*time.Second {
				t.Errorf("%s to %s: answered in %s, want well under a second", name, path, took)
			}
		}
	}
	// A signed flood is refused too: the limits come before the signature.
	form := url.Values{}
	for i := 0; i < 150; i++ {
		form.Set(fmt.Sprintf("F%d", i), "x")
	}
	if code := h.postWebhook("/webhooks/twilio/status", form, authToken); code != 400 {
		t.Errorf("a signed form with 150 fields: %d, want 400", code)
	}
}

// Twilio's signature joins keys and values without separators: a signed
// form can be re-cut into other fields and still pass. Every field nabij
// reads is checked for its shape; a malformed one is 400 and nothing is
// stored, another account is 403.
func TestWebhookFieldsChecked(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	coord := h.createUser("Coördinator", "coordinator")
	inbound := func() url.Values {
		sid := messageSID("SM")
		return url.Values{"MessageSid": {sid}, "SmsSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {accountSID},
			"From": {"+31612345678"}, "To": {"+3197010000001"}, "Body": {"ja"}, "NumMedia": {"0"}}
	}
	status := func() url.Values {
		sid := messageSID("SM")
		return url.Values{"MessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {accountSID},
			"From": {"+3197010000001"}, "To": {"+31612345678"}, "MessageStatus": {"delivered"}, "SmsStatus": {"delivered"}}
	}
	type change func(url.Values)
	set := func(k, v string) change { return func(f url.Values) { f.Set(k, v) } }
	del := func(k string) change { return func(f url.Values) { f.Del(k) } }
	cases := []struct {
		name, path string
		form       func() url.Values
		change     change
		want       int
	}{
		{"re-cut MessageSid", "inbound", inbound, set("MessageSid", messageSID("SM")+"&abcdef"), 400},
		{"MessageSid too long", "inbound", inbound, set("MessageSid", messageSID("SM")+"ab"), 400},
		{"MessageSid upper case", "inbound", inbound, set("MessageSid", strings.ToUpper(messageSID("SM"))), 400},
		{"MessageSid missing", "inbound", inbound, del("MessageSid"), 400},
		{"SmsSid malformed", "inbound", inbound, set("SmsSid", "SM1"), 400},
		{"AccountSid malformed", "inbound", inbound, set("AccountSid", accountSID+"0"), 400},
		{"AccountSid missing", "inbound", inbound, del("AccountSid"), 400},
		{"another account", "inbound", inbound, set("AccountSid", "AC"+strings.Repeat("0", 31)+"2"), 403},
		{"From not a number", "inbound", inbound, set("From", "+31 6 1234 5678"), 400},
		{"From missing", "inbound", inbound, del("From"), 400},
		{"To malformed", "inbound", inbound, set("To", "3197010000001x"), 400},
		{"status: unknown MessageStatus", "status", status, set("MessageStatus", "delivered2"), 400},
		{"status: ErrorCode not digits", "status", status, set("ErrorCode", "30003x"), 400},
		{"status: re-cut MessageSid", "status", status, set("MessageSid", messageSID("MM")+"MessageStatusdelivered"), 400},
		{"status: another account", "status", status, set("AccountSid", "AC"+strings.Repeat("f", 32)), 403},
		{"status: To malformed", "status", status, set("To", "+31612345678&x=1"), 400},
	}
	for _, c := range cases {
		f := c.form()
		c.change(f)
		if got := h.postWebhook("/webhooks/twilio/"+c.path, f, authToken); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	var inbox []any
	h.mustCall(200, "GET", "/api/v1/inbox?date=2026-11-30", coord, nil, &inbox)
	if len(inbox) != 0 {
		t.Fatalf("the refused webhooks stored %d replies", len(inbox))
	}
	// The well-formed ones pass, as the stand-in sends them.
	if got := h.postWebhook("/webhooks/twilio/inbound", inbound(), authToken); got != 200 {
		t.Errorf("a well-formed inbound webhook: %d", got)
	}
	h.reply("+31612345679", "nee")
	h.mustCall(200, "GET", "/api/v1/inbox?date=2026-11-30", coord, nil, &inbox)
	if len(inbox) != 2 {
		t.Errorf("inbox has %d replies, want the 2 well-formed ones", len(inbox))
	}
	// An unknown message's status is the service's business: the form
	// itself passed the checks.
	if got := h.postWebhook("/webhooks/twilio/status", status(), authToken); got == 400 || got == 403 {
		t.Errorf("a well-formed status callback: %d", got)
	}
}

// A client that sends its headers slowly (slowloris) is cut off after
// ReadHeaderTimeout instead of holding a connection for ever.
func TestSlowHeadersCutOff(t *testing.T) {
	h := startHarnessWith(t, nil, func(c *config) {
		c.Timeouts = httpTimeouts{ReadHeader: 300 * time.Millisecond, Read: time.Second, Write: 2 * time.Second, Idle: time.Second}
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	// One header line every 100 ms, never the blank line that ends them.
	cut := false
	for i := 0; i < 50 && !cut; i++ {
		time.Sleep(100 * time.Millisecond)
		if _, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i); err != nil {
			cut = true
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		var one [1]byte
		if _, err := conn.Read(one[:]); err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				cut = true // closed (EOF or reset): nabij hung up
			}
		} else {
			cut = true // nabij answered (408 or 400) instead of waiting
		}
	}
	if !cut {
		t.Fatalf("a client sending headers slowly was still connected after %s", time.Since(start))
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the slow client was cut off after %s, want about ReadHeaderTimeout (300ms)", took)
	}
	// A normal request still works.
	resp, err := http.Get(h.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz = %d", resp.StatusCode)
	}
}

// checkSecurityHeaders checks the headers every answer carries.
func checkSecurityHeaders(t *testing.T, where string, hd http.Header, https bool) {
	t.Helper()
	csp := hd.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: Content-Security-Policy %q lacks %s", where, csp, d)
		}
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := hd.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", where, k, got, want)
		}
	}
	if hsts := hd.Get("Strict-Transport-Security"); (hsts != "") != https {
		t.Errorf("%s: Strict-Transport-Security = %q with an https public URL %v", where, hsts, https)
	}
}

func get(t *testing.T, url, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// Every answer (an API route, a page, an error, a 404) carries the
// security headers; HSTS and Secure cookies only when nabij is reached
// over https or listens beyond loopback.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	for _, https := range []bool{false, true} {
		env := map[string]string{}
		if https {
			env["NABIJ_PUBLIC_URL"] = "https://nabij.isk.example"
		}
		h := startHarness(t, env)
		cookies := 0
		for _, c := range []struct{ path, token string }{
			{"/api/v1/roster", adminToken},  // an API answer
			{"/api/v1/roster", ""},          // an API error
			{"/signin/not-a-link", ""},      // a page
			{"/?lang=en", ""},               // a page that sets a cookie
			{"/no-such-page", ""},           // a 404
			{"/webhooks/twilio/status", ""}, // a refused webhook (GET)
		} {
			resp := get(t, h.url+c.path, c.token)
			where := fmt.Sprintf("%s (https %v, %d)", c.path, https, resp.StatusCode)
			checkSecurityHeaders(t, where, resp.Header, https)
			for _, ck := range resp.Cookies() {
				cookies++
				if ck.Secure != https {
					t.Errorf("%s: cookie %s Secure = %v", where, ck.Name, ck.Secure)
				}
			}
		}
		if cookies == 0 {
			t.Errorf("https %v: no answer set a cookie to check", https)
		}
	}
	// Beyond loopback, cookies are Secure even over http: a browser then
	// keeps the session only over TLS.
	cfg := &config{Addr: "0.0.0.0:8080", PublicURL: "http://nabij.example"}
	if !cfg.secureCookies() {
		t.Error("cookies not Secure on 0.0.0.0 over http")
	}
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080"} {
		if (&config{Addr: addr}).secureCookies() {
			t.Errorf("cookies Secure on %s over http: a laptop could not sign in", addr)
		}
	}
}

// The backup may take longer than the server's write timeout: it raises
// its own deadline, and says so in the log if it cannot.
func TestBackupOutlivesTheWriteTimeout(t *testing.T) {
	t.Parallel()
	// The bbolt file's backup (on PostgreSQL the route says pg_dump).
	h := startHarnessWith(t, map[string]string{"NABIJ_DATA": t.TempDir()}, func(c *config) {
		c.Timeouts = httpTimeouts{ReadHeader: time.Second, Read: time.Second, Write: 300 * time.Millisecond, Idle: time.Second}
	})
	req, _ := http.NewRequest("GET", h.url+"/api/v1/admin/backup", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // past the server's write timeout
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || n == 0 {
		t.Errorf("backup: %d, %d bytes, %v", resp.StatusCode, n, err)
	}
	if strings.Contains(h.logs.String(), "write deadline could not be extended") {
		t.Error("the backup could not raise its write deadline")
	}
}

// A client that sends its body slowly is cut off after ReadTimeout.
func TestSlowBodyCutOff(t *testing.T) {
	h := startHarnessWith(t, nil, func(c *config) {
		c.Timeouts = httpTimeouts{ReadHeader: 300 * time.Millisecond, Read: 500 * time.Millisecond, Write: 2 * time.Second, Idle: time.Second}
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "PUT /api/v1/roster HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n", adminToken)
	var answered []byte
	for i := 0; i < 50; i++ {
		time.Sleep(100 * time.Millisecond)
		if _, err := io.WriteString(conn, "          "); err != nil {
			break
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		buf := make([]byte, 64)
		n, err := conn.Read(buf)
		answered = append(answered, buf[:n]...)
		if ne, ok := err.(net.Error); err != nil && (!ok || !ne.Timeout()) || n > 0 {
			break
		}
	}
	took := time.Since(start)
	if took > 2*time.Second {
		t.Fatalf("a client sending its body slowly was still connected after %s", took)
	}
	if len(answered) > 0 && !strings.Contains(string(answered), " 4") {
		t.Errorf("the slow body was answered %q, want a 4xx or a closed connection", answered)
	}
}
