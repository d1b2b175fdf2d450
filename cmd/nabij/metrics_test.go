package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/store"
)

// metricValue is the value of the metric line that starts with name (labels
// included), or -1 when there is none.
func metricValue(t *testing.T, h *harness, name string) float64 {
	t.Helper()
	l := metricLine(t, h, name)
	if l == "" {
		return -1
	}
	v, err := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64)
	if err != nil {
		t.Fatalf("metric %q: %v", l, err)
	}
	return v
}

// A morning that does not go out shows in /metrics at once: the messages due
// and not claimed, and how long the first has waited (the latency histograms
// count only what was sent). Here the provider refuses the account. (Found
// by an operator's review: nothing showed a stuck morning.)
func TestAStuckMorningShowsInTheMetrics(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "TWILIO_AUTH_TOKEN": "wrongtoken0001"})
	if due := metricValue(t, h, "nabij_outbox_due"); due != 0 {
		t.Errorf("nabij_outbox_due before any list: %v", due)
	}
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, fiveAbsent, nil)
	eventually(t, "the refused morning waiting in the outbox", func() bool {
		return metricValue(t, h, "nabij_outbox_due") >= 1 && metricValue(t, h, "nabij_outbox_oldest_due_seconds") > 0
	})
	if s := metricValue(t, h, "nabij_messages_sending"); s < 0 {
		t.Errorf("nabij_messages_sending is missing")
	}
}

// The school day's jobs are in /metrics by name: the last success, and the
// failures (a failed job is tried again only at its next time).
func TestScheduledJobsShowInTheMetrics(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:44:58+01:00"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	name := `nabij_job_last_success_timestamp_seconds{job="list deadline"}`
	eventually(t, "the list deadline's success in /metrics", func() bool { return metricValue(t, h, name) > 0 })
	// 08:45 on 30 November 2026, Amsterdam.
	if v := metricValue(t, h, name); v < 1796024700 || v > 1796024700+60 {
		t.Errorf("%s = %v, want about 1796024700 (the job's time on nabij's clock)", name, v)
	}
	if v := metricValue(t, h, `nabij_job_failures_total{job="list deadline"}`); v > 0 {
		t.Errorf("list deadline failures: %v", v)
	}
}

// The build is in /metrics and on the command line: which version an
// operator runs, and the store schema it writes. (Found by an operator's
// review: there was no way to tell.)
func TestTheBuildIsKnown(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	l := metricLineWith(t, h, "nabij_build_info{")
	if !strings.Contains(l, `schema="`+strconv.Itoa(store.SchemaVersion)+`"`) || !strings.Contains(l, `revision="`) || !strings.HasSuffix(l, " 1") {
		t.Errorf("nabij_build_info: %q", l)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, &errOut); code != 0 ||
		!strings.HasPrefix(out.String(), "nabij ") || !strings.Contains(out.String(), "store schema "+strconv.Itoa(store.SchemaVersion)) {
		t.Errorf("nabij version: exit %d, %q %q", code, out.String(), errOut.String())
	}
}

// The data directory's free space is in /metrics (admin only), not in the
// public /healthz.
func TestTheFreeSpaceIsAMetric(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	v := metricValue(t, h, "nabij_store_disk_free_bytes")
	if h.srv.store.Postgres() && v != -1 || !h.srv.store.Postgres() && v <= 0 {
		t.Errorf("nabij_store_disk_free_bytes = %v (PostgreSQL: %v)", v, h.srv.store.Postgres())
	}
}

// A morning Twilio refuses for now (500 to every create, 503 to every
// lookup of a send left unanswered) shows in /metrics for as long as it
// lasts: between two tries its messages are neither due nor sending, but
// they are retrying. (Found by a review: every sample read 0 due, 0
// waited and 0 sending for ten minutes in which nothing went out.)
func TestARefusedMorningShowsAsRetrying(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 11, 30, 8, 50, 0, 0, mustLoc("Europe/Amsterdam"))}
	h := startHarnessWith(t, nil, func(c *config) { c.now = clock.Now })
	h.twilio.FailNext(1000, twiliotest.Failure500)
	h.twilio.FailListNext(1000, twiliotest.Failure503)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, fiveAbsent, nil)
	start := clock.Now()
	clock.Set(start.Add(3 * time.Minute)) // past the hold
	h.srv.dispatcher.Wake()
	eventually(t, "the first tries refused", func() bool { return h.twilio.Requests() > 0 })
	// Each time the dispatcher has tried what was due (none due, none
	// sending), the morning is in the metrics all the same.
	for step := 1; step <= 12; step++ {
		clock.Set(clock.Now().Add(20 * time.Second))
		h.srv.dispatcher.Wake()
		eventually(t, "the tries of the moment over", func() bool {
			return metricValue(t, h, "nabij_outbox_due") == 0 && metricValue(t, h, "nabij_messages_sending") == 0
		})
		if r := metricValue(t, h, "nabij_outbox_retrying"); r < 1 {
			t.Errorf("%s into the refused morning: nabij_outbox_retrying = %v", clock.Now().Sub(start), r)
		}
	}
	if n := len(h.twilio.Messages()); n != 0 {
		t.Fatalf("%d messages went out: nothing tested", n)
	}
}

// What an operator alerts on from the school day's jobs (found by an
// operator's review): each job's failure counter is there from the start at
// 0, so that increase(…) > 0 fires on its first failure (a series that
// appears at 1 shows no increase); and the classes with no list at the
// list deadline are a number in /metrics, not only a line in the log.
func TestTheDeadlinesMissingListsAndTheJobsFailuresShowInTheMetrics(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:44:58+01:00"})
	for _, job := range []string{"list deadline", "morning digest", "end-of-day sweep", "retention purge"} {
		if v := metricValue(t, h, `nabij_job_failures_total{job="`+job+`"}`); v != 0 {
			t.Errorf("nabij_job_failures_total{job=%q} at start: %v, want 0", job, v)
		}
	}
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	eventually(t, "the list deadline ran", func() bool {
		return metricValue(t, h, `nabij_job_last_success_timestamp_seconds{job="list deadline"}`) > 0
	})
	if v := metricValue(t, h, "nabij_lists_missing_at_deadline"); v != 3 {
		t.Errorf("nabij_lists_missing_at_deadline after a deadline no class of three posted for: %v, want 3", v)
	}
}
