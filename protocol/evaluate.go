package protocol

import (
	"slices"
	"sync"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// Evaluate runs every rule over the pupil's history up to and including
// through, and returns what they reach that no past case covers. The same
// history and past cases give the same findings, so a finding is keyed by its
// rule and threshold day, and a case of that key covering it (Covers) keeps
// it from opening twice.
func (p *Protocol) Evaluate(pupil Pupil, cal *school.Calendar, through school.Date, past []PastCase) []Finding {
	return p.EvaluateChange(pupil, cal, through, past, nil)
}

// EvaluateChange is Evaluate after a change to entries of the given kinds
// (a list or a correction: the kind before and after), with past holding
// the cases of the history before the change: only the ladders with a rule
// that counts one of kinds can find anything new, and they run whole (a
// heavier rule's case restarts and holds back the lighter ones, so a ladder
// runs whole even when its rules count different kinds). If past misses
// cases (a sweep that did not run), this finds fewer than Evaluate, never
// others; the next sweep runs every rule. nil kinds runs every rule.
//
// The rules are played day by day, as the school days went: on each day the
// ladder's heaviest rules first, so that a case restarts and holds back the
// others on that very day.
func (p *Protocol) EvaluateChange(pupil Pupil, cal *school.Calendar, through school.Date, past []PastCase, kinds []school.AbsenceKind) []Finding {
	order, byName, stepOf := p.ordered, p.byName, p.stepOf
	if len(order) != len(p.Rules) {
		order, byName = orderRules(p.Rules)
		stepOf = steps(order)
	}
	var ladders []string // of the rules that count one of kinds
	for _, r := range order {
		if kinds != nil && r.Ladder != "" && slices.ContainsFunc(kinds, r.counts) && !slices.Contains(ladders, r.Ladder) {
			ladders = append(ladders, r.Ladder)
		}
	}
	// The rules' states and entries live in scratch space kept between
	// calls: nothing a finding holds points into it.
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.reset(len(order), len(pupil.Entries))
	ev := evaluation{p: p, cal: cal, pupil: pupil, byName: byName, steps: stepOf, rules: sc.rules}
	for _, c := range past {
		if !c.Dismissed {
			ev.cases = append(ev.cases, c)
		}
	}
	slices.SortStableFunc(ev.cases, func(a, b PastCase) int { return a.ThresholdDay.Compare(b.ThresholdDay) })
	for _, r := range order {
		if kinds != nil && !slices.ContainsFunc(kinds, r.counts) && (r.Ladder == "" || !slices.Contains(ladders, r.Ladder)) {
			continue
		}
		sc.states = append(sc.states, ruleState{r: r}) // within its capacity: no pointer moves
		st := &sc.states[len(sc.states)-1]
		start := len(sc.entries)
		st.entries = p.counted(r, pupil.Entries, cal, sc.entries[start:start:start+len(pupil.Entries)])
		sc.entries = sc.entries[:start+len(st.entries)]
		// History before a case that already exists is handled: a list
		// posted late for an earlier day never opens a case behind it.
		for _, c := range ev.cases {
			if r.Kind == KindWindow && ev.restarts(c, r) {
				st.floor = laterOf(st.floor, c.ThresholdDay)
			}
			if c.Rule == r.Name {
				st.since = laterOf(st.since, c.runsAfter())
			}
		}
		if r.Kind == KindStreak {
			start := len(sc.starts)
			sc.starts = appendRunStarts(sc.starts, st.entries, cal)
			st.runStart = sc.starts[start:]
		}
		ev.rules = append(ev.rules, st)
	}
	sc.rules = ev.rules
	for {
		d, ok := ev.next(through)
		if !ok {
			break
		}
		for _, st := range ev.rules {
			if f, ok := ev.on(st, d); ok {
				ev.found = append(ev.found, f)
				c := PastCase{Rule: st.r.Name, ThresholdDay: d, LastDay: LastDayOf(f.Facts)}
				ev.cases = append(ev.cases, c)
				if st.r.Kind == KindStreak {
					st.since = c.runsAfter()
				}
			}
		}
	}
	slices.SortStableFunc(ev.found, func(a, b Finding) int {
		if c := a.Facts.ThresholdDay.Compare(b.Facts.ThresholdDay); c != 0 {
			return c
		}
		return a.Rule.Level.Rank() - b.Rule.Level.Rank()
	})
	return ev.found
}

// scratch is an evaluation's working memory, reused.
type scratch struct {
	states  []ruleState
	rules   []*ruleState
	entries []Entry
	starts  []int
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

// reset empties the scratch space and makes room for rules rules over
// entries entries each, so that appending moves nothing.
func (sc *scratch) reset(rules, entries int) {
	if cap(sc.states) < rules {
		sc.states = make([]ruleState, 0, rules)
	}
	if cap(sc.entries) < rules*entries {
		sc.entries = make([]Entry, 0, rules*entries)
	}
	if cap(sc.starts) < rules*entries {
		sc.starts = make([]int, 0, rules*entries)
	}
	clear(sc.states[:cap(sc.states)]) // no rule's state lingers
	sc.states, sc.entries, sc.starts, sc.rules = sc.states[:0], sc.entries[:0], sc.starts[:0], sc.rules[:0]
}

// evaluation is one pupil's rules played day by day.
type evaluation struct {
	p      *Protocol
	cal    *school.Calendar
	pupil  Pupil
	byName map[string]*Rule
	steps  map[*Rule][2]int
	rules  []*ruleState
	cases  []PastCase // not dismissed, oldest first: the past, then what was found
	found  []Finding
	day    school.Date // the last day played
}

// ruleState is where one rule stands in an evaluation.
type ruleState struct {
	r       *Rule
	entries []Entry // the entries it counts, oldest first
	next    int     // the first entry not yet played
	// floor: no case on or before it (a case of the past covers that history).
	floor school.Date
	// since: a streak counts runs that start on or after it (the day after
	// the last day of its last case's run, PastCase.runsAfter).
	since school.Date
	// pending is a day a case held back by min_days_between may open.
	pending school.Date
	// held is the first day of a streak's run held back by
	// min_days_between: it opens on pending.
	held school.Date
	// reached is the day the rule's threshold was first reached while held
	// back (a streak: the day its run crossed it).
	reached school.Date
	// stepReached is the day another rule of its step reached the
	// threshold of the case held back to pending (holdStep): on that day a
	// rule that does not apply at the pupil's age then leaves the case to
	// the one that does.
	stepReached school.Date
	// heldEnd is 1 + the index of the last entry of a streak's run held
	// back: the run as it stood, should the pupil be back and away again
	// before the hold ends.
	heldEnd  int
	runStart []int // streaks: the index of each entry's run's first entry
}

// next is the next day any rule has something to look at, up to through.
func (ev *evaluation) next(through school.Date) (school.Date, bool) {
	var d school.Date
	for _, st := range ev.rules {
		for st.next < len(st.entries) && !st.entries[st.next].Date.After(ev.day) && !ev.day.IsZero() {
			st.next++
		}
		if st.next < len(st.entries) {
			if c := st.entries[st.next].Date; d.IsZero() || c.Before(d) {
				d = c
			}
		}
		if c := st.pending; !c.IsZero() && c.After(ev.day) && (d.IsZero() || c.Before(d)) {
			d = c
		}
	}
	if d.IsZero() || d.After(through) {
		return d, false
	}
	ev.day = d
	return d, true
}

// on plays rule st on day d.
func (ev *evaluation) on(st *ruleState, d school.Date) (Finding, bool) {
	if st.r.Kind == KindStreak {
		return ev.streakOn(st, d)
	}
	return ev.windowOn(st, d)
}

// restarts reports whether case c restarts the counting of rule r: a case
// of r itself, or of a rule of its ladder on the same step or a heavier one.
// Leerplicht and RMC are one step: both report outside the school, and the
// same hours are never reported twice.
func (ev *evaluation) restarts(c PastCase, r *Rule) bool {
	if c.Rule == r.Name {
		return true
	}
	o := ev.byName[c.Rule]
	return o != nil && r.Ladder != "" && o.Ladder == r.Ladder && o.Level.tier() >= r.Level.tier()
}

// turns is the day the pupil turns age (a 29 February birthday: 1 March
// in other years, as AgeOn counts).
func (ev *evaluation) turns(age int) school.Date {
	b := ev.pupil.BirthDate
	return school.DateOf(time.Date(b.Year+age, time.Month(b.Month), b.Day, 12, 0, 0, 0, time.UTC))
}

// lastDayOf is the last day a case of r opening on d counts: d, or, when the
// pupil has outgrown r by d (its case held back past the birthday), the day
// before the birthday that ended it.
func (ev *evaluation) lastDayOf(r *Rule, d school.Date) school.Date {
	if r.MaxAge == 0 || ev.pupil.BirthDate.IsZero() || ev.pupil.BirthDate.AgeOn(d) <= r.MaxAge {
		return d
	}
	return ev.turns(r.MaxAge + 1).AddDays(-1)
}

// restartFrom is the first day r counts after the cases before d that
// restart it: the day after the last, or, after a case of a rule the pupil
// had outgrown when it opened (held back past the birthday, it counts up to
// it: lastDayOf), the birthday itself for a rule that did not apply before it
// (the RMC after leerplicht): those days were no one's.
func (ev *evaluation) restartFrom(d school.Date, r *Rule) school.Date {
	var from school.Date
	for _, c := range ev.cases {
		if c.ThresholdDay.After(d) || !ev.restarts(c, r) {
			continue
		}
		next := c.ThresholdDay.AddDays(1)
		if o := ev.byName[c.Rule]; o != nil {
			if end := ev.lastDayOf(o, c.ThresholdDay); end != c.ThresholdDay && !r.appliesAt(ev.pupil.BirthDate.AgeOn(end)) {
				next = end.AddDays(1)
			}
			// A streak's run held back opens as it stood: the days after
			// its last day are not that case's, and are counted again.
			if o.Kind == KindStreak && !c.LastDay.IsZero() && c.LastDay.AddDays(1).Before(next) {
				next = c.LastDay.AddDays(1)
			}
		}
		from = laterOf(from, next)
	}
	return from
}

// leavesToStep reports whether r, reached on reachedOn, leaves the day a
// case held back on its step opens to the rule that reached it first, on
// stepReached, at an age r does not apply to (leerplicht's limit reached at
// 17, and the RMC's at 18 during the hold).
func (ev *evaluation) leavesToStep(r *Rule, stepReached, reachedOn school.Date) bool {
	return !stepReached.IsZero() && stepReached.Before(reachedOn) && !r.appliesAt(ev.pupil.BirthDate.AgeOn(stepReached))
}

// lastCase is the latest case on or before d for which match holds.
func (ev *evaluation) lastCase(d school.Date, r *Rule, match func(PastCase, *Rule) bool) school.Date {
	var last school.Date
	for _, c := range ev.cases {
		if !c.ThresholdDay.After(d) && match(c, r) {
			last = laterOf(last, c.ThresholdDay)
		}
	}
	return last
}

// holdStep has the other window rules of held's step look again on the
// day its hold ends, with the day the step's threshold was reached: the
// pupil's age on that day decides which rule's case it is (leerplicht's for
// a limit reached at 17, though the pupil turned 18 during the hold).
func (ev *evaluation) holdStep(held *ruleState, day school.Date) {
	r := held.r
	for _, st := range ev.rules {
		o := st.r
		if st == held || o.Kind != KindWindow || r.Ladder == "" || o.Ladder != r.Ladder || o.Level.tier() != r.Level.tier() {
			continue
		}
		if st.pending.IsZero() || !st.pending.After(ev.day) || day.Before(st.pending) {
			st.pending = day
		}
		if st.stepReached.IsZero() || held.reached.Before(st.stepReached) {
			st.stepReached = held.reached
		}
	}
}

// holdUntil is the first day a case of r may open after the last case that
// restarted it (of r, of another rule on its step, or of a heavier step:
// 16u/4w and LRV alike), or zero when d is free: continuous absence opens at
// most one case in min_days_between, and no lighter case beside a heavier.
func (ev *evaluation) holdUntil(r *Rule, d school.Date) school.Date {
	if r.MinDaysBetween <= 0 {
		return school.Date{}
	}
	last := ev.lastCase(d, r, ev.restarts)
	if last.IsZero() || last.DaysUntil(d) >= r.MinDaysBetween {
		return school.Date{}
	}
	return ev.cal.NextSchoolDay(last.AddDays(r.MinDaysBetween))
}

func (ev *evaluation) windowOn(st *ruleState, d school.Date) (Finding, bool) {
	r := st.r
	isEntry := st.next < len(st.entries) && st.entries[st.next].Date == d
	if !isEntry && st.pending != d {
		return Finding{}, false
	}
	var stepReached school.Date
	if st.pending == d {
		st.pending, stepReached, st.stepReached = school.Date{}, st.stepReached, school.Date{}
	}
	if !st.floor.IsZero() && !d.After(st.floor) {
		// No case on or before a case of the past that restarted the rule;
		// but the days that case did not cover (after a held LRV's run, up
		// to the day it opened) are looked at again after it, from the last
		// of them, if they reach the threshold.
		if isEntry && (st.next+1 == len(st.entries) || st.entries[st.next+1].Date.After(st.floor)) && !st.pending.After(st.floor) {
			start := laterOf(r.windowStart(d, ev.cal), ev.restartFrom(d, r))
			if measure(r, st.entries, start, d, ev.cal, false).Value >= r.Threshold {
				st.pending = ev.cal.NextSchoolDay(st.floor.AddDays(1))
			}
		}
		return Finding{}, false
	}
	// Counting starts the day after the last case of this rule or a heavier
	// one of its ladder (restartFrom).
	windowStart := r.windowStart(d, ev.cal)
	start := laterOf(windowStart, ev.restartFrom(d, r))
	// A case held back (min_days_between) was reached before it opens,
	// within this count: the pupil's age on the day it was reached decides
	// whose case it is (leerplicht's for hours missed at 17, though the pupil
	// is 18 when it opens).
	// (A day reached on a count that a case since restarted is no longer
	// this count's: the hold it began ended without a case.)
	reachedOn := d
	if !st.reached.IsZero() && st.reached.Before(d) {
		if !st.reached.Before(start) && ev.reachedBy(st, start, st.reached) {
			reachedOn = st.reached
		} else {
			st.reached = school.Date{}
		}
	}
	age := ev.pupil.BirthDate.AgeOn(reachedOn)
	if !r.appliesAt(age) || ev.leavesToStep(r, stepReached, reachedOn) {
		return Finding{}, false
	}
	facts := measure(r, st.entries, start, d, ev.cal, false)
	if facts.Value < r.Threshold {
		return Finding{}, false
	}
	if hold := ev.holdUntil(r, d); !hold.IsZero() {
		if st.reached.IsZero() {
			st.reached = d
		}
		st.pending = hold
		ev.holdStep(st, hold)
		return Finding{}, false
	}
	// The day this count first reached the threshold, when that was before
	// today (held back, or kept back by a case that restarted other hours):
	// the law's day, if the rule applied to the pupil then.
	if first := ev.firstReached(st, start, d); first != reachedOn && first.Before(d) && r.appliesAt(ev.pupil.BirthDate.AgeOn(first)) {
		reachedOn = first
	}
	// A case held back past the birthday after which its rule no longer
	// applies counts the days up to that birthday only: the days after are
	// the next rule's (the RMC's, restartFrom).
	end := ev.lastDayOf(r, d)
	facts = measure(r, st.entries, start, end, ev.cal, true)
	facts.Total = measure(r, st.entries, windowStart, end, ev.cal, false).Value
	facts.WindowStart, facts.ThresholdDay, facts.Age = start, d, age
	if reachedOn != d {
		facts.HeldFrom = reachedOn // reached within this case's count, and held back
	}
	st.reached = school.Date{}
	facts.Weeks = r.Weeks
	ev.finish(r, &facts)
	f := ev.finding(r, facts, d)
	if r.MinAge > 0 && !ev.pupil.BirthDate.IsZero() {
		if grown := ev.turns(r.MinAge); start.Before(grown) {
			f.Grown = grown
			f.BeforeMinAge = measure(r, st.entries, start, grown.AddDays(-1), ev.cal, false).Value
		}
	}
	return f, true
}

// firstReached is the first day on which the count of st's rule from
// start reached its threshold, up to d (d itself when no earlier day did).
func (ev *evaluation) firstReached(st *ruleState, start, d school.Date) school.Date {
	for _, e := range st.entries {
		if e.Date.Before(start) {
			continue
		}
		if !e.Date.Before(d) {
			break
		}
		if ev.reachedBy(st, start, e.Date) {
			return e.Date
		}
	}
	return d
}

// reachedBy reports whether the count of st's rule from start (within its
// window on day) reached the threshold by day.
func (ev *evaluation) reachedBy(st *ruleState, start, day school.Date) bool {
	r := st.r
	return measure(r, st.entries, laterOf(start, r.windowStart(day, ev.cal)), day, ev.cal, false).Value >= r.Threshold
}

// finding is the case of r opening on d on facts.
func (ev *evaluation) finding(r *Rule, facts Facts, d school.Date) Finding {
	f := Finding{Rule: r, Facts: facts, AgeOnOpening: ev.pupil.BirthDate.AgeOn(d)}
	if end := ev.lastDayOf(r, d); end != d {
		f.Outgrown = end.AddDays(1)
		f.Facts.CountedThrough = end
		for _, o := range ev.byName {
			if o != r && r.Ladder != "" && o.Ladder == r.Ladder && o.Level.tier() == r.Level.tier() && o.appliesAt(r.MaxAge+1) {
				f.Next = o.Level
			}
		}
	}
	return f
}

func (ev *evaluation) finish(r *Rule, f *Facts) {
	if r.DueWorkingDays > 0 {
		f.Due = school.AddWorkingDays(f.ThresholdDay, r.DueWorkingDays)
	}
	s := ev.steps[r]
	f.Step, f.Steps = s[0], s[1]
}
