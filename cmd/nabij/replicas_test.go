package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// TestTwoReplicasOnePostgresOneKilled runs two nabij processes on one
// PostgreSQL database against the Twilio stand-in. The first gets the
// roster and 15 of 30 lists and starts sending; four of its sends then hang
// at the provider (two taken by it, two not), the second replica starts and
// gets the other 15 lists, and the first is killed (SIGKILL) in the middle
// of the burst, four messages "sending". Every family gets exactly one
// message: the second sends what is due, and once the first's lease is
// gone and its grace has passed, looks its four up at the provider (two
// found, two sent). The school day's rhythm, the first replica's until it
// died, runs the morning digest and the end-of-day sweep once, on the
// second.
func TestTwoReplicasOnePostgresOneKilled(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs nabij in child processes")
	}
	db := postgresDatabase(t)
	tw := twiliotest.NewServer(accountSID, authToken)
	tw.WrapWebhooks(func(next http.RoundTripper) http.RoundTripper { return checkedCallbacks{next} })
	defer tw.Close()

	// Monday 30 November. At 08:50 come the morning digest (first lesson
	// 08:30 + 20 minutes) and, here, the end-of-day sweep: the first
	// replica's clock starts at 08:40, so that it cannot run them before
	// its kill however loaded the machine; the second's 15 s before them,
	// time enough for the kill and its takeover of the rhythm.
	//
	// NABIJ_TWILIO_TIMEOUT: the first's four sends hang until its death,
	// whatever the load (2 minutes, the longest allowed); the second
	// settles what a gone replica left after its own timeout and 5 s, here
	// 5 s and 5 s rather than the default 15 s and 5 s, so that the test
	// waits 10 s for it, not 20.
	common := []string{childEnv + "=1", "NABIJ_DATABASE_URL=" + db, "NABIJ_ADMIN_TOKEN=" + adminToken,
		"NABIJ_SWEEP_AT=08:50", "NABIJ_HOLD=0s", "NABIJ_RATE=50", "NABIJ_WORKERS=4",
		"TWILIO_ACCOUNT_SID=" + accountSID, "TWILIO_AUTH_TOKEN=" + authToken, "NABIJ_TWILIO_FROM=+3197010000001",
		"NABIJ_TWILIO_API_URL=" + tw.URL(), "NABIJ_METRICS_ADDR=127.0.0.1:0", "LISTEN_FDS=1", "NABIJ_LOG_FORMAT=json"}
	type replica struct {
		cmd  *exec.Cmd
		url  string
		logs string
	}
	start := func(name string, env ...string) *replica {
		socket := listen(t)
		addr := socket.Addr().String()
		f, err := socket.File()
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		logs := filepath.Join(t.TempDir(), name+".log")
		out, err := os.Create(logs)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		cmd := serveOnSocket(t, f, addr, append(append(append(os.Environ(), common...), env...), "NABIJ_ADDR="+addr, "NABIJ_PUBLIC_URL=http://"+addr), out)
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		})
		checkAgainstContract(t, addr)
		return &replica{cmd: cmd, url: "http://" + addr, logs: logs}
	}
	first := start("first", "NABIJ_CLOCK=2026-11-30T08:40:00+01:00", "NABIJ_TWILIO_TIMEOUT=2m")
	eventually(t, "the first replica takes the rhythm", func() bool {
		raw, _ := os.ReadFile(first.logs)
		return strings.Contains(string(raw), "this replica runs the school day's rhythm")
	})

	const pupils, classes = 300, 30
	var roster struct {
		Classes  []map[string]string `json:"classes"`
		Students []map[string]any    `json:"students"`
	}
	lists := make([][]map[string]string, classes)
	for c := range classes {
		roster.Classes = append(roster.Classes, map[string]string{"id": fmt.Sprintf("k%02d", c), "name": fmt.Sprintf("ISK %02d", c)})
	}
	for i := range pupils {
		id, class := fmt.Sprintf("%d", 7000+i), i%classes
		roster.Students = append(roster.Students, map[string]any{"id": id, "name": "Leerling " + id,
			"class": fmt.Sprintf("k%02d", class), "birth_date": "2011-01-01",
			"contacts": []map[string]string{{"id": "c" + id, "role": "parent", "name": "ouder", "phone": fmt.Sprintf("+316124%05d", i), "language": "nl"}}})
		lists[class] = append(lists[class], map[string]string{"student": id, "kind": "absent"})
	}
	rosterJSON, _ := json.Marshal(roster)
	a := &harness{t: t, twilio: tw, url: first.url}
	a.mustCall(200, "PUT", "/api/v1/roster", adminToken, string(rosterJSON), nil)
	coord := a.createUser("C. Jansen", "coordinator")
	post := func(h *harness, c int) {
		body, _ := json.Marshal(map[string]any{"absences": lists[c]})
		h.mustCall(200, "PUT", fmt.Sprintf("/api/v1/classes/k%02d/absences/2026-11-30", c), coord, string(body), nil)
	}
	for c := 0; c < classes; c += 2 {
		post(a, c)
	}
	if _, ok := tw.WaitForMessages(40, 20*time.Second); !ok {
		t.Fatalf("the burst did not start: %d messages", len(tw.Messages()))
	}
	// The first's four workers each hang on a send: it claims no more.
	tw.StallNext(2, true)
	tw.StallNext(2, false)
	eventually(t, "four sends of the first replica hanging", func() bool { return tw.Stalled() == 4 })
	hung := time.Now()
	secondStarted := time.Now()
	second := start("second", "NABIJ_CLOCK=2026-11-30T08:49:45+01:00", "NABIJ_TWILIO_TIMEOUT=5s")
	b := &harness{t: t, twilio: tw, url: second.url}
	for c := 1; c < classes; c += 2 {
		post(b, c)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.cmd.Wait()
	killedAt := len(tw.Messages())
	if killedAt >= pupils {
		t.Fatalf("the burst was over (%d) before the kill: nothing tested", killedAt)
	}
	t.Logf("the first replica killed after %d of %d messages, %s after its four sends hung, %s after the second started",
		killedAt, pupils, time.Since(hung).Round(time.Millisecond), time.Since(secondStarted).Round(time.Millisecond))

	// The second sends the rest, settles what the first left "sending"
	// once its grace has passed (the first's lease is gone), and takes the
	// rhythm over.
	if got, ok := tw.WaitForMessages(pupils, 60*time.Second); !ok {
		raw, _ := os.ReadFile(second.logs)
		t.Fatalf("%d of %d messages arrived\n%s", len(got), pupils, raw)
	}
	b.idle(coord)
	seen := map[string]int{}
	for _, m := range tw.Messages() {
		seen[m.To]++
	}
	for to, n := range seen {
		if n != 1 {
			t.Errorf("%s received %d messages", to, n)
		}
	}
	if len(seen) != pupils {
		t.Errorf("%d families reached, want %d", len(seen), pupils)
	}

	// The two hanging sends Twilio had taken were found, not sent again;
	// the two it had not were sent.
	if n := tw.Requests(); n != pupils+2 {
		t.Errorf("the stand-in had %d create requests, want %d (every family once, and the two it never took)", n, pupils+2)
	}
	// The first's four were settled by the second, not by the first: it
	// was killed before its sends' timeout, and the second waited its own
	// timeout and 5 s more.
	raw, _ := os.ReadFile(second.logs)
	if !strings.Contains(string(raw), `"msg":"reconciled messages a replica that is gone left sending","found_at_provider":2,"requeued":2`) {
		t.Error("the second replica's log does not say it settled the first's four messages (two found, two requeued)")
	}
	// The rhythm's jobs at 08:50 by the second's clock (15 s after it
	// started), counted in both replicas' logs.
	for deadline := secondStarted.Add(45 * time.Second); ; {
		raw, _ := os.ReadFile(second.logs)
		if strings.Contains(string(raw), `"job":"end-of-day sweep"`) && strings.Contains(string(raw), `"job":"morning digest"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second replica ran no digest and sweep at 08:50 by its clock")
		}
		time.Sleep(100 * time.Millisecond)
	}
	jobs := map[string]int{}
	for _, r := range []*replica{first, second} {
		raw, _ := os.ReadFile(r.logs)
		for _, line := range strings.Split(string(raw), "\n") {
			var entry struct{ Msg, Job string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "scheduled job done" {
				jobs[entry.Job]++
			}
			if strings.Contains(line, "reconciled") || strings.Contains(line, "rhythm") {
				t.Log(line)
			}
		}
		if strings.Contains(string(raw), "Leerling") || strings.Contains(string(raw), "+316124") {
			t.Errorf("the %s replica's log holds a name or a phone number", r.logs)
		}
	}
	if jobs["morning digest"] != 1 || jobs["end-of-day sweep"] != 1 {
		t.Errorf("the rhythm's jobs ran %v times, want the digest and the sweep once each", jobs)
	}
}

// A reviewer's correction saved on one replica is in force on the other
// within its refresh (5 s): the next alert there carries it.
func TestACorrectionReachesTheOtherReplica(t *testing.T) {
	t.Parallel()
	db := postgresDatabase(t)
	a := startHarness(t, map[string]string{"NABIJ_DATABASE_URL": db})
	b := startHarness(t, map[string]string{"NABIJ_DATABASE_URL": db})
	reviewer := school.User{ID: "u-review", Role: school.RoleReviewer, Language: "ti"}
	forms := map[string]string{"one": tiCorrectedOne, "other": tiCorrectedOther}
	if err := a.srv.svc.CorrectTranslation(context.Background(), reviewer, "alert_absent", forms, nil); err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"School": "ISK Test", "Names": "Amanuel"}
	want, err := a.srv.svc.Translations.Render("ti", "alert_absent", data, 1)
	if err != nil || !strings.Contains(want, "ብደሓን ድዩ?") {
		t.Fatalf("the correction on the replica that saved it: %q %v", want, err)
	}
	// Within its refresh (5 s) and the harness's patience (10 s).
	eventually(t, "the correction in force on the other replica", func() bool {
		got, _ := b.srv.svc.Translations.Render("ti", "alert_absent", data, 1)
		return got == want
	})
}

// A sign-in with the school's accounts that starts on one replica and
// whose callback reaches the other (a round-robin proxy) signs in, and the
// session works on both.
func TestOIDCCallbackOnTheOtherReplica(t *testing.T) {
	t.Parallel()
	db := postgresDatabase(t)
	socket := listen(t)
	public := "http://" + socket.Addr().String() // the address the provider sends browsers back to
	issuer := startOP(t, public+"/auth/oidc/callback", "mentor@school.example")
	env := map[string]string{"NABIJ_DATABASE_URL": db, "NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "NABIJ_PUBLIC_URL": public,
		"NABIJ_OIDC_ISSUER": issuer, "NABIJ_OIDC_CLIENT_ID": opClientID, "NABIJ_OIDC_CLIENT_SECRET": opClientSecret}
	a := startHarnessOn(t, socket, env, nil)
	b := startHarness(t, env)
	a.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	a.mustCall(201, "POST", "/api/v1/users", adminToken, map[string]any{"name": "A. de Vries", "role": "mentor", "classes": []string{"1A"}, "email": "mentor@school.example"}, nil)

	c := oidcClient(t)
	cb := providerLogin(t, a, c, "mentor@school.example") // started on a
	onB, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	onB.Host = strings.TrimPrefix(b.url, "http://")
	code, body, resp := visit(t, c, onB.String())
	if code != http.StatusSeeOther || sessionOf(resp) == "" {
		t.Fatalf("the callback on the other replica: %d, session %v: %.300s", code, sessionOf(resp) != "", body)
	}
	for _, h := range []*harness{a, b} {
		if code, body, _ := visit(t, c, h.url+"/"); code != 200 || !strings.Contains(body, "pupil-1001") {
			t.Errorf("the roll call on %s after the sign-in: %d %.200s", h.url, code, body)
		}
	}
}

// A replica under which a newer nabij migrates the store (a rolling
// upgrade across a schema change) stops sending and ends within its
// refresh (5 s): it would go on writing without what the newer schema
// keeps, as it would refuse the store if it started now.
func TestAReplicaEndsWhenANewerNabijMigratesTheStore(t *testing.T) {
	t.Parallel()
	db := postgresDatabase(t)
	h := startHarness(t, map[string]string{"NABIJ_DATABASE_URL": db})
	select {
	case err := <-h.srv.fatal:
		t.Fatalf("the replica ended before the migration: %v", err)
	case <-time.After(refreshInterval + time.Second):
	}
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	newer := fmt.Sprint(store.SchemaVersion + 1)
	if _, err := conn.Exec(context.Background(), "UPDATE kv SET value = $1 WHERE bucket = 'meta' AND key = 'schema_version'", []byte(newer)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-h.srv.fatal:
		if !errors.Is(err, store.ErrNewerSchema) {
			t.Errorf("the replica ended with %v, want the newer schema named", err)
		}
	case <-time.After(refreshInterval + 5*time.Second):
		t.Fatal("the replica went on on a store a newer nabij had migrated")
	}
}
