package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/translations"
	"github.com/nabij-isk/nabij/web"
)

// runProfile is -profile: nabij wired in-process the way cmd/nabij wires it
// (store, planner, dispatcher, Twilio sender, echo API with the audit log; no metrics and no
// rhythm, which take no part here), under a CPU profile, for measurement 4
// (default) or, with -only 1, for the past-day list PUTs of 1a, on the
// store of -store. The figure
// is printed; the profile is written for go tool pprof. The bench's own
// client and the stand-in are in the profile too, under their own names.
func runProfile(ctx context.Context, o options, tmp string, t *table) error {
	f, err := os.Create(o.profile)
	if err != nil {
		return err
	}
	defer f.Close()
	if o.only == "1" {
		return profileWrites(ctx, o, tmp, t, f)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	cb := strings.HasPrefix(o.m4Callbacks, "on")
	tp, err := measureThroughput(ctx, o, cb, func(data string, env map[string]string) (*target, error) {
		if err := o.stores.childStore(ctx, env, "profile"); err != nil {
			return nil, err
		}
		return startInProcess(env)
	}, tmp)
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	t.add("4", fmt.Sprintf("messages/s, in-process under the CPU profile (%d workers, callbacks %s)", tp.workers, onOff(tp.callbacks)),
		fmt.Sprintf("%.0f/s (%.0f/s after the last list; %d msgs)", tp.overall, tp.afterLists, tp.arrived), "(profile run)", "")
	t.print(os.Stdout, o, 0)
	fmt.Printf("\nCPU profile written to %s: go tool pprof -top %s\n", o.profile, o.profile)
	return nil
}

func profileWrites(ctx context.Context, o options, tmp string, t *table, f *os.File) error {
	tw := twiliotest.NewServer(accountSID, authToken)
	defer tw.Close()
	addr, err := loopbackAddr()
	if err != nil {
		return err
	}
	env := serviceEnv(addr, filepath.Join(tmp, "data-p"), tw,
		map[string]string{"NABIJ_HOLD": o.hold.String(), "NABIJ_RATE": "0", "NABIJ_WORKERS": "4"})
	if err := o.stores.childStore(ctx, env, "profile"); err != nil {
		return err
	}
	tg, err := startInProcess(env)
	if err != nil {
		return err
	}
	defer tg.stop()
	sch := newSchool(o.pupils)
	days := pastSchoolDays(60)
	a := &api{base: tg.url, client: newHTTPClient(mentors)}
	_, tokens, _, err := setup(a, sch, true)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	res := putPastLists(ctx, a, tokens, sch, days, o.duration, len(sch.classes)*len(days))
	pprof.StopCPUProfile()
	if res.failed > 0 {
		return fmt.Errorf("past-day lists: %d failed, first: %v", res.failed, res.firstErr)
	}
	t.add("1a", "PUT past-day lists of 30, in-process under the CPU profile", lat(res), "(profile run)", "")
	t.print(os.Stdout, o, 0)
	fmt.Printf("\nCPU profile written to %s: go tool pprof -top %s\n", o.profile, o.profile)
	return nil
}

// startInProcess wires nabij as cmd/nabij's newServer does, from the same
// environment the child would get.
func startInProcess(env map[string]string) (*target, error) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return nil, err
	}
	clock, err := time.Parse(time.RFC3339, env["NABIJ_CLOCK"])
	if err != nil {
		return nil, err
	}
	offset := time.Until(clock)
	now := func() time.Time { return time.Now().Add(offset) }
	hold, _ := time.ParseDuration(env["NABIJ_HOLD"])
	workers, _ := strconv.Atoi(env["NABIJ_WORKERS"])
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	catalog, err := translations.Load()
	if err != nil {
		return nil, err
	}
	sender, err := twilio.New(twilio.Config{AccountSID: env["TWILIO_ACCOUNT_SID"], AuthToken: env["TWILIO_AUTH_TOKEN"],
		From: env["NABIJ_TWILIO_FROM"], WhatsAppFrom: env["NABIJ_TWILIO_WHATSAPP_FROM"], APIURL: env["NABIJ_TWILIO_API_URL"],
		StatusCallback: env["NABIJ_PUBLIC_URL"] + "/webhooks/twilio/status"})
	if err != nil {
		return nil, err
	}
	kind := storeBbolt
	if env["NABIJ_DATABASE_URL"] != "" {
		kind = storePostgres
	}
	st, err := openStore(context.Background(), kind, env["NABIJ_DATA"], env["NABIJ_DATABASE_URL"])
	if err != nil {
		return nil, err
	}
	fallbacks := &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: now}
	d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: sender, Fallbacks: fallbacks, Now: now, Workers: workers, Log: log,
		Backoff: dispatch.Backoff{First: 2 * time.Second, Max: 5 * time.Minute},
		Quiet:   alerts.QuietHours{From: 7 * time.Hour, Until: 21 * time.Hour, Location: loc}})
	holidays, err := school.NationalHolidays(region)
	if err != nil {
		st.Close()
		return nil, err
	}
	svc := &app.Service{Store: st, Protocol: protocol.Default(), Calendar: &school.Calendar{Holidays: holidays},
		Settings: app.Settings{SchoolName: env["NABIJ_SCHOOL_NAME"]},
		Planner: &alerts.Planner{Renderer: &alerts.Renderer{Catalog: catalog, School: env["NABIJ_SCHOOL_NAME"], ReplyHint: true},
			Hold: hold, Validity: 4 * time.Hour},
		Fallbacks: fallbacks, Location: loc, Now: now, Wake: d.Wake}
	e := web.New(svc, web.Config{AdminToken: env["NABIJ_ADMIN_TOKEN"], PublicURL: env["NABIJ_PUBLIC_URL"],
		TwilioAuthToken: env["TWILIO_AUTH_TOKEN"], TwilioAccountSID: env["TWILIO_ACCOUNT_SID"], Health: st.Ping, Registry: prometheus.NewRegistry(), Log: log,
		Catalog: catalog, SchoolName: env["NABIJ_SCHOOL_NAME"], Audit: st.Audit, AuditLog: st.AuditLog, Location: loc})
	ln, err := net.Listen("tcp", env["NABIJ_ADDR"])
	if err != nil {
		st.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, _, err := d.Reconcile(ctx); err != nil {
		cancel()
		ln.Close()
		st.Close()
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.Run(ctx) }()
	go func() {
		defer wg.Done()
		e.Listener = ln
		if err := e.Start(""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "nabij-bench: in-process http:", err)
		}
	}()
	stop := func() error {
		sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer scancel()
		err := e.Shutdown(sctx)
		cancel()
		wg.Wait()
		return errors.Join(err, st.Close())
	}
	return &target{url: "http://" + ln.Addr().String(), data: filepath.Clean(env["NABIJ_DATA"]), stop: stop}, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
