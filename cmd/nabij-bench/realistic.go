package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/school"
)

// realStandIn is the stand-in as Twilio is reached from a school: over TLS,
// each API request answered after the round trip (-rtt-min…-rtt-max).
func realStandIn(o options) *twiliotest.Server {
	tw := twiliotest.NewTLSServer(accountSID, authToken)
	tw.SetRoundTrip(o.rttMin, o.rttMax)
	return tw
}

// trustStandIn makes the child trust a TLS stand-in's certificate: its PEM
// in a file named by SSL_CERT_FILE, which Go reads (on Linux) in place of
// the system's bundle. nabij's Twilio client uses the system roots, so no
// code of nabij's changes for it.
func trustStandIn(env map[string]string, tw *twiliotest.Server, dir string) error {
	c := tw.Certificate()
	if c == nil {
		return nil
	}
	f := filepath.Join(dir, "standin-ca.pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
		return err
	}
	env["SSL_CERT_FILE"] = f
	return nil
}

// morningList is class's list of a realistic morning: only its absent
// pupils, perClass of them, which ones turning with day.
func (s *benchSchool) morningList(class string, perClass, day int) []school.Absence {
	ids := s.pupils[class]
	ci := slices.Index(s.classes, class)
	out := make([]school.Absence, 0, perClass)
	seen := map[int]bool{}
	for k := 0; len(out) < min(perClass, len(ids)); k++ {
		i := (day*11 + k*7 + ci) % len(ids)
		if seen[i] {
			continue
		}
		seen[i] = true
		out = append(out, school.Absence{Student: ids[i], Kind: school.Absent})
	}
	return out
}

// absentPerClass deals alerts absences over the classes: the first
// alerts%classes classes get one more.
func (s *benchSchool) absentPerClass(alerts int) func(ci int) int {
	n := len(s.classes)
	return func(ci int) int {
		if ci < alerts%n {
			return alerts/n + 1
		}
		return alerts / n
	}
}

// realMorning is a school's morning against the real round trip: every
// class's list posted at once (32 mentors), their alerts sent at the
// child's settings, until every answer and callback is committed.
type realMorning struct {
	lists       loadResult
	alerts      int
	hold        time.Duration
	firstPut    time.Time
	first, last time.Time // first and last arrival at the stand-in
	arrived     int
	settled     settled
	timedOut    bool
	mem         memory // the child after the morning
	before      memory // the child before the morning (after its start)
	peakAnon    int64  // the most RssAnon sampled from the child's start on
}

// holdEndToLast is from the end of the hold (reckoned from the first list's
// send, so an upper bound) to the last alert at the stand-in.
func (m realMorning) holdEndToLast() time.Duration { return m.last.Sub(m.firstPut.Add(m.hold)) }

// holdEndToSettled is the same to every answer and callback committed.
func (m realMorning) holdEndToSettled() time.Duration {
	if m.settled.at.IsZero() {
		return 0
	}
	return m.settled.at.Sub(m.firstPut.Add(m.hold))
}

// perSec is the messages a second the stand-in got, first to last.
func (m realMorning) perSec() float64 {
	if m.arrived < 2 || !m.last.After(m.first) {
		return 0
	}
	return float64(m.arrived-1) / m.last.Sub(m.first).Seconds()
}

// committedPerSec is the messages a second from the first arrival to all
// committed.
func (m realMorning) committedPerSec() float64 {
	if m.settled.at.IsZero() || !m.settled.at.After(m.first) {
		return 0
	}
	return float64(m.arrived) / m.settled.at.Sub(m.first).Seconds()
}

// runRealMorning posts today's lists of every class (alerts absences in
// all) from the mentors at once, then waits for the stand-in to have them
// all and for nabij to have committed every answer and callback.
func runRealMorning(ctx context.Context, a *api, tg *target, coord string, tokens []string, tw *twiliotest.Server, sch *benchSchool, alerts int, hold time.Duration) (realMorning, error) {
	m := realMorning{hold: hold}
	per := sch.absentPerClass(alerts)
	var mu sync.Mutex
	m.firstPut = time.Now()
	m.lists = runLoad(ctx, mentors, 5*time.Minute, len(sch.classes), func(w, i int) (bool, error) {
		classes := sch.mentorClasses(w)
		if i >= len(classes) {
			return false, nil
		}
		c := classes[i]
		var ans listAnswer
		_, err := a.do("PUT", listPath(c, today.String()), tokens[w], listBody(sch.morningList(c, per(slices.Index(sch.classes, c)), 0)), &ans)
		mu.Lock()
		m.alerts += len(ans.Alerts)
		mu.Unlock()
		return true, err
	})
	if m.lists.failed > 0 {
		return m, fmt.Errorf("today's lists: %d failed, first: %v", m.lists.failed, m.lists.firstErr)
	}
	// The rate limit (10/s by default) and the round trip set the pace:
	// allow the morning ten times the target's minute.
	_, ok := waitRequests(ctx, tw, m.alerts, hold+10*time.Minute)
	m.timedOut = !ok
	m.settled = waitSettled(ctx, a, coord, tg.pid == 0, tw, m.alerts, true, 2*time.Minute)
	m.timedOut = m.timedOut || m.settled.at.IsZero()
	msgs := tw.Messages()
	m.arrived = len(msgs)
	for i, x := range msgs {
		if i == 0 || x.DateCreated.Before(m.first) {
			m.first = x.DateCreated
		}
		if x.DateCreated.After(m.last) {
			m.last = x.DateCreated
		}
	}
	if m.arrived == 0 {
		return m, fmt.Errorf("the morning: no alert reached the stand-in (%d planned)", m.alerts)
	}
	if tg.pid != 0 {
		var err error
		m.mem, err = procStatus(tg.pid)
		if err != nil {
			return m, err
		}
	}
	return m, nil
}

// measureRealMorning is measurement 7 on a fresh school: a child at
// nabij's defaults but for extra (the hold, and for 7' NABIJ_RATE=0),
// against the real round trip.
func measureRealMorning(ctx context.Context, o options, bin, tmp, name string, extra map[string]string) (realMorning, error) {
	sch := newSchool(o.pupils)
	tw := realStandIn(o)
	defer tw.Close()
	addr, err := loopbackAddr()
	if err != nil {
		return realMorning{}, err
	}
	env := serviceEnv(addr, filepath.Join(tmp, "data-"+name), tw, map[string]string{"NABIJ_HOLD": o.m7Hold.String()})
	for k, v := range extra {
		env[k] = v
	}
	if err := trustStandIn(env, tw, tmp); err != nil {
		return realMorning{}, err
	}
	tg, err := startNabij(ctx, o, bin, filepath.Join(tmp, "nabij-"+name+".log"), env, name)
	if err != nil {
		return realMorning{}, err
	}
	defer tg.stop()
	a := &api{base: tg.url, client: newHTTPClient(mentors)}
	coord, tokens, _, err := setup(a, sch, true)
	if err != nil {
		return realMorning{}, err
	}
	return runRealMorning(ctx, a, tg, coord, tokens, tw, sch, o.morningAlerts, o.m7Hold)
}

// openLoop is measurement 6: today's lists of every class arriving on a
// schedule (Poisson, at rate a second), each sent at its time whatever the
// ones before it are doing, its latency taken from its scheduled time, so a
// slow answer delays no later request (no coordinated omission).
type openLoop struct {
	rate     float64
	lat      []time.Duration // sorted
	failed   int
	firstErr error
	span     time.Duration // first scheduled send to last answer
	behind   time.Duration // the most a send left after its scheduled time
	alerts   int
}

func measureOpenLoop(ctx context.Context, o options, bin, tmp string, rate float64) (openLoop, error) {
	r := openLoop{rate: rate}
	sch := newSchool(o.pupils)
	tw := realStandIn(o)
	defer tw.Close()
	addr, err := loopbackAddr()
	if err != nil {
		return r, err
	}
	name := fmt.Sprintf("e_%g", rate)
	env := serviceEnv(addr, filepath.Join(tmp, "data-"+name), tw, map[string]string{"NABIJ_HOLD": o.hold.String()})
	if err := trustStandIn(env, tw, tmp); err != nil {
		return r, err
	}
	tg, err := startNabij(ctx, o, bin, filepath.Join(tmp, "nabij-"+name+".log"), env, name)
	if err != nil {
		return r, err
	}
	defer tg.stop()
	a := &api{base: tg.url, client: newHTTPClient(mentors)}
	_, tokens, _, err := setup(a, sch, true)
	if err != nil {
		return r, err
	}
	per := sch.absentPerClass(o.morningAlerts)
	// The schedule: exponential gaps (a Poisson process) from a fixed seed,
	// so every run posts at the same offsets.
	rng := rand.New(rand.NewPCG(18, uint64(rate*1000)))
	at := make([]time.Duration, len(sch.classes))
	var t time.Duration
	for i := range at {
		at[i] = t
		t += time.Duration(rng.ExpFloat64() / rate * float64(time.Second))
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i, c := range sch.classes {
		scheduled := start.Add(at[i])
		timer.Reset(time.Until(scheduled))
		select {
		case <-timer.C:
		case <-ctx.Done():
			wg.Wait()
			return r, ctx.Err()
		}
		r.behind = max(r.behind, time.Since(scheduled))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ans listAnswer
			_, err := a.do("PUT", listPath(c, today.String()), tokens[i%mentors], listBody(sch.morningList(c, per(i), 0)), &ans)
			d := time.Since(scheduled)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.failed++
				if r.firstErr == nil {
					r.firstErr = err
				}
				return
			}
			r.lat = append(r.lat, d)
			r.alerts += len(ans.Alerts)
		}()
	}
	wg.Wait()
	r.span = time.Since(start)
	slices.Sort(r.lat)
	if r.failed > 0 {
		return r, fmt.Errorf("open loop at %g/s: %d lists failed, first: %v", rate, r.failed, r.firstErr)
	}
	return r, nil
}
