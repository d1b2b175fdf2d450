package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/store"
)

// The roster file API: the body is read whole before the file is (a zip is
// read from its end), past its first MB from a temporary file; what app
// answers is mapped to the view, its errors to 400 and 404.
func TestRosterImportAPI(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	svc := &app.Service{Store: st, Location: time.UTC, Now: func() time.Time { return now }}
	token := strings.Repeat("t", 32)
	srv := New(svc, Config{AdminToken: token, Registry: prometheus.NewRegistry(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	post := func(path, body string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/octet-stream")
		req.ContentLength = -1 // as a chunked body: only the read can find it too large
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	csv := "leerlingnummer;roepnaam;achternaam;geboortedatum;klas;verzorger;relatie;telefoon;taal\n" +
		"1001;Amanuel;T.;04-03-2010;1A;Voogd;voogd;0612345002;nl\n"

	for name, c := range map[string]struct {
		body string
		want int
	}{
		"an empty body":                {"", 400},
		"no roster":                    {"nothing to see\n", 400},
		"a bad row":                    {csv + "1002;Layla;H.;31-02-2011;1A;Moeder;ouder;0612345003;ar\n", 200},
		"over the server's body limit": {strings.Repeat("x", 17<<20), 413}, // sent without its length: cut while spooled
	} {
		code, body := post("/api/v1/roster/imports", c.body)
		if code != c.want {
			t.Errorf("%s: %d %s, want %d", name, code, body, c.want)
		}
		if name == "a bad row" && (strings.Contains(body, `"id"`) || !strings.Contains(body, `"row":3`)) {
			t.Errorf("a bad row: %s, want row 3 named and no id", body)
		}
	}

	// A name over the alerts' budget: the preview names the pupil, as a
	// warning (the file has an id, to apply).
	long := csv + "1002;Mohammed Abdirahman;Abdullahi Warsame;05-06-2011;1A;Vader;ouder;0612345003;so\n"
	if code, body := post("/api/v1/roster/imports", long); code != 200 || !strings.Contains(body, `"long_names":["1002"]`) || !strings.Contains(body, `"id"`) {
		t.Errorf("a long name: %d %s, want long_names [1002] and an id", code, body)
	}

	// 3 MB: past the first MB the body waits in a temporary file.
	code, body := post("/api/v1/roster/imports", csv+strings.Repeat("\n", 3<<20))
	var imp struct {
		ID, Format string
		Rows       int
		Errors     []any
		Changes    struct {
			NewStudents []string `json:"new_students"`
		}
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(body), &imp); code != 200 || err != nil {
		t.Fatalf("a 3 MB file: %d %.200s", code, body)
	}
	if imp.ID == "" || imp.Format != "csv" || imp.Rows != 1 || imp.Errors == nil || len(imp.Errors) != 0 ||
		len(imp.Changes.NewStudents) != 1 || !imp.ExpiresAt.Equal(now.Add(app.RosterPreviewFor)) {
		t.Errorf("a 3 MB file: %+v", imp)
	}
	if code, body := post("/api/v1/roster/imports/"+imp.ID+"/apply", ""); code != 200 || body != `{"classes":1,"housing_units":0,"students":1}`+"\n" {
		t.Errorf("apply: %d %s", code, body)
	}
	if code, body := post("/api/v1/roster/imports/"+imp.ID+"/apply", ""); code != 404 || !strings.Contains(body, "not_found") {
		t.Errorf("applied twice: %d %s, want 404", code, body)
	}
}
