package school

import "time"

// Calendar knows which days are school days.
type Calendar struct {
	// Holidays are periods the school is closed, first and last day included.
	Holidays []Period `json:"holidays" toml:"holidays"`
	// FreeDays are the school's own days off (studiedagen).
	FreeDays []Date `json:"free_days" toml:"free_days"`
}

// Period is a span of days, both ends included.
type Period struct {
	Name  string `json:"name" toml:"name"`
	First Date   `json:"first" toml:"first"`
	Last  Date   `json:"last" toml:"last"`
}

// Contains reports whether d lies in p.
func (p Period) Contains(d Date) bool { return !d.Before(p.First) && !d.After(p.Last) }

// IsSchoolDay reports whether the school teaches on d.
func (c *Calendar) IsSchoolDay(d Date) bool { return c.WhyNotSchoolDay(d) == "" }

// WhyNotSchoolDay says why d is not a school day, or "" when it is one.
func (c *Calendar) WhyNotSchoolDay(d Date) string {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return "weekend"
	}
	for _, h := range c.Holidays {
		if h.Contains(d) {
			return h.Name
		}
	}
	for _, f := range c.FreeDays {
		if f == d {
			return "free day"
		}
	}
	return ""
}

// NextSchoolDay is the first school day on or after d.
func (c *Calendar) NextSchoolDay(d Date) Date {
	for i := 0; i < 366 && !c.IsSchoolDay(d); i++ {
		d = d.AddDays(1)
	}
	return d
}
