package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// childEnv makes TestServeChild run `nabij serve` in a child process.
const childEnv = "NABIJ_TEST_SERVE_CHILD"

// TestServeChild is not a test: run as a child process with childEnv set,
// it is `nabij serve` on the environment, so that a crash (SIGBUS, a panic)
// kills the child, not the tests.
func TestServeChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("the child process of the damaged-store tests")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, []string{"serve"}, os.Getenv, io.Discard, os.Stderr))
}

// buildStore writes a real store in dir: a roster of 400 pupils and four
// weeks of their classes' lists, a file of a few hundred pages. It returns
// the size of the data (the file itself is larger: bbolt grows it ahead).
func buildStore(t *testing.T, dir string) int {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &school.Roster{}
	for c := range 16 {
		r.Classes = append(r.Classes, school.Class{ID: fmt.Sprintf("c%d", c), Name: fmt.Sprintf("klas %d", c)})
	}
	for i := range 400 {
		r.Students = append(r.Students, school.Student{ID: fmt.Sprintf("p%04d", i), Name: "x", Class: fmt.Sprintf("c%d", i/25),
			BirthDate: school.Date{Year: 2011, Month: 1, Day: 1},
			Contacts:  []school.Contact{{ID: fmt.Sprintf("k%04d", i), Role: school.RoleParent, Name: "x", Phone: "+31600000000", Language: "ar", Channel: school.ChannelSMS}}})
	}
	if err := st.Update(func(tx *store.Tx) error { return tx.ReplaceRoster(r) }); err != nil {
		t.Fatal(err)
	}
	day := school.Date{Year: 2026, Month: 11, Day: 2}
	for range 20 {
		err := st.Update(func(tx *store.Tx) error {
			for c := range 16 {
				l := &school.AbsenceList{Class: fmt.Sprintf("c%d", c), Date: day}
				for i := c * 25; i < c*25+25; i += 3 {
					l.Absences = append(l.Absences, school.Absence{Student: fmt.Sprintf("p%04d", i), Kind: school.Absent})
				}
				if err := tx.PutAbsenceList(l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if day = day.AddDays(1); day.Weekday() == time.Saturday {
			day = day.AddDays(2)
		}
	}
	n, err := st.Backup(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// damage makes the three stores of issue 14 from the store in good, whose
// data is size bytes: an empty file, a file cut in the middle of its data
// (a disk that filled while copying, say), and a file with 64 KB of garbage
// in the middle of its data.
func damage(t *testing.T, good string, size int) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(good, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	garbage := bytes.Clone(raw)
	rng := rand.New(rand.NewPCG(14, 6))
	for i := size / 2; i < size/2+64<<10 && i < len(raw); i++ {
		garbage[i] = byte(rng.Uint32())
	}
	files := map[string][]byte{"empty": nil, "truncated": raw[:size/2], "garbage": garbage}
	dirs := map[string]string{}
	for name, content := range files {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, store.FileName), content, 0o600); err != nil {
			t.Fatal(err)
		}
		dirs[name] = dir
	}
	return dirs
}

// serveChild runs `nabij serve` on data in a child process until it exits
// or says it listens; it returns the exit code (-1: it started) and stderr.
func serveChild(t *testing.T, data string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "NABIJ_DATA="+data, "NABIJ_ADDR=127.0.0.1:0",
		"NABIJ_METRICS_ADDR=127.0.0.1:0", "NABIJ_ADMIN_TOKEN="+adminToken, "NABIJ_CLOCK="+monday.Format(time.RFC3339))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	started := make(chan bool, 1)
	go func() {
		s := bufio.NewScanner(stderr)
		s.Buffer(nil, 1<<20)
		listening := false
		for s.Scan() {
			out.WriteString(s.Text() + "\n")
			if !listening && strings.Contains(s.Text(), "nabij listening") {
				listening = true
				started <- true
			}
		}
		started <- false
	}()
	select {
	case ok := <-started:
		if ok {
			cmd.Process.Signal(syscall.SIGTERM)
			<-started // stderr closed: the child is gone
			cmd.Wait()
			return -1, out.String()
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-started
		cmd.Wait()
		t.Fatalf("the child neither started nor exited in a minute: %s", out.String())
	}
	cmd.Wait()
	return cmd.ProcessState.ExitCode(), out.String()
}

// TestDamagedStoreRefused: an existing store that is empty, truncated or
// has garbage in it is refused at start with one readable line and exit
// code 1: no fresh install over it, no SIGBUS, no panic in the sweep.
func TestDamagedStoreRefused(t *testing.T) {
	t.Parallel()
	good := t.TempDir()
	size := buildStore(t, good)
	for name, dir := range damage(t, good, size) {
		t.Run(name, func(t *testing.T) {
			code, stderr := serveChild(t, dir)
			if code == -1 {
				t.Fatalf("nabij started on the %s store:\n%s", name, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != 1 || len(lines) != 1 {
				t.Fatalf("exit %d, %d lines on stderr, want 1 and one line:\n%s", code, len(lines), stderr)
			}
			for _, bad := range []string{"goroutine", "panic", "SIGBUS", "signal"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr has %q: %s", bad, stderr)
				}
			}
			if !strings.Contains(stderr, "damaged") || !strings.Contains(stderr, "nabij restore") {
				t.Errorf("stderr does not say the store is damaged and how to restore: %s", stderr)
			}
			t.Logf("%s: %s", name, lines[0])
		})
	}
	// The way out the line names works: a backup restored over the damaged
	// (here: empty) store, no --force needed, and nabij opens it.
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := copyFile(filepath.Join(good, store.FileName), backup); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, store.FileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return map[string]string{"NABIJ_DATA": empty}[k] }
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"restore", backup}, getenv, &out, &errOut); code != 0 {
		t.Fatalf("restore over an empty store: exit %d: %s", code, errOut.String())
	}
	st, err := store.Open(empty)
	if err != nil {
		t.Fatalf("the restored store: %v", err)
	}
	defer st.Close()
	var n int
	st.View(func(tx *store.Tx) error {
		r, err := tx.Roster()
		if r != nil {
			n = len(r.Students)
		}
		return err
	})
	if n != 400 {
		t.Errorf("restored roster: %d pupils, want 400", n)
	}
}

func copyFile(from, to string) error {
	raw, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, raw, 0o600)
}

// TestBackupOfADamagedStoreRefused: `nabij backup` checks the copy and
// fails loudly, leaving no file, when it does not pass: a stopped store
// read directly, and a copy downloaded from a service.
func TestBackupOfADamagedStoreRefused(t *testing.T) {
	t.Parallel()
	good := t.TempDir()
	size := buildStore(t, good)
	bad := damage(t, good, size)["garbage"]
	target := filepath.Join(t.TempDir(), "backup.db")
	getenv := func(k string) string { return map[string]string{"NABIJ_DATA": bad, "NABIJ_ADMIN_TOKEN": adminToken}[k] }
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"backup", target}, getenv, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "damaged") {
		t.Errorf("backup of a damaged stopped store: exit %d, %q %q; want 1 and 'damaged'", code, out.String(), errOut.String())
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a backup file was written")
	}

	// A service (here a stand-in) holds its store and hands out a damaged copy.
	heldDir := t.TempDir()
	held, err := store.Open(heldDir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	raw, err := os.ReadFile(filepath.Join(bad, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(raw) }))
	defer svc.Close()
	getenv = func(k string) string {
		return map[string]string{"NABIJ_DATA": heldDir, "NABIJ_ADMIN_TOKEN": adminToken}[k]
	}
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"backup", target, "--url", svc.URL}, getenv, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "damaged") {
		t.Errorf("backup of a damaged download: exit %d, %q %q; want 1 and 'damaged'", code, out.String(), errOut.String())
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a backup file was written")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(target), ".nabij-backup-*"))
	if len(left) > 0 {
		t.Errorf("partial backups left: %v", left)
	}

	// A download of a whole store cut short (the connection dropped, a
	// proxy's limit): the copy is refused, not read past its end.
	whole, err := os.ReadFile(filepath.Join(good, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(whole[:size/2]) }))
	defer cut.Close()
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"backup", target, "--url", cut.URL}, getenv, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "cut short") {
		t.Errorf("backup of a download cut short: exit %d, %q %q; want 1 and 'cut short'", code, out.String(), errOut.String())
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a backup file was written")
	}

	// A damaged backup is not restored.
	damagedBackup := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(damagedBackup, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	into := t.TempDir()
	getenv = func(k string) string { return map[string]string{"NABIJ_DATA": into}[k] }
	errOut.Reset()
	if code := run(context.Background(), []string{"restore", damagedBackup}, getenv, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "damaged") {
		t.Errorf("restore of a damaged backup: exit %d, %q; want 1 and 'damaged'", code, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(into, store.FileName)); err == nil {
		t.Error("a damaged backup was restored")
	}
}

// TestFullDiskIsShown: while the store cannot be written (a full disk,
// injected: every commit fails with ENOSPC), a write's 500 says so,
// /healthz is degraded with the error, /metrics counts the failed writes,
// and a read of pupils' data, whose audit entry cannot be written, is
// refused. When writes succeed again, all of it is back to normal.
func TestFullDiskIsShown(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	const list = "/api/v1/classes/1A/absences/2026-11-30"
	h.mustCall(200, "PUT", list, coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)

	h.srv.store.SetWriteFault(syscall.ENOSPC)
	var failed struct {
		Error struct{ Code, Message string }
	}
	if code := h.call("PUT", list, coord, `{"absences": [{"student": "1002", "kind": "absent"}]}`, &failed); code != 500 {
		t.Errorf("a write on a full disk: %d, want 500", code)
	}
	if failed.Error.Code != "store_write_failed" || !strings.Contains(failed.Error.Message, "could not be written") ||
		!strings.Contains(failed.Error.Message, "no space left on device") {
		t.Errorf("the write's 500: %+v; want code store_write_failed saying the store could not be written, and why", failed.Error)
	}

	health := func() (string, []struct{ Part, Error string }) {
		t.Helper()
		var v struct {
			Status   string
			Problems []struct{ Part, Error string }
		}
		h.mustCall(200, "GET", "/healthz", "", nil, &v)
		return v.Status, v.Problems
	}
	status, problems := health()
	if status != "degraded" || len(problems) != 1 || problems[0].Part != "store" || !strings.Contains(problems[0].Error, "no space left on device") {
		t.Errorf("/healthz on a full disk: %s %+v; want degraded, the store, and the error", status, problems)
	}

	failures := metricValue(t, h, "nabij_store_write_failures_total")
	if failures < 1 {
		t.Errorf("nabij_store_write_failures_total = %v on a full disk, want at least 1", failures)
	}

	// The audit log promises every read of pupils' data is recorded: a read
	// that cannot be is refused, without the data.
	req, _ := http.NewRequest("GET", h.url+list, nil)
	req.Header.Set("Authorization", "Bearer "+coord)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "audit_unwritable") || strings.Contains(string(body), "1001") {
		t.Errorf("a pupil read whose audit entry cannot be written: %d %s; want 503 audit_unwritable without the list", resp.StatusCode, body)
	}

	// The disk has room again: /healthz finds it (it tries a write), and
	// writes and reads work.
	h.srv.store.SetWriteFault(nil)
	if status, problems := health(); status != "ok" {
		t.Errorf("/healthz after the disk has room again: %s %+v", status, problems)
	}
	h.mustCall(200, "PUT", list, coord, `{"absences": [{"student": "1002", "kind": "absent"}]}`, nil)
	var got struct{ Absences []struct{ Student string } }
	h.mustCall(200, "GET", list, coord, nil, &got)
	if len(got.Absences) != 1 || got.Absences[0].Student != "1002" {
		t.Errorf("the list after the disk has room again: %+v", got)
	}
	var audit []struct{ Action string }
	h.mustCall(200, "GET", "/api/v1/admin/audit", adminToken, nil, &audit)
	reads := 0
	for _, e := range audit {
		if e.Action == "GET /api/v1/classes/:class/absences/:date" {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("%d reads of the list in the audit log, want 1 (the refused one is not a read)", reads)
	}
}

// TestFullDiskRefusesAPageRead: a staff page is a read of pupils' data
// too; while its audit entry cannot be written, the coordinator's board is
// refused in plain words, not shown unrecorded.
func TestFullDiskRefusesAPageRead(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	h.createUser("C. Jansen", "coordinator")
	coord := newStaff(h)
	if code := coord.signIn(h.signInLink(h.userID("C. Jansen"))); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	if code, _ := coord.get("/board"); code != 200 {
		t.Fatalf("the board: %d", code)
	}
	h.srv.store.SetWriteFault(syscall.ENOSPC)
	code, body := coord.get("/board")
	if code != 503 || !strings.Contains(body, "cannot record who reads it") || strings.Contains(body, "<html") {
		t.Errorf("the board on a full disk: %d %.200s; want 503 in plain words", code, body)
	}
	h.srv.store.SetWriteFault(nil)
	if code, _ := coord.get("/board"); code != 200 {
		t.Errorf("the board once the disk has room: %d", code)
	}
}
