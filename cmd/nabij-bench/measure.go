package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/school"
)

// writes is measurement 1 through nabij: past-day lists, no alerts.
type writes struct {
	res        loadResult
	rosterTook time.Duration
	mem        memory
}

func measureWrites(ctx context.Context, o options, bin, tmp string, sch *benchSchool, days []school.Date, maxOps int) (writes, error) {
	tw := twiliotest.NewServer(accountSID, authToken)
	defer tw.Close()
	addr, err := loopbackAddr()
	if err != nil {
		return writes{}, err
	}
	env := serviceEnv(addr, filepath.Join(tmp, "data-a"), tw, map[string]string{"NABIJ_HOLD": o.hold.String(), "NABIJ_RATE": "0"})
	tg, err := startNabij(ctx, o, bin, filepath.Join(tmp, "nabij-a.log"), env, "a")
	if err != nil {
		return writes{}, err
	}
	defer tg.stop()
	a := &api{base: tg.url, client: newHTTPClient(mentors)}
	_, tokens, rosterTook, err := setup(a, sch, true)
	if err != nil {
		return writes{}, err
	}
	w := writes{rosterTook: rosterTook}
	w.res = putPastLists(ctx, a, tokens, sch, days, o.duration, maxOps)
	if w.res.failed > 0 {
		return w, fmt.Errorf("past-day lists: %d of %d failed, first: %v", w.res.failed, w.res.failed+w.res.ok, w.res.firstErr)
	}
	if len(tw.Messages()) != 0 {
		return w, errors.New("past-day lists sent messages: the write measurement is not alert-free")
	}
	w.mem, err = procStatus(tg.pid)
	return w, err
}

// morning is a school morning on one nabij: measurement 2 (paced lists),
// 1 with alerts (a burst of today's lists), and 5 (memory after it all).
type morning struct {
	paced, burst       []time.Duration // hold end → stand-in
	pacedFirst         []time.Duration // the same, first alert of each list
	pacedMissing       int
	burstMissing       int
	offsetWidth        time.Duration
	pacedLists         int
	pacedAlerts        int
	today              loadResult
	todayAlerts        int
	mem                memory
	rosterTook         time.Duration
	messagesListed     int
	drainTook          time.Duration
	statusesByCategory map[string]int
	settled            settled
}

func measureMorning(ctx context.Context, o options, bin, tmp string, sch *benchSchool) (morning, error) {
	var m morning
	tw := twiliotest.NewServer(accountSID, authToken)
	defer tw.Close()
	addr, err := loopbackAddr()
	if err != nil {
		return m, err
	}
	env := serviceEnv(addr, filepath.Join(tmp, "data-b"), tw, map[string]string{"NABIJ_HOLD": o.hold.String(), "NABIJ_RATE": "0"})
	tg, err := startNabij(ctx, o, bin, filepath.Join(tmp, "nabij-b.log"), env, "b")
	if err != nil {
		return m, err
	}
	defer tg.stop()
	a := &api{base: tg.url, client: newHTTPClient(mentors)}
	coord, tokens, rosterTook, err := setup(a, sch, true)
	if err != nil {
		return m, err
	}
	m.rosterTook = rosterTook
	date := today.String()

	// 2: today's lists one by one, each with a few absent pupils.
	paced := min(o.m2Lists, len(sch.classes)/2)
	var pacedPuts []putMeta
	tick := time.NewTicker(o.m2Interval)
	for i := range paced {
		if err := ctx.Err(); err != nil {
			tick.Stop()
			return m, err
		}
		class := sch.classes[i]
		pm := putMeta{sent: time.Now()}
		var ans listAnswer
		if _, err := a.do("PUT", listPath(class, date), coord, listBody(sch.absentList(class, o.m2Absent)), &ans); err != nil {
			tick.Stop()
			return m, err
		}
		pm.returned, pm.alerts = time.Now(), ans.Alerts
		pacedPuts = append(pacedPuts, pm)
		m.pacedAlerts += len(ans.Alerts)
		<-tick.C
	}
	tick.Stop()
	m.pacedLists = paced
	if _, ok := waitRequests(ctx, tw, m.pacedAlerts, o.hold+30*time.Second); !ok {
		return m, fmt.Errorf("paced lists: %d of %d alerts reached the stand-in", tw.Requests(), m.pacedAlerts)
	}

	// 1 with alerts: the other classes' lists for today, 32 mentors at once.
	perMentor := make([][]string, mentors)
	for mi := range mentors {
		for _, c := range sch.mentorClasses(mi) {
			if slices.Index(sch.classes, c) >= paced {
				perMentor[mi] = append(perMentor[mi], c)
			}
		}
	}
	var mu sync.Mutex
	var burstPuts []putMeta
	m.today = runLoad(ctx, mentors, 5*time.Minute, len(sch.classes), func(w, i int) (bool, error) {
		if i >= len(perMentor[w]) {
			return false, nil
		}
		class := perMentor[w][i]
		pm := putMeta{sent: time.Now()}
		var ans listAnswer
		if _, err := a.do("PUT", listPath(class, date), tokens[w], listBody(sch.mixedList(class, 0)), &ans); err != nil {
			return true, err
		}
		pm.returned, pm.alerts = time.Now(), ans.Alerts
		mu.Lock()
		burstPuts = append(burstPuts, pm)
		m.todayAlerts += len(ans.Alerts)
		mu.Unlock()
		return true, nil
	})
	if m.today.failed > 0 {
		return m, fmt.Errorf("today's lists: %d failed, first: %v", m.today.failed, m.today.firstErr)
	}
	drainStart := time.Now()
	if n, ok := waitRequests(ctx, tw, m.pacedAlerts+m.todayAlerts, o.hold+2*time.Minute); !ok {
		return m, fmt.Errorf("today's lists: %d of %d alerts reached the stand-in", n, m.pacedAlerts+m.todayAlerts)
	}
	m.drainTook = time.Since(drainStart)
	// Every answer and callback committed before the messages are read.
	m.settled = waitSettled(ctx, a, coord, false, tw, m.pacedAlerts+m.todayAlerts, true, time.Minute)

	// Created times, as the coordinator sees them.
	var msgs []struct {
		ID        string    `json:"id"`
		Contact   string    `json:"contact"`
		Status    string    `json:"status"`
		CreatedAt time.Time `json:"created_at"`
	}
	if _, err := a.do("GET", "/api/v1/messages?date="+date, coord, nil, &msgs); err != nil {
		return m, err
	}
	m.messagesListed = len(msgs)
	m.statusesByCategory = map[string]int{}
	created := map[string]time.Time{}
	for _, x := range msgs {
		created[x.ID] = x.CreatedAt
		m.statusesByCategory[x.Status]++
	}
	arrivals := map[string]time.Time{}
	for _, x := range tw.Messages() {
		phone := strings.TrimPrefix(x.To, "whatsapp:")
		if _, seen := arrivals[phone]; !seen {
			arrivals[phone] = x.DateCreated
		}
	}
	off, width := clockOffset(append(slices.Clone(pacedPuts), burstPuts...), created)
	m.offsetWidth = width
	m.paced, m.pacedFirst, m.pacedMissing = holdLatencies(pacedPuts, created, arrivals, sch.phoneOf, off, o.hold)
	if o.verbose {
		for i, p := range pacedPuts {
			l, _, _ := holdLatencies([]putMeta{p}, created, arrivals, sch.phoneOf, off, o.hold)
			o.logf("paced list %2d: PUT took %s, hold end → stand-in %v", i, ms(p.returned.Sub(p.sent)), l)
		}
	}
	m.burst, _, m.burstMissing = holdLatencies(burstPuts, created, arrivals, sch.phoneOf, off, o.hold)

	// 5: the memory of the school after its morning.
	m.mem, err = procStatus(tg.pid)
	return m, err
}

// clockOffset finds the service clock's offset from real time (NABIJ_CLOCK
// runs the clock on from a fixed instant). A list's alerts are created at
// one service instant between the PUT's send and its answer, so every PUT
// bounds the offset: c-returned ≤ off ≤ c-sent. The upper bound is used: it
// is tight (the service reads its clock right after decoding the request)
// and it can only make a latency look longer, never shorter. width is how
// far apart the intersected bounds are.
func clockOffset(puts []putMeta, created map[string]time.Time) (off, width time.Duration) {
	lo, hi := time.Duration(-1<<63), time.Duration(1<<63-1)
	for _, p := range puts {
		if len(p.alerts) == 0 {
			continue
		}
		c, ok := created[p.alerts[0].Message]
		if !ok {
			continue
		}
		lo = max(lo, c.Sub(p.returned))
		hi = min(hi, c.Sub(p.sent))
	}
	return hi, hi - lo
}

// holdLatencies is, per alert of puts, the stand-in's arrival time minus
// the alert's due time (created + hold, in real time), sorted; and the same
// for only the first alert of each list to arrive.
func holdLatencies(puts []putMeta, created map[string]time.Time, arrivals map[string]time.Time, phoneOf map[string]string, off, hold time.Duration) (all, firsts []time.Duration, missing int) {
	for _, p := range puts {
		var mine []time.Duration
		for _, al := range p.alerts {
			c, ok1 := created[al.Message]
			at, ok2 := arrivals[phoneOf[al.Contact]]
			if !ok1 || !ok2 {
				missing++
				continue
			}
			due := c.Add(-off).Add(hold)
			mine = append(mine, at.Sub(due))
		}
		if len(mine) > 0 {
			all = append(all, mine...)
			firsts = append(firsts, slices.Min(mine))
		}
	}
	slices.Sort(all)
	slices.Sort(firsts)
	return all, firsts, missing
}

// waitRequests waits until the stand-in has had n create requests.
func waitRequests(ctx context.Context, tw *twiliotest.Server, n int, timeout time.Duration) (int, bool) {
	deadline := time.Now().Add(timeout)
	for {
		got := tw.Requests()
		if got >= n {
			return got, true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return got, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rateResult is measurement 3.
type rateResult struct {
	configured int
	standIn    int
	perSec     float64
	window     time.Duration
	inWindow   int
	max1s      int
	refused    int
	accepted   int
	queued     int
	short      bool // the queue ran dry before the window ended
}

func measureRate(ctx context.Context, o options, bin, tmp string) (rateResult, error) {
	r := rateResult{configured: o.rate, standIn: o.rate * 11 / 10, window: o.rateWindow}
	warm := time.Second
	need := int(float64(o.rate)*(warm+o.rateWindow).Seconds()) + 2*o.rate
	sch := newSchool(need)
	tw := twiliotest.NewServer(accountSID, authToken)
	defer tw.Close()
	tw.SetRateLimit(r.standIn)
	addr, err := loopbackAddr()
	if err != nil {
		return r, err
	}
	env := serviceEnv(addr, filepath.Join(tmp, "data-c"), tw, map[string]string{
		"NABIJ_HOLD": "0s", "NABIJ_RATE": strconv.Itoa(o.rate), "NABIJ_WORKERS": "4"})
	tg, err := startNabij(ctx, o, bin, filepath.Join(tmp, "nabij-c.log"), env, "c")
	if err != nil {
		return r, err
	}
	defer tg.stop()
	a := &api{base: tg.url, client: newHTTPClient(8)}
	coord, _, _, err := setup(a, sch, true)
	if err != nil {
		return r, err
	}
	res := postToday(ctx, a, coord, sch, today, 4, time.Minute)
	if res.failed > 0 {
		return r, fmt.Errorf("rate: lists failed: %v", res.firstErr)
	}
	r.queued = need
	// Wait for the window to pass at the stand-in (at the configured rate
	// that is warm+window after the first message, plus slack).
	deadline := time.Now().Add(warm + o.rateWindow + 30*time.Second)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		msgs := tw.Messages()
		if len(msgs) > 0 && time.Since(msgs[0].DateCreated) > warm+o.rateWindow+500*time.Millisecond {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	msgs := tw.Messages()
	r.accepted = len(msgs)
	r.refused = tw.Requests() - len(msgs)
	if len(msgs) == 0 {
		return r, errors.New("rate: no message reached the stand-in")
	}
	at := make([]time.Time, len(msgs))
	for i, x := range msgs {
		at[i] = x.DateCreated
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	t0 := at[0].Add(warm)
	t1 := t0.Add(o.rateWindow)
	if at[len(at)-1].Before(t1) {
		r.short = true
		t1 = at[len(at)-1]
	}
	for _, t := range at {
		if !t.Before(t0) && t.Before(t1) {
			r.inWindow++
		}
	}
	r.window = t1.Sub(t0)
	if r.window > 0 {
		r.perSec = float64(r.inWindow) / r.window.Seconds()
	}
	j := 0
	for i := range at {
		for at[i].Sub(at[j]) >= time.Second {
			j++
		}
		r.max1s = max(r.max1s, i-j+1)
	}
	return r, nil
}

// throughput is measurement 4.
type throughput struct {
	callbacks  bool
	workers    int
	queued     int
	arrived    int
	overall    float64 // first to last arrival
	afterLists float64 // from the last list's answer to the last arrival
	afterCount int
	listsTook  time.Duration
	sendTook   time.Duration
	timedOut   bool
	window     time.Duration // from the first list's request to the last arrival, or to all committed
	groups     groupCounters // the child's store.Group counters once all was committed
	// settled is when every answer (and callback) was committed; committed
	// is the figure against the target: messages per second from the first
	// arrival at the stand-in to then.
	settled   settled
	committed float64
	// CPU seconds used from the first list to all committed by the child
	// and by the bench (its client, the stand-in and its callbacks).
	childCPU, benchCPU float64
}

// groupCounters are nabij_store_group_* from the child's /metrics.
type groupCounters struct {
	commits, calls, busySeconds float64
}

// scrapeGroups reads the group commit's counters from /metrics; zeros when
// the target does not export them (the in-process profile run).
func scrapeGroups(a *api) groupCounters {
	var g groupCounters
	req, err := http.NewRequest("GET", a.base+"/metrics", nil)
	if err != nil {
		return g
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := a.client.Do(req)
	if err != nil {
		return g
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch name {
		case "nabij_store_group_commits_total":
			g.commits = v
		case "nabij_store_group_calls_total":
			g.calls = v
		case "nabij_store_group_busy_seconds_total":
			g.busySeconds = v
		}
	}
	return g
}

func measureThroughput(ctx context.Context, o options, callbacks bool, start func(data string, env map[string]string) (*target, error), tmp string) (throughput, error) {
	tp := throughput{callbacks: callbacks, workers: o.m4Workers}
	sch := newSchool(o.m4Pupils)
	tw := twiliotest.NewServer(accountSID, authToken)
	defer tw.Close()
	tw.SetAutoCallbacks(callbacks)
	addr, err := loopbackAddr()
	if err != nil {
		return tp, err
	}
	cb := "on"
	if !callbacks {
		cb = "off"
	}
	data := filepath.Join(tmp, "data-d-"+cb)
	env := serviceEnv(addr, data, tw, map[string]string{
		"NABIJ_HOLD": "0s", "NABIJ_RATE": "0", "NABIJ_WORKERS": strconv.Itoa(o.m4Workers)})
	tg, err := start(data, env)
	if err != nil {
		return tp, err
	}
	defer tg.stop()
	a := &api{base: tg.url, client: newHTTPClient(mentors)}
	coord, _, _, err := setup(a, sch, true)
	if err != nil {
		return tp, err
	}
	tp.queued = o.m4Pupils
	childCPU, benchCPU := cpuSeconds(tg.pid), cpuSeconds(0)
	t0 := time.Now()
	// The lists come in as a morning's do, from many mentors at once: with
	// the hold at 0 their alerts go out while the others are still coming in.
	res := postToday(ctx, a, coord, sch, today, mentors, 2*time.Minute)
	if res.failed > 0 {
		return tp, fmt.Errorf("throughput: lists failed: %v", res.firstErr)
	}
	listsDone := time.Now()
	tp.listsTook = listsDone.Sub(t0)
	_, ok := waitRequests(ctx, tw, tp.queued, 3*time.Minute)
	tp.timedOut = !ok
	// The window ends when every answer and callback is committed.
	tp.settled = waitSettled(ctx, a, coord, tg.pid == 0, tw, tp.queued, callbacks, time.Minute)
	tp.timedOut = tp.timedOut || tp.settled.at.IsZero()
	tp.groups = scrapeGroups(a)
	if tg.pid != 0 {
		tp.childCPU, tp.benchCPU = cpuSeconds(tg.pid)-childCPU, cpuSeconds(0)-benchCPU
	}
	msgs := tw.Messages()
	tp.arrived = len(msgs)
	if len(msgs) < 2 {
		return tp, errors.New("throughput: fewer than 2 messages reached the stand-in")
	}
	at := make([]time.Time, len(msgs))
	for i, x := range msgs {
		at[i] = x.DateCreated
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	first, last := at[0], at[len(at)-1]
	tp.sendTook = last.Sub(first)
	tp.window = last.Sub(t0)
	tp.overall = float64(len(at)-1) / last.Sub(first).Seconds()
	if !tp.settled.at.IsZero() {
		tp.committed = float64(len(at)) / tp.settled.at.Sub(first).Seconds()
		tp.window = tp.settled.at.Sub(t0)
	}
	for _, t := range at {
		if t.After(listsDone) {
			tp.afterCount++
		}
	}
	if tp.afterCount > 1 && last.After(listsDone) {
		tp.afterLists = float64(tp.afterCount) / last.Sub(listsDone).Seconds()
	}
	return tp, nil
}

// postToday posts today's list of every class, everyone absent, from
// clients at once: a morning's burst of alerts.
func postToday(ctx context.Context, a *api, coord string, sch *benchSchool, today school.Date, clients int, limit time.Duration) loadResult {
	return runLoad(ctx, clients, limit, len(sch.classes), func(w, i int) (bool, error) {
		k := i*clients + w
		if k >= len(sch.classes) {
			return false, nil
		}
		var ans listAnswer
		_, err := a.do("PUT", listPath(sch.classes[k], today.String()), coord, listBody(sch.absentList(sch.classes[k], -1)), &ans)
		return true, err
	})
}
