package protocol

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// Level is who an escalation goes to, lowest first.
type Level string

// Levels of API.md, lowest first.
const (
	LevelMentor             Level = "mentor"
	LevelVerzuimcoordinator Level = "verzuimcoordinator"
	LevelSchoolarts         Level = "schoolarts"
	LevelLeerplicht         Level = "leerplicht"
	LevelRMC                Level = "rmc"
)

var levelRank = map[Level]int{LevelMentor: 1, LevelVerzuimcoordinator: 2, LevelSchoolarts: 3, LevelLeerplicht: 4, LevelRMC: 5}

// Rank orders levels: a higher level is a heavier step.
func (l Level) Rank() int { return levelRank[l] }

// Outside reports whether a case of this level is reported outside the
// school: to leerplicht (DUO) or to the RMC.
func (l Level) Outside() bool { return l == LevelLeerplicht || l == LevelRMC }

// tier is the step of a ladder a level stands on: leerplicht and RMC are
// one step (the pupil's age decides which), so that a case of one restarts
// and holds back the other, and the same hours are never reported twice.
func (l Level) tier() int {
	if l == LevelRMC {
		return levelRank[LevelLeerplicht]
	}
	return levelRank[l]
}

// Rule kinds and measures of the protocol file.
const (
	KindWindow = "window"
	KindStreak = "streak"

	MeasureHours       = "hours"
	MeasureOccurrences = "occurrences"
	MeasureReports     = "reports"
	// MeasureLesweeks is the measure of a streak of more_than_weeks: whole
	// lesweken missed.
	MeasureLesweeks = "lesweeks"

	// WindowRolling and WindowWeeks read "within n consecutive lesweken":
	// any n lesweken ending on the day, counted back day by day (rolling),
	// or whole calendar lesweken from a Monday (weeks).
	WindowRolling = "rolling"
	WindowWeeks   = "weeks"

	// DayWhole and DayAny say which days a streak counts: only days missed
	// whole, or any day with an entry of a kind it counts.
	DayWhole = "whole"
	DayAny   = "any"
)

// Rule opens an escalation when a pupil's absences reach its threshold.
type Rule struct {
	Name   string               `toml:"name"`
	Kind   string               `toml:"kind"`
	Level  Level                `toml:"level"`
	Ladder string               `toml:"ladder"`
	Counts []school.AbsenceKind `toml:"counts"`
	// window
	Measure   string  `toml:"measure"`
	Threshold float64 `toml:"threshold"`
	Weeks     int     `toml:"weeks"`
	Period    string  `toml:"period"` // "school_year" instead of weeks
	Window    string  `toml:"window"` // rolling (default) or weeks
	// streak
	Days          int    `toml:"days"`
	MoreThanWeeks int    `toml:"more_than_weeks"`
	Day           string `toml:"day"` // whole or any; default whole for more_than_weeks, any for days
	// both
	MinAge         int    `toml:"min_age"`
	MaxAge         int    `toml:"max_age"`
	MinDaysBetween int    `toml:"min_days_between"`
	DueWorkingDays int    `toml:"due_working_days"`
	Melding        string `toml:"melding"` // the DUO kind, for leerplicht and rmc cases
	ReasonNL       string `toml:"reason_nl"`
	ReasonEN       string `toml:"reason_en"`

	reasonNL, reasonEN *template.Template
}

// MeldingKinds are the kinds of a DUO melding.
var MeldingKinds = []string{"16u/4w", "LRV", "signaal", "luxe", "overig"}

func (r *Rule) counts(k school.AbsenceKind) bool { return slices.Contains(r.Counts, k) }

// wholeDays reports whether a streak counts only days missed whole.
func (r *Rule) wholeDays() bool {
	if r.Day == "" {
		return r.MoreThanWeeks > 0
	}
	return r.Day == DayWhole
}

// appliesAt reports whether the rule is for a pupil of age.
func (r *Rule) appliesAt(age int) bool {
	return age >= r.MinAge && (r.MaxAge == 0 || age <= r.MaxAge)
}

var dutchMonths = []string{"", "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

// datum is d in Dutch words (30 november 2026), date in English.
func datum(d school.Date) string {
	if d.IsZero() {
		return "?"
	}
	return fmt.Sprintf("%d %s %d", d.Day, dutchMonths[d.Month], d.Year)
}

func date(d school.Date) string {
	if d.IsZero() {
		return "?"
	}
	return fmt.Sprintf("%d %s %d", d.Day, time.Month(d.Month).String(), d.Year)
}

var reasonFuncs = template.FuncMap{"datum": datum, "date": date}

// check validates the rule and parses its reasons; problems name the field.
func (r *Rule) check() []string {
	var p []string
	bad := func(field, format string, args ...any) {
		p = append(p, field+": "+fmt.Sprintf(format, args...))
	}
	if r.Name == "" {
		bad("name", "every rule needs a name")
	}
	if strings.ContainsAny(r.Name, "|,") {
		bad("name", "%q: a name cannot hold '|' or ','", r.Name)
	}
	if r.Level.Rank() == 0 {
		bad("level", "%q is not one of mentor, verzuimcoordinator, schoolarts, leerplicht, rmc", r.Level)
	}
	if len(r.Counts) == 0 {
		bad("counts", "name the kinds counted: absent, late, sick, excused")
	}
	for _, k := range r.Counts {
		switch k {
		case school.Absent, school.Late, school.Sick, school.Excused:
		default:
			bad("counts", "%q is not one of absent, late, sick, excused", k)
		}
	}
	switch r.Kind {
	case KindWindow:
		switch r.Measure {
		case MeasureHours, MeasureOccurrences, MeasureReports:
		default:
			bad("measure", "%q is not one of hours, occurrences, reports", r.Measure)
		}
		if r.Threshold <= 0 {
			bad("threshold", "must be more than 0")
		}
		switch {
		case r.Period == "" && r.Weeks < 1:
			bad("weeks", "a window rule needs weeks (lesweken) or period = \"school_year\"")
		case r.Period != "" && r.Period != "school_year":
			bad("period", "%q: the only period is school_year", r.Period)
		case r.Period != "" && r.Weeks != 0:
			bad("weeks", "give weeks or period, not both")
		}
		switch {
		case r.Window != "" && r.Window != WindowRolling && r.Window != WindowWeeks:
			bad("window", "%q is not one of rolling, weeks", r.Window)
		case r.Window != "" && r.Period != "":
			bad("window", "a window of a school year is no window of lesweken")
		}
		if r.Day != "" {
			bad("day", "day is a setting of a streak rule")
		}
	case KindStreak:
		if (r.Days < 1) == (r.MoreThanWeeks < 1) {
			bad("days", "a streak rule needs days or more_than_weeks (one of them)")
		}
		if r.Day != "" && r.Day != DayWhole && r.Day != DayAny {
			bad("day", "%q is not one of whole, any", r.Day)
		}
		if r.Window != "" || r.Measure != "" || r.Threshold != 0 || r.Weeks != 0 || r.Period != "" {
			bad("kind", "a streak rule counts days or more_than_weeks; window, measure, threshold, weeks and period are for window rules")
		}
		// A run held back by min_days_between opens when the hold ends: a
		// second run must not be able to reach the rule before then (the
		// rules keep one held run per rule).
		if reach := max(r.Days, 7*r.MoreThanWeeks); r.MinDaysBetween >= reach {
			bad("min_days_between", "%d days: a streak rule holds a case back for fewer calendar days than a run takes to reach it (%d), so that a second run cannot reach it while the first is held back", r.MinDaysBetween, reach)
		}
	default:
		bad("kind", "%q is not one of window, streak", r.Kind)
	}
	if r.MinAge < 0 || r.MaxAge < 0 || (r.MaxAge != 0 && r.MaxAge < r.MinAge) {
		bad("max_age", "the age range %d–%d is empty", r.MinAge, r.MaxAge)
	}
	if r.MinDaysBetween < 0 || r.DueWorkingDays < 0 {
		bad("min_days_between", "days cannot be negative")
	}
	if r.Melding != "" && !slices.Contains(MeldingKinds, r.Melding) {
		bad("melding", "%q is not one of %s", r.Melding, strings.Join(MeldingKinds, ", "))
	}
	for _, t := range []struct {
		field string
		text  string
		dst   **template.Template
	}{{"reason_nl", r.ReasonNL, &r.reasonNL}, {"reason_en", r.ReasonEN, &r.reasonEN}} {
		if strings.TrimSpace(t.text) == "" {
			bad(t.field, "a rule needs a reason a coordinator can read")
			continue
		}
		tmpl, err := template.New(t.field).Funcs(reasonFuncs).Option("missingkey=error").Parse(t.text)
		if err == nil {
			err = tmpl.Execute(&bytes.Buffer{}, sampleFacts())
		}
		if err != nil {
			bad(t.field, "%v", err)
			continue
		}
		*t.dst = tmpl
	}
	return p
}

func sampleFacts() Facts {
	d := school.Date{Year: 2026, Month: 11, Day: 30}
	return Facts{Value: 1, Threshold: 1, Total: 1, Step: 1, Steps: 1, Weeks: 4, Days: 1, Age: 15, WindowStart: d, ThresholdDay: d, FirstDay: d, Due: d}
}

// Reasons writes the rule's sentences for facts, in Dutch and English.
func (r *Rule) Reasons(f Facts) (nl, en string) {
	var b bytes.Buffer
	if r.reasonNL != nil && r.reasonNL.Execute(&b, f) == nil {
		nl = b.String()
	}
	b.Reset()
	if r.reasonEN != nil && r.reasonEN.Execute(&b, f) == nil {
		en = b.String()
	}
	return nl, en
}
