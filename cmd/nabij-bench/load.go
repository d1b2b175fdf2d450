package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is one closed-loop load: ops that succeeded, their latencies,
// the wall time from the first start to the last finish.
type loadResult struct {
	ok, failed int
	elapsed    time.Duration
	lat        []time.Duration
	firstErr   error
}

func (r loadResult) perSec() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

func (r loadResult) p(q float64) time.Duration { return percentile(r.lat, q) }

// runLoad runs workers goroutines; worker w calls op(w, i) for its i-th
// operation until op reports that it had no work left (did false, no
// error), the total count reaches maxOps, or dur passes. Each loop is
// bounded by count and time. The count is checked before each operation,
// so workers running at once may pass maxOps by at most workers-1; a
// worker with work never stops short of it (a count reserved before the
// operation, and given back when there was none, could stop another
// worker that looked at the moment it was reserved).
func runLoad(ctx context.Context, workers int, dur time.Duration, maxOps int, op func(w, i int) (did bool, err error)) loadResult {
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var (
		mu   sync.Mutex
		res  loadResult
		done atomic.Int64
		wg   sync.WaitGroup
	)
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			ok, failed := 0, 0
			var firstErr error
			for i := 0; ctx.Err() == nil && done.Load() < int64(maxOps); i++ {
				t0 := time.Now()
				did, err := op(w, i)
				d := time.Since(t0)
				if !did && err == nil {
					break // this worker's work is done
				}
				done.Add(1)
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				ok++
				lat = append(lat, d)
			}
			mu.Lock()
			res.ok += ok
			res.failed += failed
			res.lat = append(res.lat, lat...)
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
