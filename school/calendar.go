package school

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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

// NewCalendar is region's national calendar as a school keeps it: its
// holidays, without the optional days it stays open on (openOn names them,
// e.g. "goede vrijdag"), with its own free days, covering the span of the
// embedded data (see Covers).
func NewCalendar(region Region, openOn []string, free []Period) (*Calendar, error) {
	holidays, err := NationalHolidays(region)
	if err != nil {
		return nil, err
	}
	optional := map[string]bool{}
	for _, h := range holidays {
		if h.Optional {
			optional[h.Name] = true
		}
	}
	open := map[string]bool{}
	for _, name := range openOn {
		if !optional[name] {
			names := make([]string, 0, len(optional))
			for n := range optional {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("%q is not a day a school may stay open on (those are: %s)", name, strings.Join(names, ", "))
		}
		open[name] = true
	}
	c := &Calendar{}
	for _, h := range holidays {
		if h.Optional && open[h.Name] {
			continue
		}
		c.Holidays = append(c.Holidays, h)
		if h.Name == "zomervakantie" {
			if c.Covers.First.IsZero() || h.First.Before(c.Covers.First) {
				c.Covers.First = h.First
			}
			if h.Last.After(c.Covers.Last) {
				c.Covers.Last = h.Last
			}
		}
	}
	c.Covers.Name = "national holidays of region " + string(region)
	c.Holidays = append(c.Holidays, free...)
	return c, nil
}

// Calendar knows which days are school days and which weeks are lesweken.
// Use it by pointer: it keeps a table it builds on first use, and the days a
// school closed after the fact can change while it is in use (SetClosed).
type Calendar struct {
	// Holidays are periods the school is closed, first and last day included.
	Holidays []Period `json:"holidays" toml:"holidays"`
	// FreeDays are the school's own days off (studiedagen).
	FreeDays []Date `json:"free_days" toml:"free_days"`
	// Covers is the span of days the holiday data is known for. Outside it a
	// weekday is taken for a school day (alerts still go out), but no rule
	// counts it: see Counts. Zero covers every day (a calendar made by hand).
	Covers Period `json:"covers" toml:"covers"`

	mu    sync.Mutex // makes and replaces table
	table atomic.Pointer[calendarTable]
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
	closed []Period // the days closed after the fact, as the table was made
	school []bool   // by day since tableStart
	// lesweek[w] is the number of lesweken from tableStart up to and
	// including week w, so that two weeks' difference counts the lesweken.
	lesweek []int
	// lesdays[i] is the number of days from tableStart up to and including
	// day i that lie in a lesweek: the rolling window counts them.
	lesdays []int32
}

func (c *Calendar) tab() *calendarTable {
	if t := c.table.Load(); t != nil {
		return t
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.table.Load(); t != nil {
		return t
	}
	t := c.build(nil)
	c.table.Store(t)
	return t
}

// SetClosed replaces the days the school closed after the fact (a storm
// day, a study day it forgot to list): they are no school days from now on.
func (c *Calendar) SetClosed(days []Period) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.table.Store(c.build(slices.Clone(days)))
}

// Closed lists the days the school closed after the fact.
func (c *Calendar) Closed() []Period { return slices.Clone(c.tab().closed) }

func (c *Calendar) build(closed []Period) *calendarTable {
	t := &calendarTable{closed: closed, school: make([]bool, tableDays), lesweek: make([]int, tableDays/7+1), lesdays: make([]int32, tableDays)}
	count := 0
	var days int32
	for w := range t.lesweek {
		any := false
		for i := range 7 {
			day := w*7 + i
			if day >= tableDays {
				break
			}
			t.school[day] = c.whyNot(t, tableStart.AddDays(day)) == ""
			any = any || t.school[day]
		}
		if any {
			count++
		}
		t.lesweek[w] = count
		for i := range 7 {
			day := w*7 + i
			if day >= tableDays {
				break
			}
			if any {
				days++
			}
			t.lesdays[day] = days
		}
	}
	return t
}

func (c *Calendar) offset(d Date) (int, bool) {
	off := tableStart.DaysUntil(d)
	return off, off >= 0 && off < tableDays
}

// IsSchoolDay reports whether the school teaches on d. Outside the span the
// calendar covers, every weekday is taken for one.
func (c *Calendar) IsSchoolDay(d Date) bool {
	t := c.tab()
	if off, ok := c.offset(d); ok {
		return t.school[off]
	}
	return c.whyNot(t, d) == ""
}

// Covered reports whether the calendar's data covers d.
func (c *Calendar) Covered(d Date) bool {
	return c.Covers.First.IsZero() || c.Covers.Contains(d)
}

// Counts reports whether a rule may count d: a school day the calendar's
// data covers. A day beyond the data is never counted, even on a weekday.
func (c *Calendar) Counts(d Date) bool { return c.Covered(d) && c.IsSchoolDay(d) }

// WhyNotSchoolDay says why d is not a school day, or "" when it is one.
func (c *Calendar) WhyNotSchoolDay(d Date) string { return c.whyNot(c.tab(), d) }

func (c *Calendar) whyNot(t *calendarTable, d Date) string {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return "weekend"
	}
	for _, h := range c.Holidays {
		if h.Contains(d) {
			if h.Name == "" {
				return "free day" // a period without a name is still a day off
			}
			return h.Name
		}
	}
	for _, f := range c.FreeDays {
		if f == d {
			return "free day"
		}
	}
	var closed []Period
	if t != nil {
		closed = t.closed
	}
	for _, p := range closed {
		if p.Contains(d) {
			if p.Name == "" {
				return "closed"
			}
			return "closed: " + p.Name
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
	off, ok := c.offset(Monday(d))
	if !ok {
		return 0, false
	}
	return c.tab().lesweek[off/7], true
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
		lesweek := c.tab().lesweek
		weeks := sort.Search(startOff/7+1, func(w int) bool { return lesweek[w] >= target })
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

// RollingStart is the first day of the n lesweken that end on d, counted
// back day by day: the last 7n days before and including d that lie in a
// lesweek. A holiday week (no school day) is skipped whole, so it
// stretches the window. Without holidays, a window of 4 ending on Monday 30
// November starts on Tuesday 3 November.
func (c *Calendar) RollingStart(d Date, n int) Date {
	if n < 1 {
		n = 1
	}
	want := int32(7 * n)
	if off, ok := c.offset(d); ok {
		lesdays := c.tab().lesdays
		// The earliest day i with lesdays[off]-lesdays[i-1] <= want, which
		// lies in a lesweek: lesdays[i] >= lesdays[off]-want+1.
		target := lesdays[off] - want + 1
		if target >= 1 {
			i := sort.Search(off+1, func(i int) bool { return lesdays[i] >= target })
			return tableStart.AddDays(i)
		}
	}
	// Outside the table: walk back.
	counted := int32(0)
	for day := d; ; day = day.AddDays(-1) {
		if c.IsLesweek(day) {
			counted++
			if counted == want {
				return day
			}
		}
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
