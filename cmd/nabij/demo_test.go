package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var curlLine = regexp.MustCompile(`curl -X PUT (\S+) \\\s+-H 'Authorization: Bearer (\S+)' -H 'Content-Type: application/json' \\\s+-d '([^']+)'`)

// TestDemoAsANewUserWouldTryIt runs `nabij serve --demo` as the README says,
// follows the curl line it prints, and finds the messages in its output —
// and no name, phone number or message body in its log.
func TestDemoAsANewUserWouldTryIt(t *testing.T) {
	t.Parallel()
	// Port 0: the demo prints the address it listens on, in its curl line.
	env := map[string]string{"NABIJ_ADDR": "127.0.0.1:0", "NABIJ_HOLD": "0s", "NABIJ_DATA": t.TempDir(), "NABIJ_METRICS_ADDR": "127.0.0.1:0"}
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--demo"}, func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("nabij serve --demo exited %d: %s", code, stderr.String())
		}
	}()

	var m []string
	eventually(t, "the demo's curl line", func() bool {
		m = curlLine.FindStringSubmatch(stdout.String())
		return m != nil
	})
	checkAgainstContract(t, hostOf(t, m[1])) // the curl line's request and answer too
	req, _ := http.NewRequest("PUT", m[1], strings.NewReader(m[3]))
	req.Header.Set("Authorization", "Bearer "+m[2])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the demo's curl line answered %d", resp.StatusCode)
	}
	// Amanuel (his voogd), Layla (her mother), and one message to the KWE
	// phone: Amanuel absent and Yonas late, from the same housing unit.
	eventually(t, "three messages printed", func() bool { return strings.Count(stdout.String(), "--- message ") >= 3 })
	out := stdout.String()
	for _, want := range []string{"We missen Amanuel T. vandaag", "Layla H.", "Yonas G. was vandaag te laat"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	var toUnit []string
	for _, msg := range strings.Split(out, "--- message ")[1:] {
		if strings.Contains(msg, "Yonas") {
			toUnit = append(toUnit, msg)
		}
	}
	if len(toUnit) != 1 || !strings.Contains(toUnit[0], "We missen Amanuel T. vandaag") || strings.Count(toUnit[0], "Goedemorgen") != 1 {
		t.Errorf("the woonbegeleider got %d messages about Yonas, want one naming Amanuel absent and Yonas late:\n%s", len(toUnit), strings.Join(toUnit, "\n"))
	}
	// Every message final (the log sender prints a message before it is
	// recorded): a fourth would be printed by now.
	(&harness{t: t, url: "http://" + hostOf(t, m[1])}).settled(m[2])
	if n := strings.Count(stdout.String(), "--- message "); n != 3 {
		t.Errorf("%d messages printed, want 3", n)
	}
	logs := stderr.String()
	for _, secret := range []string{"Amanuel", "Layla", "+316", "missen", m[2]} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q: names, numbers, bodies and tokens must stay out of logs", secret)
		}
	}
}

// The demo school has one name everywhere: in its messages and on its
// melding drafts. (Found by a review: the draft said "ISK", the messages
// "ISK De Brug".)
func TestTheDemoSchoolHasOneName(t *testing.T) {
	env := map[string]string{"NABIJ_DATA": t.TempDir(), "NABIJ_CLOCK": "2026-11-30T08:50:00+01:00"}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := demoConfig(cfg, func(k string) string { return env[k] }, io.Discard); err != nil {
		t.Fatal(err)
	}
	if cfg.SchoolName != "ISK De Brug" || cfg.Settings.SchoolName != cfg.SchoolName {
		t.Errorf("the demo's school: %q in messages, %q on the drafts", cfg.SchoolName, cfg.Settings.SchoolName)
	}
}
