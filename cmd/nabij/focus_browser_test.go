package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A keyboard user on the school laptop tabs into the roll call: the focus
// sits on a pupil's checked option, and its outline must not be the colour
// of that option's own background. (Found by a review: it was, and the
// focus could not be seen.)
func TestTheFocusOnTheRollCallCanBeSeen(t *testing.T) {
	t.Parallel()
	h, _, _, _ := rollCallHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:30:00+01:00"}, nil)
	ctx := browser(t, false)
	if err := chromedp.Run(ctx,
		chromedp.Navigate(h.signInLink(h.userID("A. de Vries"))+"?lang=nl"),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#pupil-1001`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	var focused string
	for range 30 { // past the header's links to the first pupil's options
		if err := chromedp.Run(ctx, chromedp.KeyEvent(kb.Tab),
			chromedp.Evaluate(`(() => { const a = document.activeElement; return a.name + "=" + a.value })()`, &focused)); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(focused, "kind-") {
			break
		}
	}
	if !strings.HasPrefix(focused, "kind-") {
		t.Fatalf("no pupil's option took the focus in 30 tabs: %s", focused)
	}
	var outline, outlineStyle, background string
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(`getComputedStyle(document.activeElement.nextElementSibling).outlineColor`, &outline),
		chromedp.Evaluate(`getComputedStyle(document.activeElement.nextElementSibling).outlineStyle`, &outlineStyle),
		chromedp.Evaluate(`getComputedStyle(document.activeElement.closest("label")).backgroundColor`, &background),
	); err != nil {
		t.Fatal(err)
	}
	if outlineStyle == "none" || outline == background {
		t.Errorf("the focused option %s: outline %s %s on a label of %s: the focus cannot be seen", focused, outlineStyle, outline, background)
	}
}
