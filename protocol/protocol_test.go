package protocol

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

func TestDefaultProtocol(t *testing.T) {
	p := Default()
	if p.SchoolDay.DayHours != 6 || p.SchoolDay.LessonMinutes != 50 || p.SchoolDay.FirstLesson != "08:30" {
		t.Errorf("school_day = %+v", p.SchoolDay)
	}
	if p.SameMorning.Absent != AudienceAll || p.SameMorning.Late != AudienceHousingUnit {
		t.Errorf("same_morning = %+v, want absent=all late=housing_unit", p.SameMorning)
	}
	if len(p.Rules) != 9 {
		t.Errorf("%d rules, want the 9 of PROTOCOL.md", len(p.Rules))
	}
}

func TestHours(t *testing.T) {
	p := Default()
	for _, tc := range []struct {
		a    school.Absence
		want float64
	}{
		{school.Absence{Kind: school.Absent}, 6},
		{school.Absence{Kind: school.Absent, Hours: 2}, 2},
		{school.Absence{Kind: school.Sick}, 6},
		{school.Absence{Kind: school.Late, Minutes: 20}, 0}, // at the limit: an occurrence, no lesuur
		{school.Absence{Kind: school.Late, Minutes: 21}, 1},
		{school.Absence{Kind: school.Late, Minutes: 130}, 3}, // three started lessons of 50 minutes
	} {
		if got := p.Hours(tc.a); got != tc.want {
			t.Errorf("Hours(%+v) = %v, want %v", tc.a, got, tc.want)
		}
	}
}

func TestParseRefusesBadFilesWithLineAndReason(t *testing.T) {
	good := string(DefaultFile())
	for name, tc := range map[string]struct{ file, want string }{
		"typo key":     {strings.Replace(good, "absent = \"all\"", "absnet = \"all\"\nabsent = \"all\"", 1), "unknown key same_morning.absnet"},
		"bad audience": {strings.Replace(good, "absent = \"all\"", "absent = \"everyone\"", 1), `same_morning.absent: "everyone"`},
		"bad level":    {strings.Replace(good, "level = \"mentor\"", "level = \"directeur\"", 1), `rule "te-laat-3": level: "directeur"`},
		"bad first":    {strings.Replace(good, `"08:30"`, `"half negen"`, 1), "line 6: school_day.first_lesson"},
		"no threshold": {strings.Replace(good, "threshold = 6\n", "", 1), `rule "ongeoorloofd-6u": threshold`},
		"bad template": {strings.Replace(good, "{{.Total}} keer te laat", "{{.Totla}} keer te laat", 1), "reason_nl"},
		"same name":    {strings.Replace(good, `name = "te-laat-6"`, `name = "te-laat-3"`, 1), "used twice"},
		"not toml":     {"[school_day\nday_hours = 6", "table name"},
		"bad melding":  {strings.Replace(good, `melding = "LRV"`, `melding = "lang"`, 1), `melding: "lang"`},
		"weeks+period": {strings.Replace(good, "period = \"school_year\"\n", "period = \"school_year\"\nweeks = 4\n", 1), "not both"},
		// A second LRV run could reach the rule while the first is held.
		"streak held too long": {strings.Replace(good, "more_than_weeks = 4\n", "more_than_weeks = 1\n", 1), `rule "lrv": min_days_between: 7 days`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "line ") {
				t.Fatalf("Parse error = %v, want a line number and %q", err, tc.want)
			}
		})
	}
}

func TestBadLevelIsReportedOnItsLine(t *testing.T) {
	file := strings.Replace(string(DefaultFile()), "level = \"mentor\"", "level = \"directeur\"", 1)
	line := 0
	for n, l := range strings.Split(file, "\n") {
		if strings.Contains(l, "directeur") {
			line = n + 1
		}
	}
	_, err := Parse([]byte(file))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d:", line)) {
		t.Fatalf("error %v does not point at line %d", err, line)
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

// The lists are due a quarter of an hour after the first lesson, in the
// school's time zone.
func TestListDeadline(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip(err)
	}
	day := SchoolDay{FirstLesson: "08:30"}
	got := day.ListDeadline(school.Date{Year: 2026, Month: 12, Day: 4}, loc)
	if want := time.Date(2026, 12, 4, 8, 45, 0, 0, loc); !got.Equal(want) {
		t.Errorf("ListDeadline = %v, want %v", got, want)
	}
}

// A note on a case's action is at most MaxNote characters (a few
// sentences, in any script): it is kept with the case, read with it every
// time and printed on the melding. A longer one is refused whole, and the
// case is as it was.
func TestANoteOnACaseIsBounded(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	e := &Escalation{ID: "e1", Status: StatusOpen}
	long := strings.Repeat("ሀ", MaxNote+1) // Ge'ez: three bytes a character
	var ve *school.ValidationError
	if err := e.Apply("dismiss", "u1", long, at); !errors.As(err, &ve) || ve.Details[0].Field != "note" || e.Status != StatusOpen || len(e.Actions) != 0 {
		t.Errorf("a note of %d characters: %v, the case %s with %d actions; want refused, the case open", MaxNote+1, err, e.Status, len(e.Actions))
	}
	if err := e.Apply("dismiss", "u1", long[:len(long)-len("ሀ")], at); err != nil || e.Status != StatusDismissed {
		t.Errorf("a note of %d characters: %v, the case %s; want dismissed", MaxNote, err, e.Status)
	}
}
