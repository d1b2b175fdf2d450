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

// atwDecreeDays are the days equated with an algemeen erkende feestdag by
// royal decree under article 3(3) of the Algemene termijnenwet, for 2025
// through 2028. The decrees are published in the Staatscourant, usually for
// three years at a time; the decree texts themselves were not reachable when
// this list was made: the dates are those in the decrees' titles as quoted
// by sterfgeval.nl (question 70745, 4 October 2025). Days of 2029 and later
// are not known yet and must be added when their decree is published.
var atwDecreeDays = []Date{
	// "Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024,
	// 27 december 2024 en 30 mei 2025 met een algemeen erkende feestdag":
	{2025, time.May, 30}, // vrijdag 30 mei 2025, after Hemelvaartsdag

	// "Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027,
	// 28 april 2028 en 26 mei 2028 met een algemeen erkende feestdag":
	{2026, time.January, 2}, // vrijdag 2 januari 2026, after Nieuwjaarsdag
	{2026, time.May, 15},    // vrijdag 15 mei 2026, after Hemelvaartsdag
	{2027, time.May, 7},     // vrijdag 7 mei 2027, after Hemelvaartsdag
	{2028, time.April, 28},  // vrijdag 28 april 2028, after Koningsdag
	{2028, time.May, 26},    // vrijdag 26 mei 2028, after Hemelvaartsdag
}

// IsPublicHoliday reports whether d is an algemeen erkende feestdag of the
// Algemene termijnenwet (BWBR0002448), or a day equated with one: a legal
// deadline that ends on such a day, or on a Saturday or Sunday (art. 1; see
// IsWorkingDay), runs on to the next day that is none of them.
//
// Art. 3(1) names Nieuwjaarsdag, tweede Paasdag, tweede Pinksterdag, both
// Christmas days, Hemelvaartsdag, the day the King's birthday is celebrated
// (Koningsdag: 27 April, or Saturday 26 April when 27 April is a Sunday) and
// 5 May; art. 3(2) equates Goede Vrijdag with them; art. 3(3) lets a royal
// decree equate further days, which are listed in atwDecreeDays for 2025
// through 2028 only. For 2029 and later years the decree days are missing
// until they are added there, and this function then answers too few days.
// (Article text checked against the copy of the law in
// github.com/statengeneraal/laws-markdown, wet/algemene/termijnenwet/
// BWBR0002448; the wetten.overheid.nl page itself was not reachable.)
func IsPublicHoliday(d Date) bool {
	easter := Easter(d.Year)
	kingsDay := Date{d.Year, time.April, 27}
	if kingsDay.Weekday() == time.Sunday {
		kingsDay = kingsDay.AddDays(-1)
	}
	for _, h := range []Date{
		{d.Year, time.January, 1}, // Nieuwjaarsdag
		easter.AddDays(-2),        // Goede Vrijdag, art. 3(2)
		easter.AddDays(1),         // tweede Paasdag
		kingsDay,                  // Koningsdag
		{d.Year, time.May, 5},     // de vijfde mei
		easter.AddDays(39),        // Hemelvaartsdag
		easter.AddDays(50),        // tweede Pinksterdag
		{d.Year, time.December, 25},
		{d.Year, time.December, 26},
	} {
		if h == d {
			return true
		}
	}
	for _, h := range atwDecreeDays {
		if h == d {
			return true
		}
	}
	return false
}

// IsWorkingDay reports whether d is a working day: Monday to Friday and no
// public holiday (IsPublicHoliday). School holidays are working days.
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
