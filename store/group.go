package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit: bbolt has one writer, and a commit (writing the pages and
// an fdatasync) costs as much as the work of a list. Calls to Group made
// while a commit is under way wait for it, then all run, one after another,
// in the next transaction and share its commit. Unlike bbolt's Batch there
// is no timer: a lone call commits at once, and calls group only as much as
// the load makes them. A call is durable when it returns.
//
// The price is bbolt Batch's: fn may run more than once (when another call
// in its transaction fails, the transaction is rolled back and run again
// without it; the failing call then runs alone). So fn must only depend on
// what it reads in the transaction, and start afresh each time it runs.

// maxGroup bounds the calls in one transaction, so that a commit stays short.
const maxGroup = 128

type groupCall struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

type grouper struct {
	mu      sync.Mutex
	queue   []*groupCall
	running bool

	commits, calls, busy atomic.Int64
}

// GroupStats is what the group commit did since the store opened.
type GroupStats struct {
	Commits int64         // transactions committed for groups
	Calls   int64         // calls they carried
	Busy    time.Duration // time spent running and committing them
}

// GroupStats reports the group commit's work so far (for metrics and nabij-bench).
func (s *Store) GroupStats() GroupStats {
	return GroupStats{Commits: s.group.commits.Load(), Calls: s.group.calls.Load(), Busy: time.Duration(s.group.busy.Load())}
}

// errSolo tells a caller whose fn failed inside a group to run it alone.
var errSolo = errors.New("store: run alone")

// Group runs fn in a read-write transaction shared with the calls made
// while the previous one committed.
func (s *Store) Group(fn func(*Tx) error) error {
	return s.GroupContext(context.Background(), fn)
}

// GroupContext is Group for a caller that can be cancelled (a request whose
// client went away, a shutdown): when ctx ends before fn's transaction
// starts, fn does not run and ctx.Err() is returned. Once fn has run in a
// transaction, its commit is waited for as in Group: a call that returns
// nil is durable, whatever ctx did meanwhile.
func (s *Store) GroupContext(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &groupCall{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.group.mu.Lock()
	s.group.queue = append(s.group.queue, c)
	if !s.group.running {
		s.group.running = true
		go s.commitGroups()
	}
	s.group.mu.Unlock()
	if err := <-c.done; err != errSolo {
		return err
	}
	return s.UpdateContext(ctx, fn)
}

// commitGroups commits what is queued until nothing is.
func (s *Store) commitGroups() {
	for {
		s.group.mu.Lock()
		n := min(len(s.group.queue), maxGroup)
		if n == 0 {
			s.group.running = false
			s.group.mu.Unlock()
			return
		}
		calls := s.group.queue[:n:n]
		s.group.queue = s.group.queue[n:]
		if len(s.group.queue) == 0 {
			s.group.queue = nil // let the backing array go
		}
		s.group.mu.Unlock()
		s.commitGroup(calls)
	}
}

func (s *Store) commitGroup(calls []*groupCall) {
	start := time.Now()
	defer func() { s.group.busy.Add(int64(time.Since(start))) }()
	for {
		// A call whose caller gave up before its transaction starts is
		// not run.
		live := calls[:0]
		for _, c := range calls {
			if err := c.ctx.Err(); err != nil {
				c.done <- err
				continue
			}
			live = append(live, c)
		}
		if calls = live; len(calls) == 0 {
			return
		}
		failed := -1
		err := s.update(context.Background(), func(tx kvTx) error {
			t := &Tx{tx: tx}
			for i, c := range calls {
				err := callSafely(c.fn, t)
				if err == nil {
					// A write the database refuses is this call's.
					err = flushWrites(tx)
				}
				if err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			s.group.commits.Add(1)
			s.group.calls.Add(int64(len(calls)))
			for _, c := range calls {
				c.done <- err
			}
			return
		}
		// Rolled back: the failing call runs alone in its caller, the others
		// run again without it.
		calls[failed].done <- errSolo
		calls = append(calls[:failed:failed], calls[failed+1:]...)
	}
}

// callSafely turns a panic in fn into an error, so that one call cannot
// take down the goroutine that commits for everyone; run alone in its
// caller, it panics there again.
func callSafely(fn func(*Tx) error, t *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in a grouped transaction: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(t)
}
