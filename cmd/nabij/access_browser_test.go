package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An admin, on a phone without JavaScript, disables a mentor with the
// button on the admin page; the mentor's open page goes to sign-in on its
// next load.
func TestAdminDisablesAUserInABrowser(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	h.createUser("B. Beheer", "admin")
	h.createUser("A. de Vries", "mentor", "1A")
	mentorID := h.userID("A. de Vries")

	mentor := browser(t, false)
	var body string
	if err := chromedp.Run(mentor,
		chromedp.Navigate(h.signInLink(mentorID)+"?lang=en"),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#pupil-1001`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}

	admin := browser(t, false)
	var flash, row string
	if err := chromedp.Run(admin,
		chromedp.Navigate(h.signInLink(h.userID("B. Beheer"))+"?lang=en"),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#user-`+mentorID, chromedp.ByQuery),
		chromedp.Click(`#user-`+mentorID+` form[action$="/disable"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
		chromedp.Text(`#user-`+mentorID, &row, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flash, "A. de Vries is disabled") || !strings.Contains(row, "disabled") || !strings.Contains(row, "Enable") {
		t.Errorf("after disabling, the page says %q, the row %q", flash, row)
	}
	screenshot(t, admin, "admin-disabled.png")

	if err := chromedp.Run(mentor,
		chromedp.Reload(),
		chromedp.Text(`main`, &body, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Sign in with the link") || strings.Contains(body, "Amanuel") {
		t.Errorf("the disabled mentor's page after a reload: %q", body)
	}
}
