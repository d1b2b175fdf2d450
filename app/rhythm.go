package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// Job is something the school day's rhythm runs at a time of day.
type Job struct {
	Name string
	// Spec is a standard cron spec read in the school's time zone, such as
	// "45 8 * * 1-5".
	Spec string
	Run  func(ctx context.Context, date school.Date) error
	// EveryDay runs the job on holidays and weekends too.
	EveryDay bool
}

// Rhythm runs jobs on school days at their times in the school's zone. It
// uses robfig/cron's schedules but its own loop, on the service's clock, so
// that NABIJ_CLOCK and tests (testing/synctest) control it.
type Rhythm struct {
	Jobs     []Job
	Location *time.Location
	Calendar *school.Calendar
	Now      func() time.Time
	Log      *slog.Logger
	// Observe, when set, is told each run of a job: its error, or nil when
	// it succeeded (for /metrics).
	Observe func(job string, err error)
	// Once, when set, keeps in the store which job ran for which date, and
	// a job recorded as run is not run again: with replicas (PostgreSQL) the
	// replica that takes the rhythm over does not repeat what the one before
	// it ran, whatever their clocks say.
	Once *store.Store
}

type scheduled struct {
	job   Job
	sched cron.Schedule
}

// Run waits for each job's next time and runs it when the day is a school
// day, until ctx ends. A spec that does not parse is an error at once.
func (r *Rhythm) Run(ctx context.Context) error {
	var jobs []scheduled
	for _, j := range r.Jobs {
		s, err := cron.ParseStandard("CRON_TZ=" + r.Location.String() + " " + j.Spec)
		if err != nil {
			return fmt.Errorf("schedule of %s (%q): %w", j.Name, j.Spec, err)
		}
		jobs = append(jobs, scheduled{j, s})
	}
	if len(jobs) == 0 {
		<-ctx.Done()
		return nil
	}
	var done time.Time // the last time run: never run the same time twice
	for {
		now := r.Now()
		if now.Before(done) {
			now = done
		}
		next := jobs[0].sched.Next(now)
		for _, j := range jobs[1:] {
			if t := j.sched.Next(now); t.Before(next) {
				next = t
			}
		}
		timer := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		done = next
		date := school.DateOf(next.In(r.Location))
		schoolDay := r.Calendar.IsSchoolDay(date)
		for _, j := range jobs {
			if !j.sched.Next(next.Add(-time.Second)).Equal(next) || (!schoolDay && !j.job.EveryDay) {
				continue
			}
			if r.ran(j.job.Name, date) {
				r.Log.Info("scheduled job ran already", "job", j.job.Name, "date", date)
				continue
			}
			start := time.Now()
			err := j.job.Run(ctx, date)
			if r.Observe != nil {
				r.Observe(j.job.Name, err)
			}
			if err != nil {
				r.Log.Error("scheduled job failed", "job", j.job.Name, "date", date, "err", err)
				continue
			}
			r.Log.Info("scheduled job done", "job", j.job.Name, "date", date, "ms", time.Since(start).Milliseconds())
			if r.Once != nil {
				if err := r.Once.Update(func(tx *store.Tx) error { return tx.MarkRhythmRan(j.job.Name, date, r.Now()) }); err != nil {
					r.Log.Error("recording a scheduled job as run", "job", j.job.Name, "date", date, "err", err)
				}
			}
		}
	}
}

// DailySpec is the cron spec for hh:mm on weekdays.
func DailySpec(at time.Time) string {
	return fmt.Sprintf("%d %d * * 1-5", at.Minute(), at.Hour())
}

// ran reports whether job is recorded as run for date (Once); a store
// that cannot say lets it run (each job is safe to run twice).
func (r *Rhythm) ran(job string, date school.Date) bool {
	if r.Once == nil {
		return false
	}
	var ran bool
	if err := r.Once.View(func(tx *store.Tx) error { ran = tx.RhythmRan(job, date); return nil }); err != nil {
		r.Log.Error("reading whether a scheduled job ran", "job", job, "date", date, "err", err)
	}
	return ran
}
