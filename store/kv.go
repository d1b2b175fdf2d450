package store

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// The engines. nabij's typed operations (Tx's methods) are written once,
// against ordered buckets of keys and values as bbolt has them; an engine
// gives them transactions over such buckets. bbolt is one engine (a file
// in the data directory, the default); PostgreSQL is the other (postgres.go:
// the buckets in one table, for several replicas on one database). Both
// run the same code above this line, so a store behaves the same on either
// (the conformance tests run every store test against both), and a store
// moves from one to the other key by key (Copy).

// engine runs transactions.
type engine interface {
	// view runs fn in a read-only transaction that sees one consistent
	// state of the store.
	view(ctx context.Context, fn func(kvTx) error) error
	// update runs fn in a read-write transaction: writers run one at a
	// time, and an error from fn undoes all of it.
	update(ctx context.Context, fn func(kvTx) error) error
	// ping checks the engine answers.
	ping(ctx context.Context) error
	close() error
}

// kvTx is one transaction of an engine.
type kvTx interface {
	// Bucket returns the named bucket; every bucket of allBuckets exists.
	Bucket(name []byte) kvBucket
	// Writable reports whether the transaction may write.
	Writable() bool
	// clearBucket removes every key of a bucket and resets its sequence.
	clearBucket(name []byte) error
}

// kvBucket is a bucket in a transaction: keys in byte order. A value
// returned is valid until the transaction ends.
type kvBucket interface {
	// Get returns the value of key, or nil when there is none (an empty
	// value is a non-nil empty slice).
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	// NextSequence returns the bucket's next number, from 1.
	NextSequence() (uint64, error)
	// ForEach calls fn for every key in order; an error from fn stops it.
	ForEach(fn func(k, v []byte) error) error
	Cursor() kvCursor
}

// kvCursor walks a bucket in key order. A method returns nil keys past
// either end.
type kvCursor interface {
	First() (key, value []byte)
	Last() (key, value []byte)
	// Seek moves to the first key at or after seek.
	Seek(seek []byte) (key, value []byte)
	Next() (key, value []byte)
	Prev() (key, value []byte)
	// Delete removes the key the cursor is at.
	Delete() error
}

// boltEngine is the bbolt file.
type boltEngine struct{ db *bolt.DB }

func (e boltEngine) view(_ context.Context, fn func(kvTx) error) error {
	return e.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (e boltEngine) update(_ context.Context, fn func(kvTx) error) error {
	return e.db.Update(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (e boltEngine) ping(context.Context) error {
	return e.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("store not initialised")
		}
		return nil
	})
}

func (e boltEngine) close() error { return e.db.Close() }

type boltTx struct{ tx *bolt.Tx }

func (t boltTx) Bucket(name []byte) kvBucket {
	b := t.tx.Bucket(name)
	if b == nil {
		return nil
	}
	return boltBucket{b}
}

func (t boltTx) Writable() bool { return t.tx.Writable() }

func (t boltTx) clearBucket(name []byte) error {
	if t.tx.Bucket(name) != nil {
		if err := t.tx.DeleteBucket(name); err != nil {
			return err
		}
	}
	_, err := t.tx.CreateBucket(name)
	return err
}

type boltBucket struct{ *bolt.Bucket }

// Put stores an empty value for a nil one, so that a Get of it in the same
// transaction is a non-nil empty slice, as after the commit (bbolt
// returns the nil it was given) and as on PostgreSQL.
func (b boltBucket) Put(key, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return b.Bucket.Put(key, value)
}

func (b boltBucket) Cursor() kvCursor { return b.Bucket.Cursor() }
