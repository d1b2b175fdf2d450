package protocol

import (
	"slices"
	"sort"

	"github.com/nabij-isk/nabij/school"
)

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

// orderRules sorts rules as a day plays them: heaviest step first, and on
// one step a streak before a window (a pupil not in school at all is the
// graver finding), otherwise in the file's order. It also names them.
func orderRules(rules []*Rule) ([]*Rule, map[string]*Rule) {
	order := slices.Clone(rules)
	slices.SortStableFunc(order, func(a, b *Rule) int {
		if a.Level.tier() != b.Level.tier() {
			return b.Level.tier() - a.Level.tier()
		}
		if a.Kind != b.Kind {
			if a.Kind == KindStreak {
				return -1
			}
			return 1
		}
		return 0
	})
	byName := make(map[string]*Rule, len(order))
	for _, r := range order {
		byName[r.Name] = r
	}
	return order, byName
}

// steps numbers each rule's step on its ladder: the distinct steps of the
// ladder's rules, lightest first. A rule without a ladder is step 1 of 1.
func steps(order []*Rule) map[*Rule][2]int {
	tiers := map[string][]int{}
	for _, r := range order {
		if !slices.Contains(tiers[r.Ladder], r.Level.tier()) {
			tiers[r.Ladder] = append(tiers[r.Ladder], r.Level.tier())
		}
	}
	out := make(map[*Rule][2]int, len(order))
	for _, r := range order {
		t := tiers[r.Ladder]
		if r.Ladder == "" {
			out[r] = [2]int{1, 1}
			continue
		}
		slices.Sort(t)
		out[r] = [2]int{slices.Index(t, r.Level.tier()) + 1, len(t)}
	}
	return out
}

// windowStart is the first day r counts for day d: the school year's first
// day, or the start of its window of lesweken.
func (r *Rule) windowStart(d school.Date, cal *school.Calendar) school.Date {
	switch {
	case r.Period == "school_year":
		return school.SchoolYearStart(d)
	case r.Window == WindowWeeks:
		return cal.WindowStart(d, r.Weeks)
	default:
		return cal.RollingStart(d, r.Weeks)
	}
}

// countsEntry reports whether r counts e: its kind, on a school day the
// calendar covers, with hours when r counts hours, the whole day when r
// counts whole days.
func (p *Protocol) countsEntry(r *Rule, e Entry, cal *school.Calendar) bool {
	if !r.counts(e.Kind) || !cal.Counts(e.Date) {
		return false
	}
	if r.Measure == MeasureHours && e.Hours <= 0 {
		return false // lateness within the minutes that do not count
	}
	if r.Kind == KindStreak && r.wholeDays() && e.Hours < p.SchoolDay.DayHours {
		return false // a lesuur missed is no day missed
	}
	return true
}

// counted lists the entries r counts, in buf's array (a nil buf allocates).
func (p *Protocol) counted(r *Rule, entries []Entry, cal *school.Calendar, buf []Entry) []Entry {
	out := buf[:0]
	for _, e := range entries {
		if p.countsEntry(r, e, cal) {
			out = append(out, e)
		}
	}
	return out
}

func laterOf(a, b school.Date) school.Date {
	if a.After(b) {
		return a
	}
	return b
}

// measure counts entries (already filtered for r) from start through d;
// withDates also lists them, which only a finding needs. A sick report is a
// run of consecutive sick school days, counted on its first day: an
// illness that began before start is no new report within the window.
func measure(r *Rule, entries []Entry, start, d school.Date, cal *school.Calendar, withDates bool) Facts {
	lo := sort.Search(len(entries), func(i int) bool { return !entries[i].Date.Before(start) })
	f := Facts{Measure: r.Measure, Threshold: r.Threshold}
	for i := lo; i < len(entries); i++ {
		e := entries[i]
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
			if i == 0 || cal.PrevSchoolDay(e.Date) != entries[i-1].Date {
				f.Value++ // a new sick report; consecutive days are one
			}
		}
	}
	return f
}
