package protocol

import "github.com/nabij-isk/nabij/school"

// Progress is how far a pupil is towards a rule's threshold today.
type Progress struct {
	Rule      *Rule
	Value     float64
	Threshold float64
	// MoreThan says the threshold is reached only past it: more than 4
	// lesweken.
	MoreThan bool
	// Unit is what Value counts: lesuren, keer, ziekmeldingen, schooldagen,
	// hele lesweken.
	Unit string
	// Since is where the count starts: the window's start, the day after
	// the last case that restarted it, or the first day of a streak.
	Since school.Date
}

// Progress reports, per rule that applies at the pupil's age today, the
// count as the rule sees it today, in the same unit as its threshold: for a
// coordinator's pupil page.
func (p *Protocol) Progress(pupil Pupil, cal *school.Calendar, today school.Date, past []PastCase) []Progress {
	byName := p.byName
	if len(p.ordered) != len(p.Rules) {
		_, byName = orderRules(p.Rules)
	}
	ev := evaluation{p: p, cal: cal, pupil: pupil, byName: byName}
	for _, c := range past {
		if !c.Dismissed {
			ev.cases = append(ev.cases, c)
		}
	}
	age := pupil.BirthDate.AgeOn(today)
	var out []Progress
	for _, r := range p.Rules {
		if !r.appliesAt(age) {
			continue
		}
		entries := p.counted(r, pupil.Entries, cal, nil)
		if r.Kind == KindStreak {
			var run []Entry
			for _, e := range entries {
				if e.Date.After(today) {
					break
				}
				if len(run) > 0 && cal.PrevSchoolDay(e.Date) != run[len(run)-1].Date {
					run = run[:0]
				}
				run = append(run, e)
			}
			// A run that ended before the last school day is over; a run
			// whose case opened counts towards no other.
			if len(run) > 0 && run[len(run)-1].Date != today && run[len(run)-1].Date != cal.PrevSchoolDay(today) {
				run = nil
			}
			for _, c := range ev.cases {
				if c.Rule == r.Name && len(run) > 0 && run[0].Date.Before(c.runsAfter()) {
					run = nil
				}
			}
			pr := Progress{Rule: r, Value: float64(len(run)), Threshold: float64(r.Days), Unit: unitOf(r)}
			if r.MoreThanWeeks > 0 {
				pr.Value, pr.Threshold, pr.MoreThan = float64(wholeLesweeks(run, cal)), float64(r.MoreThanWeeks), true
			}
			if len(run) > 0 {
				pr.Since = run[0].Date
			}
			out = append(out, pr)
			continue
		}
		start := laterOf(r.windowStart(today, cal), ev.restartFrom(today, r))
		start = laterOf(start, ev.heldBeforeGrowing(r, start, today, pupil.Entries))
		f := measure(r, entries, start, today, cal, false)
		out = append(out, Progress{Rule: r, Value: f.Value, Threshold: r.Threshold, Since: start, Unit: unitOf(r)})
	}
	return out
}

// unitOf names, in Dutch, what a rule's value counts.
func unitOf(r *Rule) string {
	switch {
	case r.Kind == KindStreak && r.MoreThanWeeks > 0:
		return "hele lesweken"
	case r.Kind == KindStreak:
		return "schooldagen"
	case r.Measure == MeasureHours:
		return "lesuren"
	case r.Measure == MeasureReports:
		return "ziekmeldingen"
	default:
		return "keer"
	}
}

// heldBeforeGrowing is the birthday from which r applies (the RMC's 18th)
// when, counting from start, a rule of r's step that ended at that birthday
// (leerplicht) had reached its threshold before it: those days are that
// rule's case, opened or still held back by the 7-day rule, and r counts
// from the birthday, as the rules do (restartFrom). Zero otherwise.
func (ev *evaluation) heldBeforeGrowing(r *Rule, start, today school.Date, all []Entry) school.Date {
	if r.MinAge == 0 || r.Kind != KindWindow || ev.pupil.BirthDate.IsZero() {
		return school.Date{}
	}
	grown := ev.turns(r.MinAge)
	if !start.Before(grown) || today.Before(grown) {
		return school.Date{}
	}
	eve := grown.AddDays(-1)
	for _, o := range ev.byName {
		if o == r || o.Kind != KindWindow || o.MaxAge != r.MinAge-1 || r.Ladder == "" || o.Ladder != r.Ladder || o.Level.tier() != r.Level.tier() {
			continue
		}
		from := laterOf(o.windowStart(eve, ev.cal), ev.restartFrom(eve, o))
		if measure(o, ev.p.counted(o, all, ev.cal, nil), from, eve, ev.cal, false).Value >= o.Threshold {
			return grown
		}
	}
	return school.Date{}
}
