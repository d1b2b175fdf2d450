package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

type row struct{ id, what, figure, target, verdict string }

// table is the run's figures; every row is printed with the commit they
// were measured on, and the header names the data folder's filesystem.
type table struct {
	rows  []row
	tree  tree
	fs    string
	tmpfs bool
}

func (t *table) add(id, what, figure, target, verdict string) {
	t.rows = append(t.rows, row{id, what, figure, target, verdict})
}

func verdict(ok bool) string {
	if ok {
		return "MET"
	}
	return "MISSED"
}

// tmpfsWarning is said wherever the data folder was tmpfs.
const tmpfsWarning = "tmpfs: fsync is free, figures are not a disk's"

func (t *table) print(w io.Writer, o options, took time.Duration) {
	mode := "full"
	if o.quick {
		mode = "quick"
	}
	if o.profile != "" {
		mode = "profile"
	}
	fmt.Fprintf(w, "nabij-bench (%s run): %s\n", mode, machine())
	fmt.Fprintf(w, "measured on: %s\n", t.tree)
	fsLine := t.fs
	if t.tmpfs {
		fsLine += " — WARNING " + tmpfsWarning
	}
	fmt.Fprintf(w, "data folders (the temp dir) on: %s; store: %s\n", fsLine, o.store)
	args := "(no flags)"
	if len(os.Args) > 1 {
		args = strings.Join(os.Args[1:], " ")
	}
	fmt.Fprintf(w, "flags: %s\n\n", args)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tcommit\tmeasurement\tfigure\ttarget\t")
	fmt.Fprintln(tw, "-\t------\t-----------\t------\t------\t")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.id, t.tree.label(), r.what, r.figure, r.target, r.verdict)
	}
	tw.Flush()
	if took > 0 {
		fmt.Fprintf(w, "\n(run took %s)\n", took.Round(time.Second))
	}
}

func lat(r loadResult) string {
	return fmt.Sprintf("%.0f/s  p50 %s  p99 %s  (n=%d)", r.perSec(), ms(r.p(0.50)), ms(r.p(0.99)), r.ok)
}

// results are the measurements that ran.
type results struct {
	fair, fair2 *loadResult // the fair ceiling (commits shared) before and after 1a
	single      *loadResult // one transaction per list: context
	echo        *loadResult
	writes      *writes
	morning     *morning
	rate        *rateResult
	throughput  []throughput
	year        *year
	yearMorning *realMorning
	openLoops   []openLoop
	unlimited   *realMorning // the round trip, default workers, NABIJ_RATE=0
	probes      [][]time.Duration
	loads       []string // /proc/loadavg at the start and the end
}

// badCallbacks counts the status callbacks not answered 2xx in every
// measurement that waited for them.
func (r results) badCallbacks() int {
	n := 0
	for _, tp := range r.throughput {
		n += tp.settled.bad
	}
	if r.morning != nil {
		n += r.morning.settled.bad
	}
	if r.yearMorning != nil {
		n += r.yearMorning.settled.bad
	}
	if r.unlimited != nil {
		n += r.unlimited.settled.bad
	}
	return n
}

// settledNote says how a window ended, and FAILED when a callback was not
// answered 2xx.
func settledNote(s settled, n int) (string, bool) {
	switch {
	case s.bad > 0:
		return fmt.Sprintf("FAILED: %d of %d callbacks not answered 2xx (first: %s)", s.bad, 2*n, s.firstBad), false
	case s.at.IsZero():
		return fmt.Sprintf("NOT SETTLED: %d of %d %s", s.reached, n, s.state), false
	}
	return "", true
}

func writeTable(t *table, o options, r results) {
	for i, p := range r.probes {
		t.add("0", fmt.Sprintf("disk: fsync of a 4 KiB write in the temp dir (%s of the run)", []string{"start", "end"}[min(i, 1)]),
			fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d)", ms(percentile(p, .5)), ms(percentile(p, .99)), ms(percentile(p, 1)), len(p)), "(context)", "")
	}
	if len(r.loads) > 0 {
		t.add("0''", "load average (1, 5, 15 min) at the start · the end of the run: others on the machine", strings.Join(r.loads, " · "), "(context)", "")
	}
	fsNote := "(context)"
	if t.tmpfs {
		fsNote = "WARNING " + tmpfsWarning
	}
	t.add("0'", "the data folders' filesystem (statfs)", t.fs, fsNote, "")
	if r.writes != nil {
		writeLists(t, o, *r.fair, *r.fair2, *r.single, *r.echo, *r.writes)
	}
	if r.morning != nil {
		writeMorning(t, o, *r.morning)
	}
	if r.rate != nil {
		writeRate(t, *r.rate)
	}
	writeThroughput(t, r.throughput)
	if r.year != nil {
		writeYear(t, o, *r.year, *r.yearMorning)
	}
	if r.morning != nil {
		writeMemory(t, o, *r.morning)
	}
	if r.writes != nil {
		t.add("5b", fmt.Sprintf("  the child of 1a after its %d past-day lists", r.writes.res.ok), r.writes.mem.String(), "(info)", "")
	}
	if r.morning != nil {
		t.add("5c", fmt.Sprintf("  PUT roster of the %d-pupil school (admin)", o.pupils), ms(r.morning.rosterTook), "(info)", "")
	}
	for i, ol := range r.openLoops {
		writeOpenLoop(t, o, string(rune('a'+i)), ol)
	}
	if r.yearMorning != nil {
		writeRealMorning(t, o, "7", "the whole morning at nabij's defaults (NABIJ_WORKERS 4, NABIJ_RATE 10), after the year of row 5", *r.yearMorning, true)
	}
	if r.unlimited != nil {
		writeRealMorning(t, o, "7'", "the same on a fresh school, NABIJ_WORKERS 4 (default), NABIJ_RATE=0: what the workers sustain", *r.unlimited, false)
	}
}

func writeLists(t *table, o options, fair, fair2, single, ec loadResult, wr writes) {
	t.add("1a", fmt.Sprintf("PUT past-day lists of 30 through nabij, %d mentors at once (lists/s)", mentors), lat(wr.res), "≥ ½ the fair ceiling", "")
	t.add("1b", fmt.Sprintf("  fair ceiling: the same writes on %s, commits shared (store.Group, as nabij's lists), child process at GOGC %d, before 1a", o.store, nabijGCPercent), lat(fair), "", "")
	t.add("1b'", "  the same fair ceiling, after 1a", lat(fair2), "", "")
	rf := 0.0
	if ceil := (fair.perSec() + fair2.perSec()) / 2; ceil > 0 {
		rf = wr.res.perSec() / ceil
	}
	t.add("1d", "  ratio nabij / fair ceiling (mean of 1b, 1b')", fmt.Sprintf("%.2f", rf), "≥ 0.50", verdict(rf >= 0.5))
	t.add("1b''", fmt.Sprintf("  context: the same writes on %s, one transaction per list (child process), before 1a", o.store), lat(single), "(context, not the verdict)", "")
	t.add("1c", "  context: bare echo handler, decode + 200, same client", lat(ec), "(context)", "")
	rs, re := 0.0, 0.0
	if single.perSec() > 0 {
		rs = wr.res.perSec() / single.perSec()
	}
	if ec.perSec() > 0 {
		re = wr.res.perSec() / ec.perSec()
	}
	t.add("1d'", "  context: ratios nabij / one transaction per list (1b'') · nabij / echo (1c)", fmt.Sprintf("%.2f · %.2f", rs, re), "(context)", "")
}

func writeMorning(t *table, o options, mo morning) {
	t.add("1e", fmt.Sprintf("PUT today's lists of 30 (alerts), %d mentors at once", mentors), lat(mo.today),
		fmt.Sprintf("(%d alerts queued)", mo.todayAlerts), "")
	okPaced := len(mo.paced) > 0 && mo.pacedMissing == 0
	t.add("2a", fmt.Sprintf("hold end → stand-in (instant, HTTP), %d lists one by one every %s, %d alerts each (hold %s)", mo.pacedLists, o.m2Interval, o.m2Absent, o.hold),
		fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d, missing %d)", ms(percentile(mo.paced, .5)), ms(percentile(mo.paced, .99)), ms(percentile(mo.paced, 1)), len(mo.paced), mo.pacedMissing),
		"p99 ≤ 20 ms", verdict(okPaced && percentile(mo.paced, .99) <= 20*time.Millisecond))
	t.add("2a'", "  the same, only the first alert of each list to arrive",
		fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d)", ms(percentile(mo.pacedFirst, .5)), ms(percentile(mo.pacedFirst, .99)), ms(percentile(mo.pacedFirst, 1)), len(mo.pacedFirst)),
		"(info)", "")
	t.add("2b", "  the same for the alerts of 1e (a burst, dispatcher at 4 workers)",
		fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d, missing %d)", ms(percentile(mo.burst, .5)), ms(percentile(mo.burst, .99)), ms(percentile(mo.burst, 1)), len(mo.burst), mo.burstMissing),
		"(burst: info)", "")
	t.add("2c", "  2a/2b are upper bounds: created_at is put in real time by the PUT's send time", fmt.Sprintf("(offset bounds %s apart)", ms(mo.offsetWidth)), "", "")
	if note, ok := settledNote(mo.settled, mo.pacedAlerts+mo.todayAlerts); !ok {
		t.add("2d", "  the morning's answers and callbacks committed", note, "every callback 2xx", "FAILED")
	}
}

func writeRate(t *table, rt rateResult) {
	dev := 100 * (rt.perSec - float64(rt.configured)) / float64(rt.configured)
	short := ""
	if rt.short {
		short = ", queue ran dry early"
	}
	t.add("3", fmt.Sprintf("NABIJ_RATE=%d, stand-in refuses > %d/s: rate over %s", rt.configured, rt.standIn, rt.window.Round(time.Millisecond)),
		fmt.Sprintf("%.2f/s (%+.1f%%), max %d in any 1 s, %d × 429 (%d sent%s)", rt.perSec, dev, rt.max1s, rt.refused, rt.accepted, short),
		"±5%, no 429", verdict(dev >= -5 && dev <= 5 && rt.refused == 0 && !rt.short))
}

func writeThroughput(t *table, tps []throughput) {
	for _, tp := range tps {
		to := ""
		if tp.timedOut {
			to = ", TIMED OUT"
		}
		// The figure against the target is to every answer (and callback)
		// committed, not to the last arrival at the stand-in.
		target, v := "≥ 3,000/s", verdict(tp.committed >= 3000 && !tp.timedOut)
		note, ok := settledNote(tp.settled, tp.queued)
		if !ok {
			v = "FAILED"
			to += "; " + note
		}
		t.add("4", fmt.Sprintf("messages/s, instant stand-in (HTTP, no round trip), hold 0, rate 0, %d workers, callbacks %s, to all committed", tp.workers, onOff(tp.callbacks)),
			fmt.Sprintf("%.0f/s first arrival → every %s committed (%.0f/s to the last arrival, %.0f/s after the last list); %d/%d%s", tp.committed, tp.settled.state, tp.overall, tp.afterLists, tp.arrived, tp.queued, to),
			target, v)
		if g := tp.groups; g.commits > 0 {
			t.add("4'", "  the child's store writer: commits, calls per commit, time busy (whole run)",
				fmt.Sprintf("%.0f commits, %.1f calls each, busy %.2f s; first list → all committed %.2f s", g.commits, g.calls/g.commits, g.busySeconds,
					tp.window.Seconds()), "(info)", "")
		}
		if tp.childCPU > 0 {
			t.add("4''", "  CPU from the first list to all committed: nabij · bench (client, stand-in)",
				fmt.Sprintf("%.2f s · %.2f s of %.2f s (2 cores × %.2f s)", tp.childCPU, tp.benchCPU, 2*tp.window.Seconds(), tp.window.Seconds()), "(info)", "")
		}
	}
}

func writeYear(t *table, o options, y year, m realMorning) {
	t.add("5", fmt.Sprintf("child memory after a year (%d school days: %d lists, %d messages, bulk path) and this morning's %d alerts, %d-pupil school", y.days, y.lists, y.messages, m.arrived, o.pupils),
		fmt.Sprintf("%s; RssAnon at most %s (sampled every 20 ms from its start)", m.mem, mb(m.peakAnon)), "RssAnon < 100 MB (the most sampled)", verdict(m.peakAnon > 0 && m.peakAnon < 100<<20))
	t.add("5'", "  the same child after its start (its catch-up sweep: every rule over every pupil's year), before the morning", m.before.String(), "(info)", "")
	moved := ""
	if y.migrated > 0 {
		moved = fmt.Sprintf("; then nabij migrate into PostgreSQL in %s", y.migrated.Round(time.Second))
	}
	t.add("5''", "  the year's bbolt store (nabij.db), and the bulk path's time (in the bench's process, not measured)",
		fmt.Sprintf("%s, written in %s%s", mb(y.dbBytes), y.took.Round(time.Second), moved), "(info)", "")
}

func writeMemory(t *table, o options, mo morning) {
	t.add("5'''", fmt.Sprintf("  child memory, %d-pupil school after one morning, no history (%d lists, %d messages)", o.pupils, mo.pacedLists+mo.today.ok, mo.messagesListed),
		mo.mem.String(), "(info: the target is row 5)", "")
}

func writeOpenLoop(t *table, o options, sub string, ol openLoop) {
	t.add("6"+sub, fmt.Sprintf("PUT latency open-loop: %d classes' lists arriving at %g/s (Poisson), from the scheduled send; hold %s, defaults, stand-in TLS %s", len(ol.lat), ol.rate, o.hold, rttLabel(o)),
		fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d, %d alerts; the sender fell behind its schedule by at most %s)", ms(percentile(ol.lat, .5)), ms(percentile(ol.lat, .99)), ms(percentile(ol.lat, 1)), len(ol.lat), ol.alerts, ms(ol.behind)),
		"(info)", "")
}

func rttLabel(o options) string {
	if o.rttMin == o.rttMax {
		return o.rttMin.String()
	}
	return o.rttMin.String() + "–" + o.rttMax.String()
}

// workersFor is how many workers send n alerts within limit at the round
// trip rtt with no rate limit, one send per worker at a time.
func workersFor(n int, rtt, limit time.Duration) int {
	need := float64(n) * rtt.Seconds() / limit.Seconds()
	w := int(need)
	if float64(w) < need {
		w++
	}
	return max(w, 1)
}

func writeRealMorning(t *table, o options, id, what string, m realMorning, target bool) {
	note, ok := settledNote(m.settled, m.alerts)
	figure := fmt.Sprintf("hold end → last alert at the stand-in %.1f s, → every answer and callback committed %.1f s; %.1f msgs/s to the stand-in, %.1f/s to committed; %d/%d alerts",
		m.holdEndToLast().Seconds(), m.holdEndToSettled().Seconds(), m.perSec(), m.committedPerSec(), m.arrived, m.alerts)
	if m.timedOut {
		figure += ", TIMED OUT"
	}
	v, tgt := "", "(info)"
	if target {
		tgt = "the whole morning ≤ 60 s after the hold"
		v = verdict(!m.timedOut && m.holdEndToSettled() > 0 && m.holdEndToSettled() <= time.Minute)
		if v == "MISSED" {
			mean := (o.rttMin + o.rttMax) / 2
			figure += fmt.Sprintf("; NABIJ_WORKERS=%d and NABIJ_RATE ≥ %d would meet it at this round trip", workersFor(m.alerts, mean, 50*time.Second), m.alerts/50+1)
		}
	}
	if !ok {
		figure += "; " + note
		v = "FAILED"
	}
	t.add(id, fmt.Sprintf("%s: %d lists at once, %d alerts, stand-in TLS %s per API request, hold %s", what, m.lists.ok, m.alerts, rttLabel(o), m.hold), figure, tgt, v)
}
