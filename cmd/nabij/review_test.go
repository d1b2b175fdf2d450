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

	"github.com/chromedp/chromedp"

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
	t.Parallel()
	// On bbolt: the export reads the stopped service's data folder.
	h := startHarness(t, map[string]string{"NABIJ_DATA": t.TempDir()})
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

	// A right-to-left language is shown right to left.
	var ar struct{ ID string }
	h.mustCall(201, "POST", "/api/v1/users", adminToken, map[string]any{"name": "R. Arabic", "role": "reviewer", "language": "ar-SY"}, &ar)
	arRev := newStaff(h)
	arRev.signIn(h.signInLink(ar.ID))
	if code, page := arRev.get("/review?lang=en"); code != 200 || !strings.Contains(page, `<p class="phone" lang="ar" dir="rtl">`) || strings.Contains(page, "ትግርኛ") {
		t.Errorf("the Arabic review page: %d", code)
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
	t.Parallel()
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

// TestReviewInABrowser: an admin makes a reviewer's link for Tigrinya on
// the admin page; the reviewer signs in on a phone, sees only Tigrinya, has
// a broken placeholder refused with the reason, corrects the alert and
// marks the language reviewed; the next alert to a Tigrinya parent says
// the correction and that a reviewer at the school reviewed it.
func TestReviewInABrowser(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	h.createUser("B. Beheer", "admin")
	coord := h.createUser("C. Jansen", "coordinator")
	steps := func(ctx context.Context, actions ...chromedp.Action) {
		t.Helper()
		for i, a := range actions {
			err := chromedp.Run(ctx, a)
			// A step that met a node the page replaced while it loaded
			// ("No node with given id found") did nothing: it is tried
			// again on the page as it now is.
			for try := 0; err != nil && try < 20 && strings.Contains(err.Error(), "No node with given id"); try++ {
				time.Sleep(50 * time.Millisecond)
				err = chromedp.Run(ctx, a)
			}
			if err != nil {
				var loc, html string
				_ = chromedp.Run(ctx, chromedp.Location(&loc), chromedp.OuterHTML("body", &html, chromedp.ByQuery))
				t.Fatalf("step %d at %s: %v\n%.1500s", i, loc, err, html)
			}
		}
	}

	// The admin, JavaScript off: a new reviewer for Tigrinya, and their link.
	admin := browser(t, false)
	var link string
	steps(admin,
		chromedp.Navigate(h.signInLink(h.userID("B. Beheer"))+"?lang=en"),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/admin/users"]`, chromedp.ByQuery),
		chromedp.SendKeys(`form[action="/admin/users"] input[name=name]`, tiReviewer, chromedp.ByQuery),
		chromedp.SetValue(`form[action="/admin/users"] select[name=role]`, "reviewer", chromedp.ByQuery),
		chromedp.SetValue(`form[action="/admin/users"] select[name=language]`, "ti", chromedp.ByQuery),
		chromedp.Click(`form[action="/admin/users"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.flash code`, chromedp.ByQuery),
		chromedp.Text(`.flash code`, &link, chromedp.ByQuery),
	)
	if !strings.HasPrefix(link, h.url+"/signin/") {
		t.Fatalf("the admin page made %q", link)
	}

	// The reviewer, on a phone: only Tigrinya.
	rev := browser(t, false)
	var body, state, refusal, flash string
	steps(rev,
		chromedp.Navigate(link+"?lang=en"),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#msg-alert_absent`, chromedp.ByQuery),
		chromedp.Text(`main`, &body, chromedp.ByQuery),
	)
	if !strings.Contains(body, "Review: Tigrinya (ትግርኛ)") || !strings.Contains(body, "State: draft") {
		t.Errorf("the review page: %.400s", body)
	}
	for _, other := range []string{"Arabic", "العربية", "Українська"} {
		if strings.Contains(body, other) {
			t.Errorf("the Tigrinya review page shows %q", other)
		}
	}
	screenshot(t, rev, "review.png")

	// A broken placeholder: refused, with the reason beside the message.
	broken := strings.Replace(tiCorrectedOne, "{{.Names}}", "{{.Nmes}}", 1)
	steps(rev,
		chromedp.SetValue(`#msg-alert_absent textarea[name=form-one]`, broken, chromedp.ByQuery),
		chromedp.SetValue(`#msg-alert_absent textarea[name=form-other]`, tiCorrectedOther, chromedp.ByQuery),
		chromedp.Click(`#msg-alert_absent button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#msg-alert_absent .error`, chromedp.ByQuery),
		chromedp.Text(`#msg-alert_absent .error`, &refusal, chromedp.ByQuery),
	)
	if !strings.Contains(refusal, "Nothing was changed") || !strings.Contains(refusal, "alert_absent.one has placeholders [Nmes School], en has [Names School]") {
		t.Errorf("the refusal says %q", refusal)
	}
	if file := h.schoolFile("ti"); strings.Contains(file, "Nmes") || strings.Contains(file, tiCorrectedOther) {
		t.Error("a refused correction was kept")
	}

	// The correction, then the review.
	steps(rev,
		chromedp.SetValue(`#msg-alert_absent textarea[name=form-one]`, tiCorrectedOne, chromedp.ByQuery),
		chromedp.SetValue(`#msg-alert_absent textarea[name=form-other]`, tiCorrectedOther, chromedp.ByQuery),
		chromedp.Click(`#msg-alert_absent button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
	)
	if !strings.Contains(flash, "Correction of alert_absent saved") {
		t.Errorf("after the correction the page says %q", flash)
	}
	steps(rev, chromedp.Click(`#review-done button`, chromedp.ByQuery))
	// The click leaves the page it was on: wait for the page after it.
	// While the page navigates a node read may vanish under the read
	// ("No node with given id found"): such a read is tried again, not failed.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(state, "reviewed by") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		_ = chromedp.Run(rev, chromedp.Text(`#review-state`, &state, chromedp.ByQuery), chromedp.Text(`main`, &body, chromedp.ByQuery))
	}
	if !strings.Contains(state, "reviewed by "+tiReviewer+" on 2026-11-30") || !strings.Contains(body, "ብደሓን ድዩ?") {
		t.Errorf("after marking reviewed: %q", state)
	}
	// Nothing else opens for the reviewer.
	for _, path := range []string{"/", "/board", "/admin", "/pupils/1001"} {
		steps(rev, chromedp.Navigate(h.url+path), chromedp.Text(`main`, &body, chromedp.ByQuery))
		if !strings.Contains(body, "Your role does not allow this") {
			t.Errorf("a reviewer opened %s: %.200s", path, body)
		}
	}

	// The next alert to the Tigrinya parent uses the correction and says so.
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	eventually(t, "the Tigrinya alert to go out", func() bool {
		for _, m := range h.twilio.Messages() {
			if m.To == "+31612345003" {
				return true
			}
		}
		return false
	})
	for _, m := range h.twilio.Messages() {
		if m.To == "+31612345003" && (!strings.Contains(m.Body, "ኣይመጸን። ብደሓን ድዩ?") || !strings.Contains(m.Body, "Amanuel T.")) {
			t.Errorf("the Tigrinya parent read %q", m.Body)
		}
	}
	var msgs []map[string]any
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30&student=1001", coord, nil, &msgs)
	seen := false
	for _, m := range msgs {
		if m["contact"] == "c-1001-2" {
			seen = true
			if m["translation_review"] != "reviewed" || m["translation_reviewed_by"] != tiReviewer || m["translation_reviewed_on"] != "2026-11-30" {
				t.Errorf("the message says %v / %v / %v", m["translation_review"], m["translation_reviewed_by"], m["translation_reviewed_on"])
			}
		}
	}
	if !seen {
		t.Error("no message to the Tigrinya parent")
	}
}

// A reviewer (an outside speaker of one language, the least trusted role)
// corrects a back-translation with template code in it: refused, as in the
// texts sent, and the back-translation staff read stays as it was. (Found
// by a pen test: only its placeholders were checked, and {{range N}} ran
// wherever the back-translation was rendered: the review page, the
// preview, every alert planned in that language, inside the list's
// transaction; 30 bytes typed became 2 MB.)
func TestABackTranslationRunsNoTemplateCode(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	id, _ := h.reviewerFor(tiReviewer, "ti")
	rev := newStaff(h)
	if code := rev.signIn(h.signInLink(id)); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	raw, err := translations.EmbeddedFile("ti")
	if err != nil {
		t.Fatal(err)
	}
	file, err := translations.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	forms, back := file.Messages["alert_absent"], file.Back["alert_absent"]["other"]
	evil := back + `{{range 200000}}XXXXXXXXXX{{end}}`
	code, _ := rev.post("/review/messages/alert_absent", url.Values{"csrf": {rev.csrf("/review")},
		"form-one": {forms["one"]}, "form-other": {forms["other"]}, "back-other": {evil}})
	if code != http.StatusUnprocessableEntity {
		t.Errorf("a back-translation with template code: %d, want 422", code)
	}
	var pv struct {
		Entries []struct {
			Key             string `json:"key"`
			BackTranslation string `json:"back_translation"`
		} `json:"entries"`
	}
	h.mustCall(200, "GET", "/api/v1/translations/ti/preview", coord, nil, &pv)
	for _, e := range pv.Entries {
		if e.Key == "alert_absent" && (len(e.BackTranslation) > 2*len(back) || strings.Contains(e.BackTranslation, "XXX")) {
			t.Errorf("the preview's back-translation of alert_absent: %d bytes, %.80q…", len(e.BackTranslation), e.BackTranslation)
		}
	}
}
