package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// pastJobs deals (class, date) pairs to the workers: worker w gets its
// mentor's classes on every past school day, newest day first, so every
// PUT is a list not posted before.
type pastJob struct {
	class string
	date  school.Date
	seq   int
}

func pastJobs(sch *benchSchool, days []school.Date) [][]pastJob {
	jobs := make([][]pastJob, mentors)
	for m := range mentors {
		classes := sch.mentorClasses(m)
		for di, d := range days {
			for _, c := range classes {
				jobs[m] = append(jobs[m], pastJob{class: c, date: d, seq: di})
			}
		}
	}
	return jobs
}

// storeKind is the store nabij and the ceilings run on (-store).
type storeKind string

const (
	storeBbolt    storeKind = "bbolt"
	storePostgres storeKind = "postgres"
)

// parseStore reads -store.
func parseStore(s string) (storeKind, error) {
	switch storeKind(s) {
	case storeBbolt, "":
		return storeBbolt, nil
	case storePostgres:
		return storePostgres, nil
	}
	return "", fmt.Errorf("-store %q: want bbolt or postgres", s)
}

// openStore opens the store a ceiling or the year's bulk path writes: the
// bbolt folder dir, or the PostgreSQL database at url.
func openStore(ctx context.Context, kind storeKind, dir, url string) (*store.Store, error) {
	if kind == storePostgres {
		if url == "" {
			return nil, errors.New("store postgres: no database URL")
		}
		return store.OpenPostgres(ctx, url)
	}
	return store.Open(dir)
}

// storeCeiling does the writes of the list measurement straight on the
// store: PutAbsenceList of the 30-pupil list per op, from as many
// goroutines as nabij has mentors. grouped sends them through store.Group,
// the group commit nabij's list PUTs use, so that lists written at once
// share a commit: the fair ceiling. Without, each is its own store.Update
// (bbolt serialises writers; every Update fsyncs): context only. It runs
// in the ceiling child (child.go). On PostgreSQL (url) the same writes go
// through the same Group, which commits a group in one transaction there.
func storeCeiling(ctx context.Context, kind storeKind, dir, url string, sch *benchSchool, days []school.Date, dur time.Duration, maxOps int, grouped bool) (loadResult, error) {
	st, err := openStore(ctx, kind, dir, url)
	if err != nil {
		return loadResult{}, err
	}
	defer os.RemoveAll(dir)
	defer st.Close()
	jobs := pastJobs(sch, days)
	write := st.Update
	if grouped {
		write = st.Group
	}
	res := runLoad(ctx, mentors, dur, maxOps, func(w, i int) (bool, error) {
		if i >= len(jobs[w]) {
			return false, nil
		}
		j := jobs[w][i]
		l := &school.AbsenceList{Class: j.class, Date: j.date, Absences: sch.mixedList(j.class, j.seq),
			UpdatedAt: time.Now(), UpdatedBy: "bench"}
		return true, write(func(tx *store.Tx) error { return tx.PutAbsenceList(l) })
	})
	return res, nil
}

// echoCeiling answers the same PUT with a bare echo handler: decode the
// JSON body, 200. Same client, same concurrency, loopback.
func echoCeiling(ctx context.Context, sch *benchSchool, days []school.Date, dur time.Duration, maxOps int) (loadResult, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.PUT("/api/v1/classes/:class/absences/:date", func(c echo.Context) error {
		var req struct {
			Absences []school.Absence `json:"absences"`
		}
		if err := c.Bind(&req); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"class": c.Param("class"), "date": c.Param("date"), "recorded": len(req.Absences)})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return loadResult{}, err
	}
	e.Listener = ln
	go func() {
		if err := e.Start(""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Shutdown(sctx)
	}()
	a := &api{base: "http://" + ln.Addr().String(), client: newHTTPClient(mentors)}
	return putPastLists(ctx, a, nil, sch, days, dur, maxOps), nil
}

// putPastLists is the list measurement's load: each of the 32 workers PUTs
// its mentor's classes' lists for past school days (no alerts), each list
// new, with its own mentor token (none for the bare echo ceiling).
func putPastLists(ctx context.Context, a *api, tokens []string, sch *benchSchool, days []school.Date, dur time.Duration, maxOps int) loadResult {
	jobs := pastJobs(sch, days)
	return runLoad(ctx, mentors, dur, maxOps, func(w, i int) (bool, error) {
		if i >= len(jobs[w]) {
			return false, nil
		}
		j := jobs[w][i]
		tok := ""
		if tokens != nil {
			tok = tokens[w]
		}
		_, err := a.do("PUT", listPath(j.class, j.date.String()), tok, listBody(sch.mixedList(j.class, j.seq)), nil)
		return true, err
	})
}

// fsyncProbe times n fsyncs of a 4 KiB write in dir: the cost every
// committed bbolt transaction pays (twice: pages, then the meta page).
func fsyncProbe(dir string, n int) ([]time.Duration, error) {
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	out := make([]time.Duration, 0, n)
	for i := range n {
		if _, err := f.WriteAt(buf, int64(i%16)*4096); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := f.Sync(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0))
	}
	slices.Sort(out)
	return out, nil
}
