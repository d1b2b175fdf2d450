package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// runRhythm runs jobs at 08:45 and 17:00 on a fake clock from start for the
// given time, and returns when each ran, in Amsterdam time.
func runRhythm(t *testing.T, start time.Time, span time.Duration, cal *school.Calendar) []string {
	t.Helper()
	var mu sync.Mutex
	var ran []string
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	synctest.Test(t, func(t *testing.T) {
		offset := time.Until(start)
		now := func() time.Time { return time.Now().Add(offset) }
		record := func(name string) func(context.Context, school.Date) error {
			return func(_ context.Context, d school.Date) error {
				mu.Lock()
				defer mu.Unlock()
				ran = append(ran, name+" "+now().In(loc).Format("Mon 2006-01-02 15:04 MST")+" "+d.String())
				return nil
			}
		}
		r := &Rhythm{Location: loc, Calendar: cal, Now: now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Jobs: []Job{{Name: "deadline", Spec: "45 8 * * 1-5", Run: record("deadline")}, {Name: "sweep", Spec: "0 17 * * 1-5", Run: record("sweep")}}}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		time.Sleep(span)
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ran
}

func TestRhythmAcrossTheSpringDSTChange(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	// Friday 27 March 2026, 08:00 CET; the clocks go forward on Sunday 29 March.
	ran := runRhythm(t, time.Date(2026, 3, 27, 8, 0, 0, 0, loc), 3*24*time.Hour+12*time.Hour, &school.Calendar{})
	want := []string{
		"deadline Fri 2026-03-27 08:45 CET 2026-03-27",
		"sweep Fri 2026-03-27 17:00 CET 2026-03-27",
		"deadline Mon 2026-03-30 08:45 CEST 2026-03-30",
		"sweep Mon 2026-03-30 17:00 CEST 2026-03-30",
	}
	assertRuns(t, ran, want)
}

func TestRhythmAcrossTheAutumnDSTChangeAndHolidays(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	holidays, err := school.NationalHolidays(school.RegionNoord) // herfstvakantie noord: 10–18 Oct 2026
	if err != nil {
		t.Fatal(err)
	}
	cal := &school.Calendar{Holidays: holidays, FreeDays: []school.Date{{Year: 2026, Month: 10, Day: 27}}}
	// Friday 23 October 2026; the clocks go back on Sunday 25 October; Tuesday 27 is a free day.
	ran := runRhythm(t, time.Date(2026, 10, 23, 12, 0, 0, 0, loc), 5*24*time.Hour, cal)
	want := []string{
		"sweep Fri 2026-10-23 17:00 CEST 2026-10-23",
		"deadline Mon 2026-10-26 08:45 CET 2026-10-26",
		"sweep Mon 2026-10-26 17:00 CET 2026-10-26",
		"deadline Wed 2026-10-28 08:45 CET 2026-10-28",
	}
	assertRuns(t, ran, want)
}

func TestRhythmSkipsHolidays(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	holidays, _ := school.NationalHolidays(school.RegionMidden)
	ran := runRhythm(t, time.Date(2026, 12, 18, 18, 0, 0, 0, loc), 17*24*time.Hour, &school.Calendar{Holidays: holidays})
	assertRuns(t, ran, []string{"deadline Mon 2027-01-04 08:45 CET 2027-01-04", "sweep Mon 2027-01-04 17:00 CET 2027-01-04"})
}

func assertRuns(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("ran %d times:\n%v\nwant:\n%v", len(got), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("run %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestRhythmRefusesABadSpec(t *testing.T) {
	r := &Rhythm{Location: time.UTC, Calendar: &school.Calendar{}, Now: time.Now, Jobs: []Job{{Name: "x", Spec: "99 * * * *"}}}
	if err := r.Run(context.Background()); err == nil {
		t.Error("a bad cron spec was accepted")
	}
}

// With Once (replicas), a job recorded as run for its date is not run
// again: the replica that takes the rhythm over, whatever its clock, does
// not repeat what the one before it ran.
func TestRhythmOnceRunsAJobOncePerDate(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	st := testStore(t)
	friday := school.Date{Year: 2026, Month: 3, Day: 27}
	if err := st.Update(func(tx *store.Tx) error { return tx.MarkRhythmRan("deadline", friday, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	run := func() []string {
		var ran []string
		synctest.Test(t, func(t *testing.T) {
			offset := time.Until(time.Date(2026, 3, 27, 8, 0, 0, 0, loc))
			now := func() time.Time { return time.Now().Add(offset) }
			record := func(name string) func(context.Context, school.Date) error {
				return func(_ context.Context, d school.Date) error { ran = append(ran, name+" "+d.String()); return nil }
			}
			r := &Rhythm{Location: loc, Calendar: &school.Calendar{}, Now: now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Once: st,
				Jobs: []Job{{Name: "deadline", Spec: "45 8 * * 1-5", Run: record("deadline")}, {Name: "sweep", Spec: "0 17 * * 1-5", Run: record("sweep")}}}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- r.Run(ctx) }()
			time.Sleep(12 * time.Hour) // Friday 08:00 → 20:00
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
		return ran
	}
	assertRuns(t, run(), []string{"sweep 2026-03-27"})
	// A second replica over the same Friday runs nothing.
	assertRuns(t, run(), nil)
}

// Each run of a job is told to Observe (for /metrics): its error, or nil.
func TestRhythmTellsEachRun(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	synctest.Test(t, func(t *testing.T) {
		offset := time.Until(time.Date(2026, 3, 2, 8, 0, 0, 0, loc)) // a Monday
		now := func() time.Time { return time.Now().Add(offset) }
		var told []string
		r := &Rhythm{Location: loc, Calendar: &school.Calendar{}, Now: now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Jobs: []Job{{Name: "deadline", Spec: "45 8 * * 1-5", Run: func(context.Context, school.Date) error { return nil }},
				{Name: "sweep", Spec: "0 17 * * 1-5", Run: func(context.Context, school.Date) error { return errors.New("disk full") }}},
			Observe: func(job string, err error) { told = append(told, fmt.Sprint(job, " ", err)) }}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		time.Sleep(10 * time.Hour)
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		if want := []string{"deadline <nil>", "sweep disk full"}; !slices.Equal(told, want) {
			t.Errorf("told %q, want %q", told, want)
		}
	})
}
