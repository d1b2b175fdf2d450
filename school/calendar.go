package school

import (
	_ "embed"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
)

// Region is one of the three Dutch school-holiday regions.
type Region string

// The regions of the national school holidays.
const (
	RegionNoord  Region = "noord"
	RegionMidden Region = "midden"
	RegionZuid   Region = "zuid"
)

//go:embed holidays.toml
var holidaysFile []byte

// NationalHolidays are the school holidays of region from the embedded data
// (see holidays.toml for its source).
func NationalHolidays(region Region) ([]Period, error) {
	switch region {
	case RegionNoord, RegionMidden, RegionZuid:
	default:
		return nil, fmt.Errorf("region %q is not one of noord, midden, zuid", region)
	}
	var data struct {
		Holiday []struct {
			Name, Region, First, Last string
			Optional                  bool
		}
	}
	if _, err := toml.Decode(string(holidaysFile), &data); err != nil {
		return nil, fmt.Errorf("holidays.toml: %w", err)
	}
	var out []Period
	for _, h := range data.Holiday {
		if h.Region != "all" && Region(h.Region) != region {
			continue
		}
		first, err1 := ParseDate(h.First)
		last, err2 := ParseDate(h.Last)
		if err1 != nil || err2 != nil || last.Before(first) {
			return nil, fmt.Errorf("holidays.toml: %s %s: bad dates %q–%q", h.Name, h.Region, h.First, h.Last)
		}
		out = append(out, Period{Name: h.Name, First: first, Last: last, Optional: h.Optional})
	}
	return out, nil
}

// Calendar knows which days are school days and which weeks are lesweken.
// Use it by pointer: it keeps a table it builds on first use.
type Calendar struct {
	// Holidays are periods the school is closed, first and last day included.
	Holidays []Period `json:"holidays" toml:"holidays"`
	// FreeDays are the school's own days off (studiedagen).
	FreeDays []Date `json:"free_days" toml:"free_days"`

	once  sync.Once
	table calendarTable
}

// Period is a span of days, both ends included.
type Period struct {
	Name  string `json:"name" toml:"name"`
	First Date   `json:"first" toml:"first"`
	Last  Date   `json:"last" toml:"last"`
	// Optional marks a day most schools close that a school may stay open
	// on (Goede Vrijdag, Bevrijdingsdag): closed unless the school says so.
	Optional bool `json:"optional,omitempty" toml:"optional"`
}

// Contains reports whether d lies in p.
func (p Period) Contains(d Date) bool { return !d.Before(p.First) && !d.After(p.Last) }

// The table covers these days; outside them the calendar answers slowly but rightly.
var (
	tableStart = Date{2015, time.January, 5} // a Monday
	tableDays  = 366 * 25
)

type calendarTable struct {
	school []bool // by day since tableStart
	// lesweek[w] is the number of lesweken from tableStart up to and
	// including week w, so that two weeks' difference counts the lesweken.
	lesweek []int
}

func (c *Calendar) build() {
	t := calendarTable{school: make([]bool, tableDays), lesweek: make([]int, tableDays/7+1)}
	count := 0
	for w := range t.lesweek {
		any := false
		for i := range 7 {
			day := w*7 + i
			if day >= tableDays {
				break
			}
			t.school[day] = c.whyNot(tableStart.AddDays(day)) == ""
			any = any || t.school[day]
		}
		if any {
			count++
		}
		t.lesweek[w] = count
	}
	c.table = t
}

func (c *Calendar) offset(d Date) (int, bool) {
	off := tableStart.DaysUntil(d)
	return off, off >= 0 && off < tableDays
}

// IsSchoolDay reports whether the school teaches on d.
func (c *Calendar) IsSchoolDay(d Date) bool {
	c.once.Do(c.build)
	if off, ok := c.offset(d); ok {
		return c.table.school[off]
	}
	return c.whyNot(d) == ""
}

// WhyNotSchoolDay says why d is not a school day, or "" when it is one.
func (c *Calendar) WhyNotSchoolDay(d Date) string { return c.whyNot(d) }

func (c *Calendar) whyNot(d Date) string {
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
	for i := 0; i < 400 && !c.IsSchoolDay(d); i++ {
		d = d.AddDays(1)
	}
	return d
}

// PrevSchoolDay is the last school day before d.
func (c *Calendar) PrevSchoolDay(d Date) Date {
	d = d.AddDays(-1)
	for i := 0; i < 400 && !c.IsSchoolDay(d); i++ {
		d = d.AddDays(-1)
	}
	return d
}

// Monday is the Monday of d's week.
func Monday(d Date) Date {
	wd := int(d.Weekday()+6) % 7 // Monday 0 … Sunday 6
	return d.AddDays(-wd)
}

// IsLesweek reports whether the week of d has a school day: a holiday week
// is not a lesweek.
func (c *Calendar) IsLesweek(d Date) bool {
	m := Monday(d)
	for i := range 5 {
		if c.IsSchoolDay(m.AddDays(i)) {
			return true
		}
	}
	return false
}

// lesweekNumber counts lesweken from a fixed point up to d's week.
func (c *Calendar) lesweekNumber(d Date) (int, bool) {
	c.once.Do(c.build)
	off, ok := c.offset(Monday(d))
	if !ok {
		return 0, false
	}
	return c.table.lesweek[off/7], true
}

// WindowStart is the Monday of the first of the n lesweken that end with d's
// week (d's own week counts when it is a lesweek): the start of "n
// consecutive lesweken" ending at d. Holiday weeks inside stretch the window.
func (c *Calendar) WindowStart(d Date, n int) Date {
	if n < 1 {
		n = 1
	}
	m := Monday(d)
	if num, ok := c.lesweekNumber(m); ok {
		// The earliest Monday whose lesweek count is num-n+1, by binary search.
		// When d's week is no lesweek, num is the count of the lesweek before
		// it, and the window ends there.
		target := num - n + 1
		startOff, _ := c.offset(m)
		weeks := sort.Search(startOff/7+1, func(w int) bool { return c.table.lesweek[w] >= target })
		if weeks <= startOff/7 {
			return tableStart.AddDays(weeks * 7)
		}
	}
	// Outside the table: walk back.
	counted := 0
	for {
		if c.IsLesweek(m) {
			counted++
			if counted == n {
				return m
			}
		}
		m = m.AddDays(-7)
	}
}

// LesweeksBetween counts the lesweken from a's week to b's week, both included.
func (c *Calendar) LesweeksBetween(a, b Date) int {
	na, oka := c.lesweekNumber(a)
	nb, okb := c.lesweekNumber(b)
	if oka && okb {
		n := nb - na
		if c.IsLesweek(a) {
			n++
		}
		return n
	}
	n := 0
	for m := Monday(a); !m.After(b); m = m.AddDays(7) {
		if c.IsLesweek(m) {
			n++
		}
	}
	return n
}

// SchoolYearStart is the 1st of August that begins d's school year.
func SchoolYearStart(d Date) Date {
	if d.Month >= time.August {
		return Date{d.Year, time.August, 1}
	}
	return Date{d.Year - 1, time.August, 1}
}
