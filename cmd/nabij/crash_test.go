package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

// TestCrashInTheMiddleOfAMorningBurst runs nabij as a child process, kills
// it (SIGKILL) while it sends a morning's alerts, starts it again, and finds
// that the stand-in received every expected message exactly once — and,
// for the one family in ten who cannot read, placed every call exactly
// once (a call left "sending" by the kill is looked up in the calls list).
//
// The child is this test binary running `nabij serve` (TestServeChild):
// the same code as the nabij binary, without a build of its own.
func TestCrashInTheMiddleOfAMorningBurst(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs nabij in child processes")
	}
	tw := twiliotest.NewServer(accountSID, authToken)
	tw.WrapWebhooks(func(next http.RoundTripper) http.RoundTripper { return checkedCallbacks{next} })
	defer tw.Close()
	// The test keeps the listening socket and passes it to each nabij it
	// starts (socket activation): the restarted nabij answers on the same
	// address, which no other process can take in between.
	socket := listen(t)
	addr := socket.Addr().String()
	socketFile, err := socket.File()
	if err != nil {
		t.Fatal(err)
	}
	defer socketFile.Close()
	data := t.TempDir()
	env := append(os.Environ(), childEnv+"=1",
		"NABIJ_ADDR="+addr, "NABIJ_DATA="+data, "NABIJ_ADMIN_TOKEN="+adminToken, "NABIJ_PUBLIC_URL=http://"+addr,
		"NABIJ_CLOCK=2026-11-30T08:50:00+01:00", "NABIJ_HOLD=0s", "NABIJ_RATE=100", "NABIJ_WORKERS=8",
		"TWILIO_ACCOUNT_SID="+accountSID, "TWILIO_AUTH_TOKEN="+authToken, "NABIJ_TWILIO_FROM=+3197010000001",
		"NABIJ_TWILIO_VOICE_FROM=+3197010000009",
		"NABIJ_TWILIO_API_URL="+tw.URL(), "NABIJ_METRICS_ADDR=127.0.0.1:0", "LISTEN_FDS=1")
	logs, err := os.Create(filepath.Join(t.TempDir(), "nabij.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	start := func() *exec.Cmd { return serveOnSocket(t, socketFile, addr, env, logs) }

	const pupils = 300
	type contact struct {
		ID       string `json:"id"`
		Role     string `json:"role"`
		Name     string `json:"name"`
		Phone    string `json:"phone"`
		Language string `json:"language"`
		Channel  string `json:"channel,omitempty"`
	}
	type student struct {
		ID        string    `json:"id"`
		Name      string    `json:"name"`
		Class     string    `json:"class"`
		BirthDate string    `json:"birth_date"`
		Contacts  []contact `json:"contacts"`
	}
	roster := map[string]any{"classes": []map[string]string{{"id": "1A", "name": "ISK 1A"}}}
	var students []student
	var absences []map[string]string
	langs := []string{"nl", "ar", "ti", "uk", "fa-AF", "so"}
	for i := range pupils {
		id := fmt.Sprintf("%d", 5000+i)
		c := contact{ID: "c" + id, Role: "parent", Name: "ouder", Phone: fmt.Sprintf("+316123%05d", i), Language: langs[i%len(langs)]}
		if i%10 == 0 {
			// Called, in Dutch by the speech engine; voicemail takes it (a
			// call that ends so is not tried again).
			c.Channel, c.Language = "voice", "nl"
			tw.ScriptCall(c.Phone, twiliotest.CallScript{Outcome: twiliotest.CallMachine})
		}
		students = append(students, student{ID: id, Name: "Leerling " + id, Class: "1A", BirthDate: "2011-01-01",
			Contacts: []contact{c}})
		absences = append(absences, map[string]string{"student": id, "kind": "absent"})
	}
	roster["students"] = students
	rosterJSON, _ := json.Marshal(roster)
	listJSON, _ := json.Marshal(map[string]any{"absences": absences})

	first := start()
	h := &harness{t: t, twilio: tw, url: "http://" + addr}
	checkAgainstContract(t, addr) // as startHarness does (openapi_validate_test.go)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, string(rosterJSON), nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, string(listJSON), nil)
	const called = pupils / 10
	if _, ok := tw.WaitForMessages(60, 20*time.Second); !ok {
		first.Process.Kill()
		t.Fatalf("the burst did not start: %d messages", len(tw.Messages()))
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	killedAt := len(tw.Messages())
	if killedAt >= pupils {
		t.Fatalf("the burst was over (%d) before the kill: nothing tested", killedAt)
	}
	t.Logf("killed after %d of %d messages", killedAt, pupils)

	second := start()
	defer func() {
		second.Process.Signal(syscall.SIGTERM)
		second.Wait()
	}()
	if got, ok := tw.WaitForMessages(pupils-called, 30*time.Second); !ok {
		t.Fatalf("after the restart %d of %d messages arrived", len(got), pupils-called)
	}
	if got, ok := tw.WaitForCalls(called, 30*time.Second); !ok {
		t.Fatalf("after the restart %d of %d calls were done", len(got), called)
	}
	// A message sent again would be queued (or sending) first. Messages
	// whose callbacks the kill cut off stay "sent": idle, not settled. A
	// call answered while the first nabij was dying played Twilio's error,
	// not the message (its words were never given): it is made once more,
	// 15 minutes later, which this test does not wait for.
	retries := 0
	h.waitForMessages(coord, "no message queued or sending but a call's second try", func(m messageJSON) bool {
		return m.Status != "queued" && m.Status != "sending" || m.Status == "queued" && m.RetryOf != ""
	})
	var msgs []messageJSON
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
	for _, m := range msgs {
		if m.RetryOf != "" {
			retries++
		}
	}
	t.Logf("%d calls answered while nabij could not give their words, made again later", retries)
	seen := map[string]int{}
	for _, m := range tw.Messages() {
		seen[m.To]++
	}
	for _, c := range tw.Calls() {
		seen[c.To]++
	}
	for to, n := range seen {
		if n != 1 {
			t.Errorf("%s received %d messages or calls", to, n)
		}
	}
	if len(seen) != pupils {
		t.Errorf("%d numbers reached, want %d", len(seen), pupils)
	}
	if n := tw.CallRequests(); n != called {
		t.Errorf("%d calls placed, want %d", n, called)
	}
	raw, _ := os.ReadFile(logs.Name())
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, "reconciled") {
			t.Log(line) // what the restart found left "sending"
		}
	}
	if strings.Contains(string(raw), "Leerling") || strings.Contains(string(raw), "+316123") {
		t.Error("the log holds a name or a phone number")
	}
}

// serveOnSocket runs `nabij serve` in a child process (this test binary,
// TestServeChild) with env, its output to out, on the listening socket f
// passed as file descriptor 3 (socket activation: the shell sets LISTEN_PID
// to its own pid and becomes nabij, as systemd sets it for the process it
// starts), and returns once nabij at addr answers /healthz.
func serveOnSocket(t *testing.T, f *os.File, addr string, env []string, out *os.File) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" -test.run='^TestServeChild$'`, os.Args[0])
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The socket listens already: the request waits in its queue until
	// nabij accepts it.
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		raw, _ := os.ReadFile(out.Name())
		t.Fatalf("nabij did not come up: %v\n%s", err, raw)
	}
	resp.Body.Close()
	return cmd
}
