package protocol

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

// A list that changes one day's entry runs only the rules counting the kind
// before or after. With the past cases of the history before the change, it
// must find exactly what running every rule finds: checked on random school
// histories of the default protocol, changing one random day at a time.
func TestEvaluateChangeFindsWhatEvaluateFinds(t *testing.T) {
	p := Default()
	cal := calendar(t)
	days := autumnTerm(cal)
	kinds := []school.AbsenceKind{school.Absent, school.Late, school.Sick, school.Excused}
	entry := func(rng *rand.Rand, d school.Date) Entry {
		a := school.Absence{Kind: kinds[rng.IntN(len(kinds))]}
		if a.Kind == school.Late {
			a.Minutes = 5 + rng.IntN(60)
		}
		return Entry{Date: d, Kind: a.Kind, Hours: p.Hours(a)}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	through := days[len(days)-1]
	checked, found := 0, 0
	for pupil := range 60 {
		birth := day("2010-03-14")
		if pupil%3 == 0 {
			birth = day("2008-10-01") // turns 18 in the term: the RMC rules
		}
		// A history with gaps: about one school day in three has an entry.
		hist := map[school.Date]Entry{}
		for _, d := range days {
			if rng.IntN(3) == 0 {
				hist[d] = entry(rng, d)
			}
		}
		pupilOf := func() Pupil {
			pp := Pupil{BirthDate: birth}
			for _, d := range days {
				if e, ok := hist[d]; ok {
					pp.Entries = append(pp.Entries, e)
				}
			}
			return pp
		}
		// The cases of the history so far, as every run of the rules left them.
		var past []PastCase
		for _, f := range p.Evaluate(pupilOf(), cal, through, nil) {
			past = append(past, PastCase{Rule: f.Rule.Name, ThresholdDay: f.Facts.ThresholdDay})
		}
		for range 10 {
			d := days[rng.IntN(len(days))]
			var changed []school.AbsenceKind
			if e, ok := hist[d]; ok {
				changed = append(changed, e.Kind)
			}
			if rng.IntN(4) == 0 {
				delete(hist, d) // taken off the list
			} else {
				e := entry(rng, d)
				hist[d] = e
				if !slices.Contains(changed, e.Kind) {
					changed = append(changed, e.Kind)
				}
			}
			if len(changed) == 0 {
				continue
			}
			want := p.Evaluate(pupilOf(), cal, through, past)
			got := p.EvaluateChange(pupilOf(), cal, through, past, changed)
			if !reflect.DeepEqual(findingKeys(got), findingKeys(want)) {
				t.Fatalf("pupil %d, change of %s to %v: EvaluateChange found %v, Evaluate %v", pupil, d, changed, findingKeys(got), findingKeys(want))
			}
			if len(want) > 0 {
				found++
			}
			for _, f := range want {
				past = append(past, PastCase{Rule: f.Rule.Name, ThresholdDay: f.Facts.ThresholdDay})
			}
			checked++
		}
	}
	if checked < 300 || found < 30 {
		t.Fatalf("only %d changes checked, %d of them finding a case: the histories do not reach the rules", checked, found)
	}
	t.Logf("%d changes, %d finding new cases", checked, found)
}

func findingKeys(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Rule.Name+"@"+f.Facts.ThresholdDay.String())
	}
	return out
}

func TestEvaluateChangeOfAnExcusedDayRunsNoRule(t *testing.T) {
	p := Default()
	cal := calendar(t)
	pupil := Pupil{BirthDate: day("2010-03-14"), Entries: entries(p, schoolDays(cal, "2026-11-02", "2026-11-20", "absent")...)}
	if all := p.Evaluate(pupil, cal, day("2026-11-20"), nil); len(all) == 0 {
		t.Fatal("three weeks absent found nothing: the test needs a history that reaches rules")
	}
	if got := p.EvaluateChange(pupil, cal, day("2026-11-20"), nil, []school.AbsenceKind{school.Excused}); len(got) != 0 {
		t.Errorf("a change of an excused day ran rules: %v", findingKeys(got))
	}
	if p.CountsAny([]school.AbsenceKind{school.Excused}) || !p.CountsAny([]school.AbsenceKind{school.Excused, school.Sick}) {
		t.Error("CountsAny: the default protocol counts sick days and no excused ones")
	}
}

// A protocol file may put rules counting different kinds in one ladder. On
// random such ladders: with the past complete, EvaluateChange finds what
// Evaluate finds; with the past a few days stale (a sweep that did not
// run), it may find less (the next sweep opens the rest) but never a case
// that running every rule would not open.
func TestEvaluateChangeOnMixedLadders(t *testing.T) {
	cal := calendar(t)
	days := autumnTerm(cal)
	all := []school.AbsenceKind{school.Absent, school.Late, school.Sick, school.Excused}
	levels := []Level{LevelMentor, LevelVerzuimcoordinator, LevelSchoolarts, LevelLeerplicht, LevelRMC}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, lag := range []int{0, 3} {
		differ := 0
		for proto := range 150 {
			p := &Protocol{SchoolDay: SchoolDay{LessonMinutes: 50, DayHours: 6}, Lateness: Lateness{CountsAsHoursAfterMinutes: 20}}
			for i := range 2 + rng.IntN(3) {
				var counts []school.AbsenceKind
				for _, k := range all[:3] {
					if rng.IntN(2) == 0 {
						counts = append(counts, k)
					}
				}
				if len(counts) == 0 {
					counts = []school.AbsenceKind{all[rng.IntN(3)]}
				}
				r := &Rule{Name: string(rune('a' + i)), Kind: KindWindow, Level: levels[rng.IntN(5)], Ladder: "x", Counts: counts,
					Measure: []string{MeasureHours, MeasureOccurrences}[rng.IntN(2)], Weeks: 1 + rng.IntN(4), MinDaysBetween: rng.IntN(10)}
				r.Threshold = float64(1 + rng.IntN(4))
				if r.Measure == MeasureHours {
					r.Threshold = float64(4 + rng.IntN(14))
				}
				p.Rules = append(p.Rules, r)
			}
			entry := func(d school.Date) Entry {
				a := school.Absence{Kind: all[rng.IntN(4)]}
				if a.Kind == school.Late {
					a.Minutes = 5 + rng.IntN(60)
				}
				return Entry{Date: d, Kind: a.Kind, Hours: p.Hours(a)}
			}
			hist := map[school.Date]Entry{}
			for _, d := range days {
				if rng.IntN(2) == 0 {
					hist[d] = entry(d)
				}
			}
			pupilOf := func() Pupil {
				pp := Pupil{BirthDate: []school.Date{day("2010-03-14"), day("2008-10-01")}[proto%2]}
				for _, d := range days {
					if e, ok := hist[d]; ok {
						pp.Entries = append(pp.Entries, e)
					}
				}
				return pp
			}
			through := days[len(days)-1]
			var past []PastCase
			for _, f := range p.Evaluate(pupilOf(), cal, days[len(days)-1-lag], nil) {
				past = append(past, PastCase{Rule: f.Rule.Name, ThresholdDay: f.Facts.ThresholdDay})
			}
			for range 10 {
				d := days[rng.IntN(len(days))]
				var changed []school.AbsenceKind
				if e, ok := hist[d]; ok {
					changed = append(changed, e.Kind)
				}
				e := entry(d)
				hist[d] = e
				if !slices.Contains(changed, e.Kind) {
					changed = append(changed, e.Kind)
				}
				want := findingKeys(p.Evaluate(pupilOf(), cal, through, past))
				got := findingKeys(p.EvaluateChange(pupilOf(), cal, through, past, changed))
				for _, g := range got {
					if !slices.Contains(want, g) {
						t.Fatalf("lag %d, protocol %d, change of %s to %v: EvaluateChange opens %s; every rule: %v", lag, proto, d, changed, g, want)
					}
				}
				if !slices.Equal(got, want) {
					differ++
				}
				for _, f := range p.Evaluate(pupilOf(), cal, through, past) {
					past = append(past, PastCase{Rule: f.Rule.Name, ThresholdDay: f.Facts.ThresholdDay})
				}
			}
		}
		if lag == 0 && differ > 0 {
			t.Errorf("with the past complete, %d changes found other cases than every rule", differ)
		}
	}
}

// autumnTerm is the school days from 1 September to 18 December 2026.
func autumnTerm(cal *school.Calendar) []school.Date {
	var days []school.Date
	for d := day("2026-09-01"); !d.After(day("2026-12-18")); d = d.AddDays(1) {
		if cal.IsSchoolDay(d) {
			days = append(days, d)
		}
	}
	return days
}
