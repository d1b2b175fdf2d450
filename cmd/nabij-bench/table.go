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

type table struct{ rows []row }

func (t *table) add(id, what, figure, target, verdict string) {
	t.rows = append(t.rows, row{id, what, figure, target, verdict})
}

func verdict(ok bool) string {
	if ok {
		return "MET"
	}
	return "MISSED"
}

func (t *table) print(w io.Writer, o options, took time.Duration) {
	mode := "full"
	if o.quick {
		mode = "quick"
	}
	if o.profile != "" {
		mode = "profile"
	}
	fmt.Fprintf(w, "nabij-bench (%s run): %s\n", mode, machine())
	args := "(no flags)"
	if len(os.Args) > 1 {
		args = strings.Join(os.Args[1:], " ")
	}
	fmt.Fprintf(w, "flags: %s\n\n", args)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tmeasurement\tfigure\ttarget\t")
	fmt.Fprintln(tw, "-\t-----------\t------\t------\t")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.id, r.what, r.figure, r.target, r.verdict)
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
	bbolt, echo *loadResult
	bbolt2      *loadResult // the bbolt ceiling again, after 1a
	bboltGroup  *loadResult // the same writes, commits shared
	writes      *writes
	morning     *morning
	rate        *rateResult
	throughput  []throughput
	probes      [][]time.Duration
}

func writeTable(t *table, o options, r results) {
	for i, p := range r.probes {
		t.add("0", fmt.Sprintf("disk: fsync of a 4 KiB write in the temp dir (%s of the run)", []string{"start", "end"}[min(i, 1)]),
			fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d)", ms(percentile(p, .5)), ms(percentile(p, .99)), ms(percentile(p, 1)), len(p)), "(context)", "")
	}
	if r.writes != nil {
		writeLists(t, *r.bbolt, *r.bbolt2, *r.bboltGroup, *r.echo, *r.writes)
	}
	if r.morning != nil {
		writeMorning(t, o, *r.morning)
	}
	if r.rate != nil {
		writeRate(t, *r.rate)
	}
	writeThroughput(t, r.throughput)
	if r.morning != nil {
		writeMemory(t, o, *r.morning)
	}
	if r.writes != nil {
		t.add("5b", fmt.Sprintf("  the child of 1a after its %d past-day lists", r.writes.res.ok), r.writes.mem.String(), "(info)", "")
	}
	if r.morning != nil {
		t.add("5c", fmt.Sprintf("  PUT roster of the %d-pupil school (admin)", o.pupils), ms(r.morning.rosterTook), "(info)", "")
	}
}

func writeLists(t *table, bb, bb2, bg, ec loadResult, wr writes) {
	t.add("1a", fmt.Sprintf("PUT past-day lists of 30 through nabij, %d mentors at once (lists/s)", mentors), lat(wr.res), "≥ ½ bbolt ceiling", "")
	t.add("1b", "  ceiling: same writes on bbolt directly (Update+PutAbsenceList), before 1a", lat(bb), "", "")
	t.add("1b'", "  the same bbolt ceiling, after 1a", lat(bb2), "", "")
	t.add("1b''", "  the same writes on bbolt, commits shared (store.Group, as nabij writes lists)", lat(bg), "", "")
	t.add("1c", "  ceiling: bare echo handler, decode + 200, same client", lat(ec), "", "")
	rb, re := 0.0, 0.0
	if ceil := (bb.perSec() + bb2.perSec()) / 2; ceil > 0 {
		rb = wr.res.perSec() / ceil
	}
	if ec.perSec() > 0 {
		re = wr.res.perSec() / ec.perSec()
	}
	t.add("1d", "  ratios nabij/bbolt (mean of 1b, 1b') · nabij/echo", fmt.Sprintf("%.2f · %.2f", rb, re), "nabij/bbolt ≥ 0.50", verdict(rb >= 0.5))
	if bg.perSec() > 0 {
		t.add("1d'", "  ratio nabij/bbolt with commits shared (1b'')", fmt.Sprintf("%.2f", wr.res.perSec()/bg.perSec()), "(info)", "")
	}
}

func writeMorning(t *table, o options, mo morning) {
	t.add("1e", fmt.Sprintf("PUT today's lists of 30 (alerts), %d mentors at once", mentors), lat(mo.today),
		fmt.Sprintf("(%d alerts queued)", mo.todayAlerts), "")
	okPaced := len(mo.paced) > 0 && mo.pacedMissing == 0
	t.add("2a", fmt.Sprintf("hold end → stand-in, %d lists one by one every %s, %d alerts each (hold %s)", mo.pacedLists, o.m2Interval, o.m2Absent, o.hold),
		fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d, missing %d)", ms(percentile(mo.paced, .5)), ms(percentile(mo.paced, .99)), ms(percentile(mo.paced, 1)), len(mo.paced), mo.pacedMissing),
		"p99 ≤ 20 ms", verdict(okPaced && percentile(mo.paced, .99) <= 20*time.Millisecond))
	t.add("2a'", "  the same, only the first alert of each list to arrive",
		fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d)", ms(percentile(mo.pacedFirst, .5)), ms(percentile(mo.pacedFirst, .99)), ms(percentile(mo.pacedFirst, 1)), len(mo.pacedFirst)),
		"(info)", "")
	t.add("2b", "  the same for the alerts of 1e (a burst, dispatcher at 4 workers)",
		fmt.Sprintf("p50 %s  p99 %s  max %s  (n=%d, missing %d)", ms(percentile(mo.burst, .5)), ms(percentile(mo.burst, .99)), ms(percentile(mo.burst, 1)), len(mo.burst), mo.burstMissing),
		"(burst: info)", "")
	t.add("2c", "  2a/2b are upper bounds: created_at is put in real time by the PUT's send time", fmt.Sprintf("(offset bounds %s apart)", ms(mo.offsetWidth)), "", "")
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
		// Both rows against the target: without callbacks is the send path
		// the target names; with them, Twilio's two reports per message come
		// back at once over the same two cores (see RESULTS.md).
		target, v := "≥ 3,000/s", verdict(tp.overall >= 3000 && !tp.timedOut)
		t.add("4", fmt.Sprintf("messages/s to the stand-in, hold 0, rate 0, %d workers, callbacks %s", tp.workers, onOff(tp.callbacks)),
			fmt.Sprintf("%.0f/s first→last (%.0f/s after the last list); %d/%d in %s%s", tp.overall, tp.afterLists, tp.arrived, tp.queued, tp.sendTook.Round(time.Millisecond), to),
			target, v)
		if g := tp.groups; g.commits > 0 {
			t.add("4'", "  the child's store writer: commits, calls per commit, time busy (whole run)",
				fmt.Sprintf("%.0f commits, %.1f calls each, busy %.2f s; first list → last arrival %.2f s", g.commits, g.calls/g.commits, g.busySeconds,
					tp.window.Seconds()), "(info)", "")
		}
		if tp.childCPU > 0 {
			t.add("4''", "  CPU from the first list to the last arrival: nabij · bench (client, stand-in)",
				fmt.Sprintf("%.2f s · %.2f s of %.2f s (2 cores × %.2f s)", tp.childCPU, tp.benchCPU, 2*tp.window.Seconds(), tp.window.Seconds()), "(info)", "")
		}
	}
}

func writeMemory(t *table, o options, mo morning) {
	t.add("5", fmt.Sprintf("child memory, %d-pupil school after its morning (%d lists, %d messages)", o.pupils, mo.pacedLists+mo.today.ok, mo.messagesListed),
		mo.mem.String(), "VmRSS < 100 MB", verdict(mo.mem.rss > 0 && mo.mem.rss < 100<<20 && mo.mem.hwm < 100<<20))
}
