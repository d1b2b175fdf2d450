package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/web"
)

// Replicas (PostgreSQL): any number of nabij processes on one database.
// Each holds a lease named after an id of its own for as long as it lives
// (store/lease.go) and marks its claims with that id; a message a replica
// that is gone left "sending" is looked up by another (dispatch.Replicas).
// The school day's rhythm runs on one replica at a time: the one holding
// the "rhythm" lease, which another takes over when its holder dies.

// rhythmRetry is how often a replica without the rhythm tries to take it.
const rhythmRetry = 2 * time.Second

// replica is this process on a store with replicas.
type replica struct {
	id    string
	lease *store.Lease
	// leads is set while this replica holds the rhythm lease: it runs the
	// school day's jobs and the dispatcher's status checks.
	leads atomic.Bool
}

// joinReplicas takes this process's replica lease, on PostgreSQL; nil on
// bbolt.
func joinReplicas(st *store.Store) (*replica, error) {
	if !st.Postgres() {
		return nil, nil
	}
	b := make([]byte, 8)
	rand.Read(b)
	id := hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := st.TryLease(ctx, "replica:"+id)
	if err != nil {
		return nil, fmt.Errorf("postgres: this replica's lease: %w", err)
	}
	if l == nil {
		return nil, errors.New("postgres: this replica's new id is held by another: try again")
	}
	return &replica{id: id, lease: l}, nil
}

// dispatchReplicas is what the dispatcher knows of the other replicas.
// The grace covers a replica that lost its lease and has not yet noticed
// (a lease is checked every 2 s) and its last sends (the provider client's
// timeout).
func (r *replica) dispatchReplicas(st *store.Store, sendTimeout time.Duration) dispatch.Replicas {
	if r == nil {
		return dispatch.Replicas{}
	}
	return dispatch.Replicas{
		Self: r.id,
		Gone: func(ctx context.Context, other string) (bool, error) {
			return st.LeaseFree(ctx, "replica:"+other)
		},
		Grace:  sendTimeout + 5*time.Second,
		Checks: r.leads.Load, // the rhythm's replica asks Twilio, once
	}
}

// runRhythm runs the school day's rhythm (and first the catch-up sweep)
// until ctx ends: at once on bbolt; on PostgreSQL while this replica holds
// the rhythm lease, trying for it every rhythmRetry while another does.
func (s *server) runRhythm(ctx context.Context) {
	if s.replica == nil {
		s.catchUpSweep(ctx)
		if err := s.rhythm.Run(ctx); err != nil {
			s.log.Error("the school day's rhythm stopped", "err", err)
		}
		return
	}
	for ctx.Err() == nil {
		lease, err := s.store.TryLease(ctx, "rhythm")
		if err != nil && ctx.Err() == nil {
			s.log.Error("taking the rhythm lease", "err", err)
		}
		if lease != nil {
			s.log.Info("this replica runs the school day's rhythm and the status checks", "replica", s.replica.id)
			s.replica.leads.Store(true)
			lead, cancel := context.WithCancel(ctx)
			go func() {
				select {
				case <-lease.Lost():
					s.replica.leads.Store(false)
					s.log.Error("the rhythm lease was lost: another replica may take it", "replica", s.replica.id)
				case <-lead.Done():
				}
				cancel()
			}()
			s.catchUpSweep(lead)
			if err := s.rhythm.Run(lead); err != nil {
				s.log.Error("the school day's rhythm stopped", "err", err)
			}
			cancel()
			s.replica.leads.Store(false)
			lease.Release()
		}
		select {
		case <-ctx.Done():
		case <-time.After(rhythmRetry):
		}
	}
}

// watchReplicaLease stops sending when its replica lease is lost, and ends
// the process once the database answers again (PostgreSQL restarted or
// failed over, the network cut): another replica
// may then settle this one's messages, so this one must send no more. The
// dispatcher stops at once; serve exits with an error for the supervisor
// to restart it once the database answers again, so that the restart
// finds it (exiting at once, every replica restarted into a database
// still down, failed its start, and Kubernetes' back-off, up to five
// minutes, outlasted the outage: found by an operator's review). Until
// then /healthz says the database is down and /livez that the process
// serves.
func (s *server) watchReplicaLease(ctx context.Context) {
	if s.replica == nil {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-s.replica.lease.Lost():
	}
	s.log.Error("this replica's lease was lost: it stops sending, and exits when the database answers again", "replica", s.replica.id)
	s.stopSending()
	for s.databaseUp(ctx) != nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.databaseRetry):
		}
	}
	select {
	case s.fatal <- errors.New("the replica's lease on the database was lost"):
	default:
	}
}

// databaseRetry is how often a replica that lost its lease asks whether
// the database answers again.
const databaseRetry = 2 * time.Second

// refreshInterval is how soon what another replica saved that a replica
// keeps in memory (the school's own wording) is in force on it.
const refreshInterval = 5 * time.Second

// followReplicas puts in force, every refreshInterval, the school's own
// wording another replica saved; nothing on bbolt. It also ends this
// replica when a newer nabij has migrated the store under it (a rolling
// upgrade across a schema change): it would go on writing without what the
// newer schema keeps, as it would refuse the store if it started now.
func (s *server) followReplicas(ctx context.Context) {
	if s.replica == nil {
		return
	}
	t := time.NewTicker(refreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.svc.RefreshTranslationOverrides(ctx, s.log); err != nil && ctx.Err() == nil {
				s.log.Error("following the other replicas", "err", err)
			}
			if err := s.store.CheckSchema(); err != nil {
				if ctx.Err() != nil {
					return
				}
				if !errors.Is(err, store.ErrNewerSchema) {
					s.log.Error("reading the store's schema version", "err", err)
					continue
				}
				s.log.Error("a newer nabij migrated the store: this replica stops sending and exits", "replica", s.replica.id, "err", err)
				s.stopSending()
				select {
				case s.fatal <- err:
				default:
				}
				return
			}
		}
	}
}

// oidcOf is the sign-in with the school's accounts: with replicas, the
// sign-ins under way are kept in the store, since the provider may send the
// browser back to another replica.
func oidcOf(cfg *config, r *replica, st *store.Store) web.OIDCConfig {
	o := cfg.OIDC
	if r != nil {
		o.Logins = app.OIDCLogins{Store: st}
	}
	return o
}
