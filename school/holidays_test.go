package school

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// holidayEntry is one [[holiday]] of holidays.toml.
type holidayEntry struct {
	Name, Region, First, Last string
	Optional                  bool
}

func (e holidayEntry) String() string {
	opt := ""
	if e.Optional {
		opt = " optional"
	}
	return fmt.Sprintf("%s %s %s..%s%s", e.Name, e.Region, e.First, e.Last, opt)
}

// wantHolidays is every entry holidays.toml must hold, typed from the
// sources named there (not copied from the file): the Rijksoverheid /
// government.nl tables for 2026-2027 and 2027-2028, the secondary copies of
// the 2024-2025 and 2025-2026 tables, and the public holidays computed from
// Easter. A change to the data must change both.
var wantHolidays = []holidayEntry{
	// zomervakantie 2025 (school year 2024-2025)
	{"zomervakantie", "noord", "2025-07-12", "2025-08-24", false},
	{"zomervakantie", "midden", "2025-07-19", "2025-08-31", false},
	{"zomervakantie", "zuid", "2025-07-05", "2025-08-17", false},

	// 2025-2026
	{"herfstvakantie", "noord", "2025-10-18", "2025-10-26", false},
	{"herfstvakantie", "midden", "2025-10-18", "2025-10-26", false},
	{"herfstvakantie", "zuid", "2025-10-11", "2025-10-19", false},
	{"kerstvakantie", "all", "2025-12-20", "2026-01-04", false},
	{"voorjaarsvakantie", "noord", "2026-02-21", "2026-03-01", false},
	{"voorjaarsvakantie", "midden", "2026-02-14", "2026-02-22", false},
	{"voorjaarsvakantie", "zuid", "2026-02-14", "2026-02-22", false},
	{"goede vrijdag", "all", "2026-04-03", "2026-04-03", true},
	{"tweede paasdag", "all", "2026-04-06", "2026-04-06", false},
	{"meivakantie", "all", "2026-04-25", "2026-05-03", false},
	{"bevrijdingsdag", "all", "2026-05-05", "2026-05-05", true},
	{"hemelvaartsdag", "all", "2026-05-14", "2026-05-14", false},
	{"tweede pinksterdag", "all", "2026-05-25", "2026-05-25", false},
	{"zomervakantie", "noord", "2026-07-04", "2026-08-16", false},
	{"zomervakantie", "midden", "2026-07-18", "2026-08-30", false},
	{"zomervakantie", "zuid", "2026-07-11", "2026-08-23", false},

	// 2026-2027
	{"herfstvakantie", "noord", "2026-10-10", "2026-10-18", false},
	{"herfstvakantie", "midden", "2026-10-17", "2026-10-25", false},
	{"herfstvakantie", "zuid", "2026-10-17", "2026-10-25", false},
	{"kerstvakantie", "all", "2026-12-19", "2027-01-03", false},
	{"voorjaarsvakantie", "noord", "2027-02-20", "2027-02-28", false},
	{"voorjaarsvakantie", "midden", "2027-02-20", "2027-02-28", false},
	{"voorjaarsvakantie", "zuid", "2027-02-13", "2027-02-21", false},
	{"goede vrijdag", "all", "2027-03-26", "2027-03-26", true},
	{"tweede paasdag", "all", "2027-03-29", "2027-03-29", false},
	{"meivakantie", "all", "2027-04-24", "2027-05-02", false},
	{"bevrijdingsdag", "all", "2027-05-05", "2027-05-05", true},
	{"hemelvaartsdag", "all", "2027-05-06", "2027-05-06", false},
	{"tweede pinksterdag", "all", "2027-05-17", "2027-05-17", false},
	{"zomervakantie", "noord", "2027-07-10", "2027-08-22", false},
	{"zomervakantie", "midden", "2027-07-17", "2027-08-29", false},
	{"zomervakantie", "zuid", "2027-07-24", "2027-09-05", false},

	// 2027-2028
	{"herfstvakantie", "noord", "2027-10-16", "2027-10-24", false},
	{"herfstvakantie", "midden", "2027-10-16", "2027-10-24", false},
	{"herfstvakantie", "zuid", "2027-10-23", "2027-10-31", false},
	{"kerstvakantie", "all", "2027-12-25", "2028-01-09", false},
	{"voorjaarsvakantie", "noord", "2028-02-19", "2028-02-27", false},
	{"voorjaarsvakantie", "midden", "2028-02-26", "2028-03-05", false},
	{"voorjaarsvakantie", "zuid", "2028-02-26", "2028-03-05", false},
	{"goede vrijdag", "all", "2028-04-14", "2028-04-14", true},
	{"tweede paasdag", "all", "2028-04-17", "2028-04-17", false},
	{"koningsdag", "all", "2028-04-27", "2028-04-27", false},
	{"meivakantie", "all", "2028-04-29", "2028-05-07", false},
	{"bevrijdingsdag", "all", "2028-05-05", "2028-05-05", true},
	{"hemelvaartsdag", "all", "2028-05-25", "2028-05-25", false},
	{"tweede pinksterdag", "all", "2028-06-05", "2028-06-05", false},
	{"zomervakantie", "noord", "2028-07-15", "2028-08-27", false},
	{"zomervakantie", "midden", "2028-07-08", "2028-08-20", false},
	{"zomervakantie", "zuid", "2028-07-22", "2028-09-03", false},
}

var (
	allRegions = []Region{RegionNoord, RegionMidden, RegionZuid}
	vacations  = []string{"herfstvakantie", "kerstvakantie", "voorjaarsvakantie", "meivakantie", "zomervakantie"}
)

func isVacation(name string) bool {
	for _, v := range vacations {
		if v == name {
			return true
		}
	}
	return false
}

// decodedHolidays is holidays.toml decoded on its own, not by NationalHolidays.
func decodedHolidays(t *testing.T) []holidayEntry {
	t.Helper()
	var data struct{ Holiday []holidayEntry }
	md, err := toml.Decode(string(holidaysFile), &data)
	if err != nil {
		t.Fatal(err)
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		t.Errorf("holidays.toml has keys the loader does not read: %v", keys)
	}
	return data.Holiday
}

// sameEntries reports, both ways, the entries of got not in want and of
// want not in got, counting duplicates.
func sameEntries[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	count := map[T]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		count[g]--
	}
	var extra, missing []string
	for k, n := range count {
		for ; n < 0; n++ {
			extra = append(extra, fmt.Sprint(k))
		}
		for ; n > 0; n-- {
			missing = append(missing, fmt.Sprint(k))
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	for _, e := range extra {
		t.Errorf("%s: unexpected %s", what, e)
	}
	for _, m := range missing {
		t.Errorf("%s: missing %s", what, m)
	}
}

func TestHolidaysFileMatchesSources(t *testing.T) {
	sameEntries(t, "holidays.toml", decodedHolidays(t), wantHolidays)
}

func TestNationalHolidaysMatchSources(t *testing.T) {
	for _, r := range allRegions {
		got, err := NationalHolidays(r)
		if err != nil {
			t.Fatal(err)
		}
		var want []Period
		for _, e := range wantHolidays {
			if e.Region == string(r) || e.Region == "all" {
				want = append(want, Period{Name: e.Name, First: d(e.First), Last: d(e.Last), Optional: e.Optional})
			}
		}
		sameEntries(t, "NationalHolidays("+string(r)+")", got, want)
	}
}

func TestHolidaysStructure(t *testing.T) {
	for _, e := range decodedHolidays(t) {
		switch e.Region {
		case "noord", "midden", "zuid", "all":
		default:
			t.Errorf("%s: unknown region", e)
		}
		first, last := d(e.First), d(e.Last)
		switch {
		case isVacation(e.Name):
			if e.Optional {
				t.Errorf("%s: a vacation is not optional", e)
			}
			if first.Weekday() != time.Saturday || last.Weekday() != time.Sunday {
				t.Errorf("%s: runs %s to %s, not Saturday to Sunday", e, first.Weekday(), last.Weekday())
			}
		default:
			if first != last {
				t.Errorf("%s: a public holiday is one day", e)
			}
			if wd := first.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Errorf("%s: falls on a %s", e, wd)
			}
			if e.Region != "all" {
				t.Errorf("%s: a public holiday applies to all regions", e)
			}
		}
		easter := Easter(first.Year)
		var want Date
		optional := false
		switch e.Name {
		case "goede vrijdag":
			want, optional = easter.AddDays(-2), true
		case "tweede paasdag":
			want = easter.AddDays(1)
		case "hemelvaartsdag":
			want = easter.AddDays(39)
		case "tweede pinksterdag":
			want = easter.AddDays(50)
		case "bevrijdingsdag":
			want, optional = Date{first.Year, time.May, 5}, true
		case "koningsdag":
			want = Date{first.Year, time.April, 27}
			if want.Weekday() == time.Sunday {
				want = want.AddDays(-1)
			}
		default:
			if !isVacation(e.Name) {
				t.Errorf("%s: unknown holiday name", e)
			}
			continue
		}
		if first != want {
			t.Errorf("%s: want %s", e, want)
		}
		if e.Optional != optional {
			t.Errorf("%s: optional is %v, want %v", e, e.Optional, optional)
		}
		if !optional && !IsPublicHoliday(first) {
			t.Errorf("%s: not a public holiday of the Algemene termijnenwet", e)
		}
	}

	for _, r := range allRegions {
		hs, err := NationalHolidays(r)
		if err != nil {
			t.Fatal(err)
		}
		var vac []Period
		for _, h := range hs {
			if isVacation(h.Name) {
				vac = append(vac, h)
			}
		}
		// No two vacations of a region overlap.
		for i, a := range vac {
			for _, b := range vac[i+1:] {
				if !a.Last.Before(b.First) && !b.Last.Before(a.First) {
					t.Errorf("%s: %s %s..%s overlaps %s %s..%s", r, a.Name, a.First, a.Last, b.Name, b.First, b.Last)
				}
			}
		}
		// Every school year 2025-26 to 2027-28 has each vacation once, and
		// the summer of 2024-25 is there to start the coverage.
		have := map[string]int{}
		for _, v := range vac {
			have[fmt.Sprintf("%s %d", v.Name, SchoolYearStart(v.First).Year)]++
		}
		for year := 2025; year <= 2027; year++ {
			for _, name := range vacations {
				if n := have[fmt.Sprintf("%s %d", name, year)]; n != 1 {
					t.Errorf("%s: %d × %s in school year %d-%d, want 1", r, n, name, year, year+1)
				}
			}
		}
		if have["zomervakantie 2024"] != 1 {
			t.Errorf("%s: no zomervakantie 2025 (school year 2024-2025)", r)
		}
		// Public holidays that are not optional fall in school time.
		for _, h := range hs {
			if isVacation(h.Name) || h.Optional {
				continue
			}
			for _, v := range vac {
				if v.Contains(h.First) {
					t.Errorf("%s: %s %s lies in %s: leave it out", r, h.Name, h.First, v.Name)
				}
			}
		}
	}
}

func TestHolidaysCoverage(t *testing.T) {
	for _, tc := range []struct {
		region      Region
		first, last string
	}{
		{RegionNoord, "2025-07-12", "2028-08-27"},
		{RegionMidden, "2025-07-19", "2028-08-20"},
		{RegionZuid, "2025-07-05", "2028-09-03"},
	} {
		hs, err := NationalHolidays(tc.region)
		if err != nil {
			t.Fatal(err)
		}
		var first, last Date
		for _, h := range hs {
			if h.Name != "zomervakantie" {
				continue
			}
			if first.IsZero() || h.First.Before(first) {
				first = h.First
			}
			if h.Last.After(last) {
				last = h.Last
			}
		}
		if first != d(tc.first) || last != d(tc.last) {
			t.Errorf("%s: summers span %s..%s, want %s..%s", tc.region, first, last, tc.first, tc.last)
		}
	}
}
