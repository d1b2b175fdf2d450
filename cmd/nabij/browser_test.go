package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// browsers bounds the tests running Chromium at once (a test may run two):
// tests run in parallel, and more browsers than that on a small machine
// starve each other past their timeouts. browserTests are the tests that
// hold a place.
var (
	browsers     = make(chan struct{}, 2)
	browserTests sync.Map // *testing.T → true
)

// browser opens a new window at phone width in the test binary's headless
// Debian Chromium, JavaScript off unless js: every page must work without
// it. Each window is a browser context of its own (cookies, storage, cache
// apart, as in a separate profile), closed when the test ends; Chromium
// itself is started once for the test binary (chromium) — starting one per
// test was a fifth of the suite's CPU. Without Chromium the test is skipped
// on a developer's machine and fails in CI, which installs it.
func browser(t *testing.T, js bool) context.Context {
	t.Helper()
	if _, held := browserTests.LoadOrStore(t, true); !held {
		browsers <- struct{}{}
		// Released after the test's windows are gone (cleanups run last
		// first).
		t.Cleanup(func() { browserTests.Delete(t); <-browsers })
	}
	root := chromium(t)
	// The window is made here, not by chromedp.WithNewBrowserContext:
	// headless Chromium opens a tab in a new browser context only in a
	// window of its own ("no browser is open" otherwise).
	on := cdp.WithExecutor(root, chromedp.FromContext(root).Browser)
	id, err := target.CreateBrowserContext().WithDisposeOnDetach(true).Do(on)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := target.CreateTarget("about:blank").WithBrowserContextID(id).WithNewWindow(true).Do(on)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancelCtx := chromedp.NewContext(root, chromedp.WithTargetID(tab))
	ctx, cancelTimeout := context.WithTimeout(ctx, 20*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		// Closes the window and forgets its cookies and storage.
		if err := target.DisposeBrowserContext(id).Do(on); err != nil {
			t.Errorf("close the test's browser context: %v", err)
		}
	})
	// A phone's width in CSS pixels; the phone's pixel density (2) only
	// when screenshots are taken: layout does not depend on it, and
	// painting twice the pixels in software cost a sixth of the browser
	// tests' CPU.
	density := 1.0
	if os.Getenv("NABIJ_SCREENSHOTS") != "" {
		density = 2
	}
	if err := chromedp.Run(ctx,
		emulation.SetDeviceMetricsOverride(390, 844, density, true),
		emulation.SetScriptExecutionDisabled(!js)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// shared is the test binary's Chromium, started by the first test that
// needs it and stopped by TestMain (stopChromium).
var shared struct {
	once    sync.Once
	ctx     context.Context // the browser's first tab: new windows are made from it
	stop    func()
	profile string
	err     error
	skip    string // why browser tests are skipped here
}

// chromium returns the context of the test binary's Chromium, starting it
// the first time.
func chromium(t *testing.T) context.Context {
	t.Helper()
	shared.once.Do(func() {
		// Debian's chromium-headless-shell is Chromium's own headless build
		// (the same Blink and V8, no window system): a third of the full
		// browser's CPU for the same pages (README, "The test suite"). The
		// full chromium serves where only it is installed.
		// Debian's binary itself first, not the shell script in /usr/bin
		// that runs it (a test binary killed would orphan the browser).
		path, err := exec.LookPath("/usr/lib/chromium/chromium-headless-shell")
		if err != nil {
			path, err = exec.LookPath("chromium-headless-shell")
		}
		if err != nil {
			path, err = exec.LookPath("chromium")
		}
		if err != nil {
			if os.Getenv("CI") != "" {
				shared.err = fmt.Errorf("chromium is not installed: .ci/run installs Debian's chromium-headless-shell")
			} else {
				shared.skip = "chromium is not installed (apt-get install chromium-headless-shell)"
			}
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
			chromedp.WindowSize(390, 844))
		// The profile is not a t.TempDir: it outlives the test that starts
		// Chromium, and Chromium's helper processes may still write into it
		// for a moment after the browser is gone. It is removed after the
		// browser, tried again for a while, and left if it must be.
		if shared.profile, shared.err = os.MkdirTemp("", "nabij-chromium-"); shared.err != nil {
			return
		}
		opts = append(opts, chromedp.UserDataDir(shared.profile), chromedp.ModifyCmdFunc(ownProcessGroup))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		shared.ctx = ctx
		shared.stop = func() { cancelCtx(); cancelAlloc() }
		// The first Run starts the browser, which lives as long as the
		// context it is given (not a shorter one).
		if err := chromedp.Run(ctx); err != nil {
			shared.err = fmt.Errorf("start chromium: %w", err)
		}
	})
	switch {
	case shared.skip != "":
		t.Skip(shared.skip)
	case shared.err != nil:
		t.Fatal(shared.err)
	}
	return shared.ctx
}

// ownProcessGroup starts Chromium in a process group of its own and stops
// the whole group: Debian's /usr/bin/chromium-headless-shell (and chromium)
// are shell scripts that run the browser without exec, so killing only the
// process started (what chromedp does) left the browser and its helpers
// running after the test binary ended, one more with each run. What it
// starts also dies with the test binary (Pdeathsig, as chromedp sets).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// stopChromium stops the test binary's Chromium, if a test started it, and
// removes its profile.
func stopChromium() {
	if shared.stop == nil {
		return
	}
	shared.stop()
	for i := 0; i < 20 && os.RemoveAll(shared.profile) != nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
}

func (h *harness) signInLink(userID string) string {
	h.t.Helper()
	var link struct{ URL string }
	h.mustCall(201, "POST", "/api/v1/users/"+userID+"/link", adminToken, nil, &link)
	return link.URL
}

func (h *harness) userID(name string) string {
	h.t.Helper()
	var users []struct{ ID, Name string }
	h.mustCall(200, "GET", "/api/v1/users", adminToken, nil, &users)
	for _, u := range users {
		if u.Name == name {
			return u.ID
		}
	}
	h.t.Fatalf("no user %q", name)
	return ""
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("NABIJ_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPagesInABrowser(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	h.createUser("A. de Vries", "mentor", "1A")
	coord := h.createUser("C. Jansen", "coordinator")
	// History that opens a leerplicht case, for the coordinator to handle.
	for _, d := range []string{"2026-11-23", "2026-11-24", "2026-11-25"} {
		h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/"+d, coord, `{"absences": [{"student": "2001", "kind": "absent"}]}`, nil)
	}

	// The mentor, on a phone, JavaScript off: signs in, marks three pupils, sends.
	mentor := browser(t, false)
	var flash, body string
	steps := func(ctx context.Context, actions ...chromedp.Action) error {
		for i, a := range actions {
			if err := chromedp.Run(ctx, a); err != nil {
				var loc, html string
				_ = chromedp.Run(ctx, chromedp.Location(&loc), chromedp.OuterHTML("body", &html, chromedp.ByQuery))
				return fmt.Errorf("step %d at %s: %w\n%.1500s", i, loc, err, html)
			}
		}
		return nil
	}
	err := steps(mentor,
		chromedp.Navigate(h.signInLink(h.userID("A. de Vries"))+"?lang=nl"), // the Dutch UI, chosen once
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#pupil-1001`, chromedp.ByQuery),
		// The radios are drawn as buttons: a tap on the label is the tap a mentor makes.
		chromedp.Click(`#pupil-1001 label:has(input[value=absent])`, chromedp.ByQuery),
		chromedp.Click(`#pupil-1003 label:has(input[value=absent])`, chromedp.ByQuery),
		chromedp.Click(`#pupil-1005 label:has(input[value=late])`, chromedp.ByQuery),
		chromedp.SendKeys(`#pupil-1005 input.minutes`, "15", chromedp.ByQuery),
		chromedp.Click(`button.primary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
		chromedp.Text(`.flash`, &flash, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flash, "3 op de lijst, 2 berichten") {
		t.Errorf("after sending, the page says %q", flash)
	}
	var list struct {
		Absences []struct {
			Student, Kind string
			Minutes       int
		}
	}
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", coord, nil, &list)
	if len(list.Absences) != 3 {
		t.Fatalf("the list has %+v, want the three pupils marked", list.Absences)
	}
	eventually(t, "the two alerts to go out (late goes to a housing unit, Daniel has none)", func() bool { return len(h.twilio.Messages()) == 2 })
	screenshot(t, mentor, "rollcall.png")

	// The mentor may open neither another class nor the board.
	for _, path := range []string{"/?class=1B", "/board", "/pupils/1001"} {
		if err := chromedp.Run(mentor, chromedp.Navigate(h.url+path), chromedp.Text(`main`, &body, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, "rol") || strings.Contains(body, "Noor") {
			t.Errorf("a mentor opened %s: %q", path, body)
		}
	}

	// The coordinator: the board shows the messages; an escalation is dismissed.
	board := browser(t, true)
	err = chromedp.Run(board,
		chromedp.Navigate(h.signInLink(h.userID("C. Jansen"))+"?lang=nl"),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#absent-1001`, chromedp.ByQuery),
		chromedp.Text(`main`, &body, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Amanuel T.", "Olena K.", "Daniel M.", "ouder · sms"} {
		if !strings.Contains(body, want) {
			t.Errorf("the board lacks %q", want)
		}
	}
	screenshot(t, board, "board.png")
	var cases []escalationJSON
	h.mustCall(200, "GET", "/api/v1/escalations?status=open&student=2001", coord, nil, &cases)
	if len(cases) == 0 {
		t.Fatal("no open case to dismiss")
	}
	id := cases[0].ID
	// The board reads itself again every minute, but not while a note is
	// being typed or waits to be sent: a reload would throw it away.
	// (Found by a review: a meta refresh wiped the note.)
	var due []bool
	var refresh string
	var atStart, focused bool
	err = chromedp.Run(board,
		chromedp.AttributeValue(`body`, "data-refresh", &refresh, nil, chromedp.ByQuery),
		chromedp.Evaluate(`window.nabijRefreshDue()`, &atStart),
		chromedp.Focus(`#escalation-`+id+` input[name=note]`, chromedp.ByQuery),
		chromedp.Evaluate(`window.nabijRefreshDue()`, &focused),
		chromedp.SendKeys(`#escalation-`+id+` input[name=note]`, "Ouders", chromedp.ByQuery),
		chromedp.Evaluate(`[window.nabijRefreshDue(), (document.activeElement.blur(), window.nabijRefreshDue())]`, &due),
	)
	if err != nil {
		t.Fatal(err)
	}
	var empty bool
	if err := chromedp.Run(board, chromedp.Evaluate(`document.querySelector("#escalation-`+id+` input[name=note]").value = ""; window.nabijRefreshDue()`, &empty)); err != nil {
		t.Fatal(err)
	}
	if refresh != "60" || !atStart || focused || len(due) != 2 || due[0] || due[1] || !empty {
		t.Errorf("the board's refresh: every %q s; due at start %v, in the empty note %v, while typing and after: %v, with nothing typed: %v (want 60, true, false, [false false], true)",
			refresh, atStart, focused, due, empty)
	}
	err = chromedp.Run(board,
		chromedp.SendKeys(`#escalation-`+id+` input[name=note]`, "Ouders gesproken, verhuisd", chromedp.ByQuery),
		chromedp.Click(`#escalation-`+id+` form:has(input[value=dismiss]) button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	var after escalationJSON
	var all []escalationJSON
	h.mustCall(200, "GET", "/api/v1/escalations?student=2001", coord, nil, &all)
	for _, e := range all {
		if e.ID == id {
			after = e
		}
	}
	if after.Status != "dismissed" || len(after.Actions) != 1 || after.Actions[0].Note != "Ouders gesproken, verhuisd" {
		t.Errorf("after dismissing on the board: %+v", after)
	}
}
