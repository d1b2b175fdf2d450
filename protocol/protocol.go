// Package protocol is nabij's rules engine: a school's verzuim protocol, read
// from a TOML file, evaluated over a pupil's absences into decisions. It does
// no I/O and reads no clock: it is given the day to evaluate through.
package protocol

import (
	_ "embed"
	"math"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/school"
)

//go:embed default.toml
var defaultFile []byte

// DefaultFile is the embedded default protocol, for tools that print it.
func DefaultFile() []byte { return defaultFile }

// Audience is who hears of a pupil on the morning list.
type Audience string

// Audiences of a same-morning alert.
const (
	AudienceNone Audience = "none"
	// AudienceHousingUnit is the woonbegeleiders' phones of the pupil's housing unit.
	AudienceHousingUnit Audience = "housing_unit"
	// AudienceAll is every contact of the pupil plus their housing unit.
	AudienceAll Audience = "all"
)

// Protocol is a school's verzuim protocol.
type Protocol struct {
	SchoolDay   SchoolDay   `toml:"school_day"`
	Lateness    Lateness    `toml:"lateness"`
	SameMorning SameMorning `toml:"same_morning"`
	Rules       []*Rule     `toml:"rule"`

	// ordered and byName are Rules heaviest first and by name, made once
	// by Parse (a Protocol built by hand makes them on every evaluation).
	ordered []*Rule
	byName  map[string]*Rule
	stepOf  map[*Rule][2]int
}

// SchoolDay is the rhythm of the school's day.
type SchoolDay struct {
	FirstLesson   string  `toml:"first_lesson"` // "08:30"
	LessonMinutes int     `toml:"lesson_minutes"`
	DayHours      float64 `toml:"day_hours"`
}

// ListWithin is how long after the first lesson the mentors' absence lists
// are due: ISK Groningen's protocol has mentors pass on the absences
// "within a quarter of an hour" (docs/PROTOCOL.md).
const ListWithin = 15 * time.Minute

// ListDeadline is when the lists of d are due: the first lesson plus
// ListWithin. A parent of pupils in several classes has their alert wait
// for the other classes' lists until then.
func (s SchoolDay) ListDeadline(d school.Date, loc *time.Location) time.Time {
	return s.FirstLessonAt(d, loc).Add(ListWithin)
}

// FirstLessonAt is the first lesson's time on d in loc.
func (s SchoolDay) FirstLessonAt(d school.Date, loc *time.Location) time.Time {
	t, _ := time.Parse("15:04", s.FirstLesson) // checked when the file was read
	return d.At(t.Hour(), t.Minute(), loc)
}

// Lateness says when being late counts as missed lesuren.
type Lateness struct {
	CountsAsHoursAfterMinutes int `toml:"counts_as_hours_after_minutes"`
}

// SameMorning says who hears of each kind on today's list.
type SameMorning struct {
	Absent Audience `toml:"absent"`
	Late   Audience `toml:"late"`
}

// Hours is how many lesuren an entry of a list counts.
func (p *Protocol) Hours(a school.Absence) float64 {
	if a.Hours > 0 {
		return a.Hours
	}
	switch a.Kind {
	case school.Late:
		if a.Minutes <= p.Lateness.CountsAsHoursAfterMinutes {
			return 0
		}
		// One lesuur per started lesson, and never more than a day has:
		// no lesson is missed that is not on the timetable.
		return math.Min(math.Ceil(float64(a.Minutes)/float64(p.SchoolDay.LessonMinutes)), p.SchoolDay.DayHours)
	default:
		return p.SchoolDay.DayHours
	}
}

// Notify is a decision that a pupil's contacts hear of today's list.
type Notify struct {
	Student  string
	Kind     school.AbsenceKind
	Template string
	Audience Audience
}

// Templates of the same-morning alerts, as keys of the translations.
const (
	TemplateAbsent = "alert_absent"
	TemplateLate   = "alert_late"
)

// SameMorningAlerts decides who hears of each entry on today's list. Entries of
// a list for a past date never lead here: such a list alerts no one.
func (p *Protocol) SameMorningAlerts(list *school.AbsenceList) []Notify {
	var out []Notify
	for _, a := range list.Absences {
		var n Notify
		switch a.Kind {
		case school.Absent:
			n = Notify{Student: a.Student, Kind: a.Kind, Template: TemplateAbsent, Audience: p.SameMorning.Absent}
		case school.Late:
			n = Notify{Student: a.Student, Kind: a.Kind, Template: TemplateLate, Audience: p.SameMorning.Late}
		default:
			continue // sick and excused are known to the family already
		}
		if n.Audience != AudienceNone {
			out = append(out, n)
		}
	}
	return out
}

// describe joins a list of problems for an error.
func describe(problems []string) string { return strings.Join(problems, "\n  ") }

// Rule finds a rule by name; nil when the protocol has none by that name.
func (p *Protocol) Rule(name string) *Rule {
	for _, r := range p.Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}
