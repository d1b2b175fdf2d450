package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// badKey is a key PostgreSQL refuses (bytea takes it, the index does not:
// over its size limit, and incompressible); bbolt takes it.
func badKey() []byte {
	k := make([]byte, 20_000)
	rand.Read(k)
	return k
}

// A grouped call whose write the database refuses fails alone; the calls
// grouped with it commit, and it is no failure of the store. (Found by a
// review of the write buffer: the refusal came at the commit, and failed
// every call of the group.)
func TestAGroupCallWhoseWriteIsRefusedFailsAlone(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		release := holdGroup(s)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Group(func(tx *Tx) error {
					b := tx.tx.Bucket(bucketDigests)
					if i == 1 {
						return b.Put(badKey(), []byte("x"))
					}
					return b.Put(fmt.Appendf(nil, "good%d", i), []byte("x"))
				})
			}()
		}
		for queued := 0; queued < 3; time.Sleep(time.Millisecond) { // the three wait for the same transaction
			s.group.mu.Lock()
			queued = len(s.group.queue)
			s.group.mu.Unlock()
		}
		release()
		wg.Wait()
		if s.Postgres() && errs[1] == nil {
			t.Errorf("the refused write: no error")
		}
		for _, i := range []int{0, 2} {
			if errs[i] != nil {
				t.Errorf("innocent call %d failed: %v", i, errs[i])
			}
		}
		if n := s.WriteFailures(); s.Postgres() && n != 0 {
			t.Errorf("WriteFailures = %d, health = %v: a refused write is recorded as the store failing", n, s.WriteHealth())
		}
	})
}

// A write the database refuses is the failure of the transaction's caller,
// the same way whether or not a cursor sent the buffer earlier: not a
// WriteError (the store's failure to commit), not counted as one. (Found by
// a review.)
func TestARefusedWriteIsTheCallersFailure(t *testing.T) {
	s := openPostgres(t)
	run := func(cursor bool) error {
		return s.Update(func(tx *Tx) error {
			b := tx.tx.Bucket(bucketDigests)
			if err := b.Put(badKey(), []byte("x")); err != nil {
				return err
			}
			if cursor {
				k, _ := b.Cursor().First()
				_ = k // the flush failed: nil, and fn carries on
			}
			return nil
		})
	}
	e1, e2 := run(false), run(true)
	var w1, w2 *WriteError
	if e1 == nil || e2 == nil || errors.As(e1, &w1) || errors.As(e2, &w2) || s.WriteFailures() != 0 {
		t.Errorf("a write PostgreSQL refuses: %v, %v (with a cursor); want the caller's error both times, no WriteError, and no write failure recorded (%d)", e1, e2, s.WriteFailures())
	}
}

// Every read of a PostgreSQL transaction sees its buffered writes: Seek,
// Last and Prev after writes, a cursor deleting across pages, the same key
// deleted and put again, clear then Get, sequences. (bbolt has quirks of
// its own here: a cursor's Delete skips the next key.) (From a review.)
func TestPostgresReadsSeeBufferedWrites(t *testing.T) {
	func(open opener) {
		s := open(t)
		// 100 committed keys
		if err := s.Update(func(tx *Tx) error {
			for i := range 100 {
				if err := tx.tx.Bucket(bucketDigests).Put(fmt.Appendf(nil, "k%03d", i), []byte("v")); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		err := s.Update(func(tx *Tx) error {
			b := tx.tx.Bucket(bucketDigests)
			o := tx.tx.Bucket(bucketLists)
			chk := func(what, got, want string) {
				if got != want {
					t.Errorf("%s: got %q want %q", what, got, want)
				}
			}
			b.Put([]byte("k0505"), []byte("new"))
			k, v := b.Cursor().Seek([]byte("k0500"))
			chk("Seek after Put", string(k)+"="+string(v), "k0505=new")
			b.Put([]byte("z"), []byte("last"))
			c := b.Cursor()
			k, _ = c.Last()
			chk("Last after Put", string(k), "z")
			b.Delete([]byte("k099"))
			k, _ = c.Prev()
			chk("Prev after Delete", string(k), "k098")
			k, _ = c.Prev()
			chk("Prev 2", string(k), "k097")
			chk("other bucket", fmt.Sprint(o.Get([]byte("z")) == nil), "true")
			b.Put([]byte("empty"), nil)
			g := b.Get([]byte("empty"))
			chk("empty value non-nil", fmt.Sprint(g != nil, len(g)), "true 0")
			// cursor Delete across pages
			n := 0
			c = b.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if strings.HasPrefix(string(k), "k") {
					if err := c.Delete(); err != nil {
						return err
					}
					n++
				}
			}
			chk("deleted by cursor", fmt.Sprint(n), "100")
			var left []string
			b.ForEach(func(k, _ []byte) error { left = append(left, string(k)); return nil })
			chk("ForEach after cursor deletes", strings.Join(left, ","), "empty,z")
			// delete then put, put then delete
			b.Delete([]byte("z"))
			b.Put([]byte("z"), []byte("again"))
			chk("delete then put", string(b.Get([]byte("z"))), "again")
			b.Put([]byte("y"), []byte("1"))
			b.Delete([]byte("y"))
			k, _ = b.Cursor().Seek([]byte("y"))
			chk("put then delete, Seek", string(k), "z")
			// sequences and clear
			seq, _ := b.NextSequence()
			chk("seq", fmt.Sprint(seq), "1")
			b.Put([]byte("w"), []byte("1"))
			if err := tx.clear(bucketDigests); err != nil {
				return err
			}
			b = tx.tx.Bucket(bucketDigests)
			chk("Get after clear", fmt.Sprint(b.Get([]byte("w")) == nil, b.Get([]byte("z")) == nil), "true true")
			seq, _ = b.NextSequence()
			chk("seq after clear", fmt.Sprint(seq), "1")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}(openPostgres)
}

// A transaction of many writes holds at most maxPending of them in memory:
// the buffer is sent as it fills, and a key written again replaces its
// pending write. (Found by a review: a transaction of 200,000 writes held
// 265 MiB.)
func TestPostgresBuffersAtMostMaxPendingWrites(t *testing.T) {
	s := openPostgres(t)
	err := s.Update(func(tx *Tx) error {
		pg := tx.tx.(*pgTx)
		b := tx.tx.Bucket(bucketDigests)
		for i := range 3 * maxPending {
			if err := b.Put(fmt.Appendf(nil, "k%05d", i), []byte("v")); err != nil {
				return err
			}
			if len(pg.pending) > maxPending {
				t.Fatalf("%d writes pending after %d puts", len(pg.pending), i+1)
			}
		}
		pg.flush()
		for range 10 {
			if err := b.Put([]byte("again"), []byte("v")); err != nil {
				return err
			}
		}
		if len(pg.pending) != 1 {
			t.Errorf("one key written ten times: %d writes pending", len(pg.pending))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = s.View(func(tx *Tx) error {
		return tx.tx.Bucket(bucketDigests).ForEach(func(k, v []byte) error { n++; return nil })
	})
	if n != 3*maxPending+1 {
		t.Errorf("%d keys committed, want %d", n, 3*maxPending+1)
	}
}

// A PostgreSQL transaction asks for a key once: a Get again (the key
// present or absent) answers from what it read, and a write forgets the
// key, so that a Get after the write is sent reads the new value. A cursor
// sends the pending writes only when one falls in its page: a list's
// transaction writes one pupil's keys and then reads the next pupil's.
func TestPostgresAsksOnceAndSendsWritesOnlyForTheirPage(t *testing.T) {
	s := openPostgres(t)
	if err := s.Update(func(tx *Tx) error {
		for _, k := range []string{"p1|1", "p2|1", "p3|1", "gone"} {
			if err := tx.tx.Bucket(bucketDigests).Put([]byte(k), []byte("1")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Update(func(tx *Tx) error {
		pg := tx.tx.(*pgTx)
		b := tx.tx.Bucket(bucketDigests)
		asked := func(what string, want int, read func()) {
			t.Helper()
			before := pg.queries
			read()
			if n := pg.queries - before; n != want {
				t.Errorf("%s: %d round trips, want %d", what, n, want)
			}
		}
		keys := func(seek string) string {
			var out []string
			c := b.Cursor()
			for k, v := c.Seek([]byte(seek)); k != nil; k, v = c.Next() {
				out = append(out, string(k)+"="+string(v))
			}
			return strings.Join(out, " ")
		}
		asked("a key read twice", 1, func() {
			for range 2 {
				if v := b.Get([]byte("p2|1")); string(v) != "1" {
					t.Errorf("p2|1 = %q", v)
				}
			}
		})
		asked("an absent key read twice", 1, func() {
			for range 2 {
				if v := b.Get([]byte("p9|1")); v != nil {
					t.Errorf("p9|1 = %q, want none", v)
				}
			}
		})
		// Written and sent: read anew, not as it was.
		if err := b.Put([]byte("p2|1"), []byte("new")); err != nil {
			return err
		}
		if err := b.Put([]byte("p9|1"), []byte("born")); err != nil {
			return err
		}
		if err := pg.flush(); err != nil {
			return err
		}
		if v, w := b.Get([]byte("p2|1")), b.Get([]byte("p9|1")); string(v) != "new" || string(w) != "born" {
			t.Errorf("after the writes were sent: p2|1 = %q, p9|1 = %q, want new and born", v, w)
		}
		// A pending write before the page: not sent, the page read once.
		if err := b.Put([]byte("p1|2"), []byte("x")); err != nil {
			return err
		}
		asked("a page after the pending write", 1, func() {
			if got := keys("p3|"); got != "p3|1=1 p9|1=born" {
				t.Errorf("from p3|: %s", got)
			}
		})
		if len(pg.pending) != 1 {
			t.Errorf("%d writes pending after a page that none falls in, want 1", len(pg.pending))
		}
		// A pending write in the page: sent, and the page read again.
		asked("a page with the pending write", 3, func() {
			if got := keys("p1|"); got != "p1|1=1 p1|2=x p2|1=new p3|1=1 p9|1=born" {
				t.Errorf("from p1|: %s", got)
			}
		})
		// A pending delete in the page.
		if err := b.Delete([]byte("p3|1")); err != nil {
			return err
		}
		if got := keys("p3|"); got != "p9|1=born" {
			t.Errorf("from p3| after its delete: %s", got)
		}
		// A large value (a recording's audio) is not kept.
		big := strings.Repeat("x", maxReadBytes+1)
		if err := b.Put([]byte("big"), []byte(big)); err != nil {
			return err
		}
		if err := pg.flush(); err != nil {
			return err
		}
		asked("a large value read twice", 2, func() {
			for range 2 {
				if v := b.Get([]byte("big")); len(v) != len(big) {
					t.Errorf("big: %d bytes", len(v))
				}
			}
		})
		// Cleared: nothing read before answers.
		if v := b.Get([]byte("gone")); string(v) != "1" {
			t.Errorf("gone = %q", v)
		}
		if err := tx.clear(bucketDigests); err != nil {
			return err
		}
		if v := tx.tx.Bucket(bucketDigests).Get([]byte("gone")); v != nil {
			t.Errorf("gone after the bucket was cleared = %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A bucket's sequence counts on across transactions, and a transaction
// rolled back, a clear, or a group's call run again gives back what it
// took, on each engine; on PostgreSQL a transaction asks for it once, not
// for each value (a list that opened five cases asked five times under the
// write lock), and sends it with its writes.
func TestASequenceIsAskedOnceAndCountsOn(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		next := func(tx *Tx, n int) []uint64 {
			var out []uint64
			for range n {
				seq, err := tx.tx.Bucket(bucketDigests).NextSequence()
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, seq)
			}
			return out
		}
		chk := func(what string, got []uint64, want ...uint64) {
			t.Helper()
			if !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", what, got, want)
			}
		}
		var got []uint64
		if err := s.Update(func(tx *Tx) error {
			before := 0
			if pg, ok := tx.tx.(*pgTx); ok {
				before = pg.queries
			}
			got = next(tx, 5)
			if pg, ok := tx.tx.(*pgTx); ok && pg.queries-before != 1 {
				t.Errorf("five values took %d round trips; want 1", pg.queries-before)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		chk("first transaction", got, 1, 2, 3, 4, 5)
		errRollBack := errors.New("roll back")
		if err := s.Update(func(tx *Tx) error { got = next(tx, 2); return errRollBack }); !errors.Is(err, errRollBack) {
			t.Fatal(err)
		}
		chk("rolled back", got, 6, 7)
		if err := s.Update(func(tx *Tx) error { got = next(tx, 1); return nil }); err != nil {
			t.Fatal(err)
		}
		chk("after the rollback", got, 6)
		// Two calls in one group: the second fails and runs alone, the
		// first runs again without it.
		release := holdGroup(s)
		var wg sync.WaitGroup
		var first, second []uint64
		var firstErr, secondErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			firstErr = s.Group(func(tx *Tx) error { first = next(tx, 1); return nil })
		}()
		for s.groupQueued() < 1 {
			runtime.Gosched()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			secondErr = s.Group(func(tx *Tx) error { second = next(tx, 1); return errRollBack })
		}()
		for s.groupQueued() < 2 {
			runtime.Gosched()
		}
		release()
		wg.Wait()
		if firstErr != nil || !errors.Is(secondErr, errRollBack) {
			t.Fatalf("the group's calls: %v, %v", firstErr, secondErr)
		}
		chk("a group's call run again without the one that failed", first, 7)
		chk("the failed call, run alone", second, 8)
		if err := s.Update(func(tx *Tx) error { got = next(tx, 1); return nil }); err != nil {
			t.Fatal(err)
		}
		chk("after the group", got, 8)
		if err := s.Update(func(tx *Tx) error {
			next(tx, 1)
			if err := tx.clear(bucketDigests); err != nil {
				return err
			}
			got = next(tx, 2)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		chk("after a clear", got, 1, 2)
		if err := s.Update(func(tx *Tx) error { got = next(tx, 1); return nil }); err != nil {
			t.Fatal(err)
		}
		chk("the transaction after the clear", got, 3)
	})
}

// groupQueued is how many calls wait for the group commit.
func (s *Store) groupQueued() int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.queue)
}

// holdGroup holds the group commit's runner in a call of its own until
// release is called, so that the calls made meanwhile share the next
// transaction; release waits for the holding call to end.
func holdGroup(s *Store) (release func()) {
	started, done, ended := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		_ = s.Group(func(*Tx) error {
			select {
			case <-started:
			default:
				close(started)
			}
			<-done
			return nil
		})
	}()
	<-started
	return func() { close(done); <-ended }
}
