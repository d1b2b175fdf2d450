package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// /healthz: ok with the calendar's warnings, degraded (still 200) while a
// part fails, 503 when the store does not answer.
func TestHealthz(t *testing.T) {
	var storeErr, sendErr error
	s := &stub{}
	srv, log := stubServer(s, Config{Health: func() error { return storeErr },
		Degraded: []HealthCheck{{Part: "sending", Check: func() error { return sendErr }}}})
	read := func() (int, healthView) {
		rec := do(srv, httptestRequest("GET", "/healthz"))
		var v healthView
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("healthz: %v %s", err, rec.Body)
		}
		return rec.Code, v
	}
	if code, v := read(); code != 200 || v.Status != "ok" || len(v.Problems) != 0 || !reflect.DeepEqual(v.Warnings, s.CalendarWarnings()) {
		t.Errorf("healthy: %d %+v", code, v)
	}
	sendErr = errors.New("Twilio refuses the account (20003)")
	if code, v := read(); code != 200 || v.Status != "degraded" || !reflect.DeepEqual(v.Problems, []healthProblem{{"sending", "Twilio refuses the account (20003)"}}) {
		t.Errorf("degraded: %d %+v", code, v)
	}
	storeErr = errors.New("the store is closed")
	if code, v := read(); code != 503 || v.Status != "unavailable" || len(v.Problems) != 0 {
		t.Errorf("unavailable: %d %+v", code, v)
	}
	if !strings.Contains(log.String(), "the store is closed") {
		t.Errorf("the failed health check is not logged:\n%s", log)
	}
}

// /metrics on the main address is the admin's; otherwise it is not there.
func TestMetricsOnMain(t *testing.T) {
	s := &stub{user: coordinator}
	srv, _ := stubServer(s, Config{MetricsOnMain: true})
	if rec := do(srv, apiRequest("GET", "/metrics", "")); rec.Code != 403 {
		t.Errorf("metrics for a coordinator: %d", rec.Code)
	}
	s.user = admin
	if rec := do(srv, apiRequest("GET", "/metrics", "")); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("metrics for the admin: %d %v", rec.Code, rec.Header())
	}
	srv, _ = stubServer(s, Config{})
	// Not a route: the pages' sign-in answers it, as any unknown path.
	if rec := do(srv, apiRequest("GET", "/metrics", "")); rec.Code == 200 || strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("metrics on their own address: %d %v on the main one", rec.Code, rec.Header())
	}
}

// The backup is the store's copy as an attachment; a copy that fails half
// way is cut short (the status is out) and logged.
func TestBackupDownload(t *testing.T) {
	var fail error
	s := &stub{user: admin}
	srv, log := stubServer(s, Config{Backup: func(w io.Writer) (int64, error) {
		n, _ := io.WriteString(w, "bbolt pages")
		return int64(n), fail
	}})
	rec := do(srv, apiRequest("GET", "/api/v1/admin/backup", ""))
	if rec.Code != 200 || rec.Body.String() != "bbolt pages" || rec.Header().Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(rec.Header().Get("Content-Disposition"), `attachment; filename="nabij-`) {
		t.Errorf("backup: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	fail = errors.New("read page 7: i/o error")
	rec = do(srv, apiRequest("GET", "/api/v1/admin/backup", ""))
	if rec.Code != 200 || !strings.Contains(log.String(), "backup failed") || !strings.Contains(log.String(), "i/o error") {
		t.Errorf("a failed backup: %d, log:\n%s", rec.Code, log)
	}
	s.user = coordinator
	if rec := do(srv, apiRequest("GET", "/api/v1/admin/backup", "")); rec.Code != 403 || strings.Contains(rec.Body.String(), "bbolt") {
		t.Errorf("backup for a coordinator: %d %s", rec.Code, rec.Body)
	}
}

// Every staff request is recorded: who, the route, its ids and filters,
// and the status. A read whose entry cannot be written is refused, 503,
// nothing of it sent; a change whose entry cannot be written was made, and
// the failure is logged.
func TestAuditedRequests(t *testing.T) {
	var entries []store.AuditEntry
	var auditErr error
	s := &stub{user: coordinator, list: &school.AbsenceList{Class: "1A", Absences: []school.Absence{{Student: "secret-pupil-id", Kind: school.Absent}}},
		pupil: &app.PupilPage{Student: school.Student{ID: "s1", Name: "Amanuel"}}}
	loc := time.FixedZone("CET", 3600)
	srv, log := stubServer(s, Config{Location: loc, Backup: func(w io.Writer) (int64, error) {
		n, _ := io.WriteString(w, "bbolt pages")
		return int64(n), nil
	}, Audit: func(e store.AuditEntry) error {
		entries = append(entries, e)
		return auditErr
	}})

	rec := do(srv, apiRequest("GET", "/api/v1/classes/1A/absences/2026-12-04?student=s1", ""))
	if rec.Code != 200 || len(entries) != 1 {
		t.Fatalf("a read: %d, %d entries", rec.Code, len(entries))
	}
	e := entries[0]
	if e.User != "u1" || e.Role != "coordinator" || e.Action != "GET /api/v1/classes/:class/absences/:date" || e.Status != 200 ||
		!reflect.DeepEqual(e.Target, map[string]string{"class": "1A", "date": "2026-12-04", "student": "s1"}) || e.At.Location() != loc {
		t.Errorf("the entry of a read: %+v", e)
	}

	// A change that app refused is recorded with the refusal's status.
	s.err = fmt.Errorf("act on escalation e9: read: %w", school.NotFound("escalation %s", "e9"))
	do(srv, apiRequest("POST", "/api/v1/escalations/e9", `{"action":"acknowledge"}`))
	if e := entries[len(entries)-1]; e.Action != "POST /api/v1/escalations/:id" || e.Status != 404 || e.Target["id"] != "e9" {
		t.Errorf("the entry of a refused change: %+v", e)
	}
	s.err = nil

	// No user, no entry.
	n := len(entries)
	req := apiRequest("GET", "/api/v1/tasks", "")
	req.Header.Set("Authorization", "Bearer bad")
	if rec := do(srv, req); rec.Code != 401 || len(entries) != n {
		t.Errorf("a wrong token: %d, recorded %v", rec.Code, entries[n:])
	}

	auditErr = &store.WriteError{Err: syscall.ENOSPC}
	rec = do(srv, apiRequest("GET", "/api/v1/classes/1A/absences/2026-12-04", ""))
	if e := errorOf(t, rec); rec.Code != 503 || e.Code != "audit_unwritable" || !strings.Contains(e.Message, "no space left on device") ||
		strings.Contains(rec.Body.String(), "secret-pupil-id") {
		t.Errorf("a read not recorded: %d %s", rec.Code, rec.Body)
	}
	s.user = admin
	rec = do(srv, apiRequest("GET", "/api/v1/admin/backup", ""))
	if rec.Code != 503 || strings.Contains(rec.Body.String(), "bbolt") || rec.Header().Get("Content-Disposition") != "" {
		t.Errorf("a backup not recorded: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	head := apiRequest("HEAD", "/api/v1/users", "")
	if rec := do(srv, head); rec.Code != 503 || rec.Body.Len() != 0 {
		t.Errorf("a HEAD not recorded: %d %q", rec.Code, rec.Body)
	}
	s.user = coordinator
	rec = do(srv, pageRequest("GET", "/pupils/s1", nil))
	if rec.Code != 503 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") || !strings.Contains(rec.Body.String(), "cannot record who reads it") ||
		strings.Contains(rec.Body.String(), "Amanuel") {
		t.Errorf("a page not recorded: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}

	s.calls = nil
	s.user = admin
	rec = do(srv, apiRequest("POST", "/api/v1/users/u2/enable", ""))
	if rec.Code != 200 || !reflect.DeepEqual(s.calls, []string{"EnableUser u2"}) || !strings.Contains(log.String(), "audit log write failed") {
		t.Errorf("a change not recorded: %d %v, log:\n%s", rec.Code, s.calls, log)
	}
}

// The audit log: from and to as dates (to the day's end) or RFC 3339
// times, the user trimmed, a limit; no entries is an empty list.
func TestAuditLogQuery(t *testing.T) {
	type query struct {
		from, to time.Time
		user     string
		limit    int
	}
	var got query
	var out []store.AuditEntry
	s := &stub{user: admin}
	srv, _ := stubServer(s, Config{AuditLog: func(from, to time.Time, user string, limit int) ([]store.AuditEntry, error) {
		got = query{from, to, user, limit}
		return out, nil
	}})
	rec := do(srv, apiRequest("GET", "/api/v1/admin/audit?from=2026-12-01&to=2026-12-03&user=+u2+&limit=50", ""))
	want := query{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond), "u2", 50}
	if rec.Code != 200 || got != want || rec.Body.String() != "[]\n" {
		t.Errorf("dates: %d %s, asked %+v, want %+v", rec.Code, rec.Body, got, want)
	}
	out = []store.AuditEntry{{At: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC), User: "u2", Role: "mentor", Action: "GET /api/v1/messages", Status: 200}}
	rec = do(srv, apiRequest("GET", "/api/v1/admin/audit?from="+url.QueryEscape("2026-12-02T07:30:00+01:00"), ""))
	if rec.Code != 200 || !got.from.Equal(time.Date(2026, 12, 2, 6, 30, 0, 0, time.UTC)) || got.limit != 1000 || time.Since(got.to) > time.Minute ||
		!strings.Contains(rec.Body.String(), `"action":"GET /api/v1/messages"`) {
		t.Errorf("a time: %d %s, asked %+v", rec.Code, rec.Body, got)
	}
	before := time.Now()
	do(srv, apiRequest("GET", "/api/v1/admin/audit", ""))
	if d := before.Sub(got.from); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour+time.Minute {
		t.Errorf("the default period starts %s before now, want a week", d)
	}
}

// The languages nabij writes, and a language's every message as a family
// reads it, with the names given.
func TestLanguagesAndPreview(t *testing.T) {
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &stub{user: coordinator}
	srv, _ := stubServer(s, Config{Catalog: cat, SchoolName: "ISK Noord"})
	rec := do(srv, apiRequest("GET", "/api/v1/translations", ""))
	var langs []languageView
	if err := json.Unmarshal(rec.Body.Bytes(), &langs); rec.Code != 200 || err != nil || len(langs) != len(cat.Languages()) || len(langs) < 20 {
		t.Fatalf("languages: %d %v %.200s", rec.Code, err, rec.Body)
	}

	rec = do(srv, apiRequest("GET", "/api/v1/translations/nl/preview?names=Selam,Noor", ""))
	var p struct {
		Tag     string         `json:"tag"`
		Entries []previewEntry `json:"entries"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); rec.Code != 200 || err != nil || p.Tag != "nl" || len(p.Entries) != len(cat.Keys()) {
		t.Fatalf("preview: %d %v %.300s", rec.Code, err, rec.Body)
	}
	named := false
	for _, e := range p.Entries {
		if e.Segments < 1 || e.Encoding == "" {
			t.Errorf("%s: %d segments in %q", e.Key, e.Segments, e.Encoding)
		}
		named = named || (strings.Contains(e.Text, "Selam") && strings.Contains(e.Text, "Noor") && strings.Contains(e.Text, "ISK Noord"))
	}
	if !named {
		t.Errorf("no message names both pupils and the school: %+v", p.Entries)
	}
	rec = do(srv, apiRequest("GET", "/api/v1/translations/tlh/preview", ""))
	if e := errorOf(t, rec); rec.Code != 404 || e.Code != "not_found" || !strings.Contains(e.Message, "tlh") {
		t.Errorf("a language nabij does not write: %d %s", rec.Code, rec.Body)
	}
}

func httptestRequest(method, target string) *http.Request {
	req, _ := http.NewRequest(method, target, nil)
	req.RemoteAddr = "192.0.2.1:1234"
	return req
}
