package casebook

import (
	"fmt"
	"slices"
	"time"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// Engine plays scenarios through the rules engine alone, doing what the
// service does around it (app's lists, sweep and coordinator actions): a
// list or a correction rechecks the active cases on its day and runs the
// rules through yesterday; the end-of-day sweep runs every rule through the
// day; a case opens once for its rule and threshold day, whatever became of
// it; a dismissal runs the rules again (a dismissed case restarts nothing).
type Engine struct {
	Protocol *protocol.Protocol

	cal     *school.Calendar
	born    school.Date
	today   school.Date
	entries map[school.Date]protocol.Entry
	cases   []*protocol.Escalation
}

// NewEngine plays scenarios with p.
func NewEngine(p *protocol.Protocol) *Engine { return &Engine{Protocol: p} }

// Begin implements Driver.
func (g *Engine) Begin(s *Scenario, cal *school.Calendar) error {
	g.cal, g.born = cal, s.Born
	g.entries = map[school.Date]protocol.Entry{}
	g.cases = nil
	return nil
}

// Morning implements Driver.
func (g *Engine) Morning(day school.Date) error {
	g.today = day
	return nil
}

func (g *Engine) pupil() protocol.Pupil {
	p := protocol.Pupil{BirthDate: g.born}
	for _, e := range g.entries {
		p.Entries = append(p.Entries, e)
	}
	slices.SortFunc(p.Entries, func(a, b protocol.Entry) int { return a.Date.Compare(b.Date) })
	return p
}

func (g *Engine) past() []protocol.PastCase {
	out := make([]protocol.PastCase, len(g.cases))
	for i, c := range g.cases {
		out[i] = c.Past()
	}
	return out
}

// open opens what the rules find through through, once per rule and day.
func (g *Engine) open(through school.Date, kinds []school.AbsenceKind) {
	for _, f := range g.Protocol.EvaluateChange(g.pupil(), g.cal, through, g.past(), kinds) {
		e := protocol.NewEscalation("casebook", f, g.today.In(time.UTC))
		if !slices.ContainsFunc(g.cases, func(c *protocol.Escalation) bool { return c.Key() == e.Key() && c.Covers(e) }) {
			e.ID = fmt.Sprintf("e%d", len(g.cases)+1)
			g.cases = append(g.cases, e)
		}
	}
}

// recheck rechecks the cases that stand on day (not the dismissed ones).
func (g *Engine) recheck(day school.Date) {
	current := map[school.Date]protocol.Entry{}
	for d, e := range g.entries {
		current[d] = e
	}
	for _, c := range g.cases {
		if c.Rechecked() && g.Protocol.StandsOn(c, day) {
			g.Protocol.Recheck(c, g.cal, current)
		}
	}
}

// Set implements Driver.
func (g *Engine) Set(day school.Date, e Entry) error {
	if day.After(g.today) {
		return fmt.Errorf("a list for %s cannot be posted on %s", day, g.today)
	}
	if !g.cal.IsSchoolDay(day) { // the service refuses such a list too
		return fmt.Errorf("%s is not a school day (%s): no list is posted for it", day, g.cal.WhyNotSchoolDay(day))
	}
	var kinds []school.AbsenceKind
	if old, ok := g.entries[day]; ok {
		kinds = append(kinds, old.Kind)
	}
	if e.Kind == None || e.Kind == school.Present {
		delete(g.entries, day)
	} else {
		a := school.Absence{Kind: e.Kind, Hours: e.Hours, Minutes: e.Minutes}
		g.entries[day] = protocol.Entry{Date: day, Kind: e.Kind, Hours: g.Protocol.Hours(a)}
		kinds = append(kinds, e.Kind)
	}
	if !g.Protocol.CountsAny(kinds) {
		return nil
	}
	g.recheck(day)
	g.open(g.today.AddDays(-1), kinds)
	return nil
}

// Act implements Driver.
func (g *Engine) Act(action, rule string, threshold school.Date, note string) error {
	for _, c := range g.cases {
		if c.Rule == rule && c.Facts.ThresholdDay == threshold {
			if err := c.Apply(action, "casebook", note, g.today.In(time.UTC)); err != nil {
				return err
			}
			if action == ActDismiss {
				g.open(g.today.AddDays(-1), nil)
			}
			return nil
		}
	}
	return fmt.Errorf("no case of %s reached on %s to %s", rule, threshold, action)
}

// Close implements Driver.
func (g *Engine) Close(day school.Date, reason string, reopen bool) error {
	closed := g.cal.Closed()
	i := slices.IndexFunc(closed, func(p school.Period) bool { return p.Contains(day) })
	switch {
	case reopen && i < 0:
		return fmt.Errorf("%s was not closed", day)
	case reopen:
		closed = slices.Delete(closed, i, i+1)
	case i >= 0:
		return fmt.Errorf("%s is closed already", day)
	default:
		closed = append(closed, school.Period{Name: reason, First: day, Last: day})
	}
	g.cal.SetClosed(closed)
	g.recheck(day)
	g.open(g.today.AddDays(-1), nil)
	return nil
}

// EndOfDay implements Driver.
func (g *Engine) EndOfDay(day school.Date) error {
	g.open(day, nil)
	return nil
}

// Cases implements Driver.
func (g *Engine) Cases() ([]*protocol.Escalation, error) { return g.cases, nil }
