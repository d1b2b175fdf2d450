package protocol

import (
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

func TestDefaultProtocol(t *testing.T) {
	p := Default()
	if p.DayHours != 6 {
		t.Errorf("day_hours = %v, want 6", p.DayHours)
	}
	if p.SameMorning.Absent != AudienceAll || p.SameMorning.Late != AudienceHousingUnit {
		t.Errorf("same_morning = %+v, want absent=all late=housing_unit", p.SameMorning)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	for name, tc := range map[string]struct{ file, want string }{
		"typo key":     {"day_hours = 6\n[same_morning]\nabsnet = \"all\"\nlate = \"none\"\nabsent = \"all\"", "unknown keys: same_morning.absnet"},
		"bad audience": {"day_hours = 6\n[same_morning]\nabsent = \"everyone\"\nlate = \"none\"", `same_morning.absent = "everyone"`},
		"zero day":     {"day_hours = 0\n[same_morning]\nabsent = \"all\"\nlate = \"none\"", "day_hours = 0"},
		"not toml":     {"day_hours = = 6", "line 1"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestSameMorningAlerts(t *testing.T) {
	list := &school.AbsenceList{Absences: []school.Absence{
		{Student: "a", Kind: school.Absent},
		{Student: "b", Kind: school.Late, Minutes: 25},
		{Student: "c", Kind: school.Sick},
		{Student: "d", Kind: school.Excused, Reason: "afspraak"},
	}}
	for name, tc := range map[string]struct {
		late Audience
		want []Notify
	}{
		"late to housing unit": {AudienceHousingUnit, []Notify{
			{Student: "a", Kind: school.Absent, Template: TemplateAbsent, Audience: AudienceAll},
			{Student: "b", Kind: school.Late, Template: TemplateLate, Audience: AudienceHousingUnit},
		}},
		"late to no one": {AudienceNone, []Notify{
			{Student: "a", Kind: school.Absent, Template: TemplateAbsent, Audience: AudienceAll},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			p := Default()
			p.SameMorning.Late = tc.late
			got := p.SameMorningAlerts(list)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d decisions %+v, want %+v", len(got), got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("decision %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
