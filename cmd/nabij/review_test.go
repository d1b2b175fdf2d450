package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/translations"
)

// The Tigrinya correction the tests make: the one-pupil alert, as a
// speaker at the school would put it.
const (
	tiCorrectedOne   = "ሰላም ካብ {{.School}}። ሎሚ {{.Names}} ኣብ ቤት ትምህርቲ ኣይመጸን። ብደሓን ድዩ?"
	tiCorrectedOther = "ሰላም ካብ {{.School}}። ሎሚ {{.Names}} ኣብ ቤት ትምህርቲ ኣይመጹን። ብደሓን ድዮም?"
	tiReviewer       = "Selam B."
)

// reviewerFor makes a reviewer of lang through the API and returns their
// id and bearer token.
func (h *harness) reviewerFor(name, lang string) (string, string) {
	h.t.Helper()
	var res struct{ ID, Token, Role, Language string }
	h.mustCall(201, "POST", "/api/v1/users", adminToken, map[string]any{"name": name, "role": "reviewer", "language": lang}, &res)
	if res.Role != "reviewer" || res.Language != "ti" {
		h.t.Fatalf("made %+v", res)
	}
	return res.ID, res.Token
}

// schoolFile is the school's file of lang as the admin API gives it.
func (h *harness) schoolFile(lang string) string {
	h.t.Helper()
	req, err := http.NewRequest("GET", h.url+"/api/v1/translations/"+lang+"/file", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		h.t.Fatalf("file of %s: %d %s", lang, resp.StatusCode, body)
	}
	return string(body)
}

func TestReviewerSeesOnlyTheReviewPage(t *testing.T) {
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")

	// Bad inputs are refused, with the field named, and make no user.
	for name, body := range map[string]map[string]any{
		"no language":            {"name": "X", "role": "reviewer"},
		"a language nabij lacks": {"name": "X", "role": "reviewer", "language": "xx"},
		"a mentor's language":    {"name": "X", "role": "mentor", "classes": []string{"1A"}, "language": "ti"},
		"a reviewer's classes":   {"name": "X", "role": "reviewer", "language": "ti", "classes": []string{"1A"}},
		"no name":                {"role": "reviewer", "language": "ti"},
	} {
		var e struct {
			Error struct {
				Details []struct{ Field, Message string }
			}
		}
		if code := h.call("POST", "/api/v1/users", adminToken, body, &e); code != 422 || len(e.Error.Details) == 0 {
			t.Errorf("%s: %d %+v", name, code, e)
		}
	}
	var users []struct{ ID string }
	h.mustCall(200, "GET", "/api/v1/users", adminToken, nil, &users)
	if len(users) != 1 {
		t.Errorf("refused users were made: %d users", len(users))
	}
	// A family's tag is matched: ti-ER is Tigrinya.
	id, token := h.reviewerFor(tiReviewer, "ti-ER")
	h.mustCall(403, "POST", "/api/v1/users", coord, map[string]any{"name": "Y", "role": "reviewer", "language": "ti"}, nil)

	// Every API route answers 403 to the reviewer.
	for _, path := range []string{"/api/v1/roster", "/api/v1/messages", "/api/v1/classes/1A/absences/2026-11-30",
		"/api/v1/tasks", "/api/v1/inbox", "/api/v1/escalations", "/api/v1/digest", "/api/v1/translations",
		"/api/v1/translations/ti/preview", "/api/v1/translations/ti/file", "/api/v1/users", "/api/v1/calendar", "/api/v1/admin/audit"} {
		if code := h.call("GET", path, token, nil, nil); code != 403 {
			t.Errorf("GET %s as a reviewer: %d, want 403", path, code)
		}
	}
	if code := h.call("PUT", "/api/v1/classes/1A/absences/2026-11-30", token, `{"absences": []}`, nil); code != 403 {
		t.Errorf("a reviewer posted a list: %d", code)
	}

	// Every page but the review page answers 403.
	rev := newStaff(h)
	if code := rev.signIn(h.signInLink(id)); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	for _, path := range []string{"/", "/?class=1A", "/board", "/pupils/1001", "/admin", "/escalations/e1/melding"} {
		if code, body := rev.get(path); code != 403 || strings.Contains(body, "Amanuel") {
			t.Errorf("a reviewer opened %s: %d", path, code)
		}
	}
	csrf := rev.csrf("/review")
	for _, path := range []string{"/rollcall/1A", "/admin/users", "/tasks/t1/done", "/escalations/e1/action"} {
		if code, _ := rev.post(path, url.Values{"csrf": {csrf}, "name": {"Z"}, "role": {"admin"}}); code != 403 {
			t.Errorf("a reviewer posted %s: %d", path, code)
		}
	}
	code, page := rev.get("/review?lang=en")
	if code != 200 || !strings.Contains(page, "Tigrinya (ትግርኛ)") || !strings.Contains(page, `lang="ti" dir="ltr"`) {
		t.Fatalf("the review page: %d %.500s", code, page)
	}
	for _, other := range []string{"العربية", "Arabic", "Українська", "Amanuel T. ve"} {
		if strings.Contains(page, other) {
			t.Errorf("the Tigrinya review page shows %q", other)
		}
	}
	// The sample pupils and the school, one and two pupils where the key is plural.
	for _, want := range []string{"Amanuel T.", "Sara H.", "ISK Test", "about 1 pupil", "about 2 pupils", "We miss Amanuel T. today"} {
		if !strings.Contains(page, want) {
			t.Errorf("the review page lacks %q", want)
		}
	}

	// A broken placeholder is refused with the reason, and changes nothing.
	before := h.schoolFile("ti")
	code, page = rev.post("/review/messages/alert_absent", url.Values{"csrf": {csrf},
		"form-one": {strings.Replace(tiCorrectedOne, "{{.Names}}", "{{.Nmes}}", 1)}, "form-other": {tiCorrectedOther}})
	if code != 422 || !strings.Contains(page, "placeholders [Nmes School], en has [Names School]") || !strings.Contains(page, "{{.Nmes}}") {
		t.Errorf("a broken placeholder: %d %.300s", code, page)
	}
	// A missing plural form, an unknown key, a text too long for its SMS.
	for name, form := range map[string]url.Values{
		"no form one":     {"form-other": {tiCorrectedOther}},
		"over the budget": {"form-one": {strings.Repeat("ሰላም ", 90) + tiCorrectedOne}, "form-other": {tiCorrectedOther}},
	} {
		form.Set("csrf", csrf)
		if code, page := rev.post("/review/messages/alert_absent", form); code != 422 || !strings.Contains(page, "role=\"alert\"") {
			t.Errorf("%s: %d", name, code)
		}
	}
	if code, _ := rev.post("/review/messages/no_such_key", url.Values{"csrf": {csrf}, "form-other": {"x"}}); code != 404 {
		t.Errorf("an unknown key: %d", code)
	}
	if after := h.schoolFile("ti"); after != before {
		t.Error("a refused correction changed the school's file")
	}

	// A good correction is kept and used at once.
	if code, _ := rev.post("/review/messages/alert_absent", url.Values{"csrf": {csrf}, "form-one": {tiCorrectedOne}, "form-other": {tiCorrectedOther}}); code != 303 {
		t.Fatalf("the correction: %d", code)
	}
	if code, _ := rev.post("/review/done", url.Values{"csrf": {csrf}}); code != 303 {
		t.Fatalf("marking reviewed: %d", code)
	}
	file := h.schoolFile("ti")
	for _, want := range []string{`one = "` + tiCorrectedOne + `"`, `review = "reviewed"`, `reviewed_by = "` + tiReviewer + `"`, `reviewed_on = "2026-11-30"`} {
		if !strings.Contains(file, want) {
			t.Errorf("the school's file lacks %s", want)
		}
	}
	if !strings.HasPrefix(file, "# nabij messages — Tigrinya (ti)") {
		t.Error("the school's file lost its header comments")
	}

	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	var msgs []struct {
		Contact, Language, Body string
		Review                  string `json:"translation_review"`
		By                      string `json:"translation_reviewed_by"`
		On                      string `json:"translation_reviewed_on"`
	}
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
	found := false
	for _, m := range msgs {
		if m.Contact != "c-1001-2" {
			continue
		}
		found = true
		if m.Language != "ti" || !strings.Contains(m.Body, "ኣይመጸን። ብደሓን ድዩ?") || m.Review != "reviewed" || m.By != tiReviewer || m.On != "2026-11-30" {
			t.Errorf("the Tigrinya alert: %+v", m)
		}
	}
	if !found {
		t.Fatal("no alert to the Tigrinya parent")
	}

	// Export while the service runs asks it; the school's file comes out.
	env := map[string]string{"NABIJ_ADDR": strings.TrimPrefix(h.url, "http://"), "NABIJ_DATA": h.srv.cfg.DataDir, "NABIJ_ADMIN_TOKEN": adminToken}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"translations", "export", "ti"}, func(k string) string { return env[k] }, &out, &errb); code != 0 || out.String() != file {
		t.Errorf("export while running: %d %s\n%.200s", code, errb.String(), out.String())
	}

	// A restart loads the school's wording.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"translations", "export", "ti", "--data", h.srv.cfg.DataDir}, func(string) string { return "" }, &out, &errb); code != 0 || out.String() != file {
		t.Errorf("export from the stopped store: %d %s", code, errb.String())
	}
	srv2, err := newServer(h.srv.cfg, io.Discard, h.logs, false)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Stop(ctx)
	text, err := srv2.svc.Translations.Render("ti", "alert_absent", map[string]any{"School": "ISK Test", "Names": "Amanuel T."}, 1)
	if meta, _ := srv2.svc.Translations.Language("ti"); err != nil || !strings.Contains(text, "ብደሓን ድዩ?") || meta.ReviewedBy != tiReviewer {
		t.Errorf("after a restart: %q %v %+v", text, err, meta)
	}
}

func TestTranslationsExport(t *testing.T) {
	dir := t.TempDir()
	get := func(string) string { return "" }
	var out, errb bytes.Buffer
	// No store: nabij's own file.
	if code := run(context.Background(), []string{"translations", "export", "ar", "--data", dir}, get, &out, &errb); code != 0 {
		t.Fatalf("%d %s", code, errb.String())
	}
	want, _ := translations.EmbeddedFile("ar")
	if out.String() != string(want) {
		t.Error("without a store, export is not the embedded file")
	}
	// A family's tag is matched; a language nabij lacks is a usage error.
	out.Reset()
	if code := run(context.Background(), []string{"translations", "export", "prs", "--data", dir}, get, &out, &errb); code != 0 || !strings.Contains(out.String(), `language = "fa-AF"`) {
		t.Errorf("prs: %d", code)
	}
	for _, args := range [][]string{{"translations", "export", "xx", "--data", dir}, {"translations", "export"}, {"translations", "export", "ti", "ar"}} {
		errb.Reset()
		if code := run(context.Background(), args, get, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%v: %d %q", args, code, errb.String())
		}
	}
}
