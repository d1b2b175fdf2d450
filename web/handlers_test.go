package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// fakeService is the little of Service the handlers under test call; a
// method it does not have panics (the nil Service), so a handler that
// calls more than the test expects fails loudly.
type fakeService struct {
	Service
	user        school.User
	escalations map[string]*protocol.Escalation
	inbox       []store.Inbound
	calls       []string
	err         error // answered by every call but Authenticate when set
}

func (f *fakeService) Authenticate(_ context.Context, token string) (school.User, bool, error) {
	return f.user, token == "good", nil
}

func (f *fakeService) CloseDay(_ context.Context, u school.User, date school.Date, reason string, reopen bool) (*store.ClosedDay, error) {
	f.calls = append(f.calls, fmt.Sprintf("CloseDay %s %q %v", date, reason, reopen))
	if f.err != nil {
		return nil, f.err
	}
	return &store.ClosedDay{Date: date, Reason: reason, By: u.ID, At: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}, nil
}

func (f *fakeService) Reach(_ context.Context, from, to school.Date) (*app.Reach, error) {
	f.calls = append(f.calls, fmt.Sprintf("Reach %s %s", from, to))
	return &app.Reach{From: from, To: to, Rows: []app.ReachRow{}}, f.err
}

func (f *fakeService) Inbox(_ context.Context, _ school.User, date school.Date) ([]store.Inbound, error) {
	f.calls = append(f.calls, fmt.Sprintf("Inbox %s", date))
	return f.inbox, f.err
}

func (f *fakeService) Escalations(_ context.Context, _ app.EscalationFilter) ([]*protocol.Escalation, error) {
	f.calls = append(f.calls, "Escalations")
	out := []*protocol.Escalation{}
	for _, e := range f.escalations {
		out = append(out, e)
	}
	return out, f.err
}

func (f *fakeService) ActOnEscalation(_ context.Context, _ school.User, id, action, _ string) (*protocol.Escalation, error) {
	f.calls = append(f.calls, "ActOnEscalation "+id+" "+action)
	if f.err != nil {
		return nil, f.err
	}
	e, ok := f.escalations[id]
	if !ok {
		// As app answers it: the store's not-found, wrapped with the use case.
		return nil, fmt.Errorf("act on escalation %s: read: %w", id, school.NotFound("escalation %s", id))
	}
	return e, nil
}

// serve runs one request against web with svc, as a coordinator.
func serve(t *testing.T, svc *fakeService, log *bytes.Buffer, method, target, body string) (int, map[string]any) {
	t.Helper()
	if svc.user.ID == "" {
		svc.user = school.User{ID: "u1", Role: school.RoleCoordinator}
	}
	if log == nil {
		log = &bytes.Buffer{}
	}
	srv := New(svc, Config{Registry: prometheus.NewRegistry(), Log: slog.New(slog.NewTextHandler(log, nil))})
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer good")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	var out map[string]any
	if strings.HasPrefix(strings.TrimSpace(rec.Body.String()), "{") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, target, err, rec.Body)
		}
	}
	return rec.Code, out
}

// fields are the fields a 422 names.
func fields(t *testing.T, body map[string]any) []string {
	t.Helper()
	e, _ := body["error"].(map[string]any)
	details, _ := e["details"].([]any)
	var out []string
	for _, d := range details {
		out = append(out, d.(map[string]any)["field"].(string))
	}
	return out
}

// A bad date is refused by web with the field it came in, before app is
// asked anything; a good one reaches app typed.
func TestDatesAreReadByWeb(t *testing.T) {
	for _, tc := range []struct {
		method, target, body string
		fields               []string
	}{
		{"PUT", "/api/v1/calendar/closed/2026-02-30", `{"reason":"storm"}`, []string{"date"}},
		{"DELETE", "/api/v1/calendar/closed/tomorrow", "", []string{"date"}},
		{"GET", "/api/v1/reach?from=2026-12-01", "", []string{"to"}},
		{"GET", "/api/v1/reach?from=x&to=y", "", []string{"from", "to"}},
		{"GET", "/api/v1/inbox?date=4-12-2026", "", []string{"date"}},
	} {
		svc := &fakeService{}
		code, body := serve(t, svc, nil, tc.method, tc.target, tc.body)
		if code != http.StatusUnprocessableEntity || !reflect.DeepEqual(fields(t, body), tc.fields) {
			t.Errorf("%s %s: %d %v, want 422 naming %v", tc.method, tc.target, code, body, tc.fields)
		}
		if len(svc.calls) > 0 {
			t.Errorf("%s %s: app was asked %v", tc.method, tc.target, svc.calls)
		}
	}
	svc := &fakeService{}
	if code, _ := serve(t, svc, nil, "GET", "/api/v1/reach?from=2026-12-01&to=2026-12-04", ""); code != http.StatusOK {
		t.Errorf("reach: %d", code)
	}
	if code, _ := serve(t, svc, nil, "GET", "/api/v1/inbox", ""); code != http.StatusOK {
		t.Errorf("inbox without a date: %d", code)
	}
	if want := []string{"Reach 2026-12-01 2026-12-04", "Inbox " + (school.Date{}).String()}; !reflect.DeepEqual(svc.calls, want) {
		t.Errorf("app was asked %v, want %v", svc.calls, want)
	}
}

// An unknown id is a 404 that says what was not found, however app wrapped
// the error; a typed error found through the wrapping keeps its status.
func TestErrorsFoundThroughTheWrapping(t *testing.T) {
	svc := &fakeService{escalations: map[string]*protocol.Escalation{}}
	code, body := serve(t, svc, nil, "POST", "/api/v1/escalations/e9", `{"action":"acknowledge"}`)
	e, _ := body["error"].(map[string]any)
	if code != http.StatusNotFound || e["code"] != "not_found" || e["message"] != "escalation e9 was not found" {
		t.Errorf("unknown escalation: %d %v", code, body)
	}
	// A conflict is told in the rule's own words, without the use case.
	svc.err = &app.StepError{Op: "close day 2026-12-04", Err: fmt.Errorf("save: %w", fmt.Errorf("%w: closed already", school.ErrConflict))}
	code, body = serve(t, svc, nil, "PUT", "/api/v1/calendar/closed/2026-12-04", `{"reason":"storm"}`)
	if e, _ := body["error"].(map[string]any); code != http.StatusConflict || e["code"] != "conflict" || e["message"] != "save: conflict: closed already" {
		t.Errorf("a wrapped conflict: %d %v", code, body)
	}
	svc.err = fmt.Errorf("close day 2026-12-04: save: %w", &school.ValidationError{Details: []school.FieldError{{Field: "reason", Message: "too long"}}})
	code, body = serve(t, svc, nil, "PUT", "/api/v1/calendar/closed/2026-12-04", `{"reason":"storm"}`)
	if code != http.StatusUnprocessableEntity || !reflect.DeepEqual(fields(t, body), []string{"reason"}) {
		t.Errorf("a wrapped validation error: %d %v", code, body)
	}
}

// A 500's log line says where the error happened: the use case and its
// step, as app wrapped it; the answer says nothing of it.
func TestInternalErrorLogged(t *testing.T) {
	var log bytes.Buffer
	svc := &fakeService{err: fmt.Errorf("close day 2026-12-04: save: %w", fmt.Errorf("disk on fire"))}
	code, body := serve(t, svc, &log, "PUT", "/api/v1/calendar/closed/2026-12-04", `{"reason":"storm"}`)
	if e, _ := body["error"].(map[string]any); code != http.StatusInternalServerError || e["code"] != "internal" || strings.Contains(fmt.Sprint(e["message"]), "disk") {
		t.Errorf("internal error: %d %v", code, body)
	}
	if !strings.Contains(log.String(), "close day 2026-12-04: save: disk on fire") {
		t.Errorf("the log does not name the step:\n%s", log.String())
	}
}

// A write that fails on a full disk is a 500 whose log line names the use
// case, its ids and the step (the commit); the answer says why, not where.
func TestStoreWriteFailureLogNamesTheStep(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 8, 50, 0, 0, time.UTC)
	svc := &app.Service{Store: st, Location: time.UTC, Now: func() time.Time { return now }, Protocol: protocol.Default(),
		Calendar: &school.Calendar{}, Planner: &alerts.Planner{Renderer: &alerts.Renderer{Catalog: cat, School: "ISK"}}}
	roster := &school.Roster{Classes: []school.Class{{ID: "1A"}}, Students: []school.Student{{ID: "1", Name: "Amanuel", Class: "1A",
		BirthDate: school.Date{Year: 2011, Month: 1, Day: 1}, Contacts: []school.Contact{{ID: "c1", Role: school.RoleParent, Name: "m", Phone: "+31612345001"}}}}}
	if err := svc.ReplaceRoster(context.Background(), roster); err != nil {
		t.Fatal(err)
	}
	_, token, err := svc.CreateUser(context.Background(), "C. Jansen", school.RoleCoordinator, nil)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	srv := New(svc, Config{Registry: prometheus.NewRegistry(), Log: slog.New(slog.NewTextHandler(&log, nil))})
	st.SetWriteFault(syscall.ENOSPC)
	req := httptest.NewRequest("PUT", "/api/v1/classes/1A/absences/2026-11-30", strings.NewReader(`{"absences":[{"student":"1","kind":"absent"}]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "store_write_failed") || strings.Contains(rec.Body.String(), "record list") {
		t.Errorf("a list on a full disk: %d %s", rec.Code, rec.Body)
	}
	if want := "record list 1A 2026-11-30: commit: the store could not be written"; !strings.Contains(log.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, log.String())
	}
	if strings.Contains(log.String(), "Amanuel") || strings.Contains(log.String(), "Jansen") || strings.Contains(log.String(), "+316") {
		t.Errorf("the log names a pupil or a number:\n%s", log.String())
	}
}

// The handlers answer the views: the same JSON as the stored structs had.
func TestAnswersMapTheStoredStructs(t *testing.T) {
	due := school.Date{Year: 2026, Month: 12, Day: 11}
	esc := &protocol.Escalation{ID: "e1", Student: "s1", Level: "leerplicht", Rule: "leerplicht-16u-4w", Melding: "16u4w",
		Reason: "16 lesuren", ReasonEN: "16 hours", Status: protocol.StatusOpen, OpenedAt: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC),
		Due: &due, Actions: []protocol.Action{{Action: "acknowledge", By: "u1", At: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}},
		Facts: protocol.Facts{Measure: "hours", Value: 16, Threshold: 16, Dates: []school.Date{{Year: 2026, Month: 12, Day: 1}}}}
	in := store.Inbound{ID: "i1", ProviderID: "SM1", From: "+31612345001", To: "+3197000", Channel: "sms", Body: "2",
		ReceivedAt: time.Date(2026, 12, 4, 9, 5, 0, 0, time.UTC), Kind: "call_back", Students: []string{"s1"}, Date: "2026-12-04"}
	svc := &fakeService{escalations: map[string]*protocol.Escalation{"e1": esc}, inbox: []store.Inbound{in}}
	for _, tc := range []struct {
		target string
		stored any
	}{
		{"/api/v1/escalations", []*protocol.Escalation{esc}},
		{"/api/v1/inbox?date=2026-12-04", []store.Inbound{in}},
	} {
		srv := New(svc, Config{Registry: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler)})
		svc.user = school.User{ID: "u1", Role: school.RoleCoordinator}
		req := httptest.NewRequest("GET", tc.target, nil)
		req.Header.Set("Authorization", "Bearer good")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		want, err := json.Marshal(tc.stored)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusOK || !jsonEqual(t, rec.Body.Bytes(), want) {
			t.Errorf("GET %s: %d\n%s\nwant\n%s", tc.target, rec.Code, rec.Body, want)
		}
	}
}
