package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// nabijGCPercent is the GOGC cmd/nabij sets for itself (its gcPercent;
// TestGCPercentIsNabijs holds the two together). The ceiling child runs
// with it, so that the ceiling's heap is collected as nabij's is. nabij
// sets no memory limit, and neither does the child.
const nabijGCPercent = 200

// The ceiling child: the bench runs itself again with childEnv set, so that
// a store ceiling is measured in a process of its own (its own heap,
// scheduler and GC, at nabij's GOGC), not beside the bench's client and
// stand-in. Its parameters come in the environment, its result on stdout.
const (
	childEnv         = "NABIJ_BENCH_CHILD" // "ceiling"
	childDirEnv      = "NABIJ_BENCH_CEILING_DIR"
	childPupilsEnv   = "NABIJ_BENCH_CEILING_PUPILS"
	childDurationEnv = "NABIJ_BENCH_CEILING_DURATION"
	childGroupedEnv  = "NABIJ_BENCH_CEILING_GROUPED"
	childStoreEnv    = "NABIJ_BENCH_CEILING_STORE"
	childURLEnv      = "NABIJ_BENCH_CEILING_DATABASE_URL"
)

// childResult is a loadResult as the child writes it.
type childResult struct {
	OK, Failed int
	Elapsed    time.Duration
	Lat        []time.Duration
	Err        string
	GOGC       int
}

// runChild is the child's whole life: measure, print, exit.
func runChild() {
	if err := ceilingChild(); err != nil {
		fmt.Fprintln(os.Stderr, "nabij-bench ceiling child:", err)
		os.Exit(1)
	}
}

func ceilingChild() error {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(nabijGCPercent)
	}
	pupils, err := strconv.Atoi(os.Getenv(childPupilsEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", childPupilsEnv, err)
	}
	dur, err := time.ParseDuration(os.Getenv(childDurationEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", childDurationEnv, err)
	}
	kind, err := parseStore(os.Getenv(childStoreEnv))
	if err != nil {
		return err
	}
	sch := newSchool(pupils)
	days := pastSchoolDays(60)
	res, err := storeCeiling(context.Background(), kind, os.Getenv(childDirEnv), os.Getenv(childURLEnv), sch, days, dur, len(sch.classes)*len(days), os.Getenv(childGroupedEnv) == "1")
	if err != nil {
		return err
	}
	// SetGCPercent answers the setting in force (the child exits next, so
	// turning the collector off to read it costs nothing).
	out := childResult{OK: res.ok, Failed: res.failed, Elapsed: res.elapsed, Lat: res.lat, GOGC: debug.SetGCPercent(-1)}
	if res.firstErr != nil {
		out.Err = res.firstErr.Error()
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// ceilingInChild measures a store ceiling (storeCeiling) in a child
// process: the bench's own executable, run again with childEnv. It writes
// to the bbolt folder dir, or to a new PostgreSQL database (name).
func ceilingInChild(ctx context.Context, st *stores, dir, name string, pupils int, dur time.Duration, grouped bool) (loadResult, error) {
	self, err := os.Executable()
	if err != nil {
		return loadResult{}, err
	}
	url, err := st.database(ctx, name)
	if err != nil {
		return loadResult{}, err
	}
	kind := st.kind
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = []string{childEnv + "=ceiling", childDirEnv + "=" + dir, childPupilsEnv + "=" + strconv.Itoa(pupils),
		childDurationEnv + "=" + dur.String(), childStoreEnv + "=" + string(kind)}
	if grouped {
		cmd.Env = append(cmd.Env, childGroupedEnv+"=1")
	}
	if url != "" {
		cmd.Env = append(cmd.Env, childURLEnv+"="+url)
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return loadResult{}, fmt.Errorf("ceiling child: %v\n%s", err, tail([]byte(stderr.String()), 2000))
	}
	var out childResult
	if err := json.Unmarshal(raw, &out); err != nil {
		return loadResult{}, fmt.Errorf("ceiling child's answer: %w", err)
	}
	if out.GOGC != nabijGCPercent {
		return loadResult{}, fmt.Errorf("ceiling child ran at GOGC %d, not nabij's %d", out.GOGC, nabijGCPercent)
	}
	res := loadResult{ok: out.OK, failed: out.Failed, elapsed: out.Elapsed, lat: out.Lat}
	if out.Err != "" {
		res.firstErr = fmt.Errorf("%s", out.Err)
	}
	if res.failed > 0 {
		return res, fmt.Errorf("ceiling: %d of %d writes failed, first: %v", res.failed, res.failed+res.ok, res.firstErr)
	}
	return res, nil
}
