package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Calls made at once share commits; each is there when its call returns,
// and a call that fails leaves nothing behind and takes no other call with it.
func TestGroupCommitsEachCallOnceAndIsolatesFailures(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		refused := errors.New("refused")
		const n = 200
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Group(func(tx *Tx) error {
					// A counter read and written in the transaction: lost updates
					// or a call applied twice would show in the total.
					b := tx.tx.Bucket(bucketMeta)
					var count int
					if raw := b.Get([]byte("test_count")); raw != nil {
						fmt.Sscan(string(raw), &count)
					}
					if err := b.Put([]byte("test_count"), []byte(fmt.Sprint(count+1))); err != nil {
						return err
					}
					if err := b.Put(fmt.Appendf(nil, "test_%03d", i), []byte("x")); err != nil {
						return err
					}
					if i%10 == 0 {
						return fmt.Errorf("call %d: %w", i, refused) // after its writes
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if want := i%10 == 0; want != errors.Is(err, refused) {
				t.Errorf("call %d: err = %v, want refused: %v", i, err, want)
			}
		}
		err := s.View(func(tx *Tx) error {
			b := tx.tx.Bucket(bucketMeta)
			if got, want := string(b.Get([]byte("test_count"))), fmt.Sprint(n-n/10); got != want {
				t.Errorf("counter = %s, want %s: every successful call exactly once", got, want)
			}
			for i := range n {
				if got := b.Get(fmt.Appendf(nil, "test_%03d", i)) != nil; got != (i%10 != 0) {
					t.Errorf("call %d's write present = %v", i, got)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestGroupPanicIsTheCallersAlone(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		var wg sync.WaitGroup
		wg.Add(2)
		var otherErr error
		go func() {
			defer wg.Done()
			otherErr = s.Group(func(tx *Tx) error { return tx.tx.Bucket(bucketMeta).Put([]byte("test_other"), []byte("x")) })
		}()
		var recovered any
		go func() {
			defer wg.Done()
			defer func() { recovered = recover() }()
			_ = s.Group(func(*Tx) error { panic("boom") })
		}()
		wg.Wait()
		if recovered != "boom" {
			t.Errorf("the panicking call's caller recovered %v, want the panic itself", recovered)
		}
		if otherErr != nil {
			t.Errorf("the other call failed: %v", otherErr)
		}
		if err := s.Group(func(*Tx) error { return nil }); err != nil {
			t.Errorf("a call after the panic: %v (the committer must survive)", err)
		}
	})
}

// A call whose context ends while it waits behind a commit does not run
// and says why; the call it waited for commits as before.
func TestGroupContextCancelledBeforeItsTransaction(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		// started holds its word until the test reads it: the committer may run
		// the first call before the test waits for it.
		started, release := make(chan struct{}, 1), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- s.Group(func(tx *Tx) error {
				select {
				case started <- struct{}{}:
				default: // run again: already told
				}
				<-release
				return tx.tx.Bucket(bucketMeta).Put([]byte("test_first"), []byte("x"))
			})
		}()
		<-started // the committer is busy with the first call
		ctx, cancel := context.WithCancel(context.Background())
		ran := false
		second := make(chan error, 1)
		go func() {
			second <- s.GroupContext(ctx, func(tx *Tx) error {
				ran = true
				return tx.tx.Bucket(bucketMeta).Put([]byte("test_second"), []byte("x"))
			})
		}()
		cancel() // queued behind the first call, or not yet: either way before its transaction
		close(release)
		if err := <-first; err != nil {
			t.Fatalf("first call: %v", err)
		}
		if err := <-second; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled call: err = %v, want context.Canceled", err)
		}
		if ran {
			t.Error("the cancelled call ran")
		}
		err := s.View(func(tx *Tx) error {
			b := tx.tx.Bucket(bucketMeta)
			if b.Get([]byte("test_first")) == nil || b.Get([]byte("test_second")) != nil {
				t.Error("want the first call's write and not the second's")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.GroupContext(ctx, func(*Tx) error { t.Error("ran with an ended context"); return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("ended context: err = %v", err)
		}
	})
}
