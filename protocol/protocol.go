// Package protocol is nabij's rules engine: a school's verzuim protocol, read
// from a TOML file, evaluated over absences into decisions. It does no I/O and
// reads no clock.
package protocol

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nabij-isk/nabij/school"
)

//go:embed default.toml
var defaultFile []byte

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
	// DayHours is how many lesuren a missed day counts when a list gives no hours.
	DayHours    float64     `toml:"day_hours"`
	SameMorning SameMorning `toml:"same_morning"`
}

// SameMorning says who hears of each kind on today's list.
type SameMorning struct {
	Absent Audience `toml:"absent"`
	Late   Audience `toml:"late"`
}

// Default is the embedded protocol: the Groningen protocol on the Leerplichtwet.
func Default() *Protocol {
	p, err := Parse(defaultFile)
	if err != nil {
		panic("protocol: the embedded default is broken: " + err.Error())
	}
	return p
}

// Parse reads a protocol file. Keys it does not know are refused, so that a
// typo never silently leaves a default in force.
func Parse(data []byte) (*Protocol, error) {
	var p Protocol
	md, err := toml.Decode(string(data), &p)
	if err != nil {
		return nil, fmt.Errorf("protocol file: %w", err)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		keys := make([]string, len(undec))
		for i, k := range undec {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("protocol file: unknown keys: %s", strings.Join(keys, ", "))
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("protocol file: %w", err)
	}
	return &p, nil
}

func (p *Protocol) validate() error {
	if p.DayHours <= 0 || p.DayHours > 12 {
		return fmt.Errorf("day_hours = %v: must be from 1 to 12 lesuren", p.DayHours)
	}
	for name, a := range map[string]Audience{"same_morning.absent": p.SameMorning.Absent, "same_morning.late": p.SameMorning.Late} {
		switch a {
		case AudienceNone, AudienceHousingUnit, AudienceAll:
		default:
			return fmt.Errorf("%s = %q: must be one of none, housing_unit, all", name, a)
		}
	}
	return nil
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
