package school

import (
	"testing"
	"time"
)

// atwDays are the algemeen erkende feestdagen of the Algemene termijnenwet,
// art. 3(1) and 3(2), for 2025 to 2028, worked out by hand (Easter 2025:
// 20 April, 2026: 5 April, 2027: 28 March, 2028: 16 April).
var atwDays = map[string]string{
	"2025-01-01": "Nieuwjaarsdag",
	"2025-04-18": "Goede Vrijdag",
	"2025-04-21": "tweede Paasdag",
	"2025-04-26": "Koningsdag (27 April is a Sunday)",
	"2025-05-05": "5 mei",
	"2025-05-29": "Hemelvaartsdag",
	"2025-06-09": "tweede Pinksterdag",
	"2025-12-25": "eerste Kerstdag",
	"2025-12-26": "tweede Kerstdag",

	"2026-01-01": "Nieuwjaarsdag",
	"2026-04-03": "Goede Vrijdag",
	"2026-04-06": "tweede Paasdag",
	"2026-04-27": "Koningsdag",
	"2026-05-05": "5 mei",
	"2026-05-14": "Hemelvaartsdag",
	"2026-05-25": "tweede Pinksterdag",
	"2026-12-25": "eerste Kerstdag",
	"2026-12-26": "tweede Kerstdag",

	"2027-01-01": "Nieuwjaarsdag",
	"2027-03-26": "Goede Vrijdag",
	"2027-03-29": "tweede Paasdag",
	"2027-04-27": "Koningsdag",
	"2027-05-05": "5 mei",
	"2027-05-06": "Hemelvaartsdag",
	"2027-05-17": "tweede Pinksterdag",
	"2027-12-25": "eerste Kerstdag",
	"2027-12-26": "tweede Kerstdag",

	"2028-01-01": "Nieuwjaarsdag",
	"2028-04-14": "Goede Vrijdag",
	"2028-04-17": "tweede Paasdag",
	"2028-04-27": "Koningsdag",
	"2028-05-05": "5 mei",
	"2028-05-25": "Hemelvaartsdag",
	"2028-06-05": "tweede Pinksterdag",
	"2028-12-25": "eerste Kerstdag",
	"2028-12-26": "tweede Kerstdag",
}

// decreeDays are the days equated with them by decree (art. 3(3)), as named
// in the decrees' titles.
var decreeDays = []string{"2025-05-30", "2026-01-02", "2026-05-15", "2027-05-07", "2028-04-28", "2028-05-26"}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2028: "2028-04-16"} {
		if got := Easter(year); got != d(want) {
			t.Errorf("Easter %d = %s, want %s", year, got, want)
		}
	}
}

func TestPublicHolidaysAreExactlyTheAtwDays(t *testing.T) {
	want := map[Date]string{}
	for day, name := range atwDays {
		want[d(day)] = name
	}
	for _, day := range decreeDays {
		want[d(day)] = "decree day"
	}
	if len(atwDecreeDays) != len(decreeDays) {
		t.Errorf("atwDecreeDays has %d days, want %d", len(atwDecreeDays), len(decreeDays))
	}
	for day := d("2025-01-01"); day.Year <= 2028; day = day.AddDays(1) {
		name, isHoliday := want[day]
		if got := IsPublicHoliday(day); got != isHoliday {
			t.Errorf("IsPublicHoliday(%s %s) = %v, want %v %s", day.Weekday(), day, got, isHoliday, name)
		}
		if isHoliday && IsWorkingDay(day) {
			t.Errorf("%s (%s) is a working day", day, name)
		}
		wd := day.Weekday()
		if !isHoliday && IsWorkingDay(day) != (wd != time.Saturday && wd != time.Sunday) {
			t.Errorf("%s %s: working day %v", wd, day, IsWorkingDay(day))
		}
	}
	// Days that are no Atw day, though many have them off.
	for _, day := range []string{
		"2026-05-04", // Monday before 5 May: not in the decree
		"2027-04-26", // Monday before Koningsdag: not in the decree
		"2026-12-31", // oudejaarsdag
		"2026-02-16", // carnaval Monday
	} {
		if !IsWorkingDay(d(day)) {
			t.Errorf("%s is no working day", day)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-26", 5, "2026-12-03"}, // Thursday + 5 working days
		{"2026-12-21", 5, "2026-12-29"}, // Christmas skipped (Boxing Day is a Saturday), school holiday not
		{"2026-05-08", 5, "2026-05-19"}, // Hemelvaartsdag and the decree Friday 15 May skipped
		{"2026-05-13", 5, "2026-05-22"}, // Wednesday before Hemelvaart: 14 and 15 May skipped
		{"2026-05-13", 1, "2026-05-18"},
		{"2025-12-31", 1, "2026-01-05"}, // Nieuwjaarsdag and the decree Friday 2 January skipped
		{"2025-12-30", 3, "2026-01-06"},
		{"2025-12-24", 1, "2025-12-29"}, // both Christmas days (Thursday, Friday)
		{"2026-04-02", 1, "2026-04-07"}, // Goede Vrijdag and tweede Paasdag
		{"2027-05-04", 1, "2027-05-10"}, // 5 May, Hemelvaartsdag, decree Friday 7 May
		{"2028-04-26", 1, "2028-05-01"}, // Koningsdag and decree Friday 28 April
	} {
		if got := AddWorkingDays(d(tc.from), tc.n); got != d(tc.want) {
			t.Errorf("%d working days after %s = %s, want %s", tc.n, tc.from, got, tc.want)
		}
	}
	if got := SchoolYearStart(d("2027-03-01")); got != (Date{2026, time.August, 1}) {
		t.Errorf("school year of March 2027 starts %s", got)
	}
}
