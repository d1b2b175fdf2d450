package dispatch

import "context"

// CheckStatuses runs one round of status checks (statuscheck.go), for
// tests that place each round on their clock themselves.
func (d *Dispatcher) CheckStatuses(ctx context.Context) (checked, changed int, err error) {
	return d.checkStatuses(ctx, d.sender.(Fetcher))
}
