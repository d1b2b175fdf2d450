package protocol

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Default is the embedded protocol: the Groningen protocol on the Leerplichtwet.
func Default() *Protocol {
	p, err := Parse(defaultFile)
	if err != nil {
		panic("protocol: the embedded default is broken: " + err.Error())
	}
	return p
}

// Parse reads a protocol file. It refuses keys it does not know (a typo
// must never leave a default silently in force) and names the line and the
// reason of every problem.
func Parse(data []byte) (*Protocol, error) {
	var p Protocol
	src := string(data)
	md, err := toml.Decode(src, &p)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("protocol file, line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("protocol file: %w", err)
	}
	var problems []string
	for _, k := range md.Undecoded() {
		problems = append(problems, fmt.Sprintf("line %d: unknown key %s", keyLine(src, k), k))
	}
	problems = append(problems, p.check(src)...)
	if len(problems) > 0 {
		return nil, fmt.Errorf("protocol file:\n  %s", describe(problems))
	}
	p.ordered, p.byName = orderRules(p.Rules)
	p.stepOf = steps(p.ordered)
	return &p, nil
}

func (p *Protocol) check(src string) []string {
	var problems []string
	at := func(section, key, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("line %d: %s.%s: %s", sectionKeyLine(src, section, key), section, key, fmt.Sprintf(format, args...)))
	}
	if _, err := time.Parse("15:04", p.SchoolDay.FirstLesson); err != nil {
		at("school_day", "first_lesson", "%q is not a time such as \"08:30\"", p.SchoolDay.FirstLesson)
	}
	if p.SchoolDay.LessonMinutes < 10 || p.SchoolDay.LessonMinutes > 60 {
		at("school_day", "lesson_minutes", "%d: a lesuur is 10 to 60 minutes", p.SchoolDay.LessonMinutes)
	}
	if p.SchoolDay.DayHours <= 0 || p.SchoolDay.DayHours > 12 {
		at("school_day", "day_hours", "%v: must be from 1 to 12 lesuren", p.SchoolDay.DayHours)
	}
	if p.Lateness.CountsAsHoursAfterMinutes < 0 {
		at("lateness", "counts_as_hours_after_minutes", "cannot be negative")
	}
	for key, a := range map[string]Audience{"absent": p.SameMorning.Absent, "late": p.SameMorning.Late} {
		switch a {
		case AudienceNone, AudienceHousingUnit, AudienceAll:
		default:
			at("same_morning", key, "%q: must be one of none, housing_unit, all", a)
		}
	}
	names := map[string]bool{}
	for i, r := range p.Rules {
		for _, prob := range r.check() {
			field, _, _ := strings.Cut(prob, ":")
			problems = append(problems, fmt.Sprintf("line %d: rule %q: %s", ruleLine(src, i, field), r.Name, prob))
		}
		if names[r.Name] && r.Name != "" {
			problems = append(problems, fmt.Sprintf("line %d: rule %q: the name is used twice", ruleLine(src, i, "name"), r.Name))
		}
		names[r.Name] = true
	}
	return problems
}

// Line numbers: BurntSushi/toml keeps no positions for decoded keys, so the
// source is searched: the i-th [[rule]] block, then the key within it.

func lines(src string) []string { return strings.Split(src, "\n") }

func isKeyLine(line, key string) bool {
	line = strings.TrimSpace(line)
	rest, ok := strings.CutPrefix(line, key)
	return ok && strings.HasPrefix(strings.TrimSpace(rest), "=")
}

func ruleLine(src string, index int, key string) int {
	ls := lines(src)
	seen := -1
	start := -1
	for n, l := range ls {
		if strings.TrimSpace(l) == "[[rule]]" {
			seen++
			if seen == index {
				start = n
			} else if seen > index {
				break
			}
			continue
		}
		if start >= 0 && isKeyLine(l, key) {
			return n + 1
		}
	}
	return start + 1
}

func sectionKeyLine(src, section, key string) int {
	in := false
	header := 0
	for n, l := range lines(src) {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			in = t == "["+section+"]"
			if in {
				header = n + 1
			}
			continue
		}
		if in && isKeyLine(l, key) {
			return n + 1
		}
	}
	return header
}

func keyLine(src string, k toml.Key) int {
	if len(k) == 0 {
		return 0
	}
	last := k[len(k)-1]
	if k[0] == "rule" {
		// An unknown key inside some rule: the first line that sets it.
		for n, l := range lines(src) {
			if isKeyLine(l, last) {
				return n + 1
			}
		}
		return 0
	}
	if len(k) == 1 {
		for n, l := range lines(src) {
			if isKeyLine(l, last) {
				return n + 1
			}
		}
		return 0
	}
	return sectionKeyLine(src, k[0], last)
}
