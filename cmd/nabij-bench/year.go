package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// year is the history measurement 5 runs on: a school year of mornings
// written before the child starts.
type year struct {
	days, lists, messages int
	took                  time.Duration
	dbBytes               int64
	migrated              time.Duration // nabij migrate's time into PostgreSQL, 0 on bbolt
}

// buildYear writes a year of history into the bbolt store in dir, the bulk path:
// nabij's own use case, app.Service.RecordList (the list, its alerts, the
// rules over the days before and the cases they open), run in the bench's
// process with the service's clock set to 08:40 of each of the days school
// days before today, oldest first, every class's morning list (alerts
// absences a day, the pupils turning), 32 lists at once as mentors post
// them. Each day's messages are then marked sent and delivered in the
// store, with a provider id and times, as the dispatcher and Twilio's
// callbacks would have left them: no dispatcher runs here, and no Twilio.
// What is not made: replies, tasks, corrections, the daily sweep (the
// child runs it once at start).
func buildYear(ctx context.Context, dir string, sch *benchSchool, days, alertsPerDay int) (year, error) {
	y := year{}
	started := time.Now()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return y, err
	}
	catalog, err := translations.Load()
	if err != nil {
		return y, err
	}
	holidays, err := school.NationalHolidays(region)
	if err != nil {
		return y, err
	}
	st, err := store.Open(dir)
	if err != nil {
		return y, err
	}
	defer st.Close()
	var clock atomic.Int64
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	past := pastSchoolDays(days)
	slices.Reverse(past) // oldest first
	if len(past) == 0 {
		return y, fmt.Errorf("no school days before %s", today)
	}
	clock.Store(past[0].At(7, 30, loc).UnixNano())
	svc := &app.Service{Store: st, Protocol: protocol.Default(), Calendar: &school.Calendar{Holidays: holidays},
		Settings: app.Settings{SchoolName: "ISK Bench"},
		Planner: &alerts.Planner{Renderer: &alerts.Renderer{Catalog: catalog, School: "ISK Bench", ReplyHint: true},
			Hold: 2 * time.Minute, Validity: 4 * time.Hour},
		Fallbacks: &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: now}, Location: loc, Now: now}
	if err := svc.ReplaceRoster(ctx, sch.roster); err != nil {
		return y, err
	}
	user := school.User{ID: "bench-coordinator", Name: "C. Bench", Role: school.RoleCoordinator}
	per := sch.absentPerClass(alertsPerDay)
	for di, d := range past {
		if err := ctx.Err(); err != nil {
			return y, err
		}
		clock.Store(d.At(8, 40, loc).UnixNano())
		res := runLoad(ctx, mentors, 10*time.Minute, len(sch.classes), func(w, i int) (bool, error) {
			classes := sch.mentorClasses(w)
			if i >= len(classes) {
				return false, nil
			}
			c := classes[i]
			_, err := svc.RecordList(ctx, user, c, d, sch.morningList(c, per(slices.Index(sch.classes, c)), di))
			return true, err
		})
		if res.failed > 0 {
			return y, fmt.Errorf("the year's lists of %s: %d failed, first: %v", d, res.failed, res.firstErr)
		}
		y.lists += res.ok
		sent := d.At(8, 43, loc)
		delivered := sent.Add(4 * time.Second)
		n, err := deliverDay(st, d, sent, delivered)
		if err != nil {
			return y, err
		}
		y.messages += n
		y.days++
	}
	if fi, err := os.Stat(filepath.Join(dir, store.FileName)); err == nil {
		y.dbBytes = fi.Size()
	}
	y.took = time.Since(started)
	return y, nil
}

// deliverDay marks every message of d sent and delivered, as Twilio's
// answer and callbacks would have.
func deliverDay(st *store.Store, d school.Date, sent, delivered time.Time) (int, error) {
	n := 0
	err := st.Update(func(tx *store.Tx) error {
		msgs, err := tx.MessagesOn(d)
		if err != nil {
			return err
		}
		n = 0
		for _, m := range msgs {
			if m.Status != alerts.StatusQueued {
				continue
			}
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			s, dl := sent, delivered
			m.ProviderID, m.Attempts = "SM"+hex.EncodeToString(b), 1
			m.Status, m.SentAt, m.DeliveredAt, m.UpdatedAt = alerts.StatusDelivered, &s, &dl, dl
			if err := tx.PutMessage(m); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// measureYear is measurement 5: the year's history, then a child on it at
// nabij's defaults against the real round trip (hold -m7-hold), its memory
// after its start (its sweep over the year included) and after a morning
// (measurement 7 on a school with a year behind it).
func measureYear(ctx context.Context, o options, bin, tmp string) (year, realMorning, error) {
	sch := newSchool(o.pupils)
	data := filepath.Join(tmp, "data-y")
	dbURL, err := o.stores.database(ctx, "y")
	if err != nil {
		return year{}, realMorning{}, err
	}
	// The year is written on bbolt (RecordList on PostgreSQL takes a list a
	// round trip per read); for PostgreSQL, nabij migrate then copies it
	// into the child's database, the way a school moves over.
	y, err := buildYear(ctx, data, sch, o.yearDays, o.morningAlerts)
	if err != nil {
		return y, realMorning{}, err
	}
	if dbURL != "" {
		start := time.Now()
		cmd := exec.CommandContext(ctx, bin, "migrate", "--from", data)
		cmd.Env = []string{"NABIJ_DATABASE_URL=" + dbURL, "PATH=" + os.Getenv("PATH")}
		if out, err := cmd.CombinedOutput(); err != nil {
			return y, realMorning{}, fmt.Errorf("nabij migrate of the year: %v\n%s", err, tail(out, 2000))
		}
		y.migrated = time.Since(start)
		os.RemoveAll(data)
	}
	// The year's pages written out before the child starts, so that the
	// child does not pay for their writeback.
	syscall.Sync()
	tw := realStandIn(o)
	defer tw.Close()
	addr, err := loopbackAddr()
	if err != nil {
		return y, realMorning{}, err
	}
	env := serviceEnv(addr, data, tw, map[string]string{"NABIJ_HOLD": o.m7Hold.String()})
	if dbURL != "" {
		env["NABIJ_DATABASE_URL"] = dbURL
	}
	if err := trustStandIn(env, tw, tmp); err != nil {
		return y, realMorning{}, err
	}
	logFile := filepath.Join(tmp, "nabij-y.log")
	tg, err := startNabij(ctx, o, bin, logFile, env, "y")
	if err != nil {
		return y, realMorning{}, err
	}
	defer tg.stop()
	// The most anonymous memory the child had, from its start (the
	// catch-up sweep over the year) to the end of the morning.
	peak := sampleAnon(tg.pid, 20*time.Millisecond)
	a := &api{base: tg.url, client: newHTTPClient(mentors)}
	coord, tokens, _, err := setup(a, sch, false)
	if err != nil {
		return y, realMorning{}, err
	}
	// Row 5' is after the catch-up sweep, which runs beside the API from
	// the start: a school's nabij has done it long before the first list.
	if err := waitForLog(ctx, logFile, "catch-up sweep at start", 5*time.Minute); err != nil {
		return y, realMorning{}, err
	}
	before, err := procStatus(tg.pid)
	if err != nil {
		return y, realMorning{}, err
	}
	m, err := runRealMorning(ctx, a, tg, coord, tokens, tw, sch, o.morningAlerts, o.m7Hold)
	m.before = before
	m.peakAnon = peak()
	return y, m, err
}

// waitForLog waits until the log file holds line, polling, for at most
// limit.
func waitForLog(ctx context.Context, file, line string, limit time.Duration) error {
	for deadline := time.Now().Add(limit); ; {
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if bytes.Contains(raw, []byte(line)) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nabij's log had no %q after %s", line, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// sampleAnon reads pid's RssAnon every interval until the returned function
// is called, which answers the most it saw. The kernel keeps a high-water
// mark only of the whole RSS (VmHWM), file pages included.
func sampleAnon(pid int, every time.Duration) func() int64 {
	stop := make(chan struct{})
	done := make(chan int64)
	go func() {
		var most int64
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if m, err := procStatus(pid); err == nil {
				most = max(most, m.anon)
			}
			select {
			case <-stop:
				done <- most
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		return <-done
	}
}
