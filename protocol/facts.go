package protocol

// What the rules read (a pupil's history, the cases opened before) and
// what they find (a case's facts).

import "github.com/nabij-isk/nabij/school"

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

// PastCase is an escalation opened before. A case that is open,
// acknowledged or reported restarts the counting of the rules it covers; a
// dismissed one restarts nothing (a mistaken case must not hide the next
// absence), though its facts never open a case again.
type PastCase struct {
	Rule         string
	ThresholdDay school.Date
	// LastDay is the last day of its facts: for a streak (LRV, MAZL's 7
	// days), the last day of the run it opened on. A run held back by
	// min_days_between opens as it stood, and a new run may have begun
	// before the case opened (the pupil back for a day and away again):
	// that run is not this case's, and opens one of its own. Zero in a
	// case of before schema 6, read as its ThresholdDay.
	LastDay   school.Date
	Dismissed bool
}

// runsAfter is the first day a run of the case's streak rule may begin
// and open a case again: the day after the last day of the run it opened
// on. A run that began on or before that day is that run, or what a
// correction left of it (its first day excused, or closed after the
// fact): its days are this case's, and are not reported twice.
func (c PastCase) runsAfter() school.Date {
	if c.LastDay.IsZero() || c.LastDay.After(c.ThresholdDay) {
		return c.ThresholdDay.AddDays(1)
	}
	return c.LastDay.AddDays(1)
}

// LastDayOf is the last day of facts' dates (zero without dates).
func LastDayOf(f Facts) school.Date {
	if len(f.Dates) == 0 {
		return school.Date{}
	}
	return f.Dates[len(f.Dates)-1]
}

// Facts are the numbers behind an escalation.
type Facts struct {
	Measure string `json:"measure"`
	// Value is the count the threshold was measured against: since the
	// window's start, or since the last case that restarted the rule.
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	// Total is the count over the whole window or school year, restarts
	// left aside: a lateness ladder's "12 keer te laat dit schooljaar".
	Total float64 `json:"total"`
	// Step is the rule's step on its ladder (1 is the lightest) of Steps.
	Step         int           `json:"step,omitempty"`
	Steps        int           `json:"steps,omitempty"`
	Weeks        int           `json:"weeks,omitempty"`
	Days         int           `json:"days,omitempty"`
	WindowStart  school.Date   `json:"window_start,omitzero"`
	FirstDay     school.Date   `json:"first_day"`
	ThresholdDay school.Date   `json:"threshold_day"`
	Due          school.Date   `json:"due,omitzero"`
	Age          int           `json:"age"`
	Dates        []school.Date `json:"dates"`
	Hours        float64       `json:"hours"`
	// CountedThrough is the last day the case counts when it is not its
	// opening day: a case held back past the birthday after which its rule
	// no longer applies counts up to the day before it.
	CountedThrough school.Date `json:"counted_through,omitzero"`
	// HeldFrom is the day the threshold was first reached when the case
	// was held back (min_days_between) and opened on ThresholdDay: the
	// law's day, which the reason and the melding state.
	HeldFrom school.Date `json:"held_from,omitzero"`
}

// End is the last day the case counts: its opening day, or CountedThrough.
// For the reasons' "t/m".
func (f Facts) End() school.Date {
	if !f.CountedThrough.IsZero() {
		return f.CountedThrough
	}
	return f.ThresholdDay
}

// ReachedOn is the day the threshold was reached: HeldFrom for a case held
// back, else the day it opened.
func (f Facts) ReachedOn() school.Date {
	if !f.HeldFrom.IsZero() {
		return f.HeldFrom
	}
	return f.ThresholdDay
}

// Finding is a rule reached: an escalation to open.
type Finding struct {
	Rule  *Rule
	Facts Facts
	// AgeOnOpening is the pupil's age on the day the case opens: older than
	// Facts.Age when the pupil had a birthday while the case was held back.
	AgeOnOpening int
	// Outgrown is the birthday after which the rule no longer applies, when
	// it fell while the case was held back: the case counts the days before
	// it only.
	Outgrown school.Date
	// Next is the level of the rule on the case's step that applies from
	// Outgrown (the RMC after leerplicht), or "" when none does (after the
	// RMC, nothing goes outside the school).
	Next Level
	// BeforeMinAge is how much of the count was missed before the birthday
	// from which the rule applies (the RMC's hours of a pupil who was 17
	// then), told apart in the reason; Grown is that birthday.
	BeforeMinAge float64
	Grown        school.Date
}
