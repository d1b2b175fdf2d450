package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// A day closed after the fact (a storm day) is no school day from then
// on: the cases standing on it are rechecked at once, and taking it back
// answers the closure taken back and makes the day count again.
func TestADayClosedAfterTheFact(t *testing.T) {
	ts := newTestSchool(t)
	ts.absentDays("2026-03-02")
	ts.at("2026-03-03", "10:00")
	storm := ts.date("2026-03-02")

	var ve *school.ValidationError
	if _, err := ts.closeDay(ts.mentorA, "2026-03-02", "stormdag", false); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("a mentor closed a day: %v", err)
	}
	if _, err := ts.closeDay(ts.coord, "2026-03-02", " ", false); !errors.As(err, &ve) || ve.Details[0].Field != "reason" {
		t.Errorf("no reason: %v", err)
	}
	if _, err := ts.closeDay(ts.coord, "2026-03-02", strings.Repeat("x", 201), false); !errors.As(err, &ve) {
		t.Errorf("a reason of 201 characters: %v", err)
	}
	if _, err := ts.closeDay(ts.coord, "2026-02-17", "stormdag", false); !errors.As(err, &ve) || ve.Details[0].Field != "date" {
		t.Errorf("a day of the voorjaarsvakantie: %v", err)
	}
	if _, err := ts.closeDay(ts.coord, "2026-03-03", "", true); !errors.Is(err, school.ErrNotFound) {
		t.Errorf("reopening a day never closed: %v", err)
	}
	if v, _ := ts.svc.CalendarView(ts.ctx); len(v.Closed) != 0 {
		t.Fatalf("refusals closed %+v", v.Closed)
	}

	day, err := ts.closeDay(ts.coord, "2026-03-02", " stormdag ", false)
	if err != nil {
		t.Fatal(err)
	}
	if day.Date != storm || day.Reason != "stormdag" || day.By != ts.coord.ID || !day.At.Equal(ts.now) {
		t.Errorf("the closure: %+v", day)
	}
	if ts.svc.Calendar.IsSchoolDay(storm) {
		t.Error("the closed day is still a school day")
	}
	e := ts.caseOf("amanuel", "ongeoorloofd-6u")
	if !e.FactsChanged || e.Status != protocol.StatusOpen || !strings.Contains(e.Correction, "2026-03-02") {
		t.Errorf("the case standing on the closed day: %+v", e)
	}
	v, err := ts.svc.CalendarView(ts.ctx)
	if err != nil || len(v.Closed) != 1 || v.Closed[0].Reason != "stormdag" || v.Warnings == nil || v.Covers != ts.svc.Calendar.Covers {
		t.Errorf("the calendar: %+v %v", v, err)
	}
	// A list of the closed day is refused.
	if _, err := ts.recordList(ts.coord, "1A", "2026-03-02", absent("sara")); !errors.As(err, &ve) {
		t.Errorf("a list of the closed day: %v", err)
	}

	// Closing it again corrects the reason.
	if day, err := ts.closeDay(ts.coord, "2026-03-02", "storm Ciarán", false); err != nil || day.Reason != "storm Ciarán" {
		t.Errorf("the reason corrected: %+v %v", day, err)
	}
	// Another nabij started on the store knows the day (LoadClosedDays).
	cal, err := school.NewCalendar(school.RegionMidden, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	restarted := &Service{Store: ts.svc.Store, Calendar: cal}
	if err := restarted.LoadClosedDays(); err != nil || restarted.Calendar.IsSchoolDay(storm) {
		t.Errorf("after a restart the closed day is a school day (%v)", err)
	}

	taken, err := ts.closeDay(ts.coord, "2026-03-02", "", true)
	if err != nil || taken.Date != storm || taken.Reason != "storm Ciarán" {
		t.Fatalf("taken back: %+v %v", taken, err)
	}
	if !ts.svc.Calendar.IsSchoolDay(storm) {
		t.Error("the day taken back is no school day")
	}
	if e := ts.caseOf("amanuel", "ongeoorloofd-6u"); e.FactsChanged {
		t.Errorf("the case after the day was taken back: %+v", e)
	}
	var closed []store.ClosedDay
	ts.view(func(tx *store.Tx) error { var err error; closed, err = tx.ClosedDays(); return err })
	if len(closed) != 0 {
		t.Errorf("closed days kept: %+v", closed)
	}
}

// The calendar warns, 90 days before its data ends, that it needs the
// next school year, and once it has ended that no rule counts any more;
// the board says the same in its own words.
func TestCalendarWarnings(t *testing.T) {
	ts := newTestSchool(t)
	if w := ts.svc.CalendarWarnings(); w != nil {
		t.Errorf("March 2026, data until 2028: %v", w)
	}
	covers := school.Period{First: ts.date("2025-07-01"), Last: ts.date("2026-05-01")}
	ts.svc.Calendar = &school.Calendar{Covers: covers}
	for _, c := range []struct {
		today, kind string
		days        int
		says        string
	}{
		{"2026-03-02", "ends", 60, "in 60 days"},
		{"2026-05-04", "ended", 0, "ended on 2026-05-01"},
		{"2025-06-30", "starts", 0, "starts on 2025-07-01"},
		{"2026-01-30", "", 0, ""},
	} {
		ts.at(c.today, "09:00")
		w := ts.svc.CalendarWarnings()
		b, err := ts.svc.Board(ts.ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ts.svc.CalendarView(ts.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.kind == "" {
			if w != nil || b.Calendar != nil || len(v.Warnings) != 0 {
				t.Errorf("%s: %v %+v", c.today, w, b.Calendar)
			}
			continue
		}
		if len(w) != 1 || !strings.Contains(w[0], c.says) || len(v.Warnings) != 1 || len(b.CalendarWarnings) != 1 {
			t.Errorf("%s: warnings %q", c.today, w)
		}
		if b.Calendar == nil || b.Calendar.Kind != c.kind || b.Calendar.Days != c.days {
			t.Errorf("%s: the board's notice %+v, want %s", c.today, b.Calendar, c.kind)
		}
	}
}
