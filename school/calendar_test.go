package school

import (
	"strings"
	"sync"
	"testing"
)

func d(s string) Date {
	x, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func midden(t *testing.T) *Calendar {
	t.Helper()
	h, err := NationalHolidays(RegionMidden)
	if err != nil {
		t.Fatal(err)
	}
	return &Calendar{Holidays: h, FreeDays: []Date{d("2026-11-25")}}
}

func TestNationalHolidaysByRegion(t *testing.T) {
	for _, tc := range []struct {
		region Region
		day    string
		school bool
	}{
		{RegionMidden, "2026-07-17", true},  // last Friday before midden's summer
		{RegionMidden, "2026-07-20", false}, // zomervakantie midden
		{RegionNoord, "2026-07-20", false},  // noord is on holiday since 4 July
		{RegionNoord, "2026-08-17", true},   // and back
		{RegionZuid, "2025-10-13", false},   // herfstvakantie zuid
		{RegionMidden, "2025-10-13", true},
		{RegionMidden, "2026-12-21", false}, // kerstvakantie everywhere
		{RegionZuid, "2027-01-04", true},
		{RegionMidden, "2026-05-14", false}, // hemelvaartsdag
	} {
		h, err := NationalHolidays(tc.region)
		if err != nil {
			t.Fatal(err)
		}
		cal := &Calendar{Holidays: h}
		if got := cal.IsSchoolDay(d(tc.day)); got != tc.school {
			t.Errorf("%s %s: school day %v, want %v (%s)", tc.region, tc.day, got, tc.school, cal.WhyNotSchoolDay(d(tc.day)))
		}
	}
	if _, err := NationalHolidays("oost"); err == nil {
		t.Error("an unknown region was accepted")
	}
}

func TestSchoolDaysAndFreeDays(t *testing.T) {
	cal := midden(t)
	if cal.IsSchoolDay(d("2026-11-25")) || cal.WhyNotSchoolDay(d("2026-11-25")) != "free day" {
		t.Error("the school's own free day is a school day")
	}
	if cal.IsSchoolDay(d("2026-11-28")) {
		t.Error("a Saturday is a school day")
	}
	if got := cal.NextSchoolDay(d("2026-12-19")); got != d("2027-01-04") {
		t.Errorf("next school day after the start of kerstvakantie = %s", got)
	}
	if got := cal.PrevSchoolDay(d("2027-01-04")); got != d("2026-12-18") {
		t.Errorf("school day before 4 Jan 2027 = %s", got)
	}
	// Outside the fast table the answer is the same.
	far := &Calendar{}
	if !far.IsSchoolDay(d("2049-03-01")) || far.IsSchoolDay(d("2049-03-06")) {
		t.Error("days outside the table are answered wrongly")
	}
}

func TestLesweken(t *testing.T) {
	cal := midden(t)
	if cal.IsLesweek(d("2026-12-23")) || cal.IsLesweek(d("2026-12-30")) {
		t.Error("a kerstvakantie week counts as a lesweek")
	}
	if !cal.IsLesweek(d("2026-05-13")) {
		t.Error("the week of hemelvaartsdag (four school days) is no lesweek")
	}
	for _, tc := range []struct {
		day   string
		n     int
		start string
	}{
		{"2026-11-27", 4, "2026-11-02"}, // four plain weeks
		{"2026-11-30", 1, "2026-11-30"},
		{"2027-01-13", 4, "2026-12-07"}, // two holiday weeks stretch the window
		{"2026-10-28", 4, "2026-09-28"}, // herfstvakantie midden 17–25 Oct
	} {
		if got := cal.WindowStart(d(tc.day), tc.n); got != d(tc.start) {
			t.Errorf("WindowStart(%s, %d) = %s, want %s", tc.day, tc.n, got, tc.start)
		}
	}
	if got := cal.LesweeksBetween(d("2026-11-30"), d("2027-01-15")); got != 5 {
		t.Errorf("lesweken 30 Nov – 15 Jan = %d, want 5 (3 before kerst, 2 after)", got)
	}
}

func TestRollingStart(t *testing.T) {
	cal := midden(t)
	for _, tc := range []struct {
		day   string
		n     int
		start string
	}{
		{"2026-11-30", 4, "2026-11-03"}, // 28 days back, no holiday between
		{"2026-11-27", 4, "2026-10-31"},
		{"2026-11-30", 1, "2026-11-24"},
		// herfstvakantie midden 17–25 Oct 2026: the week of 19 October has
		// no school day and is skipped whole; its weekend before belongs to
		// the lesweek of 12 October.
		{"2026-11-13", 4, "2026-10-10"},
		{"2027-01-12", 4, "2026-12-02"}, // 9 days in January, two kerstvakantie weeks skipped, 19 from 20 December back
	} {
		if got := cal.RollingStart(d(tc.day), tc.n); got != d(tc.start) {
			t.Errorf("RollingStart(%s, %d) = %s, want %s", tc.day, tc.n, got, tc.start)
		}
	}
	// Outside the fast table the walk gives the same answer.
	far := &Calendar{}
	if got := far.RollingStart(d("2049-03-01"), 4); got != d("2049-02-02") {
		t.Errorf("far RollingStart = %s", got)
	}
}

func TestCoverageAndOpenOn(t *testing.T) {
	cal, err := NewCalendar(RegionMidden, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cal.Covers.First != d("2025-07-19") || cal.Covers.Last != d("2028-08-20") {
		t.Errorf("midden covers %s – %s", cal.Covers.First, cal.Covers.Last)
	}
	// Past the data: a weekday is a school day (alerts go out), but no rule counts it.
	if !cal.IsSchoolDay(d("2028-09-12")) || cal.Counts(d("2028-09-12")) || !cal.Counts(d("2027-09-14")) {
		t.Error("coverage: a weekday after the data must be a school day no rule counts")
	}
	goedeVrijdag := Easter(2027).AddDays(-2)
	if cal.IsSchoolDay(goedeVrijdag) {
		t.Error("Goede Vrijdag is a school day by default")
	}
	open, err := NewCalendar(RegionMidden, []string{"goede vrijdag"}, []Period{{Name: "studiedag", First: d("2026-11-25"), Last: d("2026-11-25")}})
	if err != nil {
		t.Fatal(err)
	}
	if !open.IsSchoolDay(goedeVrijdag) || open.IsSchoolDay(d("2026-11-25")) {
		t.Error("open on goede vrijdag, or the free day, not applied")
	}
	if _, err := NewCalendar(RegionMidden, []string{"kerstvakantie"}, nil); err == nil || !strings.Contains(err.Error(), "goede vrijdag") {
		t.Errorf("opening on a holiday that is not optional: %v", err)
	}
}

// A day off without a name is still a day off (the casebook's "free" line
// found this).
func TestAFreePeriodWithoutAName(t *testing.T) {
	cal := &Calendar{Holidays: []Period{{First: d("2026-11-11"), Last: d("2026-11-11")}}}
	if cal.IsSchoolDay(d("2026-11-11")) || cal.PrevSchoolDay(d("2026-11-12")) != d("2026-11-10") {
		t.Errorf("an unnamed free day is a school day (%q)", cal.WhyNotSchoolDay(d("2026-11-11")))
	}
}

func TestClosedAfterTheFact(t *testing.T) {
	cal := midden(t)
	storm := d("2026-11-24")
	if !cal.IsSchoolDay(storm) {
		t.Fatal("24 November is a school day")
	}
	cal.SetClosed([]Period{{Name: "stormdag", First: storm, Last: storm}})
	if cal.IsSchoolDay(storm) || cal.WhyNotSchoolDay(storm) != "closed: stormdag" || cal.PrevSchoolDay(d("2026-11-25")) != d("2026-11-23") {
		t.Errorf("a closed day: school day %v, %q", cal.IsSchoolDay(storm), cal.WhyNotSchoolDay(storm))
	}
	if got := cal.Closed(); len(got) != 1 || got[0].First != storm {
		t.Errorf("Closed() = %+v", got)
	}
	cal.SetClosed(nil)
	if !cal.IsSchoolDay(storm) {
		t.Error("reopened, 24 November is still closed")
	}
	// Readers and a writer at once (go test -race).
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if i == 0 {
					cal.SetClosed([]Period{{First: storm, Last: storm}})
				}
				cal.IsSchoolDay(storm)
				cal.RollingStart(storm, 4)
			}
		}()
	}
	wg.Wait()
}
