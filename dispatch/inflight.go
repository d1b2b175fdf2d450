package dispatch

// What a dispatcher has in flight: the messages it claimed and has not yet
// done with, and those whose claim failed a moment ago.

import (
	"maps"
	"slices"
	"time"
)

// notInFlight marks ids in flight and drops those that already were, and
// those whose claim failed a moment ago.
func (d *Dispatcher) notInFlight(ids []string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for id, until := range d.failing {
		if !now.Before(until) {
			delete(d.failing, id) // its pause is over (or it left the outbox)
		}
	}
	out := ids[:0]
	for _, id := range ids {
		if _, ok := d.failing[id]; ok {
			continue
		}
		if !d.inflight[id] {
			d.inflight[id] = true
			out = append(out, id)
		}
	}
	return out
}

// failingPause is how long a message whose claim failed is left alone, so
// that one damaged message neither holds up the others nor fills the log.
const failingPause = time.Minute

func (d *Dispatcher) claimFailed(id string) {
	d.mu.Lock()
	d.failing[id] = d.now().Add(failingPause)
	d.mu.Unlock()
}

// inFlightIDs lists the messages claimed and not yet done with, sorted.
func (d *Dispatcher) inFlightIDs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Sorted(maps.Keys(d.inflight))
}

func (d *Dispatcher) isInFlight(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inflight[id]
}

func (d *Dispatcher) done(id string) {
	d.mu.Lock()
	delete(d.inflight, id)
	d.mu.Unlock()
}
