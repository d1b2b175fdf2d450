package casebook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/protocol"
)

// casebookDir is the default protocol's casebook.
const casebookDir = "../testdata/casebook"

// TestCasebook plays every scenario of the casebook through the rules engine
// with the default protocol (or the protocol file a scenario names) and
// fails with a readable difference for each one reality does not match.
func TestCasebook(t *testing.T) {
	scenarios, err := Load(casebookDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(scenarios) < 60 {
		t.Errorf("the casebook has %d scenarios; it promises at least 60", len(scenarios))
	}
	for _, s := range scenarios {
		t.Run(strings.TrimSuffix(filepath.Base(s.File), ".txt"), func(t *testing.T) {
			p, err := ProtocolFor(s, protocol.Default())
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(s, NewEngine(p))
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Error("\n" + res.Report())
			}
		})
	}
}

// TestRunnerShowsTheDifference checks the runner itself: a casebook that
// expects the wrong thing fails, and says where and how.
func TestRunnerShowsTheDifference(t *testing.T) {
	s, err := Parse([]byte(`# 18 hours in one week
pupil born 2011-03-14
through 2026-11-06
2026-11-02..2026-11-04 absent
expect
2026-11-04  leerplicht-16u-4w  leerplicht  16  2026-10-01..2026-11-04  2026-11-11
2026-11-05  lrv                leerplicht  4   2026-11-02..2026-11-05  2026-11-12
`))
	if err != nil {
		t.Fatal(err)
	}
	s.File = "inline.txt"
	res, err := Run(s, NewEngine(protocol.Default()))
	if err != nil {
		t.Fatal(err)
	}
	report := res.Report()
	for _, want := range []string{
		"FAIL inline.txt  18 hours in one week",
		// 4 lesweken back from 4 November, the herfstvakantie week skipped.
		"line 6: leerplicht-16u-4w 2026-11-04: value 18, expected 16\n",
		"line 7: expected, never opened:\n      2026-11-05  lrv  leerplicht  4  2026-11-02..2026-11-05  2026-11-12  open",
		"opened, not expected:\n      2026-11-02  ongeoorloofd-6u  verzuimcoordinator  6  2026-09-29..2026-11-02  -  open",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
}

// TestParseRefusesWhatItCannotRead names the line of every problem.
func TestParseRefusesWhatItCannotRead(t *testing.T) {
	for name, tc := range map[string]struct{ text, want string }{
		"no birth date":        {"through 2026-11-06\nexpect nothing\n", "pupil born"},
		"no expect":            {"pupil born 2011-01-01\nthrough 2026-11-06\n", "no \"expect\" line"},
		"bad kind":             {"pupil born 2011-01-01\nthrough 2026-11-06\n2026-11-02 away\nexpect\n", "line 3: \"away\" is not one of"},
		"late without minutes": {"pupil born 2011-01-01\nthrough 2026-11-06\n2026-11-02 late\nexpect\n", "line 3: a late entry needs its minutes"},
		"future correction":    {"pupil born 2011-01-01\nthrough 2026-11-06\non 2026-11-02: 2026-11-03 excused\nexpect\n", "line 3: on 2026-11-02 a list can be posted for that day or before"},
		"bad case":             {"pupil born 2011-01-01\nthrough 2026-11-06\nexpect\n2026-11-04 lrv leerplicht four 2026-11-02..2026-11-04 -\n", "line 4: value \"four\""},
		"case outside":         {"pupil born 2011-01-01\nthrough 2026-11-06\nexpect\n2026-11-09 lrv leerplicht 4 2026-11-02..2026-11-09 -\n", "line 4: the case opens on 2026-11-09, outside"},
		"bad status":           {"pupil born 2011-01-01\nthrough 2026-11-06\nexpect\n2026-11-04 lrv leerplicht 4 2026-11-02..2026-11-04 - closed\n", "status \"closed\""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLoadReadsTheProtocolAScenarioNames resolves a scenario's protocol
// file from its own folder.
func TestLoadReadsTheProtocolAScenarioNames(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("pupil born 2011-01-01\nprotocol mine.toml\nthrough 2026-11-06\nexpect nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ss, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ss[0].Protocol != filepath.Join(dir, "mine.toml") {
		t.Errorf("protocol = %q", ss[0].Protocol)
	}
	if _, err := ProtocolFor(ss[0], protocol.Default()); err == nil || !strings.Contains(err.Error(), "mine.toml") {
		t.Errorf("a missing protocol file: %v", err)
	}
}
