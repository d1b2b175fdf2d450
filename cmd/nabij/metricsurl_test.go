package main

// MetricsURL is where /metrics answers: its own address, else the main one.
// Only the tests ask; nabij logs the address it listens on.
func (s *server) MetricsURL() string {
	if s.metricsListener != nil {
		return "http://" + s.metricsListener.Addr().String() + "/metrics"
	}
	return s.URL() + "/metrics"
}
