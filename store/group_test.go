package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Calls made at once share commits; each is there when its call returns,
// and a call that fails leaves nothing behind and takes no other call with it.
func TestGroupCommitsEachCallOnceAndIsolatesFailures(t *testing.T) {
	s := openStore(t)
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
}

func TestGroupPanicIsTheCallersAlone(t *testing.T) {
	s := openStore(t)
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
}
