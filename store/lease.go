package store

import (
	"context"
	"errors"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Leases (PostgreSQL only): a lease is a session-level advisory lock, held
// on a connection of its own for as long as the process lives. A process
// that dies loses its connection, and PostgreSQL frees its leases with it,
// at once: that is how replicas know one of them is gone (its "replica:ID"
// lease is free) and how one of them at a time runs the school day's rhythm
// (the "rhythm" lease).

// ErrNoLeases is a lease asked of a store on bbolt, where one process holds
// the whole store.
var ErrNoLeases = errors.New("store: leases are PostgreSQL's; on bbolt one process holds the store")

// leaseCheck is how often a held lease's connection is checked.
const leaseCheck = 2 * time.Second

// Lease is a held lease.
type Lease struct {
	conn     *pgx.Conn
	key      int64
	lost     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func leaseKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("nabij lease " + name))
	return int64(h.Sum64())
}

// TryLease takes the lease name if no process holds it: (nil, nil) when one
// does. The lease is held until Release, or until its connection fails
// (Lost).
func (s *Store) TryLease(ctx context.Context, name string) (*Lease, error) {
	if s.pg == nil {
		return nil, ErrNoLeases
	}
	conn, err := pgx.ConnectConfig(ctx, s.pg.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	key := leaseKey(name)
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	if !got {
		conn.Close(context.Background())
		return nil, nil
	}
	l := &Lease{conn: conn, key: key, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go l.watch()
	return l, nil
}

// watch checks the lease's connection until it fails (Lost) or Release.
func (l *Lease) watch() {
	defer close(l.done)
	t := time.NewTicker(leaseCheck)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), leaseCheck)
			err := l.conn.Ping(ctx)
			cancel()
			if err != nil {
				close(l.lost)
				l.conn.Close(context.Background())
				return
			}
		}
	}
}

// Lost is closed when the lease's connection failed: the lease may be
// another process's now.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Release gives the lease up.
func (l *Lease) Release() {
	l.stopOnce.Do(func() {
		close(l.stop)
		<-l.done
		select {
		case <-l.lost:
		default:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", l.key)
			l.conn.Close(ctx)
			cancel()
		}
	})
}

// LeaseFree reports whether no process holds the lease name: taken for a
// moment and given back at once.
func (s *Store) LeaseFree(ctx context.Context, name string) (bool, error) {
	if s.pg == nil {
		return false, ErrNoLeases
	}
	conn, err := s.pg.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	key := leaseKey(name)
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		return false, err
	}
	if got {
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			// A session lock left on a pooled connection would hold the
			// lease for whoever gets the connection next.
			conn.Conn().Close(ctx)
			return true, err
		}
	}
	return got, nil
}
