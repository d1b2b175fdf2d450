package casebook

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// Driver plays a scenario's timeline: the engine alone (Engine) or the
// whole service through its API (the end-to-end test).
type Driver interface {
	// Begin sets up the pupil and the calendar.
	Begin(s *Scenario, cal *school.Calendar) error
	// Morning starts a day: the clock stands on its morning.
	Morning(day school.Date) error
	// Set posts the pupil's entry of day's list (on day itself, or later: a
	// correction or a list posted late).
	Set(day school.Date, e Entry) error
	// Act is a coordinator's action on the case of rule reached on threshold.
	Act(action, rule string, threshold school.Date, note string) error
	// Close marks day closed after the fact (reopen: not closed after all).
	Close(day school.Date, reason string, reopen bool) error
	// EndOfDay runs the end-of-day sweep through day.
	EndOfDay(day school.Date) error
	// Cases lists every case of the pupil.
	Cases() ([]*protocol.Escalation, error)
}

// Result is a scenario played.
type Result struct {
	Scenario *Scenario
	Got      []Case // every case, as the casebook would state it
	Problems []string
}

// OK reports whether reality matched the casebook.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// Calendar makes the scenario's school calendar.
func (s *Scenario) Calendar() (*school.Calendar, error) {
	return school.NewCalendar(s.Region, s.OpenOn, s.Free)
}

// Run plays s through d, day by day from s.From to s.Through: each day the
// events of that day in the file's order, then the day's list, then the
// end-of-day sweep; and compares the cases with the casebook's.
func Run(s *Scenario, d Driver) (*Result, error) {
	cal, err := s.Calendar()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	res := &Result{Scenario: s}
	if err := d.Begin(s, cal); err != nil {
		return nil, err
	}
	lists := map[school.Date]Entry{}
	for _, dl := range s.Days {
		for _, day := range dl.days(cal) {
			lists[day] = dl.Entry
		}
	}
	opened := map[string]school.Date{}
	for day := s.From; !day.After(s.Through); day = day.AddDays(1) {
		if err := d.Morning(day); err != nil {
			return nil, fmt.Errorf("%s: morning of %s: %w", s.File, day, err)
		}
		for _, ev := range s.Events {
			if ev.On != day {
				continue
			}
			var err error
			switch ev.Act {
			case ActSet:
				for _, x := range ev.Days.days(cal) {
					if err = d.Set(x, ev.Days.Entry); err != nil {
						break
					}
				}
			case ActClose, ActReopen:
				for x := ev.Days.First; !x.After(ev.Days.Last) && err == nil; x = x.AddDays(1) {
					err = d.Close(x, ev.Note, ev.Act == ActReopen)
				}
			default:
				err = d.Act(ev.Act, ev.Rule, ev.Threshold, ev.Note)
			}
			if err != nil {
				return nil, fmt.Errorf("%s, line %d: %w", s.File, ev.Line, err)
			}
		}
		if e, ok := lists[day]; ok {
			if err := d.Set(day, e); err != nil {
				return nil, fmt.Errorf("%s: the list of %s: %w", s.File, day, err)
			}
		}
		if err := d.EndOfDay(day); err != nil {
			return nil, fmt.Errorf("%s: the sweep of %s: %w", s.File, day, err)
		}
		cases, err := d.Cases()
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			if _, ok := opened[c.ID]; !ok {
				opened[c.ID] = day
			}
		}
	}
	cases, err := d.Cases()
	if err != nil {
		return nil, err
	}
	for _, c := range cases {
		res.Got = append(res.Got, stated(c, opened[c.ID]))
	}
	sortCases(res.Got)
	res.Problems = compare(s.Expect, res.Got)
	return res, nil
}

// days lists the school days of a day line: a single day as it is, a range
// by its school days.
func (dl DayLine) days(cal *school.Calendar) []school.Date {
	if dl.First == dl.Last {
		return []school.Date{dl.First}
	}
	var out []school.Date
	for d := dl.First; !d.After(dl.Last); d = d.AddDays(1) {
		if cal.IsSchoolDay(d) {
			out = append(out, d)
		}
	}
	return out
}

// stated is a case as the casebook states it.
func stated(e *protocol.Escalation, opened school.Date) Case {
	c := Case{Opened: opened, Rule: e.Rule, Level: string(e.Level), Value: e.Facts.Value,
		WindowFirst: e.Facts.WindowStart, WindowLast: e.Facts.ThresholdDay, Status: string(e.Status), Below: e.FactsChanged, esc: e}
	if c.WindowFirst.IsZero() {
		c.WindowFirst = e.Facts.FirstDay
	}
	if e.Due != nil {
		c.Due = *e.Due
	}
	return c
}

func sortCases(cs []Case) {
	slices.SortStableFunc(cs, func(a, b Case) int {
		if c := a.Opened.Compare(b.Opened); c != 0 {
			return c
		}
		if c := a.WindowLast.Compare(b.WindowLast); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
}

// String writes a case as a line of the casebook.
func (c Case) String() string {
	due := "-"
	if !c.Due.IsZero() {
		due = c.Due.String()
	}
	status := c.Status
	if c.Below {
		status += "+below"
	}
	return fmt.Sprintf("%s  %s  %s  %g  %s..%s  %s  %s", c.Opened, c.Rule, c.Level, c.Value, c.WindowFirst, c.WindowLast, due, status)
}

// compare lists, in words, where got differs from want. Cases of the same
// rule and threshold day (a second after a dismissed one with other days)
// are matched in order: the first expected with the first opened.
func compare(want, got []Case) []string {
	var problems []string
	wantKeys, gotKeys := occurrences(want), occurrences(got)
	byKey := map[string]Case{}
	for i, g := range got {
		byKey[gotKeys[i]] = g
	}
	seen := map[string]bool{}
	for i, w := range want {
		g, ok := byKey[wantKeys[i]]
		if !ok {
			problems = append(problems, fmt.Sprintf("line %d: expected, never opened:\n      %s", w.Line, w))
			continue
		}
		seen[wantKeys[i]] = true
		var diffs []string
		field := func(name, wantV, gotV string) {
			if wantV != gotV {
				diffs = append(diffs, fmt.Sprintf("%s %s, expected %s", name, gotV, wantV))
			}
		}
		field("opened", w.Opened.String(), g.Opened.String())
		field("level", w.Level, g.Level)
		field("value", fmt.Sprint(w.Value), fmt.Sprint(g.Value))
		field("window", w.WindowFirst.String()+".."+w.WindowLast.String(), g.WindowFirst.String()+".."+g.WindowLast.String())
		field("due", dueText(w.Due), dueText(g.Due))
		field("status", statusText(w), statusText(g))
		e := g.esc
		for _, text := range w.Reason {
			if !strings.Contains(e.Reason, text) {
				diffs = append(diffs, fmt.Sprintf("the reason %q does not say %q", e.Reason, text))
			}
		}
		for _, text := range w.Correction {
			if !strings.Contains(e.Correction, text) {
				diffs = append(diffs, fmt.Sprintf("the correction %q does not say %q", e.Correction, text))
			}
		}
		if len(diffs) > 0 {
			problems = append(problems, fmt.Sprintf("line %d: %s %s: %s\n      expected %s\n      got      %s",
				w.Line, w.Rule, w.WindowLast, strings.Join(diffs, "; "), w, g))
		}
	}
	for i, g := range got {
		if !seen[gotKeys[i]] {
			problems = append(problems, fmt.Sprintf("opened, not expected:\n      %s\n      reason: %s", g, g.esc.Reason))
		}
	}
	return problems
}

// occurrences names each case by its key and how many of that key came
// before it.
func occurrences(cs []Case) []string {
	n := map[string]int{}
	out := make([]string, len(cs))
	for i, c := range cs {
		n[c.Key()]++
		out[i] = fmt.Sprintf("%s #%d", c.Key(), n[c.Key()])
	}
	return out
}

func dueText(d school.Date) string {
	if d.IsZero() {
		return "-"
	}
	return d.String()
}

func statusText(c Case) string {
	if c.Below {
		return c.Status + "+below"
	}
	return c.Status
}

// Report writes a result for a person: PASS with the title, or FAIL with
// every difference, and every case that opened.
func (r *Result) Report() string {
	var b strings.Builder
	if r.OK() {
		fmt.Fprintf(&b, "PASS %s  %s\n", r.Scenario.File, r.Scenario.Title)
		return b.String()
	}
	fmt.Fprintf(&b, "FAIL %s  %s\n", r.Scenario.File, r.Scenario.Title)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  - %s\n", p)
	}
	fmt.Fprintf(&b, "  the cases that opened, as the casebook writes them:\n")
	if len(r.Got) == 0 {
		fmt.Fprintf(&b, "    (none)\n")
	}
	for _, g := range r.Got {
		fmt.Fprintf(&b, "    %s\n", g)
	}
	return b.String()
}

// ProtocolFor is the protocol s is played with: the file it names, or p.
func ProtocolFor(s *Scenario, p *protocol.Protocol) (*protocol.Protocol, error) {
	if s.Protocol == "" {
		return p, nil
	}
	data, err := os.ReadFile(s.Protocol)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	own, err := protocol.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", s.File, s.Protocol, err)
	}
	return own, nil
}
