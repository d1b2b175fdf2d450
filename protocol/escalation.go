package protocol

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nabij-isk/nabij/school"
)

// EscalationStatus is where a case stands: open → acknowledged → reported,
// or dismissed.
type EscalationStatus string

// Statuses of API.md.
const (
	StatusOpen         EscalationStatus = "open"
	StatusAcknowledged EscalationStatus = "acknowledged"
	StatusReported     EscalationStatus = "reported"
	StatusDismissed    EscalationStatus = "dismissed"
)

// Action is what a coordinator did with a case, and why.
type Action struct {
	Action string    `json:"action"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

// Escalation is a case for the coordinator: a rule reached by a pupil's
// absences, explained.
type Escalation struct {
	ID       string           `json:"id"`
	Student  string           `json:"student"`
	Level    Level            `json:"level"`
	Rule     string           `json:"rule"`
	Melding  string           `json:"melding,omitempty"`
	Reason   string           `json:"reason"`
	ReasonEN string           `json:"reason_en"`
	Facts    Facts            `json:"facts"`
	Status   EscalationStatus `json:"status"`
	OpenedAt time.Time        `json:"opened_at"`
	Due      *school.Date     `json:"due"`
	Actions  []Action         `json:"actions"`
	// Correction says, after a list was corrected, which absences behind the
	// case changed and whether it still reaches its threshold.
	Correction string `json:"correction,omitempty"`
	// FactsChanged is set while corrections have taken the case below its threshold.
	FactsChanged bool `json:"facts_changed"`
}

// NewEscalation opens a case from a finding.
func NewEscalation(student string, f Finding, now time.Time) *Escalation {
	nl, en := f.Rule.Reasons(f.Facts)
	if h := f.Facts.HeldFrom; !h.IsZero() {
		nl += fmt.Sprintf(" De grens werd bereikt op %s; de zaak is aangehouden tot %s: ten hoogste één zaak per %d dagen.",
			datum(h), datum(f.Facts.ThresholdDay), f.Rule.MinDaysBetween)
		en += fmt.Sprintf(" The threshold was reached on %s; the case was held back until %s: at most one case in %d days.",
			date(h), date(f.Facts.ThresholdDay), f.Rule.MinDaysBetween)
		if f.AgeOnOpening > f.Facts.Age {
			whose, whoseEN := "die dag beslist van wie de zaak is", "that day decides whose case it is"
			if f.Rule.Level == LevelLeerplicht {
				whose, whoseEN = "die dag beslist, dus dit is een zaak voor de leerplicht en niet voor het RMC", "that day decides, so this is a case for leerplicht, not for the RMC"
			}
			nl += fmt.Sprintf(" De leerling was %d op de dag dat de grens werd bereikt en is nu %d: %s.", f.Facts.Age, f.AgeOnOpening, whose)
			en += fmt.Sprintf(" The pupil was %d on the day the limit was reached and is %d now: %s.", f.Facts.Age, f.AgeOnOpening, whoseEN)
		}
		if !f.Outgrown.IsZero() {
			last := f.Outgrown.AddDays(-1)
			next, nextEN := "het verzuim daarna wordt niet meer buiten de school gemeld", "the absence after it is no longer reported outside the school"
			if f.Next != "" {
				next = fmt.Sprintf("het verzuim daarna telt voor %s", levelNL(f.Next))
				nextEN = fmt.Sprintf("what was missed after counts for %s", levelEN(f.Next))
			}
			nl += fmt.Sprintf(" Deze zaak telt het verzuim tot en met %s, de dag voor de %de verjaardag; %s.", datum(last), f.Rule.MaxAge+1, next)
			en += fmt.Sprintf(" This case counts the absence up to and including %s, the day before the pupil's %dth birthday; %s.", date(last), f.Rule.MaxAge+1, nextEN)
		}
	}
	if f.BeforeMinAge > 0 && f.Rule.Measure == MeasureHours {
		nl += fmt.Sprintf(" Daarvan %g lesuren van voor de %de verjaardag (%s).", f.BeforeMinAge, f.Rule.MinAge, datum(f.Grown))
		en += fmt.Sprintf(" Of these, %g lesuren were before the pupil's %dth birthday (%s).", f.BeforeMinAge, f.Rule.MinAge, date(f.Grown))
	}
	e := &Escalation{Student: student, Level: f.Rule.Level, Rule: f.Rule.Name, Melding: f.Rule.Melding,
		Reason: nl, ReasonEN: en, Facts: f.Facts, Status: StatusOpen, OpenedAt: now, Actions: []Action{}}
	if !f.Facts.Due.IsZero() {
		due := f.Facts.Due
		e.Due = &due
	}
	return e
}

// levelNL and levelEN name the body a level's cases go to, in a reason.
func levelNL(l Level) string {
	switch l {
	case LevelRMC:
		return "het RMC"
	case LevelLeerplicht:
		return "de leerplicht"
	}
	return "de " + string(l)
}

func levelEN(l Level) string {
	switch l {
	case LevelRMC:
		return "the RMC"
	case LevelLeerplicht:
		return "leerplicht"
	}
	return "the " + string(l)
}

// Key identifies the facts a case was opened on: a case covering it (Covers) keeps a new one of the same key from opening.
func (e *Escalation) Key() string {
	return e.Student + "|" + e.Rule + "|" + e.Facts.ThresholdDay.String()
}

// Covers reports whether old, a case of the same rule and threshold day as
// e (a case the rules just found), keeps e from opening: a case never
// reopens for the facts it was opened on. A dismissed case whose days are
// not e's does not: a correction took it below its threshold and it was
// dismissed, and a list posted later reaches the rule's limit on the same
// day with other days, which no case has stated. (Found by a leerplicht
// review: 18 lesuren on 30 Oct, 3 and 4 Nov after the dismissed case of
// 2–4 Nov opened no case.)
func (old *Escalation) Covers(e *Escalation) bool {
	return old.Status != StatusDismissed || slices.Equal(old.Facts.Dates, e.Facts.Dates)
}

// Past is the case as the rules see it.
func (e *Escalation) Past() PastCase {
	return PastCase{Rule: e.Rule, ThresholdDay: e.Facts.ThresholdDay, LastDay: LastDayOf(e.Facts), Dismissed: e.Status == StatusDismissed}
}

// Rechecked reports whether a correction of the case's days is told on
// it: while the coordinator still acts on it, and once it is reported (the
// melding may need correcting too). Only a dismissed case is left alone.
func (e *Escalation) Rechecked() bool {
	return e.Active() || e.Status == StatusReported
}

// Active reports whether the coordinator still has to act on the case.
func (e *Escalation) Active() bool {
	return e.Status == StatusOpen || e.Status == StatusAcknowledged
}

// MaxNote bounds a note on a case's action, in characters: it is kept with
// the case, read with it every time, and printed on the melding.
const MaxNote = 2000

// ErrTransition is an action a case's status does not allow.
var ErrTransition = errors.New("action not allowed")

// ErrAlready is an action whose status the case has already (a second tap
// on the same button): an ErrTransition too.
var ErrAlready = errors.New("the case has that status already")

// alreadyErr is ErrAlready with the case's status, said as an
// ErrTransition says it.
type alreadyErr struct{ status EscalationStatus }

func (a alreadyErr) Error() string {
	return fmt.Sprintf("%v: the case is %s already", ErrTransition, a.status)
}

func (a alreadyErr) Is(target error) bool { return target == ErrTransition || target == ErrAlready }

// Apply records a coordinator's action: acknowledge (open → acknowledged),
// reported (open or acknowledged → reported) or dismiss (with a note).
func (e *Escalation) Apply(action, by, note string, at time.Time) error {
	if n := utf8.RuneCountInString(note); n > MaxNote {
		return &school.ValidationError{Details: []school.FieldError{{Field: "note",
			Message: fmt.Sprintf("the note has %d characters; at most %d (a few sentences: the case's file is for the facts)", n, MaxNote)}}}
	}
	var to EscalationStatus
	switch action {
	case "acknowledge":
		if e.Status == StatusAcknowledged {
			return alreadyErr{e.Status}
		}
		if e.Status != StatusOpen {
			return fmt.Errorf("%w: only an open case can be acknowledged; this one is %s", ErrTransition, e.Status)
		}
		to = StatusAcknowledged
	case "reported":
		if e.Status == StatusReported {
			return alreadyErr{e.Status}
		}
		if !e.Active() {
			return fmt.Errorf("%w: the case is %s already", ErrTransition, e.Status)
		}
		to = StatusReported
	case "dismiss":
		if e.Status == StatusDismissed {
			return alreadyErr{e.Status}
		}
		if !e.Active() {
			return fmt.Errorf("%w: the case is %s already", ErrTransition, e.Status)
		}
		if strings.TrimSpace(note) == "" {
			return &school.ValidationError{Details: []school.FieldError{{Field: "note", Message: "say why the case is dismissed"}}}
		}
		to = StatusDismissed
	default:
		return &school.ValidationError{Details: []school.FieldError{{Field: "action", Message: fmt.Sprintf("%q is not one of acknowledge, reported, dismiss", action)}}}
	}
	e.Status = to
	e.Actions = append(e.Actions, Action{Action: action, By: by, At: at, Note: strings.TrimSpace(note)})
	return nil
}

// StandsOn reports whether a change to day's entry may change case e: a
// day of its facts, or, for a count of hours, a day of its period (a list
// posted late inside it adds to it, AddedDays).
func (p *Protocol) StandsOn(e *Escalation, day school.Date) bool {
	if slices.Contains(e.Facts.Dates, day) {
		return true
	}
	r := p.Rule(e.Rule)
	return r != nil && r.Kind != KindStreak && r.Measure == MeasureHours && !e.Facts.WindowStart.IsZero() &&
		!day.Before(e.Facts.WindowStart) && !day.After(e.Facts.End())
}

// ReachedNow is the day case e's count reaches its threshold as the lists
// stand now, for a count of hours: a correction may move it (a day taken
// off, a list posted late), and DUO asks for the day. For other rules, and
// for a count no longer reached, it is the day the case stated.
func (p *Protocol) ReachedNow(e *Escalation, cal *school.Calendar, current map[school.Date]Entry) school.Date {
	r := p.Rule(e.Rule)
	if r == nil || r.Kind == KindStreak || r.Measure != MeasureHours {
		return e.Facts.ReachedOn()
	}
	still, _, _ := p.standing(r, e, cal, current)
	// The count starts at the case's start (WindowStart), inside every
	// window of its period: what it reaches by a day is the sum to it.
	sum := 0.0
	for _, en := range still {
		if sum += en.Hours; sum >= e.Facts.Threshold {
			return en.Date
		}
	}
	return e.Facts.ReachedOn()
}

// Standing lists the entries case e counts as the lists and the calendar
// stand now (current), oldest first: its days its rule still counts (not
// made sick, excused or taken off, not closed after the fact, with the
// lesuren or the whole day the rule needs), and for a count of hours the
// days a list posted late put inside its period (AddedDays). A melding
// draft reports these. A case of a rule the protocol no longer has keeps
// its days that are still on the lists.
func (p *Protocol) Standing(e *Escalation, cal *school.Calendar, current map[school.Date]Entry) []Entry {
	r := p.Rule(e.Rule)
	if r == nil {
		var out []Entry
		for _, d := range e.Facts.Dates {
			if en, ok := current[d]; ok {
				out = append(out, en)
			}
		}
		return out
	}
	still, _, _ := p.standing(r, e, cal, current)
	return still
}

// standing is Standing for a rule the protocol has, with the days that
// count no more (gone) and those that count now too (added).
func (p *Protocol) standing(r *Rule, e *Escalation, cal *school.Calendar, current map[school.Date]Entry) (still []Entry, gone, added []string) {
	for _, d := range e.Facts.Dates {
		en, ok := current[d]
		if !ok || !p.countsEntry(r, en, cal) {
			gone = append(gone, d.String())
			continue
		}
		still = append(still, en)
	}
	// A count of hours counts every day of its period: a day a list posted
	// late (or corrected to absent) inside it counts too.
	for _, en := range p.AddedDays(e, cal, current) {
		still = append(still, en)
		added = append(added, en.Date.String())
	}
	slices.SortFunc(still, func(a, b Entry) int { return a.Date.Compare(b.Date) })
	return still, gone, added
}

// AddedDays are the entries of current a case of hours did not count when
// it opened and its rule counts now: days inside its period (from its
// count's start to the last day it counts) that a list posted late, or a
// correction to absent, put there. Other rules count what their case's
// days hold (a run's days are all in it).
func (p *Protocol) AddedDays(e *Escalation, cal *school.Calendar, current map[school.Date]Entry) []Entry {
	r := p.Rule(e.Rule)
	if r == nil || r.Kind == KindStreak || r.Measure != MeasureHours || e.Facts.WindowStart.IsZero() {
		return nil
	}
	var out []Entry
	for d, en := range current {
		if d.Before(e.Facts.WindowStart) || d.After(e.Facts.End()) || slices.Contains(e.Facts.Dates, d) || !p.countsEntry(r, en, cal) {
			continue
		}
		out = append(out, en)
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.Date.Compare(b.Date) })
	return out
}

// Recheck compares case e's facts with the pupil's history as it stands now
// (current, by day) and the calendar (a day the school closed after the
// fact counts no more), and says so on the case when corrections changed
// them: which days count no more, the count now against the count then in
// the rule's own unit, and whether the threshold is still reached. It
// reports whether the case changed. A case of a rule the protocol no longer
// has is left as it is.
func (p *Protocol) Recheck(e *Escalation, cal *school.Calendar, current map[school.Date]Entry) bool {
	r := p.Rule(e.Rule)
	if r == nil {
		return false
	}
	still, gone, added := p.standing(r, e, cal, current)
	var value float64
	var below bool
	switch {
	case r.Kind == KindStreak:
		// The longest run of consecutive school days left among the case's
		// days, measured in the rule's unit: school days, or whole lesweken
		// (a longer run in days may hold fewer whole weeks).
		starts := runStarts(still, cal)
		measureRun := func(run []Entry) int {
			if r.MoreThanWeeks > 0 {
				return wholeLesweeks(run, cal)
			}
			return len(run)
		}
		best, reached := 0, false
		for i := range still {
			if i+1 < len(still) && starts[i+1] == starts[i] {
				continue // not the end of its run
			}
			run := still[starts[i] : i+1]
			best = max(best, measureRun(run))
			reached = reached || p.streakReached(r, run, cal)
		}
		value, below = float64(best), !reached
	default:
		for _, en := range still {
			switch r.Measure {
			case MeasureHours:
				value += en.Hours
			case MeasureReports:
				// A sick day whose school day before is still a sick day
				// the rule counts continues a report: no new one.
				prev, ok := current[cal.PrevSchoolDay(en.Date)]
				if !ok || !p.countsEntry(r, prev, cal) {
					value++
				}
			default:
				value++
			}
		}
		below = value < e.Facts.Threshold
	}
	changed := len(gone) > 0 || len(added) > 0 || value != e.Facts.Value
	note := ""
	if changed {
		unit := unitOf(r)
		threshold := fmt.Sprintf("drempel %g", e.Facts.Threshold)
		if r.Kind == KindStreak && r.MoreThanWeeks > 0 {
			threshold = fmt.Sprintf("drempel: meer dan %g", e.Facts.Threshold)
		}
		note = fmt.Sprintf("Na correctie van de lijst: nu %g %s in plaats van %g (%s).", value, unit, e.Facts.Value, threshold)
		var what []string
		if len(gone) > 0 {
			what = append(what, strings.Join(gone, ", ")+" telt niet meer")
		}
		if len(added) > 0 {
			what = append(what, strings.Join(added, ", ")+" telt nu ook mee")
		}
		if len(what) > 0 {
			note = fmt.Sprintf("Na correctie van de lijst: %s; nu %g %s in plaats van %g (%s).",
				strings.Join(what, ", en "), value, unit, e.Facts.Value, threshold)
		}
		if now := p.ReachedNow(e, cal, current); !below && now != e.Facts.ReachedOn() {
			note += fmt.Sprintf(" De drempel is nu bereikt op %s.", now)
		}
		if below {
			note += " De drempel wordt niet meer gehaald."
			if e.Active() {
				// An open case restarts the count after its day; a
				// dismissed one restarts nothing.
				note += " Sluit de zaak (dismiss) als er niets te melden is: zolang ze open staat, telt het verzuim tot en met haar dag niet mee voor een nieuwe zaak."
			}
		}
		if e.Status == StatusReported {
			note += " De melding is al gedaan: geef de wijziging door."
		}
	}
	if note == e.Correction && below == e.FactsChanged {
		return false
	}
	e.Correction, e.FactsChanged = note, below
	return true
}
