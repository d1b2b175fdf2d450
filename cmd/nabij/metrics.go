package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/store"
)

type metrics struct {
	statuses  *prometheus.CounterVec
	toSend    *prometheus.HistogramVec
	toDeliver *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	buckets := []float64{1, 5, 15, 30, 60, 120, 180, 300, 600, 1800, 3600, 4 * 3600}
	m := &metrics{
		statuses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nabij_message_status_total",
			Help: "Changes of a message's status (each try counts: a message retried after a refusal passes through queued and sending again), by status, channel and language.",
		}, []string{"status", "channel", "language"}),
		toSend: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nabij_message_list_to_send_seconds",
			Help:    "Time from the list (the message's creation, hold included) to the provider accepting it.",
			Buckets: buckets,
		}, []string{"channel"}),
		toDeliver: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nabij_message_list_to_delivery_seconds",
			Help:    "Time from the list to the provider reporting the message delivered.",
			Buckets: buckets,
		}, []string{"channel"}),
	}
	reg.MustRegister(m.statuses, m.toSend, m.toDeliver)
	return m
}

func (m *metrics) observe(msg *alerts.Message) {
	m.statuses.WithLabelValues(string(msg.Status), string(msg.Channel), msg.Language).Inc()
	switch {
	case msg.Status == alerts.StatusSent && msg.SentAt != nil:
		m.toSend.WithLabelValues(string(msg.Channel)).Observe(msg.SentAt.Sub(msg.CreatedAt).Seconds())
	case msg.Status == alerts.StatusDelivered && msg.DeliveredAt != nil:
		m.toDeliver.WithLabelValues(string(msg.Channel)).Observe(msg.DeliveredAt.Sub(msg.CreatedAt).Seconds())
	}
}

// registerDispatcherMetrics exports whether sending is paused: 1 while the
// provider refuses the account (wrong credentials, suspended, a sender not
// allowed), when no message goes out and /healthz says why; and the status
// checks of messages whose callbacks are overdue.
func registerDispatcherMetrics(reg prometheus.Registerer, d *dispatch.Dispatcher) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "nabij_sending_paused",
		Help: "1 while the provider refuses the account and no message goes out, else 0.",
	}, func() float64 {
		if d.Paused() {
			return 1
		}
		return 0
	}))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "nabij_status_checks_total",
		Help: "Messages and calls still sent 10 minutes or an hour after they went, whose status Twilio was asked for (answered checks).",
	}, func() float64 { checked, _ := d.StatusChecksDone(); return float64(checked) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "nabij_status_checks_moved_total",
		Help: "Status checks that moved a message on: its status callback never reached nabij (lost in a restart; many mean Twilio's callbacks do not reach nabij at all).",
	}, func() float64 { _, moved := d.StatusChecksDone(); return float64(moved) }))
}

// registerStoreMetrics exports the group commit's counters: commits, the
// calls they carried (calls/commits is the mean group size) and the time
// the single writer was busy (its rate near 1 means the store is the limit).
func registerStoreMetrics(reg prometheus.Registerer, st *store.Store) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "nabij_store_group_commits_total",
			Help: "Transactions committed for grouped writes (lists, outbox, status callbacks, audit log).",
		}, func() float64 { return float64(st.GroupStats().Commits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "nabij_store_group_calls_total",
			Help: "Grouped writes committed; divided by the commits, the mean group size.",
		}, func() float64 { return float64(st.GroupStats().Calls) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "nabij_store_group_busy_seconds_total",
			Help: "Time the store's single writer spent running and committing groups.",
		}, func() float64 { return st.GroupStats().Busy.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "nabij_store_disk_free_bytes",
			Help: "Space free on the bbolt file's file system (-1 on PostgreSQL); /healthz says degraded under 64 MiB, or a twentieth of a smaller disk.",
		}, func() float64 {
			if free, ok := st.DiskFree(); ok {
				return float64(free)
			}
			return -1
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "nabij_store_write_failures_total",
			Help: "Write transactions the store could not commit (a full disk, say): each rolled back, its callers answered 500.",
		}, func() float64 { return float64(st.WriteFailures()) }),
	)
}

// registerOutboxMetrics exports what waits to be sent: the messages due and
// not yet claimed, how long the earliest of them has waited, and the
// messages claimed and waiting for the provider. A morning that stops (a
// dispatcher stuck, the provider slow) shows here at once; the latency
// histograms count only what went out. One read of the store a scrape.
func registerOutboxMetrics(reg prometheus.Registerer, st *store.Store, now func() time.Time) {
	reg.MustRegister(&outboxCollector{st: st, now: now,
		due: prometheus.NewDesc("nabij_outbox_due",
			"Messages due to be sent and not yet claimed by a worker (at most 100000 counted).", nil, nil),
		oldest: prometheus.NewDesc("nabij_outbox_oldest_due_seconds",
			"How long the earliest message due and not yet claimed has waited; 0 when none waits.", nil, nil),
		sending: prometheus.NewDesc("nabij_messages_sending",
			"Messages claimed and waiting for the provider's answer.", nil, nil),
		retrying: prometheus.NewDesc("nabij_outbox_retrying",
			"Messages tried before and waiting to be tried again (a send Twilio refused for now or left unanswered, or its lookup): neither due nor sending between two tries (at most 1000 counted).", nil, nil),
	})
}

type outboxCollector struct {
	st                             *store.Store
	now                            func() time.Time
	due, oldest, sending, retrying *prometheus.Desc
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.due
	ch <- c.oldest
	ch <- c.sending
	ch <- c.retrying
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	var o store.Outbox
	_ = c.st.View(func(tx *store.Tx) (err error) {
		o, err = tx.OutboxStats(now, dispatch.MaxRetryWait, 100_000)
		return err
	})
	waited := 0.0
	if o.Due > 0 {
		waited = max(now.Sub(o.OldestDue).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(o.Due))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, waited)
	ch <- prometheus.MustNewConstMetric(c.sending, prometheus.GaugeValue, float64(o.Sending))
	ch <- prometheus.MustNewConstMetric(c.retrying, prometheus.GaugeValue, float64(o.Retrying))
}

// jobMetrics count the school day's scheduled jobs (the deadline, the
// digest, the sweep, the purge): a failed job is retried only at its next
// time, so its failures and its last success are exported by name.
type jobMetrics struct {
	failures    *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	// missingLists is how many classes had posted no list at the last list
	// deadline: what an operator alerts on (the log said it only at INFO).
	missingLists prometheus.Gauge
	now          func() time.Time
}

func newJobMetrics(reg prometheus.Registerer, now func() time.Time) *jobMetrics {
	m := &jobMetrics{
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nabij_job_failures_total",
			Help: "Runs of a scheduled job that failed (it is tried again at its next time), by job.",
		}, []string{"job"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "nabij_job_last_success_timestamp_seconds",
			Help: "When a scheduled job last succeeded (Unix time), by job; absent until it has.",
		}, []string{"job"}),
		missingLists: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nabij_lists_missing_at_deadline",
			Help: "Classes that had posted no absence list at the last list deadline (first lesson + 15 minutes) of a school day.",
		}),
		now: now,
	}
	reg.MustRegister(m.failures, m.lastSuccess, m.missingLists)
	return m
}

func (m *jobMetrics) observe(job string, err error) {
	if err != nil {
		m.failures.WithLabelValues(job).Inc()
		return
	}
	m.lastSuccess.WithLabelValues(job).Set(float64(m.now().Unix()))
}
