package translations

// Right to left, as a phone shows it. Every right-to-left message is run
// through GNU FriBidi, a real implementation of the Unicode Bidirectional
// Algorithm (Debian's libfribidi-bin, installed by .ci/run), and its visual
// order is held in testdata/bidi/<tag>.txt: what a parent's screen shows,
// left to right, Arabic letters in their shaped forms. The test also reads
// that visual order the way a parent does: each option's number must stand
// beside its own name ("11 = Amanuel T."), and a name's full stop on its
// side. Without the isolates nabij puts around every value, the algorithm
// shows ".Amanuel T., 12 = Sara H = 11": "11" beside the wrong child.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fribidiPath finds the fribidi command: skipped on a developer's machine
// without it, a failure in CI (which installs it).
func fribidiPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("fribidi")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("fribidi is not installed; .ci/run installs libfribidi-bin")
		}
		t.Skip("fribidi is not installed (apt-get install libfribidi-bin)")
	}
	return path
}

// visual runs the Unicode Bidirectional Algorithm over each line, with the
// paragraph direction taken from the first strong letter, as a phone does.
func visual(t *testing.T, fribidi string, lines []string) []string {
	t.Helper()
	cmd := exec.Command(fribidi, "--nopad", "--nobreak", "--clean")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("fribidi: %v: %s", err, errOut.String())
	}
	var got []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	if len(got) != len(lines) {
		t.Fatalf("fribidi gave %d lines for %d", len(got), len(lines))
	}
	return got
}

// bidiMessage is one message of a right-to-left language as sent.
type bidiMessage struct {
	title   string
	text    string
	options bool // a "which child?" question with options 11 and 12
}

// rtlMessages renders every message of tag for one pupil and for two, and
// the question with two options, as alerts renders them.
func rtlMessages(t *testing.T, c *Catalog, tag string) []bidiMessage {
	t.Helper()
	var out []bidiMessage
	alert, err := c.AlertText(tag, CheckSchool, goldenNames[:1])
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, bidiMessage{title: "the morning alert for one pupil", text: alert})
	for _, key := range c.Keys() {
		if key == "list_and" || key == "list_separator" {
			continue
		}
		counts := []int{-1}
		if c.IsPlural(key) {
			counts = []int{1, 2}
		}
		for _, n := range counts {
			names := goldenNames[:max(n, 1)]
			text, err := c.Render(tag, key, goldenData(t, c, tag, names), n)
			if err != nil {
				t.Fatal(err)
			}
			title := key
			if n > 0 {
				title = fmt.Sprintf("%s — %d pupil(s)", key, n)
			}
			out = append(out, bidiMessage{title: title, text: text, options: key == "ask_which_child"})
		}
	}
	return out
}

// readingProblems are what a parent would misread in a visual line.
func readingProblems(m bidiMessage, visual string) []string {
	var p []string
	if m.options {
		for i, code := range []string{"11", "12"} {
			if want := code + " = " + goldenNames[i]; !strings.Contains(visual, want) {
				p = append(p, fmt.Sprintf("%q does not stand together: the number is beside another name", want))
			}
		}
	}
	for _, name := range goldenNames {
		if strings.Contains(m.text, name) && !strings.Contains(visual, name) {
			p = append(p, fmt.Sprintf("the name %q is broken up (its full stop moved)", name))
		}
	}
	return p
}

func TestRightToLeftAsAPhoneShowsIt(t *testing.T) {
	fribidi := fribidiPath(t)
	c := mustLoad(t)
	dir := filepath.Join("testdata", "bidi")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rtl := 0
	for _, l := range c.Languages() {
		tag := l.Tag
		if l.Direction != "rtl" {
			continue
		}
		rtl++
		msgs := rtlMessages(t, c, tag)
		lines := make([]string, len(msgs))
		for i, m := range msgs {
			lines[i] = m.text
		}
		vis := visual(t, fribidi, lines)
		var b strings.Builder
		fmt.Fprintf(&b, "# %s: every message as a phone shows it, left to right on the screen\n", tag)
		fmt.Fprintf(&b, "# (the Unicode Bidirectional Algorithm by GNU FriBidi; Arabic letters in their shaped forms).\n")
		fmt.Fprintf(&b, "# Do not edit: change messages/, then run  go test ./translations -update\n")
		for i, m := range msgs {
			fmt.Fprintf(&b, "\n== %s\n%s\n", m.title, vis[i])
			for _, p := range readingProblems(m, vis[i]) {
				t.Errorf("%s, %s: %s; on the screen: %s", tag, m.title, p, vis[i])
			}
		}
		path := filepath.Join(dir, tag+".txt")
		if *update {
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v; run go test ./translations -update", err)
			continue
		}
		if string(old) != b.String() {
			t.Errorf("%s is out of date; run go test ./translations -update and review the diff.\n%s", path, firstDiff(string(old), b.String()))
		}
	}
	if rtl < 5 {
		t.Errorf("%d right-to-left languages; ar, fa, fa-AF, ps and ckb at least", rtl)
	}
}

// TestWithoutIsolatesTheReadingFails checks the check: the same messages
// with their isolates and direction marks taken out must show the
// scrambled question.
func TestWithoutIsolatesTheReadingFails(t *testing.T) {
	fribidi := fribidiPath(t)
	c := mustLoad(t)
	for _, l := range c.Languages() {
		tag := l.Tag
		if l.Direction != "rtl" {
			continue
		}
		for _, m := range rtlMessages(t, c, tag) {
			if !m.options {
				continue
			}
			bare := strings.NewReplacer(FSI, "", PDI, "", LRM, "", RLM, "").Replace(m.text)
			if bare == m.text {
				t.Errorf("%s: the question has no isolates", tag)
				continue
			}
			vis := visual(t, fribidi, []string{bare})[0]
			if len(readingProblems(m, vis)) == 0 {
				t.Errorf("%s: without isolates the question still reads right, so the check proves nothing: %s", tag, vis)
			}
		}
	}
}

// An Arabic-script name in a left-to-right message (a Dutch question to a
// voogd about two pupils) is isolated too: on the phone, as FriBidi shows
// it, each option's number stays beside its own name, so nobody marks the
// wrong child sick. (Found by a review: "11 = 12 ,.ﺭ ﺪﻤﺣﺃ = Sara H.".)
func TestAnRTLNameInAnLTRMessageKeepsItsNumber(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	opts, err := c.OptionList("nl", []string{"11", "12"}, []string{"أحمد ر.", "Sara H."})
	if err != nil {
		t.Fatal(err)
	}
	text, err := c.Render("nl", "ask_which_child", map[string]any{"Options": opts}, -1)
	if err != nil {
		t.Fatal(err)
	}
	got := visual(t, fribidiPath(t), []string{text})[0]
	if !strings.Contains(got, "12 = Sara H.") || !strings.Contains(got, "11 = .ﺭ ﺪﻤﺣﺃ, ") {
		t.Errorf("on the screen the numbers left their names: %s", got)
	}
	if plain, _ := c.OptionList("nl", []string{"11"}, []string{"Sara H."}); strings.Contains(plain, FSI) {
		t.Errorf("a Latin name in a Dutch message was isolated too: %q (it would cost the SMS its GSM-7)", plain)
	}
}

// A phone whose bidi algorithm predates Unicode 6.3 (many cheap phones'
// SMS apps) does not know FSI and PDI and skips them: the direction marks
// inside each option's isolate then keep every number of a "which child?"
// question beside its own child. (Found by a review: without isolates,
// "11" stood beside the second child, and a parent answering for one child
// would mark the other sick.) The other messages go without marks: on such
// a phone a name's full stop may show on its other side (".Amanuel T"),
// which the marks would prevent at the cost of a third SMS part in
// Sorani, Dari and Pashto.
func TestRTLReadsRightWithoutIsolateSupport(t *testing.T) {
	fribidi := fribidiPath(t)
	c := mustLoad(t)
	for _, l := range c.Languages() {
		if l.Direction != "rtl" {
			continue
		}
		msgs := rtlMessages(t, c, l.Tag)
		lines := make([]string, len(msgs))
		for i, m := range msgs {
			lines[i] = strings.NewReplacer(FSI, "", PDI, "").Replace(m.text)
		}
		questions := 0
		for i, v := range visual(t, fribidi, lines) {
			if !msgs[i].options {
				continue
			}
			questions++
			for _, p := range readingProblems(msgs[i], v) {
				t.Errorf("%s, %s, on a phone without isolates: %s; on the screen: %s", l.Tag, msgs[i].title, p, v)
			}
		}
		if questions == 0 {
			t.Errorf("%s: no \"which child?\" question was read", l.Tag)
		}
	}
}
