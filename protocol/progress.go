package protocol

import "github.com/nabij-isk/nabij/school"

// Progress is how far a pupil is towards a rule's threshold today.
type Progress struct {
	Rule      *Rule
	Value     float64
	Threshold float64
	// Since is where the count starts: the window's start, or the day after
	// the last case that restarted it.
	Since school.Date
}

// Progress reports, per rule that applies at the pupil's age today, the
// count as the rule sees it today: for a coordinator's pupil page.
func (p *Protocol) Progress(pupil Pupil, cal *school.Calendar, today school.Date, past []PastCase) []Progress {
	byName := make(map[string]*Rule, len(p.Rules))
	for _, r := range p.Rules {
		byName[r.Name] = r
	}
	age := pupil.BirthDate.AgeOn(today)
	var out []Progress
	for _, r := range p.Rules {
		if !r.appliesAt(age) {
			continue
		}
		entries := counted(r, pupil.Entries, school.Date{}, nil)
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
			// A run that ended before the last school day is over.
			if len(run) > 0 && run[len(run)-1].Date != today && run[len(run)-1].Date != cal.PrevSchoolDay(today) {
				run = nil
			}
			pr := Progress{Rule: r, Value: float64(len(run)), Threshold: float64(r.Days)}
			if r.MoreThanWeeks > 0 {
				pr.Threshold = float64(r.MoreThanWeeks*5 + 1)
			}
			if len(run) > 0 {
				pr.Since = run[0].Date
			}
			out = append(out, pr)
			continue
		}
		start := r.windowStart(today, cal)
		for _, x := range restarts(r, byName, past) {
			if !x.After(today) {
				start = laterOf(start, x.AddDays(1))
			}
		}
		f := measure(r, entries, start, today, cal, false)
		out = append(out, Progress{Rule: r, Value: f.Value, Threshold: r.Threshold, Since: start})
	}
	return out
}
