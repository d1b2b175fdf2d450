// Package casebook reads and plays the casebook: scenarios, in plain text a
// verzuimcoördinator can read and extend, of a pupil's school days, the
// corrections and the coordinator's actions in the order they happened,
// and the cases the protocol must open. The casebook is the executable
// statement of how nabij reads the law (protocol/testdata/casebook/README.md
// describes the format); `nabij protocol test FILE DIR` checks a school's own
// protocol file against its own casebook.
package casebook

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// Scenario is one casebook file.
type Scenario struct {
	File  string // the file's path
	Title string // the first comment line
	Born  school.Date
	// Region, Free and OpenOn make the pupil's school calendar.
	Region school.Region
	Free   []school.Period
	OpenOn []string
	// Protocol is a protocol file the scenario is played with, instead of
	// the one the runner was given ("" keeps it).
	Protocol string
	From     school.Date // the first day played
	Through  school.Date // the last day played
	Days     []DayLine   // the lists, each posted on its own day
	Events   []Event     // what happened on a day, before that day's list
	Expect   []Case      // every case that must open, and no other
}

// Entry is a pupil's entry on a day's list; Kind "none" takes the pupil off it.
type Entry struct {
	Kind    school.AbsenceKind
	Hours   float64
	Minutes int
}

// None is the kind of an entry that takes the pupil off a day's list: the
// list is posted without them. The API's kind present does the same with
// an entry that says so (the way to take off a pupil who has left the
// class since); the casebook takes both words.
const None school.AbsenceKind = "none"

// DayLine is an entry for a day, or for every school day of a range.
type DayLine struct {
	Line        int
	First, Last school.Date
	Entry       Entry
}

// Event actions.
const (
	ActSet         = "set" // a list posted or corrected for a past day
	ActDismiss     = "dismiss"
	ActReport      = "reported"
	ActAcknowledge = "acknowledge"
	ActClose       = "close"  // the school marks a day closed after the fact
	ActReopen      = "reopen" // and takes that back
)

// Event is something that happened on a day: "on DAY: ...".
type Event struct {
	Line int
	On   school.Date
	Act  string
	// set: the days and their entry; close, reopen: First is the day.
	Days DayLine
	// dismiss, reported, acknowledge: the case, by rule and threshold day.
	Rule      string
	Threshold school.Date
	Note      string // a dismissal's reason, a closed day's name
}

// Case is a case as the casebook states it.
type Case struct {
	Line   int
	Opened school.Date // the day it opened
	Rule   string
	Level  string
	Value  float64
	// Window is the count's span: a window's start (or the day after its
	// last restart) to the threshold day; a streak's first day to it.
	WindowFirst, WindowLast school.Date
	Due                     school.Date // zero: no due date
	Status                  string      // open, acknowledged, reported, dismissed
	// Below: corrections took the case below its threshold (facts_changed).
	Below bool
	// Reason and Correction hold texts the Dutch reason and the correction
	// note must contain.
	Reason, Correction []string

	esc *protocol.Escalation // the case opened, for what was found
}

// Key names a case by its rule and threshold day.
func (c Case) Key() string { return c.Rule + " " + c.WindowLast.String() }

// Load reads every *.txt scenario of dir, in name order.
func Load(dir string) ([]*Scenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no scenarios (*.txt)", dir)
	}
	sort.Strings(files)
	var out []*Scenario
	var problems []string
	for _, f := range files {
		s, err := LoadFile(f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out = append(out, s)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return out, nil
}

// LoadFile reads one scenario.
func LoadFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.File = path
	if s.Protocol != "" && !filepath.IsAbs(s.Protocol) {
		s.Protocol = filepath.Join(filepath.Dir(path), s.Protocol)
	}
	return s, nil
}

// Parse reads a scenario; every problem names its line.
func Parse(data []byte) (*Scenario, error) {
	s := &Scenario{Region: school.RegionMidden}
	var problems []string
	bad := func(n int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("line %d: %s", n, fmt.Sprintf(format, args...)))
	}
	inExpect := false
	var last *Case
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		raw := sc.Text()
		line, comment := splitComment(raw)
		if s.Title == "" && strings.TrimSpace(line) == "" && comment != "" {
			s.Title = comment
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		indented := raw[0] == ' ' || raw[0] == '\t'
		f := fields(line)
		if inExpect {
			if indented && last != nil {
				if err := parseCaseNote(last, f); err != nil {
					bad(n, "%v", err)
				}
				continue
			}
			c, err := parseCase(f)
			if err != nil {
				bad(n, "%v", err)
				last = nil
				continue
			}
			c.Line = n
			s.Expect = append(s.Expect, c)
			last = &s.Expect[len(s.Expect)-1]
			continue
		}
		switch {
		case f[0] == "expect":
			inExpect = true
			if len(f) > 1 && f[1] != "nothing" {
				bad(n, "write \"expect\" alone, or \"expect nothing\"")
			}
		case f[0] == "pupil" || f[0] == "born":
			if f[0] == "pupil" {
				f = f[1:]
			}
			if len(f) != 2 || f[0] != "born" {
				bad(n, "write \"pupil born YYYY-MM-DD\"")
				continue
			}
			d, err := school.ParseDate(f[1])
			if err != nil {
				bad(n, "birth date: %v", err)
			}
			s.Born = d
		case f[0] == "region":
			if len(f) != 2 {
				bad(n, "write \"region noord\", \"region midden\" or \"region zuid\"")
				continue
			}
			s.Region = school.Region(f[1])
		case f[0] == "free":
			if len(f) < 2 {
				bad(n, "write \"free YYYY-MM-DD\" or \"free YYYY-MM-DD..YYYY-MM-DD\"")
				continue
			}
			a, b, err := parseRange(f[1])
			if err != nil {
				bad(n, "%v", err)
			}
			s.Free = append(s.Free, school.Period{Name: strings.Join(f[2:], " "), First: a, Last: b})
		case f[0] == "open" && len(f) > 2 && f[1] == "on":
			s.OpenOn = append(s.OpenOn, strings.Join(f[2:], " "))
		case f[0] == "protocol":
			if len(f) != 2 {
				bad(n, "write \"protocol FILE\" (a path from this file's folder)")
				continue
			}
			s.Protocol = f[1]
		case f[0] == "from" || f[0] == "through":
			if len(f) != 2 {
				bad(n, "write \"%s YYYY-MM-DD\"", f[0])
				continue
			}
			d, err := school.ParseDate(f[1])
			if err != nil {
				bad(n, "%s: %v", f[0], err)
			}
			if f[0] == "from" {
				s.From = d
			} else {
				s.Through = d
			}
		case f[0] == "on":
			ev, err := parseEvent(f)
			if err != nil {
				bad(n, "%v", err)
				continue
			}
			ev.Line, ev.Days.Line = n, n
			s.Events = append(s.Events, ev)
		default:
			dl, err := parseDayLine(f)
			if err != nil {
				bad(n, "%v", err)
				continue
			}
			dl.Line = n
			s.Days = append(s.Days, dl)
		}
	}
	if s.Born.IsZero() {
		problems = append(problems, "no \"pupil born YYYY-MM-DD\" line")
	}
	if s.Through.IsZero() {
		problems = append(problems, "no \"through YYYY-MM-DD\" line: the last day to play")
	}
	if !inExpect {
		problems = append(problems, "no \"expect\" line: say which cases must open (or \"expect nothing\")")
	}
	if s.From.IsZero() {
		s.From = s.firstDay()
	}
	if !s.From.IsZero() && s.Through.Before(s.From) {
		problems = append(problems, fmt.Sprintf("through %s is before the first day %s", s.Through, s.From))
	}
	for _, c := range s.Expect {
		if c.Opened.Before(s.From) || c.Opened.After(s.Through) {
			problems = append(problems, fmt.Sprintf("line %d: the case opens on %s, outside the days played (%s to %s)", c.Line, c.Opened, s.From, s.Through))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n  "))
	}
	return s, nil
}

// firstDay is the earliest day the scenario names.
func (s *Scenario) firstDay() school.Date {
	var d school.Date
	min := func(x school.Date) {
		if !x.IsZero() && (d.IsZero() || x.Before(d)) {
			d = x
		}
	}
	for _, dl := range s.Days {
		min(dl.First)
	}
	for _, ev := range s.Events {
		min(ev.On)
	}
	return d
}

// splitComment cuts a line at '#' outside double quotes.
func splitComment(line string) (text, comment string) {
	quoted := false
	for i, r := range line {
		switch r {
		case '"':
			quoted = !quoted
		case '#':
			if !quoted {
				return line[:i], strings.TrimSpace(line[i+1:])
			}
		}
	}
	return line, ""
}

// fields splits a line at spaces, keeping a "quoted text" whole (without
// its quotes).
func fields(line string) []string {
	var out []string
	line = strings.TrimSpace(line)
	for line != "" {
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"')
			if end < 0 {
				out = append(out, line[1:])
				break
			}
			out = append(out, line[1:end+1])
			line = strings.TrimSpace(line[end+2:])
			continue
		}
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			out = append(out, line)
			break
		}
		out = append(out, line[:i])
		line = strings.TrimSpace(line[i:])
	}
	return out
}

func parseRange(s string) (school.Date, school.Date, error) {
	a, b, isRange := strings.Cut(s, "..")
	first, err := school.ParseDate(a)
	if err != nil {
		return first, first, fmt.Errorf("%q: %v", s, err)
	}
	if !isRange {
		return first, first, nil
	}
	last, err := school.ParseDate(b)
	if err != nil {
		return first, last, fmt.Errorf("%q: %v", s, err)
	}
	if last.Before(first) {
		return first, last, fmt.Errorf("%q: the range ends before it starts", s)
	}
	return first, last, nil
}
