package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/school"
)

// The fuzz targets feed the request bodies nabij takes from the outside to
// the code that reads them: nothing may panic, and a refusal is an error,
// never a half-applied value. Seeds are in testdata/fuzz/<target>/.

func bodyContext(body string) echo.Context {
	e := echo.New()
	req := httptest.NewRequest(http.MethodPut, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return e.NewContext(req, httptest.NewRecorder())
}

func FuzzListBody(f *testing.F) {
	f.Add(`{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "late", "minutes": 20}]}`)
	f.Add(`{"absences": []}`)
	classOf := func(id string) (string, bool) {
		c, ok := map[string]string{"1001": "1A", "1002": "1A", "2001": "1B"}[id]
		return c, ok
	}
	cal := &school.Calendar{}
	f.Fuzz(func(t *testing.T, body string) {
		var req listRequest
		if err := decode(bodyContext(body), &req); err != nil {
			return
		}
		l := &school.AbsenceList{Class: "1A", Date: school.Date{Year: 2026, Month: 11, Day: 30}, Absences: req.Absences}
		if err := l.Validate(classOf, cal); err == nil {
			for _, a := range l.Absences {
				if c, _ := classOf(a.Student); c != "1A" {
					t.Fatalf("a list with %q of class %q passed", a.Student, c)
				}
			}
		}
	})
}

func FuzzRosterBody(f *testing.F) {
	f.Add(`{"classes": [{"id": "1A", "name": "ISK 1A"}], "students": [{"id": "1", "name": "A", "class": "1A", "birth_date": "2010-01-01",
	  "contacts": [{"id": "c", "role": "parent", "name": "M", "phone": "0612345678", "language": "prs", "channel": "whatsapp"}]}]}`)
	f.Add(`{"students": [{"id": "1", "birth_date": "2010-13-01"}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var req rosterRequest
		if err := decode(bodyContext(body), &req); err != nil {
			return
		}
		r, err := req.roster()
		if err != nil {
			return
		}
		if err := r.Normalize(school.Date{Year: 2026, Month: 11, Day: 30}); err != nil {
			return
		}
		for _, s := range r.Students {
			for _, c := range s.Contacts {
				if !strings.HasPrefix(c.Phone, "+") {
					t.Fatalf("a roster passed with phone %q", c.Phone)
				}
			}
		}
	})
}

// FuzzTwilioWebhook posts forms with signatures to the status webhook:
// whatever the form, only a valid signature reaches the handler.
func FuzzTwilioWebhook(f *testing.F) {
	f.Add("MessageSid=SM1&MessageStatus=delivered", "abc", "/webhooks/twilio/status?x=1")
	f.Add("MessageSid=SM1&MessageStatus=failed&ErrorCode=63016", "", "/webhooks/twilio/status")
	h := &handlers{cfg: Config{PublicURL: "https://nabij.example", TwilioAuthToken: "secret", Registry: prometheus.NewRegistry()},
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.Fuzz(func(t *testing.T, form, sig, path string) {
		if _, err := url.ParseRequestURI(path); err != nil || !strings.HasPrefix(path, "/") {
			return
		}
		e := echo.New()
		req, err := http.NewRequest(http.MethodPost, path, strings.NewReader(form))
		if err != nil || strings.ContainsAny(path, " \t\r\n") {
			return // not a request a client can send
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		c := e.NewContext(req, httptest.NewRecorder())
		reached := false
		err = h.verifyTwilio(func(echo.Context) error { reached = true; return nil })(c)
		if reached {
			vals, _ := url.ParseQuery(form)
			if sig == "" || twiliotest.Sign("secret", "https://nabij.example"+path, vals) != sig {
				t.Fatalf("an unsigned or wrongly signed webhook passed: %q %q", form, sig)
			}
		} else if err == nil {
			t.Fatal("refused without an error")
		}
	})
}
