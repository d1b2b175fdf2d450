package main

import (
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
			Help: "Messages that reached a status, by status, channel and language.",
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
// allowed), when no message goes out and /healthz says why.
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
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "nabij_store_write_failures_total",
			Help: "Write transactions the store could not commit (a full disk, say): each rolled back, its callers answered 500.",
		}, func() float64 { return float64(st.WriteFailures()) }),
	)
}
