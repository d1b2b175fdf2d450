package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

const (
	accountSID = "AC00000000000000000000000000000001"
	authToken  = "authtoken0001"
	adminToken = "admin-secret-for-tests-0123456789abcdef"
)

// monday 08:40 in Amsterdam: a school morning.
var monday = time.Date(2026, 11, 30, 8, 40, 0, 0, mustLoc("Europe/Amsterdam"))

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// harness is a whole nabij in-process, in front of a Twilio stand-in.
type harness struct {
	t      *testing.T
	twilio *twiliotest.Server
	srv    *server
	url    string
	logs   *syncBuffer // the service's log
	// socket is the harness's listening socket, open for the whole test;
	// each nabij it starts listens on a copy of it (listenerOn).
	socket *net.TCPListener
}

// listen opens a listening socket on a free loopback port, kept open until
// the test ends. A nabij is given a copy (listenerOn, or the socket itself
// to a child process): its address is known before nabij is made, and no
// other process can take the port between a stop and a restart.
func listen(t *testing.T) *net.TCPListener {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// listenerOn is a listener on a copy of socket's file descriptor, for one
// nabij: closing it (nabij's stop does) leaves socket listening, and the
// connections that arrive before the next nabij accepts wait in its queue.
func listenerOn(t *testing.T, socket *net.TCPListener) net.Listener {
	t.Helper()
	f, err := socket.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func startHarness(t *testing.T, env map[string]string) *harness {
	t.Helper()
	return startHarnessWith(t, env, nil)
}

// startHarnessWith is startHarness with a change to the configuration
// (a test's own clock, say) before the server is made.
func startHarnessWith(t *testing.T, env map[string]string, change func(*config)) *harness {
	t.Helper()
	return startHarnessOn(t, listen(t), env, change)
}

// startHarnessOn is startHarnessWith on a socket the test opened itself
// (listen), for a test that needs nabij's address before nabij starts.
func startHarnessOn(t *testing.T, socket *net.TCPListener, env map[string]string, change func(*config)) *harness {
	t.Helper()
	tw := twiliotest.NewServer(accountSID, authToken)
	t.Cleanup(tw.Close)
	// The stand-in's callbacks to nabij are held to docs/openapi.yaml too.
	tw.WrapWebhooks(func(next http.RoundTripper) http.RoundTripper { return checkedCallbacks{next} })
	addr := socket.Addr().String()
	base := map[string]string{
		"NABIJ_ADDR":                 addr,
		"NABIJ_DATA":                 t.TempDir(),
		"NABIJ_ADMIN_TOKEN":          adminToken,
		"NABIJ_PUBLIC_URL":           "http://" + addr,
		"NABIJ_CLOCK":                monday.Format(time.RFC3339),
		"NABIJ_HOLD":                 "0s",
		"NABIJ_RATE":                 "0",
		"NABIJ_SCHOOL_NAME":          "ISK Test",
		"TWILIO_ACCOUNT_SID":         accountSID,
		"TWILIO_AUTH_TOKEN":          authToken,
		"NABIJ_TWILIO_FROM":          "+3197010000001",
		"NABIJ_TWILIO_WHATSAPP_FROM": "+3197010000002",
		"NABIJ_TWILIO_API_URL":       tw.URL(),
		"NABIJ_METRICS_ADDR":         "127.0.0.1:0",
	}
	if onPostgres(env) {
		base["NABIJ_DATABASE_URL"] = postgresDatabase(t)
	}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := loadConfig(func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.listener = listenerOn(t, socket)
	if change != nil {
		change(cfg)
	}
	logs := &syncBuffer{}
	srv, err := newServer(cfg, io.Discard, logs, false)
	if err != nil {
		cfg.listener.Close()
		t.Fatal(err)
	}
	// Every end-to-end test also checks the service's log: ids only, never a
	// pupil's name, a phone number or a message body.
	// The data directory is the test's own temporary one, whose random
	// digits may happen to look like a phone number ("…0612…"): it is left
	// out of the check.
	t.Cleanup(func() { checkLogPrivacy(t, strings.ReplaceAll(logs.String(), cfg.DataDir, "<data>")) })
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// Every request to this nabij, and every answer, is held against
	// docs/openapi.yaml (openapi_validate_test.go).
	closeIdle := checkAgainstContract(t, hostOf(t, srv.URL()), hostOf(t, srv.MetricsURL()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		closeIdle()
		tw.CloseIdleConnections()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return &harness{t: t, twilio: tw, srv: srv, url: srv.URL(), logs: logs, socket: socket}
}

// hostOf is the host:port of a URL.
func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// call sends a JSON request and decodes the JSON answer into out (if not nil).
func (h *harness) call(method, path, token string, body any, out any) int {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		raw, ok := body.(string)
		if !ok {
			b, err := json.Marshal(body)
			if err != nil {
				h.t.Fatal(err)
			}
			raw = string(b)
		}
		r = strings.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.url+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if strings.HasPrefix(strings.ToLower(token), "bearer ") {
		req.Header.Set("Authorization", token)
	} else if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

func (h *harness) mustCall(want int, method, path, token string, body, out any) {
	h.t.Helper()
	var raw json.RawMessage
	got := h.call(method, path, token, body, &raw)
	if got != want {
		h.t.Fatalf("%s %s = %d %s, want %d", method, path, got, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) createUser(name, role string, classes ...string) string {
	h.t.Helper()
	var res struct{ Token string }
	req := map[string]any{"name": name, "role": role}
	if classes != nil {
		req["classes"] = classes // an array, never null
	}
	h.mustCall(201, "POST", "/api/v1/users", adminToken, req, &res)
	return res.Token
}

// postWebhook posts a Twilio-style form to nabij, signed with signToken.
func (h *harness) postWebhook(path string, form url.Values, signToken string) int {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+path, bytes.NewBufferString(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(signToken, h.url+path, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type messageJSON struct {
	ID        string   `json:"id"`
	Student   string   `json:"student"`
	Students  []string `json:"students"`
	Contact   string   `json:"contact"`
	Channel   string   `json:"channel"`
	Language  string   `json:"language"`
	Body      string   `json:"body"`
	Status    string   `json:"status"`
	ErrorCode *int     `json:"error_code"`
	RetryOf   string   `json:"retry_of"`
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// final are the statuses after which nothing more happens to a message
// (alerts.Message.Final).
var final = map[string]bool{"delivered": true, "read": true, "undelivered": true, "failed": true, "expired": true, "cancelled": true}

// settled waits until nothing more will happen to any message nabij holds
// (as token may see them): each is delivered, read, failed, expired or
// cancelled. A retry waits queued, a WhatsApp message's SMS fallback is
// queued as its failure is recorded, an apology as its correction: from
// then on the stand-in can receive no further message, and a test may
// count what it received.
func (h *harness) settled(token string) {
	h.t.Helper()
	h.waitForMessages(token, "every message final", func(m messageJSON) bool { return final[m.Status] })
}

// idle waits until no message is queued or sending: the dispatcher has
// nothing left to send, though status callbacks may still come.
func (h *harness) idle(token string) {
	h.t.Helper()
	h.waitForMessages(token, "no message queued or sending", func(m messageJSON) bool { return m.Status != "queued" && m.Status != "sending" })
}

// waitForMessages waits until every message of GET /api/v1/messages (as
// token sees them) is done.
func (h *harness) waitForMessages(token, what string, done func(messageJSON) bool) {
	h.t.Helper()
	eventually(h.t, what, func() bool {
		var msgs []messageJSON
		h.mustCall(200, "GET", "/api/v1/messages", token, nil, &msgs)
		for _, m := range msgs {
			if !done(m) {
				return false
			}
		}
		return true
	})
}

const e2eRoster = `{
  "classes": [{"id": "1A", "name": "ISK 1A"}, {"id": "1B", "name": "ISK 1B"}],
  "housing_units": [{"id": "kwe-oost", "name": "KWE Oost",
    "contacts": [{"id": "kwe-oost-dienst", "role": "woonbegeleider", "name": "Diensttelefoon",
                  "phone": "+31612345001", "language": "nl", "channel": "whatsapp"}]}],
  "students": [
    {"id": "1001", "name": "Amanuel T.", "class": "1A", "birth_date": "2010-03-04", "housing_unit": "kwe-oost",
     "contacts": [{"id": "c-1001-1", "role": "guardian", "name": "Voogd (Nidos)", "phone": "+31612345002", "language": "nl", "channel": "sms"},
                  {"id": "c-1001-2", "role": "parent", "name": "Moeder", "phone": "06 1234 5003", "language": "ti", "channel": "sms"}]},
    {"id": "1002", "name": "Layla H.", "class": "1A", "birth_date": "2011-05-06",
     "contacts": [{"id": "c-1002-1", "role": "parent", "name": "Vader", "phone": "+31612345004", "language": "ar-SY", "channel": "whatsapp"}]},
    {"id": "1003", "name": "Olena K.", "class": "1A", "birth_date": "2011-01-02",
     "contacts": [{"id": "c-1003-1", "role": "parent", "name": "Moeder", "phone": "+31612345005", "language": "uk", "channel": "sms"}]},
    {"id": "1004", "name": "Ahmad R.", "class": "1A", "birth_date": "2010-09-09",
     "contacts": [{"id": "c-1004-1", "role": "parent", "name": "Vader", "phone": "+31612345006", "language": "prs", "channel": "sms"}]},
    {"id": "2001", "name": "Yonas G.", "class": "1B", "birth_date": "2010-02-02", "housing_unit": "kwe-oost",
     "contacts": []}
  ]
}`

// private are strings of the test rosters and messages that must never
// reach a log: pupils' and contacts' names, phone numbers, bodies.
var private = []string{"Amanuel", "Layla", "Olena", "Ahmad", "Noor", "Sara H", "Daniel", "Yonas", "Awa D", "Moussa", "Aziz",
	"Omar", "Moeder", "Vader", "Voogd", "+316", "0612", "missen", "We miss", "Reply 1", "tandarts", "ISK Test."}

// hexIDs are the random ids a log holds (Twilio's SIDs, a replica's id,
// hashes): sixteen hex digits or more with a letter among them, which no
// phone number is, and which may happen to hold "0612".
var hexIDs = regexp.MustCompile(`[0-9a-fA-F]{16,}`)

func checkLogPrivacy(t *testing.T, logs string) {
	t.Helper()
	logs = hexIDs.ReplaceAllStringFunc(logs, func(id string) string {
		if strings.ContainsAny(id, "abcdefABCDEF") {
			return "<id>"
		}
		return id
	})
	for _, s := range private {
		if i := strings.Index(logs, s); i >= 0 {
			start := max(0, strings.LastIndex(logs[:i], "\n"))
			t.Errorf("the log holds %q: %s", s, strings.TrimSpace(logs[start:min(len(logs), i+80)]))
		}
	}
}
