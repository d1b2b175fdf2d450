package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/alerts"
)

type metrics struct {
	statuses *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		statuses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nabij_message_status_total",
			Help: "Messages that reached a status, by status, channel and language.",
		}, []string{"status", "channel", "language"}),
	}
	reg.MustRegister(m.statuses)
	return m
}

func (m *metrics) observe(msg *alerts.Message) {
	m.statuses.WithLabelValues(string(msg.Status), string(msg.Channel), msg.Language).Inc()
}
