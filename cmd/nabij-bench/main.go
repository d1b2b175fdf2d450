// Command nabij-bench is nabij's load bench. It builds ./cmd/nabij, runs it
// as a child process (a black box, as a school runs it) against an
// in-process Twilio stand-in on 127.0.0.1, and prints one table of figures
// beside their targets:
//
//  1. morning-list PUTs (32 mentors at once): lists/s and p50/p99, against
//     the fair ceiling (the same writes on the store, sharing commits as
//     nabij's do, in a child process at nabij's GOGC, before and after),
//     with one transaction per list and a bare echo handler as context;
//  2. the time from the end of the hold to the stand-in receiving the alert;
//  3. how exactly NABIJ_RATE is held, and whether it ever draws a 429;
//  4. messages/s to an instant stand-in with no hold and no rate limit,
//     until every answer and callback is committed;
//  5. the memory (anonymous and file apart) of a 5,000-pupil school after
//     a year of history and a morning;
//  6. list PUT latency open-loop, lists arriving at a morning's rate;
//  7. a whole morning's alerts against Twilio's round trip (TLS, 200 ms) at
//     nabij's default settings.
//
// Every row carries the commit it was measured on; the data folder's
// filesystem is named (tmpfs is warned of). The run fails (exit 1) when a
// status callback was not answered 2xx.
//
// Usage:
//
//	go run ./cmd/nabij-bench            # the full run (a few minutes)
//	go run ./cmd/nabij-bench -quick     # under 2 minutes
//	go run ./cmd/nabij-bench -store postgres   # the same on PostgreSQL (internal/pgtest)
//	go run ./cmd/nabij-bench -profile cpu.pprof   # measurement 4 in-process, CPU-profiled
//
// Everything listens on loopback only; every request loop is bounded in
// count and in time.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	quick       bool
	duration    time.Duration
	pupils      int
	hold        time.Duration
	m2Lists     int
	m2Interval  time.Duration
	m2Absent    int
	rate        int
	rateWindow  time.Duration
	m4Workers   int
	m4Pupils    int
	m4Callbacks string
	profile     string
	only        string
	keep        bool
	verbose     bool

	// store is the store nabij and the fair ceiling run on (-store).
	store  storeKind
	stores *stores
	// rttMin, rttMax: the real stand-in's round trip (groups 5–7).
	rttMin, rttMax time.Duration
	// morningAlerts is a 5,000-pupil school's morning: its alerts, dealt
	// over the classes' lists (groups 5–7).
	morningAlerts int
	m7Hold        time.Duration
	yearDays      int
	openRates     []float64
}

// runs reports whether measurement group g (1 writes and ceilings, 2 the
// morning: 1e, 2 and its memory, 3 rate, 4 throughput, 5 a year: 5 and 7, 6 open
// loop, 7 the round trip without a rate limit: 7') is to run.
func (o options) runs(g string) bool {
	if o.only == "" {
		return true
	}
	for _, x := range strings.Split(o.only, ",") {
		if strings.TrimSpace(x) == g {
			return true
		}
	}
	return false
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "a quick run (under 2 minutes): shorter windows, fewer messages, 20 days of history, one open-loop rate")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each list-PUT measurement (nabij, bbolt, echo) runs")
	flag.IntVar(&o.pupils, "pupils", 5000, "pupils in the school of measurements 1, 2 and 5 (classes of 30)")
	flag.DurationVar(&o.hold, "hold", time.Second, "NABIJ_HOLD for measurements 1 and 2")
	flag.IntVar(&o.m2Lists, "m2-lists", 40, "measurement 2: today's lists posted one by one")
	flag.DurationVar(&o.m2Interval, "m2-interval", 100*time.Millisecond, "measurement 2: time between those lists")
	flag.IntVar(&o.m2Absent, "m2-absent", 4, "measurement 2: absent pupils (alerts) per list")
	flag.IntVar(&o.rate, "rate", 50, "measurement 3: NABIJ_RATE; the stand-in refuses above 110% of it")
	flag.DurationVar(&o.rateWindow, "rate-window", 20*time.Second, "measurement 3: the window the rate is measured over")
	flag.IntVar(&o.m4Workers, "m4-workers", 16, "measurement 4: NABIJ_WORKERS")
	flag.IntVar(&o.m4Pupils, "m4-pupils", 5000, "measurement 4: messages queued (one all-absent list per class of 30)")
	flag.StringVar(&o.m4Callbacks, "m4-callbacks", "on,off", "measurement 4: run with the stand-in's status callbacks on, off, or both")
	flag.StringVar(&o.profile, "profile", "", "run only measurement 4 (with -only 1: measurement 1a), with nabij in-process on the store of -store, and write its CPU profile here")
	flag.StringVar(&o.only, "only", "", "run only these groups, e.g. 1,4 (1: list PUTs and ceilings, 2: the morning (1e, 2, 5''), 3: rate, 4: throughput, 5: a year (5, 7), 6: open-loop PUTs, 7: round trip without rate limit (7'))")
	storeName := flag.String("store", "bbolt", "the store nabij and the fair ceiling run on: bbolt (postgres when the tree has it)")
	rtt := flag.String("rtt", "200ms", "the real stand-in's round trip per API request (groups 5–7): a duration, or min-max drawn uniformly, e.g. 150ms-300ms")
	flag.IntVar(&o.morningAlerts, "morning-alerts", 400, "groups 5–7: the alerts of a morning of the school (≈400 for 5,000 pupils)")
	flag.DurationVar(&o.m7Hold, "m7-hold", 5*time.Second, "groups 5 and 7: NABIJ_HOLD (the default is 2m; a shorter hold only moves the morning earlier)")
	flag.IntVar(&o.yearDays, "year-days", 190, "group 5: school days of history before the morning")
	openRates := flag.String("open-rates", "5,20", "group 6: the rates (lists a second, Poisson) the morning's lists arrive at")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (data, child logs) and print where it is")
	flag.BoolVar(&o.verbose, "v", false, "progress on stderr")
	flag.Parse()
	if os.Getenv(childEnv) != "" {
		runChild()
		return
	}
	var err error
	if o.store, err = parseStore(*storeName); err != nil {
		fmt.Fprintln(os.Stderr, "nabij-bench:", err)
		os.Exit(2)
	}
	if o.rttMin, o.rttMax, err = parseRoundTrip(*rtt); err != nil {
		fmt.Fprintln(os.Stderr, "nabij-bench: -rtt:", err)
		os.Exit(2)
	}
	for _, x := range strings.Split(*openRates, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || r <= 0 {
			fmt.Fprintf(os.Stderr, "nabij-bench: -open-rates: %q is not a rate\n", x)
			os.Exit(2)
		}
		o.openRates = append(o.openRates, r)
	}
	if o.quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		quick := map[string]func(){
			"duration":     func() { o.duration = 3 * time.Second },
			"m2-lists":     func() { o.m2Lists = 12 },
			"rate-window":  func() { o.rateWindow = 5 * time.Second },
			"m4-pupils":    func() { o.m4Pupils = 600 },
			"m4-callbacks": func() { o.m4Callbacks = "on" },
			"year-days":    func() { o.yearDays = 20 },
			"open-rates":   func() { o.openRates = []float64{20} },
			"m7-hold":      func() { o.m7Hold = 2 * time.Second },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "nabij-bench:", err)
		os.Exit(1)
	}
}

func (o options) logf(format string, args ...any) {
	if o.verbose {
		fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
	}
}

func run(ctx context.Context, o options) error {
	tmp, err := os.MkdirTemp("", "nabij-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "nabij-bench: keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	started := time.Now()
	t := &table{}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	t.tree = treeState(ctx, root)
	t.fs, t.tmpfs = filesystem(tmp)
	if o.stores, err = startStores(ctx, o.store); err != nil {
		return err
	}
	defer o.stores.stop()
	if d := o.stores.clusterDir(); d != "" {
		name, tmpfs := filesystem(d)
		t.fs += "; the PostgreSQL cluster (durable: fsync on) on " + name
		t.tmpfs = t.tmpfs || tmpfs
	}

	if o.profile != "" {
		return runProfile(ctx, o, tmp, t)
	}
	if o.pupils < 2*classSize || o.rate < 1 || o.m4Pupils < classSize || o.m4Workers < 1 || o.m4Workers > 256 || o.m2Lists < 1 || o.m2Absent < 1 {
		return fmt.Errorf("want -pupils ≥ %d, -rate ≥ 1, -m4-pupils ≥ %d, -m4-workers 1…256, -m2-lists ≥ 1, -m2-absent ≥ 1", 2*classSize, classSize)
	}

	o.logf("building ./cmd/nabij")
	bin, err := buildNabij(ctx, root, tmp)
	if err != nil {
		return err
	}
	sch := newSchool(o.pupils)
	days := pastSchoolDays(60)
	maxOps := len(sch.classes) * len(days)
	var r results
	// settle runs before each phase: the data of the phases before is
	// deleted (unless -keep) and the disk's dirty pages written out
	// (sync(2)), so that no phase pays for the writeback of another.
	settle := func() {
		if !o.keep {
			dirs, _ := filepath.Glob(filepath.Join(tmp, "data-*"))
			for _, d := range dirs {
				os.RemoveAll(d)
			}
		}
		syscall.Sync()
	}
	probe := func() error {
		r.loads = append(r.loads, loadAverage())
		settle()
		p, err := fsyncProbe(tmp, 300)
		r.probes = append(r.probes, p)
		return err
	}
	if err := probe(); err != nil {
		return err
	}

	if o.runs("1") {
		// The fair ceiling before nabij, with no other child running; the
		// ceilings each in a child process of their own (child.go).
		settle()
		o.logf("ceiling: %s, commits shared (child process)", o.store)
		fair, err := ceilingInChild(ctx, o.stores, filepath.Join(tmp, "data-ceiling-1"), "ceiling_1", o.pupils, o.duration, true)
		if err != nil {
			return err
		}
		settle()
		o.logf("ceiling: %s, one transaction per list (child process)", o.store)
		single, err := ceilingInChild(ctx, o.stores, filepath.Join(tmp, "data-ceiling-single"), "ceiling_single", o.pupils, o.duration, false)
		if err != nil {
			return err
		}
		o.logf("ceiling: echo")
		ec, err := echoCeiling(ctx, sch, days, o.duration, maxOps)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// The write path through nabij (past days: no alerts).
		settle()
		o.logf("child A: list PUTs for past days")
		wr, err := measureWrites(ctx, o, bin, tmp, sch, days, maxOps)
		if err != nil {
			return err
		}
		// The disk of a shared VM changes speed from minute to minute: the
		// fair ceiling is measured again right after nabij, and the ratio
		// taken against the mean of the two.
		settle()
		o.logf("ceiling: %s, commits shared, again (child process)", o.store)
		fair2, err := ceilingInChild(ctx, o.stores, filepath.Join(tmp, "data-ceiling-2"), "ceiling_2", o.pupils, o.duration, true)
		if err != nil {
			return err
		}
		r.fair, r.fair2, r.single, r.echo, r.writes = &fair, &fair2, &single, &ec, &wr
	}
	if o.runs("2") {
		// 2 and 5, and 1 with alerts: a school morning.
		settle()
		o.logf("child B: a morning (hold, alerts, memory)")
		mo, err := measureMorning(ctx, o, bin, tmp, sch)
		if err != nil {
			return err
		}
		r.morning = &mo
	}
	if o.runs("3") {
		settle()
		o.logf("child C: rate %d/s", o.rate)
		rt, err := measureRate(ctx, o, bin, tmp)
		if err != nil {
			return err
		}
		r.rate = &rt
	}
	if o.runs("4") {
		for _, cb := range strings.Split(o.m4Callbacks, ",") {
			cb = strings.TrimSpace(cb)
			if cb != "on" && cb != "off" {
				return fmt.Errorf("-m4-callbacks: %q is not on or off", cb)
			}
			settle()
			o.logf("child D: throughput, callbacks %s", cb)
			tp, err := measureThroughput(ctx, o, cb == "on", func(data string, env map[string]string) (*target, error) {
				return startNabij(ctx, o, bin, filepath.Join(tmp, "nabij-d-"+cb+".log"), env, "d_"+cb)
			}, tmp)
			if err != nil {
				return err
			}
			r.throughput = append(r.throughput, tp)
		}
	}

	if o.runs("5") {
		settle()
		o.logf("child Y: a year of history (%d school days, bulk), then a morning at the defaults", o.yearDays)
		y, m, err := measureYear(ctx, o, bin, tmp)
		if err != nil {
			return err
		}
		r.year, r.yearMorning = &y, &m
	}
	if o.runs("6") {
		for _, rate := range o.openRates {
			settle()
			o.logf("child E: open-loop list PUTs at %g/s", rate)
			ol, err := measureOpenLoop(ctx, o, bin, tmp, rate)
			if err != nil {
				return err
			}
			r.openLoops = append(r.openLoops, ol)
		}
	}
	if o.runs("7") {
		settle()
		o.logf("child F: the round trip, default workers, no rate limit")
		m, err := measureRealMorning(ctx, o, bin, tmp, "f", map[string]string{"NABIJ_RATE": "0"})
		if err != nil {
			return err
		}
		r.unlimited = &m
	}

	if err := probe(); err != nil {
		return err
	}
	writeTable(t, o, r)
	t.print(os.Stdout, o, time.Since(started))
	if bad := r.badCallbacks(); bad > 0 {
		return fmt.Errorf("FAILED: %d status callbacks were not answered 2xx (see the rows marked FAILED)", bad)
	}
	return nil
}

// parseRoundTrip reads -rtt: "200ms", or "150ms-300ms".
func parseRoundTrip(s string) (lo, hi time.Duration, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = time.ParseDuration(strings.TrimSpace(a)); err != nil {
		return 0, 0, err
	}
	hi = lo
	if isRange {
		if hi, err = time.ParseDuration(strings.TrimSpace(b)); err != nil {
			return 0, 0, err
		}
	}
	if lo < 0 || hi < lo {
		return 0, 0, fmt.Errorf("%q: want 0 ≤ min ≤ max", s)
	}
	return lo, hi, nil
}

func machine() string {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), GOMAXPROCS %d, %s %s/%s", runtime.NumCPU(), model, runtime.GOMAXPROCS(0),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
