package translations

import (
	"strings"
	"testing"
)

// A "which child?" question in a left-to-right language (Dutch: a voogd,
// or a family's fallback) about children with Arabic-script names: shown
// as FriBidi shows it with the isolates taken out (as a phone that skips
// them does), each number still stands beside its own child, as with the
// isolates. (Found by a review: "12" stood beside the first child; an LRM
// after each right-to-left name now ends its run.)
func TestOptionsInAnLTRQuestionKeepTheirNumbersWithoutIsolates(t *testing.T) {
	fribidi := fribidiPath(t)
	c := mustLoad(t)
	for _, tc := range []struct {
		tag   string
		names []string
		want  []string // each number beside its name, as the screen shows it (shaped letters)
	}{
		{"nl", []string{"أحمد ر.", "Sara H."}, nil},
		{"nl", []string{"أحمد ر.", "نور ح."}, nil},
	} {
		opts, err := c.OptionList(tc.tag, []string{"11", "12"}, tc.names)
		if err != nil {
			t.Fatal(err)
		}
		text, err := c.Render(tc.tag, "ask_which_child", map[string]any{"Options": opts}, -1)
		if err != nil {
			t.Fatal(err)
		}
		with := visual(t, fribidi, []string{text})[0]
		bare := strings.NewReplacer(FSI, "", PDI, "").Replace(text)
		without := visual(t, fribidi, []string{bare})[0]
		// Each option as the screen shows it with the isolates: the
		// reference (TestAnRTLNameInAnLTRMessageKeepsItsNumber).
		for _, code := range []string{"11", "12"} {
			i := strings.Index(with, code+" = ")
			if i < 0 {
				t.Fatalf("%s %v: with isolates %q has no %q", tc.tag, tc.names, with, code+" = ")
			}
		}
		if strings.Count(without, "11 = ") != 1 || strings.Count(without, "12 = ") != 1 || !sameOptions(with, without) {
			t.Errorf("%s, options %v, on a phone without isolates (the marks kept):\n%s\nwith isolates:\n%s", tc.tag, tc.names, without, with)
		}
	}
}

// sameOptions reports whether the text after "11 = " up to the separator
// and after "12 = " to the end are the same in both visual lines, full
// stops aside.
func sameOptions(a, b string) bool {
	opt := func(s, code string) string {
		i := strings.Index(s, code+" = ")
		if i < 0 {
			return ""
		}
		rest := s[i+len(code)+3:]
		if j := strings.IndexAny(rest, ",،"); j >= 0 {
			rest = rest[:j]
		}
		// A name's full stop may stand on its other side without the
		// isolates ("ﺭ ﺪﻤﺣﺃ." for ".ﺭ ﺪﻤﺣﺃ"): the name and its number are
		// what a parent answers by.
		return strings.Trim(rest, LRM+RLM+" .")
	}
	return opt(a, "11") == opt(b, "11") && opt(a, "12") == opt(b, "12")
}
