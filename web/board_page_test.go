package web

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// The board: today's classes, tasks, absences, replies and cases, names
// escaped, refreshed every minute; its forms reach app and come back.
func TestBoardPage(t *testing.T) {
	s := pageStub(coordinator)
	due := school.Date{Year: 2026, Month: 12, Day: 11}
	s.board = &app.Board{Date: s.today, Posted: []school.Class{{ID: "1A", Name: "ISK 1A"}}, Missing: []school.Class{{ID: "1B", Name: "ISK <1B>"}},
		Absent: []app.BoardRow{{Student: school.Student{ID: "s1", Name: aName, Class: "1A"}, Entry: school.Absence{Kind: school.Absent},
			Messages: []*alerts.Message{{Role: school.RoleParent, Channel: school.ChannelSMS, Status: alerts.StatusFailed, ErrorCode: 30003}}}},
		Tasks: []app.TaskRow{{Task: school.Task{ID: "t1", Kind: school.TaskUnreachable, Student: "s1"}, Name: aName,
			Contacts: []school.Contact{{Name: "Moeder", Phone: "+31612345001"}}}},
		Inbox: []store.Inbound{{Body: "<b>call me</b>", Kind: "text", Students: []string{"s1"}}}, Names: map[string]string{"s1": aName},
		Escalations: []app.EscalationRow{{Name: aName, Escalation: &protocol.Escalation{ID: "e1", Student: "s1", Level: "leerplicht", Status: protocol.StatusOpen,
			Reason: "16 lesuren", ReasonEN: "16 hours in 4 weeks", Due: &due}}},
		Calendar: &app.CalendarNotice{Kind: "ends", Date: school.Date{Year: 2027, Month: 7, Day: 31}, Days: 20}}
	srv, _ := stubServer(s, Config{})
	rec := do(srv, pageRequest("GET", "/board?done=e1", nil))
	isPage(t, "the board", rec, 200, aNameOut, "ISK &lt;1B&gt;", `<body data-refresh="60">`, `<a href="/board">Refresh</a>`, "Case of Noor: open.", "(30003)",
		`href="tel:&#43;31612345001"`, "&lt;b&gt;call me&lt;/b&gt;", "16 hours in 4 weeks", "2026-12-11", `action="/tasks/t1/done"`, `href="/escalations/e1/melding"`)

	s.calls = nil
	isRedirect(t, "an action", do(srv, pageRequest("POST", "/escalations/e1/action", url.Values{"action": {"dismiss"}, "note": {"verhuisd"}})), "/board?done=e1")
	isRedirect(t, "a task done", do(srv, pageRequest("POST", "/tasks/t1/done", url.Values{})), "/board")
	if want := []string{`ActOnEscalation u1 e1 dismiss "verhuisd"`, "TaskDone u1 t1"}; !reflect.DeepEqual(s.calls, want) {
		t.Errorf("app was asked %q, want %q", s.calls, want)
	}
	// The same action a second time (a double tap on a slow phone) is done
	// already: back to the board, as the first; another refused action is
	// still an error.
	again := (&protocol.Escalation{Status: protocol.StatusDismissed}).Apply("dismiss", "u1", "verhuisd", time.Now())
	s.err = &app.StepError{Op: "act on escalation e1", Err: again}
	isRedirect(t, "a second tap", do(srv, pageRequest("POST", "/escalations/e1/action", url.Values{"action": {"dismiss"}, "note": {"verhuisd"}})), "/board?done=e1")
	s.err = nil

	for _, tc := range []struct {
		name, method, target string
		err                  error
		status               int
		text                 string
	}{
		{"an unknown case", "POST", "/escalations/e9/action", fmt.Errorf("act on escalation e9: read: %w", school.NotFound("escalation %s", "e9")), 404, "Not found."},
		{"a case closed", "POST", "/escalations/e1/action", &app.StepError{Op: "act on escalation e1", Err: fmt.Errorf("%w: dismissed cannot be acknowledged", protocol.ErrTransition)}, 409, "dismissed cannot be acknowledged"},
		{"a task gone", "POST", "/tasks/t9/done", school.NotFound("task %s", "t9"), 404, "Not found."},
		{"the board failing", "GET", "/board", &app.StepError{Op: "board", Err: fmt.Errorf("read: disk on fire")}, 500, "Something went wrong in nabij. Nothing was changed."},
		{"an unknown pupil", "GET", "/pupils/s9", school.NotFound("student %s", "s9"), 404, "Not found."},
		{"an unknown melding", "GET", "/escalations/e9/melding", school.NotFound("escalation %s", "e9"), 404, "Not found."},
	} {
		s.err = tc.err
		var form url.Values
		if tc.method == "POST" {
			form = url.Values{"action": {"acknowledge"}}
		}
		rec := do(srv, pageRequest(tc.method, tc.target, form))
		isPage(t, tc.name, rec, tc.status, tc.text)
		if strings.Contains(rec.Body.String(), "disk on fire") {
			t.Errorf("%s: the page tells the internal error", tc.name)
		}
	}
}

// The board says a contact is called from now on only when the store has
// them on calls: a link alone cannot make it say so of a contact still on
// WhatsApp. (Found by a pen test.)
func TestTheBoardSaysAContactIsCalledOnlyWhenItIs(t *testing.T) {
	s := pageStub(coordinator) // c1: Moeder, on WhatsApp
	srv, _ := stubServer(s, Config{})
	if body := do(srv, pageRequest("GET", "/board?called=c1&calls=1000000", nil)).Body.String(); strings.Contains(body, "is called from now on") {
		t.Errorf("the board says a contact on WhatsApp is called, from a link alone")
	}
	s.contact.Contact.Channel = school.ChannelVoice
	isPage(t, "a contact on calls", do(srv, pageRequest("GET", "/board?called=c1", nil)), 200, "Moeder is called from now on")
}

// An error page says what happened in the user's language; the API's
// English specifics (the field and why, the rule a change broke) stand
// beside it, marked as English, and an internal error's are left out.
// (The page showed the API's English message to a Dutch user.)
func TestAnErrorPageSaysWhatHappenedInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	s := pageStub(coordinator)
	srv, _ := stubServer(s, Config{})
	for _, tc := range []struct {
		name   string
		err    error
		status int
		texts  []string
	}{
		{"a case closed", &app.StepError{Op: "act on escalation e1", Err: fmt.Errorf("%w: dismissed cannot be acknowledged", protocol.ErrTransition)}, 409,
			[]string{"Dit signaal heeft intussen een andere status: het is al afgehandeld, of net door een collega veranderd. Uw actie is niet uitgevoerd",
				`Technische details (Engels): <span lang="en" translate="no">action not allowed: dismissed cannot be acknowledged</span>`}},
		{"a bad field", &school.ValidationError{Details: []school.FieldError{{Field: "note", Message: "at most 500 characters"}}}, 422,
			[]string{"Niet opgeslagen: iets in het formulier klopt niet. Er is niets veranderd.",
				`<span lang="en" translate="no">the request has bad fields; nothing was applied · note: at most 500 characters</span>`}},
		{"a full disk", &app.StepError{Op: "act on escalation e1", Err: &store.WriteError{Err: syscall.ENOSPC}}, 500,
			[]string{"nabij kon de gegevens niet wegschrijven (misschien is de schijf vol)", "no space left on device"}},
		{"the store failing", &app.StepError{Op: "act on escalation e1", Err: errors.New("read: disk on fire")}, 500,
			[]string{"Er is iets misgegaan in nabij. Er is niets veranderd."}},
	} {
		s.err = tc.err
		rec := do(srv, pageRequest("POST", "/escalations/e1/action?lang=nl", url.Values{"action": {"acknowledge"}}))
		isPage(t, tc.name, rec, tc.status, tc.texts...)
		for _, english := range []string{"something went wrong", "disk on fire", "Nothing was changed"} {
			if strings.Contains(rec.Body.String(), english) {
				t.Errorf("%s: the Dutch page says %q", tc.name, english)
			}
		}
	}
}
