package dispatch

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/nabij-isk/nabij/alerts"
)

// Config is what a Dispatcher is built from. NewDispatcher reads it once;
// a zero field takes the default its comment names.
type Config struct {
	// Store holds the outbox; Sender hands messages to the provider (a
	// Sender that is also a Looker can be asked for a message it may have).
	Store  alerts.Store
	Sender Sender
	// Fallbacks applies the provider's statuses, with the WhatsApp→SMS
	// fallback; nil for one with alerts.DefaultFallbackCodes, stamped by Now.
	Fallbacks *alerts.Fallbacks
	// Now is the service's clock (school-local; NABIJ_CLOCK may set it
	// ahead or back): what is due, what has expired, the quiet hours, the
	// times written on messages and the dispatcher's own waits. nil for
	// time.Now.
	Now func() time.Time
	// Wall is real time, for what is compared with the provider's clock: a
	// message's claim (ClaimedAt), from which a lookup in the provider's
	// log searches, and how long it has been "sending". Only a test sets
	// it; nil for time.Now.
	Wall func() time.Time
	// Rate is how many messages a second go to the provider, a token bucket
	// of one; 0 sends as fast as the workers can.
	Rate float64
	// Workers is how many sends run at once; below 1, one.
	Workers int
	// Backoff spaces the tries after a passing refusal (429, 5xx) or a send
	// without an answer; zero for 2 s doubling up to 5 minutes.
	Backoff Backoff
	// Quiet keeps messages to families inside waking hours; zero is never quiet.
	Quiet alerts.QuietHours
	// Log gets ids and counts, never names, numbers or bodies; nil for slog.Default().
	Log *slog.Logger
	// Observe, when set, is told of every message whose status changed.
	Observe func(m *alerts.Message)
	// PauseRetry is how often a dispatcher paused by an account refusal
	// tries the provider again; 0 for DefaultPauseRetry.
	PauseRetry time.Duration
	// ShutdownWait bounds how long Run waits, once its context ends, for the
	// sends under way and the recording of their answers; 0 for
	// DefaultShutdownWait.
	ShutdownWait time.Duration
	// Replicas are the other processes on the same store (PostgreSQL);
	// zero on bbolt, where this process is the only one.
	Replicas Replicas
}

// Replicas tell a dispatcher about the other processes on its store. Each
// claim is marked with Self; a message left "sending" by a replica that is
// gone (Gone) is looked up and settled by another, once Grace has passed
// since it was first seen gone: by then any send the gone replica still
// had under way has ended (a replica that loses its lease stops sending at
// once, and a send lasts at most the provider client's timeout).
type Replicas struct {
	Self  string
	Gone  func(ctx context.Context, replica string) (bool, error)
	Grace time.Duration
	// Checks reports whether this replica runs the status checks
	// (statuscheck.go) now: one replica does, so that Twilio is asked once
	// per message. nil runs them.
	Checks func() bool
}

// orphanCheck is how often a dispatcher with replicas looks for messages
// a gone replica left "sending".
const orphanCheck = 2 * time.Second

// DefaultShutdownWait is how long Run waits at most for the sends under way
// when it stops: well within the stop timeouts of deploy/ (30 s), and
// longer than a provider usually takes to answer.
const DefaultShutdownWait = 10 * time.Second

// MaxRetryWait is the longest wait between two tries of a message (the
// backoff's cap): a message waiting longer than that is not waiting to be
// tried again.
const MaxRetryWait = 5 * time.Minute

// defaultBackoff is the backoff of a Config that sets none.
var defaultBackoff = Backoff{First: 2 * time.Second, Max: MaxRetryWait}

// Dispatcher sends what is due in the outbox. It claims a message (sending)
// in one transaction before it calls the provider and records the answer in
// another, so a running nabij never hands a message over twice; a message
// whose send ended without an answer is looked up at the provider before it
// is sent again. Make one with NewDispatcher.
type Dispatcher struct {
	store        alerts.Store
	sender       Sender
	fallbacks    *alerts.Fallbacks
	now, wall    func() time.Time
	limiter      *rate.Limiter // nil sends as fast as the workers can
	workers      int
	backoff      Backoff
	quiet        alerts.QuietHours
	log          *slog.Logger
	observer     func(m *alerts.Message)
	pauseRetry   time.Duration
	shutdownWait time.Duration

	replicas Replicas
	gone     map[string]time.Time // replicas seen gone, and since when (wall)

	// settleTime is the least wait before the lookup of a send left without an
	// answer (the sender's Settler; 0 without one).
	settleTime time.Duration

	wake     chan struct{}
	mu       sync.Mutex
	inflight map[string]bool
	failing  map[string]time.Time // claims that failed: left alone until then
	paused   *pause               // the provider refuses the account (pause.go)

	// checked and moved count the status checks answered since start, and
	// those that moved a message on (statuscheck.go); unanswered holds the
	// checks left unanswered, and when they are asked again (read and
	// written by one round at a time).
	checked, moved atomic.Uint64
	unanswered     map[string]time.Time
}

// NewDispatcher makes a dispatcher of cfg, ready to Reconcile and Run, with
// the defaults of Config's comments applied.
func NewDispatcher(cfg Config) *Dispatcher {
	d := &Dispatcher{
		store: cfg.Store, sender: cfg.Sender, fallbacks: cfg.Fallbacks,
		now: cfg.Now, wall: cfg.Wall, workers: max(cfg.Workers, 1), backoff: cfg.Backoff,
		quiet: cfg.Quiet, log: cfg.Log, observer: cfg.Observe,
		pauseRetry: cfg.PauseRetry, shutdownWait: cfg.ShutdownWait, replicas: cfg.Replicas,
		gone:     map[string]time.Time{},
		wake:     make(chan struct{}, 1),
		inflight: map[string]bool{},
		failing:  map[string]time.Time{},

		unanswered: map[string]time.Time{},
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.wall == nil {
		d.wall = time.Now
	}
	if s, ok := d.sender.(Settler); ok {
		d.settleTime = s.SettleTime()
	}
	if d.fallbacks == nil {
		d.fallbacks = &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: d.now}
	}
	if cfg.Rate > 0 {
		d.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), 1)
	}
	if d.backoff.First == 0 {
		d.backoff = defaultBackoff
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.pauseRetry <= 0 {
		d.pauseRetry = DefaultPauseRetry
	}
	if d.shutdownWait <= 0 {
		d.shutdownWait = DefaultShutdownWait
	}
	return d
}

// Sender is the provider the dispatcher sends through.
func (d *Dispatcher) Sender() Sender { return d.sender }

// Backoff spaces the tries of a message refused for a passing reason.
type Backoff struct {
	First, Max time.Duration
}

// Delay is the wait before try attempt+1: exponential, capped, with jitter
// so that a recovering provider is not hit by every message at once.
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.First
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + rand.N(d/2+1)
}

// Wake makes the dispatcher look at the outbox now. It only signals the
// loop: a send on a channel of one that never blocks (a wake already
// waiting is enough) and does no I/O, so it takes no context.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends until ctx ends, then waits for the sends under way, at most
// ShutdownWait (stop). Run a Dispatcher once.
//
// One loop reads the outbox and claims what is due, many messages in one
// transaction, for the workers; each worker sends its message and leaves
// the answer to be recorded beside it (answers share commits: store.Group).
// At most inFlight messages per worker are claimed and not yet sent, and
// under a rate limit a message is claimed only when the limit lets it go:
// "sending" means on its way.
func (d *Dispatcher) Run(ctx context.Context) {
	// A token per message that may be claimed and not yet sent. A claim
	// waits for a commit (milliseconds, under load): claiming ahead keeps
	// the workers busy meanwhile, and makes claims come in batches.
	// Under a rate limit a message is claimed only when a worker is free and
	// the limit lets it go: claimed ahead, messages held up by a slow
	// provider would go out in a burst when it recovers.
	inFlight := 8
	if d.limiter != nil {
		inFlight = 1
	}
	jobs := make(chan *alerts.Message, inFlight*d.workers)
	free := make(chan struct{}, inFlight*d.workers)
	for range inFlight * d.workers {
		free <- struct{}{}
	}
	// A worker does not wait for its answer's commit: the answer is
	// recorded beside it (answers share commits), and the worker sends the
	// next message. Until it is recorded, a message stays "sending", which a
	// restart looks up at the provider rather than send again. recording
	// bounds the answers waiting for their commit.
	recording := make(chan struct{}, 4*d.workers)
	var wg, records sync.WaitGroup
	for range d.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.work(ctx, jobs, free, recording, &records)
		}()
	}
	// Status checks (statuscheck.go) run beside the sends, one round at a
	// time, when the sender can fetch a message's status. The stop does not
	// wait for a round: the provider's client takes no context, and a check
	// cut short is not counted, so the next start asks again.
	checking := make(chan struct{}, 1)
	fetcher, canFetch := d.sender.(Fetcher)
	defer func() {
		close(jobs)
		d.stop(jobs, &wg, &records)
	}()
	// A scan reads more than can be in flight, so that messages in flight
	// never hide the ones behind them.
	batch := 256 + inFlight*d.workers
	// The first round of status checks at once: a start after a restart is
	// when callbacks were lost.
	lastCheck, lastOrphans, lastStatusCheck := d.now(), d.wall(), d.now().Add(-statusCheckEvery)
	for ctx.Err() == nil {
		if d.replicas.Gone != nil && d.wall().Sub(lastOrphans) >= orphanCheck {
			lastOrphans = d.wall()
			if found, requeued, err := d.reconcile(ctx, -1); err != nil {
				d.log.Error("reconciling messages of replicas that are gone", "err", err)
			} else if found+requeued > 0 {
				d.log.Warn("reconciled messages a replica that is gone left sending", "found_at_provider", found, "requeued", requeued)
			}
		}
		if d.now().Sub(lastCheck) > StuckAfter {
			lastCheck = d.now()
			if found, requeued, err := d.reconcile(ctx, StuckAfter); err != nil {
				d.log.Error("reconciling stuck messages", "err", err)
			} else if found+requeued > 0 {
				d.log.Warn("reconciled messages stuck sending", "found_at_provider", found, "requeued", requeued)
			}
		}
		var ids []string
		var next time.Time
		var hasNext bool
		err := d.store.ViewAlerts(func(tx alerts.Tx) error {
			now := d.now()
			var err error
			if ids, err = tx.Due(now, batch); err != nil {
				return err
			}
			next, hasNext, err = tx.NextDue(now)
			return err
		})
		if err != nil {
			d.log.Error("outbox scan failed", "err", err)
		}
		ids = d.notInFlight(ids)
		var handled int
		var failed bool
		hold, probe, retryAt := d.holding()
		// A replica that does not run the checks now leaves its minute
		// unspent: it runs a round as soon as it takes them over.
		if canFetch && !hold && d.checksHere() && d.now().Sub(lastStatusCheck) >= statusCheckEvery {
			select {
			case checking <- struct{}{}:
				lastStatusCheck = d.now()
				go func() {
					defer func() { <-checking }()
					d.statusRound(ctx, fetcher)
				}()
			default: // the last round is still asking
			}
		}
		switch {
		case hold:
			// The provider refuses the account: nothing is sent until the
			// next try, but what expires meanwhile still becomes a task.
			handled, failed = d.settle(ids)
		case probe && len(ids) > 0:
			// One message tries whether the provider accepts again.
			for _, id := range ids[1:] {
				d.done(id)
			}
			handled, failed = d.start(ctx, ids[:1], free, jobs, true)
		default:
			handled, failed = d.start(ctx, ids, free, jobs, false)
		}
		if handled > 0 && !failed {
			continue // more may have come due meanwhile: look again at once
		}
		// What is due now and was not handled is in flight, failing (left
		// alone for a while) or held back by a refused account: wait for the
		// next due time after now, the next try of a refused account, or
		// Wake (a new list, a fallback), at most a second.
		wait := time.Second
		if hasNext {
			wait = min(wait, max(next.Sub(d.now()), time.Millisecond))
		}
		if hold && !retryAt.IsZero() {
			wait = min(wait, max(retryAt.Sub(d.now()), time.Millisecond))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// stop ends Run. The messages claimed ahead that no worker has taken go
// back to the outbox as they were (a worker does the same with the next one
// it takes), and stop waits for the sends under way and the recording of
// their answers, at most shutdownWait. A send still under way then stays
// "sending" in the store (unless its answer comes and is recorded before
// the store closes), and the next start looks it up at the provider rather
// than send it again: Reconcile.
func (d *Dispatcher) stop(jobs <-chan *alerts.Message, workers, records *sync.WaitGroup) {
	var back sync.WaitGroup
	for m := range jobs {
		back.Add(1)
		go func() { // at once, so that their writes share commits
			defer back.Done()
			d.unclaim(m)
			d.done(m.ID)
		}()
	}
	ended := make(chan struct{})
	go func() {
		back.Wait()
		workers.Wait()
		records.Wait() // after the workers: only they add to it
		close(ended)
	}()
	timer := time.NewTimer(d.shutdownWait)
	defer timer.Stop()
	select {
	case <-ended:
	case <-timer.C:
		ids := d.inFlightIDs()
		d.log.Warn("stopped with sends under way: they stay sending, and the next start looks them up at the provider",
			"sending", len(ids), "messages", ids, "waited", d.shutdownWait)
	}
}

// work sends the messages of jobs, one at a time: each answer is recorded
// beside it (at most cap(recording) waiting for their commit) and its token
// goes back to free as soon as it is sent.
func (d *Dispatcher) work(ctx context.Context, jobs <-chan *alerts.Message, free, recording chan struct{}, records *sync.WaitGroup) {
	for m := range jobs {
		// An uncertain message past its validity goes on: it is looked up,
		// not sent (send).
		expired := !m.ExpiresAt.IsZero() && !d.now().Before(m.ExpiresAt) && !m.Uncertain
		if ctx.Err() != nil || d.holdsBack(m.ID) || expired {
			// Stopping, or the provider refuses the account: a message
			// claimed ahead and not sent goes back to the outbox as it
			// was, not as an uncertain try. So does one whose validity
			// ended while it waited for a worker (a slow provider): the
			// next claim expires it, and a person is told, rather than
			// it reaching a family hours late.
			d.unclaim(m)
			d.done(m.ID)
			free <- struct{}{}
			if expired {
				d.Wake()
			}
			continue
		}
		a := d.send(ctx, m)
		d.answered(m.ID, a)
		recording <- struct{}{}
		records.Add(1)
		go func() {
			defer records.Done()
			d.record(m, a)
			d.done(m.ID)
			<-recording
		}()
		free <- struct{}{}
	}
}

// start claims ids (already marked in flight) as tokens come free and hands
// the claimed ones to the workers. handled counts the messages a claim
// changed (claimed, settled or deferred); failed is a claim the store
// refused. Ids not claimed are no longer in flight when it returns. With
// probe, the message claimed tries whether a refused account is accepted.
func (d *Dispatcher) start(ctx context.Context, ids []string, free chan struct{}, jobs chan<- *alerts.Message, probe bool) (handled int, failed bool) {
	defer func() {
		for _, id := range ids {
			d.done(id) // not claimed this round: the claim failed or ctx ended
		}
	}()
	for len(ids) > 0 && ctx.Err() == nil {
		n := d.take(ctx, free, len(ids))
		if n == 0 {
			return handled, false // ctx ended
		}
		claimed, moved, err := d.claim(ids[:n])
		if err != nil {
			d.log.Error("claim failed", "messages", n, "err", err)
		}
		for _, id := range ids[:n] {
			if !slices.ContainsFunc(claimed, func(m *alerts.Message) bool { return m.ID == id }) {
				d.done(id) // settled, deferred, taken by another, or the claim failed
			}
		}
		for range n - len(claimed) {
			free <- struct{}{}
		}
		for _, m := range claimed {
			if probe {
				d.probing(m.ID)
			}
			jobs <- m // a worker's token was taken for it: never blocks
		}
		ids = ids[n:]
		if err != nil {
			return handled, true
		}
		handled += moved
	}
	return handled, false
}

// take waits for a free worker and takes up to want of them, as many as are
// free now and, under a rate limit, as many as the limit lets go now. It
// returns 0 when ctx ends.
func (d *Dispatcher) take(ctx context.Context, free chan struct{}, want int) int {
	select {
	case <-free:
	case <-ctx.Done():
		return 0
	}
	if d.limiter != nil {
		if err := d.limiter.Wait(ctx); err != nil {
			free <- struct{}{}
			return 0
		}
	}
	n := 1
	for n < want {
		select {
		case <-free:
		default:
			return n
		}
		if d.limiter != nil && !d.limiter.Allow() {
			free <- struct{}{}
			return n
		}
		n++
	}
	return n
}
