package protocol

import (
	"slices"
	"sort"

	"github.com/nabij-isk/nabij/school"
)

// Entry is one day of a pupil's history as the rules see it.
type Entry struct {
	Date  school.Date
	Kind  school.AbsenceKind
	Hours float64
}

// Pupil is what the rules know of a pupil: their birth date and their
// history, oldest first.
type Pupil struct {
	BirthDate school.Date
	Entries   []Entry
}

// PastCase is an escalation opened before, whatever became of it: a rule
// counts again from the day after it.
type PastCase struct {
	Rule         string
	ThresholdDay school.Date
}

// Facts are the numbers behind an escalation.
type Facts struct {
	Measure      string        `json:"measure"`
	Value        float64       `json:"value"`
	Threshold    float64       `json:"threshold"`
	Weeks        int           `json:"weeks,omitempty"`
	Days         int           `json:"days,omitempty"`
	WindowStart  school.Date   `json:"window_start,omitzero"`
	FirstDay     school.Date   `json:"first_day"`
	ThresholdDay school.Date   `json:"threshold_day"`
	Due          school.Date   `json:"due,omitzero"`
	Age          int           `json:"age"`
	Dates        []school.Date `json:"dates"`
	Hours        float64       `json:"hours"`
}

// Finding is a rule reached: an escalation to open.
type Finding struct {
	Rule  *Rule
	Facts Facts
}

// Evaluate runs every rule over the pupil's history up to and including
// through, and returns what they reach that no past case covers. The same
// history and past cases give the same findings, so a finding is keyed by its
// rule and threshold day and never opens twice.
func (p *Protocol) Evaluate(pupil Pupil, cal *school.Calendar, through school.Date, past []PastCase) []Finding {
	return p.EvaluateChange(pupil, cal, through, past, nil)
}

// EvaluateChange is Evaluate after a change to entries of the given kinds
// (a list or a correction: the kind before and after), with past holding
// the cases of the history before the change: only the rules that count
// one of kinds can find anything new, with the other rules of their ladders
// (a heavier rule's case restarts the lighter ones, so a ladder runs whole
// even when its rules count different kinds). If past misses cases (a
// sweep that did not run), this finds fewer than Evaluate, never others;
// the next sweep runs every rule. nil kinds runs every rule.
func (p *Protocol) EvaluateChange(pupil Pupil, cal *school.Calendar, through school.Date, past []PastCase, kinds []school.AbsenceKind) []Finding {
	cases := slices.Clone(past)
	var out []Finding
	// One buffer for each rule's counted entries in turn: no rule keeps them.
	buf := make([]Entry, 0, len(pupil.Entries))
	// Heavier rules first, so that their cases restart the lighter rules of
	// their ladder.
	order, byName := p.ordered, p.byName
	if len(order) != len(p.Rules) {
		order, byName = orderRules(p.Rules)
	}
	var ladders []string // of the rules that count one of kinds
	for _, r := range order {
		if kinds != nil && r.Ladder != "" && slices.ContainsFunc(kinds, r.counts) {
			ladders = append(ladders, r.Ladder)
		}
	}
	for _, r := range order {
		if kinds != nil && !slices.ContainsFunc(kinds, r.counts) && (r.Ladder == "" || !slices.Contains(ladders, r.Ladder)) {
			continue
		}
		var found []Finding
		if r.Kind == KindStreak {
			found = p.streak(r, pupil, cal, through, cases, buf)
		} else {
			// History before a case that already exists is handled: a list
			// posted late for an earlier day never opens a case behind it.
			var floor school.Date
			for _, d := range restarts(r, byName, past) {
				floor = laterOf(floor, d)
			}
			found = p.window(r, pupil, cal, through, cases, byName, floor, buf)
		}
		for _, f := range found {
			cases = append(cases, PastCase{Rule: r.Name, ThresholdDay: f.Facts.ThresholdDay})
		}
		out = append(out, found...)
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if a.Facts.ThresholdDay == b.Facts.ThresholdDay {
			return a.Rule.Level.Rank() - b.Rule.Level.Rank()
		}
		if a.Facts.ThresholdDay.Before(b.Facts.ThresholdDay) {
			return -1
		}
		return 1
	})
	return out
}

// CountsAny reports whether some rule counts one of kinds: a change between
// kinds no rule counts (an excused day, say) can neither find a case nor
// change one.
func (p *Protocol) CountsAny(kinds []school.AbsenceKind) bool {
	for _, r := range p.Rules {
		if slices.ContainsFunc(kinds, r.counts) {
			return true
		}
	}
	return false
}

// orderRules sorts rules heaviest first (stable) and names them.
func orderRules(rules []*Rule) ([]*Rule, map[string]*Rule) {
	order := slices.Clone(rules)
	slices.SortStableFunc(order, func(a, b *Rule) int { return b.Level.Rank() - a.Level.Rank() })
	byName := make(map[string]*Rule, len(order))
	for _, r := range order {
		byName[r.Name] = r
	}
	return order, byName
}

// windowStart is the first day r counts for day d: the school year's first
// day, or the start of its window of lesweken.
func (r *Rule) windowStart(d school.Date, cal *school.Calendar) school.Date {
	if r.Period == "school_year" {
		return school.SchoolYearStart(d)
	}
	return cal.WindowStart(d, r.Weeks)
}

// counted lists the entries r counts, from since on, in buf's array (a nil
// buf allocates).
func counted(r *Rule, entries []Entry, since school.Date, buf []Entry) []Entry {
	out := buf[:0]
	for _, e := range entries {
		if !r.counts(e.Kind) || e.Date.Before(since) {
			continue
		}
		if r.Measure == MeasureHours && e.Hours <= 0 {
			continue // lateness within the minutes that do not count
		}
		out = append(out, e)
	}
	return out
}

func laterOf(a, b school.Date) school.Date {
	if a.After(b) {
		return a
	}
	return b
}

// restarts are the days after which r counts again: its own cases, and the
// cases of the rules of its ladder at its level or above.
func restarts(r *Rule, level map[string]*Rule, cases []PastCase) []school.Date {
	var out []school.Date
	for _, c := range cases {
		o := level[c.Rule]
		if c.Rule == r.Name || (o != nil && r.Ladder != "" && o.Ladder == r.Ladder && o.Kind == KindWindow && o.Level.Rank() >= r.Level.Rank()) {
			out = append(out, c.ThresholdDay)
		}
	}
	return out
}

func (p *Protocol) window(r *Rule, pupil Pupil, cal *school.Calendar, through school.Date, cases []PastCase, rules map[string]*Rule, floor school.Date, buf []Entry) []Finding {
	restart := restarts(r, rules, cases)
	entries := counted(r, pupil.Entries, school.Date{}, buf)
	var out []Finding
	i := 0
	var pending school.Date // a day a case held back by min_days_between may open
	for {
		var d school.Date
		switch {
		case !pending.IsZero() && (i >= len(entries) || pending.Before(entries[i].Date)):
			d, pending = pending, school.Date{}
		case i < len(entries):
			d = entries[i].Date
			i++
		default:
			return out
		}
		if d.After(through) {
			return out
		}
		if !floor.IsZero() && !d.After(floor) {
			continue
		}
		// Counting starts the day after the last case of this rule or a
		// heavier one of its ladder; min_days_between is kept from that case
		// too, so continuous absence opens one case a week, at one level.
		var last school.Date
		for _, x := range restart {
			if !x.After(d) {
				last = laterOf(last, x)
			}
		}
		var since school.Date
		if !last.IsZero() {
			since = last.AddDays(1)
		}
		age := pupil.BirthDate.AgeOn(d)
		if !r.appliesAt(age) {
			continue
		}
		start := laterOf(r.windowStart(d, cal), since)
		facts := measure(r, entries, start, d, cal, false)
		if facts.Value < r.Threshold {
			continue
		}
		if !last.IsZero() && last.DaysUntil(d) < r.MinDaysBetween {
			pending = cal.NextSchoolDay(last.AddDays(r.MinDaysBetween))
			continue
		}
		facts = measure(r, entries, start, d, cal, true)
		facts.WindowStart, facts.ThresholdDay, facts.Age = start, d, age
		facts.Weeks = r.Weeks
		if r.DueWorkingDays > 0 {
			facts.Due = school.AddWorkingDays(d, r.DueWorkingDays)
		}
		out = append(out, Finding{Rule: r, Facts: facts})
		restart = append(restart, d)
	}
}

// measure counts entries (already filtered for r) from start through d;
// withDates also lists them, which only a finding needs.
func measure(r *Rule, entries []Entry, start, d school.Date, cal *school.Calendar, withDates bool) Facts {
	lo := sort.Search(len(entries), func(i int) bool { return !entries[i].Date.Before(start) })
	f := Facts{Measure: r.Measure, Threshold: r.Threshold}
	var prev school.Date
	for _, e := range entries[lo:] {
		if e.Date.After(d) {
			break
		}
		if withDates {
			f.Dates = append(f.Dates, e.Date)
			if f.FirstDay.IsZero() {
				f.FirstDay = e.Date
			}
		}
		f.Hours += e.Hours
		switch r.Measure {
		case MeasureHours:
			f.Value += e.Hours
		case MeasureOccurrences:
			f.Value++
		case MeasureReports:
			if prev.IsZero() || cal.PrevSchoolDay(e.Date) != prev {
				f.Value++ // a new sick report; consecutive days are one
			}
		}
		prev = e.Date
	}
	return f
}

func (p *Protocol) streak(r *Rule, pupil Pupil, cal *school.Calendar, through school.Date, cases []PastCase, buf []Entry) []Finding {
	var since school.Date // a streak that already opened a case does not open another
	for _, c := range cases {
		if c.Rule == r.Name {
			since = laterOf(since, c.ThresholdDay.AddDays(1))
		}
	}
	var out []Finding
	var run []Entry
	for _, e := range counted(r, pupil.Entries, school.Date{}, buf) {
		if e.Date.After(through) {
			break
		}
		if len(run) > 0 && cal.PrevSchoolDay(e.Date) != run[len(run)-1].Date {
			run = run[:0]
		}
		run = append(run, e)
		if run[0].Date.Before(since) {
			continue
		}
		reached := len(run) == r.Days
		if r.MoreThanWeeks > 0 {
			reached = cal.LesweeksBetween(run[0].Date, e.Date) == r.MoreThanWeeks+1 && cal.LesweeksBetween(run[0].Date, cal.PrevSchoolDay(e.Date)) == r.MoreThanWeeks
		}
		age := pupil.BirthDate.AgeOn(e.Date)
		if !reached || !r.appliesAt(age) {
			continue
		}
		f := Facts{Measure: "days", Value: float64(len(run)), Threshold: float64(max(r.Days, r.MoreThanWeeks)), Days: len(run), Weeks: r.MoreThanWeeks,
			FirstDay: run[0].Date, ThresholdDay: e.Date, Age: age}
		for _, x := range run {
			f.Dates = append(f.Dates, x.Date)
			f.Hours += x.Hours
		}
		if r.DueWorkingDays > 0 {
			f.Due = school.AddWorkingDays(e.Date, r.DueWorkingDays)
		}
		out = append(out, Finding{Rule: r, Facts: f})
		since = e.Date.AddDays(1)
	}
	return out
}
