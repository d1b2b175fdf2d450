package school

import "time"

// Easter is Easter Sunday of year (the Gregorian computus).
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{year, time.Month(month), day}
}

// IsPublicHoliday reports whether d is a Dutch public holiday of the
// Algemene termijnenwet: such a day is no working day for a legal deadline.
func IsPublicHoliday(d Date) bool {
	easter := Easter(d.Year)
	kingsDay := Date{d.Year, time.April, 27}
	if kingsDay.Weekday() == time.Sunday {
		kingsDay = kingsDay.AddDays(-1)
	}
	for _, h := range []Date{
		{d.Year, time.January, 1},
		easter.AddDays(-2), // Goede Vrijdag
		easter.AddDays(1),  // Tweede Paasdag
		kingsDay,
		{d.Year, time.May, 5},
		easter.AddDays(39), // Hemelvaartsdag
		easter.AddDays(50), // Tweede Pinksterdag
		{d.Year, time.December, 25},
		{d.Year, time.December, 26},
	} {
		if h == d {
			return true
		}
	}
	return false
}

// IsWorkingDay reports whether d is a working day: Monday to Friday and no
// public holiday. School holidays are working days.
func IsWorkingDay(d Date) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !IsPublicHoliday(d)
}

// AddWorkingDays is the n-th working day after d.
func AddWorkingDays(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if IsWorkingDay(d) {
			n--
		}
	}
	return d
}
