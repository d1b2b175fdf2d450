package web

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
	"github.com/nabij-isk/nabij/voice"
)

// laterFails is the stub where a page's first step succeeds and a later
// one fails.
type laterFails struct {
	*stub
	setEmailErr, signInLinkErr, usersErr error
}

func (l *laterFails) SetEmail(ctx context.Context, id, email string) (school.User, error) {
	u, _ := l.stub.SetEmail(ctx, id, email)
	return u, l.setEmailErr
}

func (l *laterFails) SignInLink(ctx context.Context, id string) (string, time.Time, error) {
	s, t, _ := l.stub.SignInLink(ctx, id)
	return s, t, l.signInLinkErr
}

func (l *laterFails) Users(ctx context.Context) ([]school.User, error) {
	u, _ := l.stub.Users(ctx)
	return u, l.usersErr
}

// "Er is niets veranderd" must be true when it is said: here the change
// was made, and a later step of the same page failed; the page says what
// was made. (Found by a review of the Dutch error pages.)
func TestNothingChangedIsNotSaidAfterAChange(t *testing.T) {
	full := &store.WriteError{Err: syscall.ENOSPC}
	for _, tc := range []struct {
		name, target string
		form         url.Values
		l            *laterFails
		changed      string
	}{
		{"a user created, the e-mail not stored", "/admin/users?lang=nl",
			url.Values{"name": {"B. Bakker"}, "role": {"mentor"}, "email": {"b@school.nl"}},
			&laterFails{stub: pageStub(admin), setEmailErr: full}, "CreateUser"},
		{"a user created, the e-mail taken meanwhile", "/admin/users?lang=nl",
			url.Values{"name": {"B. Bakker"}, "role": {"mentor"}, "email": {"b@school.nl"}},
			&laterFails{stub: pageStub(admin), setEmailErr: errors.Join(school.ErrConflict, errors.New("user u3 already has this email"))}, "CreateUser"},
		{"a user created, no link made", "/admin/users?lang=nl",
			url.Values{"name": {"B. Bakker"}, "role": {"mentor"}},
			&laterFails{stub: pageStub(admin), signInLinkErr: errors.New("read: disk on fire")}, "CreateUser"},
		{"a user disabled, the page not read again", "/admin/users/u2/disable?lang=nl", url.Values{},
			&laterFails{stub: pageStub(admin), usersErr: errors.New("read: disk on fire")}, "DisableUser"},
	} {
		srv := New(tc.l, Config{Registry: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler)})
		rec := do(srv, pageRequest("POST", tc.target, tc.form))
		made := strings.Contains(strings.Join(tc.l.calls, "\n"), tc.changed)
		if made && strings.Contains(rec.Body.String(), "Er is niets veranderd") {
			t.Errorf("%s: %s succeeded, and the %d page says %q", tc.name, tc.changed, rec.Code, between(rec.Body.String(), `role="alert">`, "</p>"))
		}
	}
}

func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	before, _, _ := strings.Cut(after, to)
	return before
}

// The 409 text must describe the conflict: these are not "done already,
// or changed by someone else just now", and reopening the page does not
// help; only a case's changed status is that. (Found by the same review.)
func TestAConflictsTextFitsTheConflict(t *testing.T) {
	for _, tc := range []struct {
		name, method, target string
		user                 school.User
		err                  error
	}{
		{"disabling oneself", "POST", "/admin/users/a1/disable?lang=nl", admin,
			errors.Join(school.ErrConflict, errors.New("you cannot disable yourself; another admin can"))},
		{"the last admin", "POST", "/admin/users/a2/disable?lang=nl", admin,
			errors.Join(school.ErrConflict, errors.New("user a2 is the last enabled admin; make or enable another admin first"))},
		{"a melding of a mentor-level case", "GET", "/escalations/e1/melding?lang=nl", coordinator,
			errors.Join(school.ErrConflict, errors.New("a DUO melding is for leerplicht and rmc cases; e1 is a mentor case"))},
		{"an e-mail another user has", "POST", "/admin/users?lang=nl", admin,
			errors.Join(school.ErrConflict, errors.New("user u3 already has this email"))},
	} {
		s := pageStub(tc.user)
		s.err = tc.err
		srv, _ := stubServer(s, Config{})
		var form url.Values
		if tc.method == "POST" {
			form = url.Values{"name": {"B. Bakker"}, "role": {"mentor"}, "email": {"b@school.nl"}}
		}
		rec := do(srv, pageRequest(tc.method, tc.target, form))
		if body := rec.Body.String(); strings.Contains(body, "het is al gedaan, of net door iemand anders veranderd") {
			t.Errorf("%s: %d page says %q", tc.name, rec.Code, between(body, `role="alert">`, "</p>"))
		}
	}
}

// An expired preview is the most common refusal on the admin page: the
// Dutch page says what to do, not only the English detail.
func TestAGonePreviewSaysInDutchWhatToDo(t *testing.T) {
	s := pageStub(admin)
	s.err = app.ErrRosterImportGone
	srv, _ := stubServer(s, Config{})
	rec := do(srv, pageRequest("POST", "/admin/roster/apply?lang=nl", url.Values{"import": {"ri-1"}}))
	if msg := between(rec.Body.String(), `role="alert">`, "</p>"); !strings.Contains(msg, "opnieuw") {
		t.Errorf("%d: the Dutch message is %q; what to do is only in English: %q", rec.Code, msg, between(rec.Body.String(), `translate="no">`, "</span>"))
	}
}

// A refused "mark as reviewed" says so in the user's language; the
// checks' English words stand under it, marked (they were the alert,
// unmarked).
func TestAReviewRefusalIsNotUnmarkedEnglish(t *testing.T) {
	s := pageStub(reviewer)
	s.reviewErr = &translations.RefusedError{Tag: "ti", Problems: []string{"absent_one: the placeholder {{.Name}} is missing"}}
	srv, _ := stubServer(s, Config{})
	rec := do(srv, pageRequest("POST", "/review/done?lang=nl", url.Values{}))
	msg := between(rec.Body.String(), `role="alert">`, "</p>")
	if strings.Contains(msg, "refused") {
		t.Errorf("%d: a Dutch page's alert is English without lang=\"en\": %q", rec.Code, msg)
	}
}

// A refused roll call's English details follow the Dutch message marked
// as English (they were appended unmarked).
func TestARefusedRollCallsDetailsAreMarked(t *testing.T) {
	s := pageStub(mentor)
	s.recordErr = &school.ValidationError{Details: []school.FieldError{{Field: "absences[0].student", Message: "s9 is not in class 1A"}}}
	srv, _ := stubServer(s, Config{})
	rec := do(srv, pageRequest("POST", "/rollcall/1A?lang=nl", url.Values{"date": {s.today.String()}, "student": {"s9"}, "kind-s9": {"absent"}}))
	msg := between(rec.Body.String(), `<p class="error" role="alert">`, "</p>")
	if strings.Contains(msg, "is not in class") && !strings.Contains(msg, `lang="en"`) {
		t.Errorf("%d: %q", rec.Code, msg)
	}
}

// A OneRoster zip that lacks only classes.csv: the Dutch text must not
// say both files are missing (it did).
func TestAZipWithoutClassesSaysSo(t *testing.T) {
	files, _ := filepath.Glob("../rosterimport/testdata/oneroster11/*.csv")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range files {
		if filepath.Base(name) == "classes.csv" {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(filepath.Base(name))
		w.Write(data)
	}
	zw.Close()
	res, err := rosterimport.ParseOneRoster(bytes.NewReader(buf.Bytes()), int64(buf.Len()), school.Date{Year: 2026, Month: 12, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		if e.Problem == nil || e.Problem.ID != "oneroster_no_enrollments" {
			continue
		}
		nl, _ := sayProblem(i18n.NewLocalizer(uiBundle, "nl"), "nl", e.Problem, e.Message)
		if strings.Contains(nl, "ontbreken classes.csv en enrollments.csv") {
			t.Errorf("the zip has enrollments.csv, and the admin reads %q", nl)
		}
	}
}

type phoneRefused struct{ *stub }

func (p phoneRefused) RecordByPhone(ctx context.Context, u school.User, lang string, kind voice.Kind, spokenBy, phone string) (app.PhoneRecording, error) {
	// What app.RecordByPhone answers for a landline.
	_, perr := school.NormalizePhone(phone)
	return app.PhoneRecording{}, &school.ValidationError{Details: []school.FieldError{school.FieldErrorOf("phone", perr)}}
}

// Recording by phone from a landline: the admin page's refusal says the
// problem in Dutch (problem_phone_landline), not the API's English after a
// Dutch "Niet aangenomen:", unmarked, as it did.
func TestAVoiceRefusalIsNotUnmarkedEnglish(t *testing.T) {
	srv := New(phoneRefused{pageStub(admin)}, Config{Catalog: mustCatalog(t), Registry: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler)})
	rec := do(srv, pageRequest("POST", "/admin/recordings/call?lang=nl", url.Values{"language": {"ti"}, "kind": {"absent"}, "spoken_by": {"M."}, "phone": {"0501234567"}}))
	msg := between(rec.Body.String(), `<div class="error" role="alert">`, "</div>")
	if strings.Contains(msg, "landline") {
		t.Errorf("%d: %q", rec.Code, msg)
	}
}

// A user made and their sign-in link made, then the admin page cannot be
// read again: the page shows the link (it is shown this once) and says the
// rest could not be read, not that nothing changed. (Found by a review.)
func TestAUserMadeWithALinkWhosePageCannotBeRead(t *testing.T) {
	l := &laterFails{stub: pageStub(admin), usersErr: errors.New("read: disk on fire")}
	srv := New(l, Config{Registry: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler)})
	rec := do(srv, pageRequest("POST", "/admin/users?lang=nl", url.Values{"name": {"B. Bakker"}, "role": {"mentor"}}))
	body := rec.Body.String()
	if strings.Contains(body, "Er is niets veranderd") || !strings.Contains(body, "/signin/") || !strings.Contains(body, "B. Bakker") ||
		!strings.Contains(body, "de rest van de beheerpagina kon nu niet worden gelezen") {
		t.Errorf("calls %q: the %d page says %q\n%s", l.calls, rec.Code, between(body, `role="alert">`, "</p>"), body)
	}
}

// A token rotated (the old one no longer works, the new one is shown only
// now), then the admin page cannot be read again: the new token is shown,
// not lost in a silent redirect. (Found by the same review.)
func TestARotatedTokenIsShownWhenThePageCannotBeRead(t *testing.T) {
	l := &laterFails{stub: pageStub(admin), usersErr: errors.New("read: disk on fire")}
	srv := New(l, Config{Registry: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler)})
	rec := do(srv, pageRequest("POST", "/admin/users/u2/token?lang=nl", url.Values{}))
	if !strings.Contains(strings.Join(l.calls, "\n"), "RotateToken") {
		t.Fatalf("calls %q", l.calls)
	}
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "new-token-u2") || !strings.Contains(body, "kon nu niet worden gelezen") {
		t.Errorf("the token was rotated; the answer is %d to %q: %q", rec.Code, rec.Header().Get("Location"), body)
	}
}
