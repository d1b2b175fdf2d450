package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// A write the store cannot commit (a full disk, a disk gone read-only) is
// rolled back whole, as every bbolt transaction is: nothing of it is kept
// and its caller gets a WriteError. The store remembers the failure, so
// that /healthz says "degraded" while writes fail, and counts it for
// /metrics; the next write that commits clears it.

// WriteError is a write the store could not commit; nothing of it was
// applied.
type WriteError struct {
	Err error
}

func (e *WriteError) Error() string { return "the store could not be written: " + e.Err.Error() }

// Unwrap is the cause (syscall.ENOSPC, say).
func (e *WriteError) Unwrap() error { return e.Err }

// Reason is the cause in a few words, without the file's path or the
// database's address, for an answer to a client (and the public /healthz):
// the system's own words ("no space left on device") where there are
// some, PostgreSQL's message when it refused, and what happened to the
// connection when it failed (its error names the addresses of both ends).
// The whole error goes to the log.
func (e *WriteError) Reason() string {
	var errno syscall.Errno
	if errors.As(e.Err, &errno) {
		return errno.Error()
	}
	var pgErr *pgconn.PgError
	if errors.As(e.Err, &pgErr) {
		return fmt.Sprintf("PostgreSQL refused it: %s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	var netErr net.Error
	if errors.As(e.Err, &netErr) && netErr.Timeout() || errors.Is(e.Err, context.DeadlineExceeded) {
		return "the database did not answer in time"
	}
	if netErr != nil || errors.Is(e.Err, ErrUnreachable) {
		return "the connection to the database failed"
	}
	return e.Err.Error()
}

// writeHealth is what the last commits did.
type writeHealth struct {
	mu       sync.Mutex
	last     *WriteError // the last commit's failure; nil once one succeeds
	since    time.Time   // when the failures began
	failures atomic.Int64
}

func (h *writeHealth) record(err *WriteError) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.last = nil
		return
	}
	h.failures.Add(1)
	if h.last == nil {
		h.since = time.Now()
	}
	h.last = err
}

func (h *writeHealth) failing() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil {
		return nil
	}
	return fmt.Errorf("writes have failed since %s: %s", h.since.UTC().Format(time.RFC3339), h.last.Reason())
}

// WriteHealth is nil while the store's writes commit and the data
// directory's disk has room (spaceHealth), else the failure:
// since when and why. While they fail it tries a write itself (an empty
// one), so that it is nil again as soon as the disk has room, whether or
// not anything else writes. For /healthz.
func (s *Store) WriteHealth() error {
	if s.health.failing() != nil {
		_ = s.Group(func(*Tx) error { return nil })
	}
	if err := s.health.failing(); err != nil {
		return err
	}
	return s.spaceHealth()
}

// spaceOf is diskSpace, a var for the tests.
var spaceOf = diskSpace

// spaceHealth is nil while the bbolt file's file system has room: at least
// 64 MiB free, or a twentieth of a smaller one. Below that a list's write
// may fail while an empty one (WriteHealth's) still fits in the file's free
// pages, and bbolt grows its file 16 MiB at a time: /healthz says degraded
// before the lists fail. PostgreSQL's disk is the database's to watch.
func (s *Store) spaceHealth() error {
	if s.db == nil {
		return nil
	}
	dir := filepath.Dir(s.db.Path())
	free, total, err := spaceOf(dir)
	if err != nil {
		return nil // not known: the writes' own failures tell
	}
	if low := min(64<<20, total/20); free < low {
		// /healthz is public: the figures are in /metrics (DiskFree).
		return errors.New("the data directory's disk is nearly full: lists may soon fail to save; free space or grow the disk (nabij_store_disk_free_bytes)")
	}
	return nil
}

// DiskFree is the space free on the bbolt file's file system, for /metrics
// (false on PostgreSQL, or where it is not known).
func (s *Store) DiskFree() (uint64, bool) {
	if s.db == nil {
		return 0, false
	}
	free, _, err := spaceOf(filepath.Dir(s.db.Path()))
	return free, err == nil
}

// WriteFailures counts the write transactions that could not be committed
// since the store opened (for /metrics).
func (s *Store) WriteFailures() int64 { return s.health.failures.Load() }

// writeFault is a test's full disk: while set, every commit fails with it.
type writeFault struct{ err atomic.Pointer[error] }

// SetWriteFault makes every write transaction fail with err at its commit
// (rolled back, as a commit on a full disk is) until SetWriteFault(nil):
// for tests, a full disk without filling one.
func (s *Store) SetWriteFault(err error) {
	if err == nil {
		s.fault.err.Store(nil)
		return
	}
	s.fault.err.Store(&err)
}

// update runs fn in a read-write transaction, stamps the write and
// commits. An error of fn's undoes it and is returned as it is; a commit
// that fails is a WriteError, and recorded.
func (s *Store) update(ctx context.Context, fn func(kvTx) error) error {
	committing := false
	err := s.eng.update(ctx, func(tx kvTx) error {
		if err := fn(tx); err != nil {
			return err
		}
		// fn's writes, sent (PostgreSQL): one the database refuses is fn's
		// failure, as it was when each write was a statement; only the
		// commit's own failures are WriteErrors.
		if err := flushWrites(tx); err != nil {
			return err
		}
		if err := stampWrite(tx); err != nil {
			return err
		}
		committing = true
		if p := s.fault.err.Load(); p != nil {
			return *p
		}
		return nil
	})
	if !committing {
		return err
	}
	if err != nil {
		werr := &WriteError{Err: err}
		s.health.record(werr)
		return werr
	}
	s.health.record(nil)
	return nil
}
