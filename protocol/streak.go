package protocol

import "github.com/nabij-isk/nabij/school"

// streakOn plays streak rule st on day d. A streak is the kinds a rule
// counts on consecutive school days (weekends, holidays and free days
// between do not break a run), reaching days, or more than whole lesweken;
// a streak held back by min_days_between opens over its run as it stood.
func (ev *evaluation) streakOn(st *ruleState, d school.Date) (Finding, bool) {
	r := st.r
	isEntry := st.next < len(st.entries) && st.entries[st.next].Date == d
	var run []Entry
	last := -1 // the index of run's last entry
	switch {
	case st.pending == d && !st.held.IsZero():
		// The day a run held back by min_days_between may open: the run
		// as it stood, whether or not the pupil is back (what was reached
		// was reached). The held run ends on the last entry before d, or on d.
		st.pending = school.Date{}
		// The held run: through d when the pupil is still away, or as it
		// ended before d (the pupil came back, and may be away again today).
		end := -1
		for _, e := range []int{st.next, st.next - 1} {
			if e >= 0 && e < len(st.entries) && !st.entries[e].Date.After(d) && st.entries[st.runStart[e]].Date == st.held {
				end = e
				break
			}
		}
		if e := st.heldEnd - 1; end < 0 && e >= 0 && e < len(st.entries) && st.entries[st.runStart[e]].Date == st.held {
			end = e // the pupil came back and is away again: the run as it stood
		}
		if end < 0 {
			return Finding{}, false
		}
		run, last = st.entries[st.runStart[end]:end+1], end
	case isEntry:
		i := st.next
		run, last = st.entries[st.runStart[i]:i+1], i
		if run[0].Date.Before(st.since) {
			return Finding{}, false // this run opened a case already
		}
		crossing := ev.p.streakReached(r, run, ev.cal) && (len(run) == 1 || !ev.p.streakReached(r, run[:len(run)-1], ev.cal))
		if !crossing {
			return Finding{}, false
		}
	default:
		return Finding{}, false
	}
	// A run held back was reached on the day it was held: the pupil's age
	// that day decides whose case it is (leerplicht's for a run reached at
	// 17, though the pupil is 18 when it opens).
	reachedOn := d
	if !st.held.IsZero() && st.reached.Before(d) && !st.reached.Before(run[0].Date) {
		reachedOn = st.reached
	}
	age := ev.pupil.BirthDate.AgeOn(reachedOn)
	if !r.appliesAt(age) {
		return Finding{}, false
	}
	if hold := ev.holdUntil(r, d); !hold.IsZero() {
		st.held, st.pending, st.heldEnd = run[0].Date, hold, last+1
		if st.reached.IsZero() {
			st.reached = d
		}
		ev.holdStep(st, hold)
		return Finding{}, false
	}
	st.held, st.reached, st.heldEnd = school.Date{}, school.Date{}, 0
	// A run held back past the birthday after which the rule no longer
	// applies counts up to that birthday (lastDayOf).
	if end := ev.lastDayOf(r, d); end != d {
		for len(run) > 1 && run[len(run)-1].Date.After(end) {
			run = run[:len(run)-1]
		}
	}
	f := Facts{Measure: "days", Value: float64(len(run)), Threshold: float64(r.Days), Days: len(run),
		FirstDay: run[0].Date, ThresholdDay: d, Age: age, WindowStart: run[0].Date}
	if reachedOn != d {
		f.HeldFrom = reachedOn
	}
	if r.MoreThanWeeks > 0 {
		f.Measure, f.Weeks = MeasureLesweeks, r.MoreThanWeeks
		f.Value, f.Threshold = float64(wholeLesweeks(run, ev.cal)), float64(r.MoreThanWeeks)
	}
	f.Total = f.Value
	for _, x := range run {
		f.Dates = append(f.Dates, x.Date)
		f.Hours += x.Hours
	}
	ev.finish(r, &f)
	return ev.finding(r, f, d), true
}

// streakReached reports whether run (consecutive school days, oldest
// first) reaches r: its days, or more than its whole lesweken.
func (p *Protocol) streakReached(r *Rule, run []Entry, cal *school.Calendar) bool {
	if r.MoreThanWeeks > 0 {
		// More than n lesweken: n whole lesweken missed before the last day.
		return len(run) > 1 && wholeLesweeks(run[:len(run)-1], cal) >= r.MoreThanWeeks
	}
	return len(run) >= r.Days
}

// wholeLesweeks counts the lesweken every school day of which lies in run
// (consecutive school days, oldest first).
func wholeLesweeks(run []Entry, cal *school.Calendar) int {
	if len(run) == 0 {
		return 0
	}
	a, b := run[0].Date, run[len(run)-1].Date
	// The first whole week starts at a when a is its first school day; the
	// last ends at b when b is its last.
	first := school.Monday(a)
	if cal.PrevSchoolDay(a).After(first.AddDays(-1)) {
		first = first.AddDays(7)
	}
	last := school.Monday(b)
	if next := cal.NextSchoolDay(b.AddDays(1)); next.Before(last.AddDays(7)) {
		last = last.AddDays(-7)
	}
	if last.Before(first) {
		return 0
	}
	return cal.LesweeksBetween(first, last)
}

// runStarts gives, for each entry, the index of the first entry of its run
// of consecutive school days (weekends, holidays and free days between do
// not break a run).
func runStarts(entries []Entry, cal *school.Calendar) []int {
	return appendRunStarts(nil, entries, cal)
}

// appendRunStarts is runStarts appended to out.
func appendRunStarts(out []int, entries []Entry, cal *school.Calendar) []int {
	base := len(out)
	for i, e := range entries {
		if i > 0 && cal.PrevSchoolDay(e.Date) == entries[i-1].Date {
			out = append(out, out[base+i-1])
		} else {
			out = append(out, i)
		}
	}
	return out
}
