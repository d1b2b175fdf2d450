package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
	"github.com/nabij-isk/nabij/web"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "seed a demo ISK in a fresh data directory and print how to use it")
	configFile := fs.String("config", "", "a config file (TOML; default: NABIJ_CONFIG)")
	addr := fs.String("addr", "", "listen address (overrides NABIJ_ADDR and the config file)")
	data := fs.String("data", "", "data directory (overrides NABIJ_DATA and the config file)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	l, err := newLayers(getenv, map[string]string{"NABIJ_ADDR": *addr, "NABIJ_DATA": *data}, *configFile)
	if err != nil {
		fmt.Fprintln(stderr, "nabij:", err)
		return 2
	}
	inherited, err := inheritedListener(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "nabij:", err)
		return 2
	}
	getenv = l.get
	cfg, err := loadConfig(getenv)
	if err == nil {
		err = l.unreadableSecrets()
	}
	if err != nil {
		fmt.Fprintln(stderr, "nabij:", err)
		return 2
	}
	if inherited != nil {
		// Socket activation: the API is served on the socket passed in,
		// whatever NABIJ_ADDR says.
		cfg.listener, cfg.Addr = inherited, inherited.Addr().String()
	}
	if *demo {
		if err := demoConfig(cfg, getenv, stdout); err != nil {
			fmt.Fprintln(stderr, "nabij:", err)
			return 1
		}
	}
	srv, err := newServer(cfg, stdout, stderr, *demo)
	if err != nil {
		fmt.Fprintln(stderr, "nabij:", err)
		return 1
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintln(stderr, "nabij:", err)
		srv.Stop(context.Background())
		return 1
	}
	if *demo {
		if err := seedDemo(srv, stdout); err != nil {
			fmt.Fprintln(stderr, "nabij: demo:", err)
			srv.Stop(context.Background())
			return 1
		}
	}
	code := 0
	select {
	case <-ctx.Done():
		srv.log.Info("nabij stopping: asked to (a signal)")
	case err := <-srv.fatal:
		fmt.Fprintln(stderr, "nabij:", err)
		srv.log.Error("nabij stopping", "err", err)
		code = 1
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Stop(stopCtx); err != nil {
		fmt.Fprintln(stderr, "nabij: stop:", err)
		return 1
	}
	srv.log.Info("nabij stopped")
	return code
}

// dispatchStopWait is how long a stop waits for the sends under way, after
// HTTP has stopped (at most 15 s, the stop's context): within the 30 s that
// systemd (TimeoutStopSec), Kubernetes (terminationGracePeriodSeconds) and
// compose (stop_grace_period) give in deploy/. A send still under way then
// stays "sending", and the next start looks it up at the provider.
const dispatchStopWait = 10 * time.Second

// server is one running nabij: store, dispatcher and HTTP, started and
// stopped as one.
type server struct {
	cfg        *config
	log        *slog.Logger
	store      *store.Store
	svc        *app.Service
	dispatcher *dispatch.Dispatcher
	echo       *echo.Echo
	listener   net.Listener
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	now        func() time.Time
	rhythm     *app.Rhythm
	// replica is this process among the replicas on PostgreSQL; nil on bbolt.
	replica *replica
	// stopSending stops the dispatcher (a lost replica lease); fatal then
	// says why serve must exit.
	stopSending context.CancelFunc
	fatal       chan error
	// databaseUp says whether the database answers (the store's Ping; a
	// test's own), asked every databaseRetry by a replica that lost its
	// lease.
	databaseUp    func(context.Context) error
	databaseRetry time.Duration
	stopOnce      sync.Once
	stopErr       error
	registry      *prometheus.Registry
	// metrics serves /metrics on NABIJ_METRICS_ADDR, when it is not "main".
	metrics         *http.Server
	metricsListener net.Listener
}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func newServer(cfg *config, stdout, stderr io.Writer, demo bool) (*server, error) {
	log := newLogger(cfg, stderr)
	proto := cfg.Protocol
	if proto == nil {
		proto = protocol.Default()
	}
	embedded, err := translations.Load()
	if err != nil {
		return nil, fmt.Errorf("translations: %w", err)
	}
	// The catalog in force: the embedded files, with the school's own
	// wording (loaded below) in place; a reviewer's save swaps it at once.
	catalog := translations.NewLive(embedded)
	// The SMS budgets are checked with a sample name; the school's own may
	// make every alert longer, or UCS-2 (a curly apostrophe).
	for _, w := range embedded.SchoolNameFit(cfg.SchoolName) {
		log.Warn("NABIJ_SCHOOL_NAME makes the morning alert longer than its SMS budget: a shorter name, or plain ASCII, keeps it", "detail", w)
	}
	var sender dispatch.Sender = &dispatch.LogSender{Log: log, Out: stdout, ShowBodies: demo}
	if cfg.twilioEnabled() && !demo {
		if sender, err = twilio.New(cfg.Twilio); err != nil {
			return nil, err
		}
	}
	st, err := cfg.openStore()
	if err != nil {
		return nil, err
	}
	rep, err := joinReplicas(st)
	if err != nil {
		st.Close()
		return nil, err
	}
	if !cfg.twilioEnabled() && !demo {
		log.Warn("no Twilio account is set (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN): messages are logged, not sent, and marked delivered")
	}
	if m := st.Migrated(); m.From > 0 {
		log.Warn("store migrated to this nabij's schema: an older nabij refuses it now", "from", m.From, "to", m.To, "copy_before", m.Copy, "copy_messages_to_look_up", m.LookedUp)
	}
	if c := st.Checked(); c.Pages > 0 {
		log.Info("store checked", "bytes", c.Bytes, "pages", c.Pages, "ms", c.Took.Milliseconds(), "bbolt_ms", c.Bolt.Milliseconds())
	}
	// Every time nabij writes is school-local (API.md), whatever the
	// machine's zone.
	clock := cfg.clock()
	now := func() time.Time { return clock().In(cfg.Location) }
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)
	registerStoreMetrics(reg, st)
	registerBuildInfo(reg)
	fallbacks := &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: now}
	d := dispatch.NewDispatcher(dispatch.Config{
		Store: st, Sender: sender, Fallbacks: fallbacks, Now: now,
		Rate: cfg.RatePerSec, Workers: cfg.Workers, Log: log, Observe: m.observe,
		Backoff:      dispatch.Backoff{First: cfg.RetryFirst, Max: dispatch.MaxRetryWait},
		Quiet:        alerts.QuietHours{From: sinceMidnight(cfg.SendFrom), Until: sinceMidnight(cfg.SendUntil), Location: cfg.Location},
		ShutdownWait: dispatchStopWait,
		Replicas:     rep.dispatchReplicas(st, cfg.Twilio.Timeout), // NABIJ_TWILIO_TIMEOUT
	})
	registerDispatcherMetrics(reg, d)
	registerOutboxMetrics(reg, st, now)
	cal, err := cfg.Calendar()
	if err != nil {
		st.Close()
		return nil, err
	}
	svc := &app.Service{
		Store:    st,
		Protocol: proto,
		Calendar: cal,
		Settings: cfg.Settings,
		Planner: &alerts.Planner{Renderer: &alerts.Renderer{Catalog: catalog, School: cfg.SchoolName, ReplyHint: true},
			Hold: cfg.Hold, Validity: cfg.Validity, Templates: cfg.Templates},
		Fallbacks: fallbacks,
		Location:  cfg.Location,
		Now:       now,
		Wake:      d.Wake,
		Observe:   m.observe,

		Translations: catalog,
	}
	// A call is placed only in a language nabij can speak it in.
	svc.Planner.Speaks = svc.Speaks
	// An admin records a message by phone where nabij can call.
	if tw, ok := sender.(*twilio.Sender); ok && cfg.Twilio.VoiceFrom != "" {
		svc.RecordingCaller = tw
	}
	if err := svc.LoadClosedDays(); err != nil {
		st.Close()
		return nil, err
	}
	if _, err := svc.LoadTranslationOverrides(log); err != nil {
		st.Close()
		return nil, fmt.Errorf("the school's own wording: %w", err)
	}
	e := web.New(svc, web.Config{
		AdminToken: cfg.AdminToken, PublicURL: cfg.PublicURL, TwilioAuthToken: cfg.Twilio.AuthToken,
		Health: st.Ping, Registry: reg, Log: log, Catalog: catalog, SchoolName: cfg.SchoolName, Settings: settingsView(cfg), Backup: fileBackup(st),
		Audit: st.Audit, AuditLog: st.AuditLog, Location: cfg.Location,
		TrustedProxies:   cfg.TrustedProxies,
		TwilioAccountSID: cfg.Twilio.AccountSID, MetricsOnMain: cfg.MetricsAddr == "main", SecureCookies: cfg.secureCookies(),
		OIDC: oidcOf(cfg, rep, st),
		// The store is degraded while its writes fail (a full disk), sending
		// while the provider refuses the account.
		Degraded: []web.HealthCheck{{Part: "store", Check: st.WriteHealth}, {Part: "sending", Check: d.Health}},
	})
	jm := newJobMetrics(reg, now)
	rhythm := &app.Rhythm{Location: cfg.Location, Calendar: cal, Now: now, Log: log, Jobs: jobs(svc, log, cfg, jm),
		Observe: jm.observe}
	for _, j := range rhythm.Jobs {
		jm.failures.WithLabelValues(j.Name).Add(0) // a first failure is an increase
	}
	if rep != nil {
		rhythm.Once = st // replicas: a job another replica ran is not run again
	}
	return &server{cfg: cfg, log: log, store: st, svc: svc, dispatcher: d, echo: e, now: now, rhythm: rhythm, registry: reg,
		replica: rep, fatal: make(chan error, 1), databaseUp: func(context.Context) error { return st.Ping() }, databaseRetry: databaseRetry}, nil
}

// jobs are the school day's rhythm: the list deadline at the first lesson
// plus 15 minutes, the morning digest after it, the end-of-day sweep.
func jobs(svc *app.Service, log *slog.Logger, cfg *config, m *jobMetrics) []app.Job {
	day := school.Date{Year: 2000, Month: 1, Day: 3}
	first := svc.Protocol.SchoolDay.FirstLessonAt(day, time.UTC)
	return []app.Job{
		{Name: "list deadline", Spec: app.DailySpec(svc.Protocol.SchoolDay.ListDeadline(day, time.UTC)), Run: func(ctx context.Context, date school.Date) error {
			missing, err := svc.MissingLists(ctx, date)
			if err != nil {
				return err
			}
			m.missingLists.Set(float64(len(missing)))
			if len(missing) > 0 {
				log.Warn("list deadline: lists missing", "date", date, "classes_missing", len(missing))
			} else {
				log.Info("list deadline", "date", date, "classes_missing", 0)
			}
			return nil
		}},
		{Name: "morning digest", Spec: app.DailySpec(first.Add(20 * time.Minute)), Run: func(ctx context.Context, date school.Date) error {
			_, err := svc.MorningDigest(ctx, date)
			return err
		}},
		{Name: "end-of-day sweep", Spec: app.DailySpec(cfg.SweepAt), Run: func(ctx context.Context, date school.Date) error {
			pupils, opened, err := svc.Sweep(ctx, date)
			log.Info("end-of-day sweep", "date", date, "pupils", pupils, "escalations_opened", opened)
			return err
		}},
		{Name: "retention purge", Spec: fmt.Sprintf("%d %d * * *", cfg.PurgeAt.Minute(), cfg.PurgeAt.Hour()), EveryDay: true,
			Run: func(ctx context.Context, date school.Date) error {
				p, err := svc.Purge(ctx, cfg.Retention)
				log.Info("retention purge", "pupils", p.Pupils, "days", p.Days, "messages", p.Messages,
					"escalations", p.Escalations, "replies", p.Replies, "texts", p.Bodies, "left_records", p.Records)
				return err
			}},
	}
}

// catchUpSweep runs the end-of-day sweep through the last day whose sweep
// time has passed: a sweep missed while nabij was down (or one that failed)
// opens its cases now, not a day late. Opening a case twice is impossible,
// so a sweep that did run costs only its reading.
func (s *server) catchUpSweep(ctx context.Context) {
	now := s.now()
	through := school.DateOf(now)
	if now.Before(through.At(s.cfg.SweepAt.Hour(), s.cfg.SweepAt.Minute(), s.cfg.Location)) {
		through = through.AddDays(-1)
	}
	pupils, opened, err := s.svc.Sweep(ctx, through)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Error("catch-up sweep at start", "through", through, "err", err)
	case opened > 0:
		s.log.Warn("catch-up sweep at start opened cases a missed sweep had left", "through", through, "pupils", pupils, "escalations_opened", opened)
	default:
		s.log.Info("catch-up sweep at start", "through", through, "pupils", pupils, "escalations_opened", opened)
	}
}

// Start listens and begins dispatching; it returns once the port is open.
func (s *server) Start() error {
	ln := s.cfg.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.Addr); err != nil {
			return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
		}
	}
	s.listener = ln
	t := s.cfg.Timeouts
	s.echo.Server.ReadHeaderTimeout, s.echo.Server.ReadTimeout = t.ReadHeader, t.Read
	s.echo.Server.WriteTimeout, s.echo.Server.IdleTimeout = t.Write, t.Idle
	s.echo.Server.MaxHeaderBytes = 64 << 10
	if s.cfg.MetricsAddr != "main" {
		mln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics on %s (NABIJ_METRICS_ADDR): %w", s.cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
		s.metricsListener = mln
		s.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read,
			WriteTimeout: t.Write, IdleTimeout: t.Idle, MaxHeaderBytes: 64 << 10}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	// Messages a crash left "sending" are looked up before anything is sent.
	found, requeued, err := s.dispatcher.Reconcile(ctx)
	if err != nil {
		s.log.Error("reconciling messages left sending", "err", err)
	} else if found+requeued > 0 {
		s.log.Warn("reconciled messages left sending by a stop", "found_at_provider", found, "requeued", requeued)
	}
	if s.metrics != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.metrics.Serve(s.metricsListener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("metrics server stopped", "err", err)
			}
		}()
	}
	dctx, stopSending := context.WithCancel(ctx)
	s.stopSending = stopSending
	s.wg.Add(5)
	go func() {
		defer s.wg.Done()
		s.dispatcher.Run(dctx)
	}()
	go func() {
		defer s.wg.Done()
		s.followReplicas(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.runRhythm(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.watchReplicaLease(ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.echo.Listener = ln
		if err := s.echo.Start(""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	metricsAt := "main address, admin only"
	if s.metricsListener != nil {
		metricsAt = s.metricsListener.Addr().String()
	}
	version, revision, _ := buildVersion()
	s.log.Info("nabij listening", "version", version, "revision", revision, "schema", store.SchemaVersion, "addr", ln.Addr().String(), "metrics", metricsAt, "store", s.cfg.storeName(), "sender", fmt.Sprintf("%T", s.dispatcher.Sender()))
	return nil
}

// URL is the base URL the server answers on.
func (s *server) URL() string { return "http://" + s.listener.Addr().String() }

// Stop ends HTTP first (no new lists), then the dispatcher (sends under way
// finish and are recorded, for at most dispatchStopWait), then closes the
// store.
func (s *server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *server) stop(ctx context.Context) error {
	var errs []error
	if s.listener != nil {
		errs = append(errs, s.echo.Shutdown(ctx))
	}
	if s.metrics != nil {
		errs = append(errs, s.metrics.Shutdown(ctx))
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.replica != nil {
		s.replica.lease.Release()
	}
	errs = append(errs, s.store.Close())
	return errors.Join(errs...)
}

func sinceMidnight(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
}

// openStore opens the store: PostgreSQL when NABIJ_DATABASE_URL is set
// (waiting up to 30 s for the database to answer: replicas may start
// before it), else the bbolt file in NABIJ_DATA.
func (c *config) openStore() (*store.Store, error) {
	if c.DatabaseURL == "" {
		return store.Open(c.DataDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		st, err := store.OpenPostgres(ctx, c.DatabaseURL)
		if err == nil || !errors.Is(err, store.ErrUnreachable) {
			return st, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
}

// storeName says where the store is, for the log: the data folder, or
// "postgres" (never the URL, which holds a password).
func (c *config) storeName() string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return c.DataDir
}

// fileBackup is the store's backup for the API: the bbolt file's, none on
// PostgreSQL (pg_dump is its backup).
func fileBackup(st *store.Store) func(io.Writer) (int64, error) {
	if st.Postgres() {
		return nil
	}
	return st.Backup
}

// openStoreToRead opens the store for a command that reads it: PostgreSQL
// when NABIJ_DATABASE_URL is set (replicas hold no lock on it), else the
// bbolt file read-only (store.ErrLocked while the service holds it).
func (c *config) openStoreToRead() (*store.Store, error) {
	if c.DatabaseURL == "" {
		return store.OpenReadOnly(c.DataDir)
	}
	return c.openStore()
}
