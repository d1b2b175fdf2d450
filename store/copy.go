package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"
)

// Moving a store from bbolt to PostgreSQL (`nabij migrate`): the engines
// hold the same buckets, keys and values (kv.go), so the copy is key by
// key, in one PostgreSQL transaction, and checked by counting both sides.

// Copied is what CopyToPostgres moved: the keys of each bucket, both sides
// counted.
type Copied struct {
	Keys          map[string]int // bucket → keys, the same in both stores
	SchemaVersion int            // the source's layout; the copy is migrated from it
	// Committed: the copy is in the database, whatever failed after it
	// (the counts, the migration of its layout).
	Committed bool
}

// Count is the keys of a bucket, 0 for a bucket the store does not have.
func (c Copied) Count(bucket string) int { return c.Keys[bucket] }

// ErrNotEmpty is a PostgreSQL database that holds a store already.
var ErrNotEmpty = errors.New("the PostgreSQL database holds a nabij store already: migrate into an empty database")

// CopyToPostgres copies every bucket of s, a bbolt store, into the
// PostgreSQL store dst, which must hold nothing but what opening it wrote
// (ErrNotEmpty otherwise), in one transaction: all of it or nothing. Each
// bucket's keys are then counted on both sides, and a difference is an
// error. The copy keeps the source's media key (so recording links stay
// good) and its schema version, and is then migrated to this nabij's, as
// opening the source would have.
func (s *Store) CopyToPostgres(ctx context.Context, dst *Store) (Copied, error) {
	out := Copied{Keys: map[string]int{}}
	if s.db == nil || dst.pg == nil {
		return out, errors.New("store: a copy goes from a bbolt store to a PostgreSQL one")
	}
	err := s.db.View(func(src *bolt.Tx) error {
		meta := src.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("the source is not a nabij store: no meta bucket")
		}
		if err := json.Unmarshal(meta.Get([]byte("schema_version")), &out.SchemaVersion); err != nil {
			return fmt.Errorf("the source's schema version: %w", err)
		}
		if out.SchemaVersion > SchemaVersion {
			return fmt.Errorf("the source has schema version %d, newer than this nabij (%d): upgrade nabij", out.SchemaVersion, SchemaVersion)
		}
		return dst.pg.copyIn(ctx, src, out.Keys)
	})
	if err != nil {
		return out, err
	}
	out.Committed = true
	// Count both sides.
	got, err := dst.pg.counts(ctx)
	if err != nil {
		return out, err
	}
	for name, n := range out.Keys {
		if got[name] != n {
			return out, fmt.Errorf("the copy's bucket %s has %d keys, the source %d", name, got[name], n)
		}
	}
	for name, n := range got {
		if _, ok := out.Keys[name]; !ok && n > 0 {
			return out, fmt.Errorf("the copy has a bucket %s the source has not", name)
		}
	}
	// The source's layout, migrated as Open migrates it.
	if err := dst.migrate(); err != nil {
		return out, fmt.Errorf("migrating the copy: %w", err)
	}
	return out, nil
}

// copyBatch is the rows sent to PostgreSQL at once.
const copyBatch = 5000

// copyIn writes src's buckets into an empty store, counting each
// bucket's keys into keys.
func (e *pgEngine) copyIn(ctx context.Context, src *bolt.Tx, keys map[string]int) error {
	return e.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}, func(kt kvTx) error {
		t := kt.(*pgTx)
		// What opening the database wrote (meta: the schema version and a
		// media key of its own) is replaced by the source's.
		var other int
		if err := t.tx.QueryRow(t.ctx, "SELECT count(*) FROM kv WHERE bucket <> $1", string(bucketMeta)).Scan(&other); err != nil {
			return t.fail(err)
		}
		if other > 0 {
			return ErrNotEmpty
		}
		if _, err := t.tx.Exec(t.ctx, "DELETE FROM kv"); err != nil {
			return t.fail(err)
		}
		if _, err := t.tx.Exec(t.ctx, "DELETE FROM kv_sequences"); err != nil {
			return t.fail(err)
		}
		return src.ForEach(func(name []byte, b *bolt.Bucket) error {
			bucket := string(name)
			rows := make([][]any, 0, copyBatch)
			flush := func() error {
				if len(rows) == 0 {
					return nil
				}
				if _, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{"kv"}, []string{"bucket", "key", "value"}, pgx.CopyFromRows(rows)); err != nil {
					return t.fail(fmt.Errorf("copy bucket %s: %w", bucket, err))
				}
				rows = rows[:0]
				return nil
			}
			n := 0
			err := b.ForEach(func(k, v []byte) error {
				if v == nil {
					return fmt.Errorf("bucket %s: a nested bucket at %q: not a nabij store", bucket, k)
				}
				rows = append(rows, []any{bucket, append([]byte(nil), k...), append([]byte{}, v...)})
				n++
				if len(rows) == copyBatch {
					return flush()
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := flush(); err != nil {
				return err
			}
			keys[bucket] = n
			if seq := b.Sequence(); seq > 0 {
				if _, err := t.tx.Exec(t.ctx, "INSERT INTO kv_sequences (bucket, value) VALUES ($1, $2)", bucket, int64(seq)); err != nil {
					return t.fail(err)
				}
			}
			return nil
		})
	})
}

// counts is the keys of each bucket.
func (e *pgEngine) counts(ctx context.Context) (map[string]int, error) {
	rows, err := e.pool.Query(ctx, "SELECT bucket, count(*) FROM kv GROUP BY bucket")
	if err != nil {
		return nil, err
	}
	got := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			rows.Close()
			return nil, err
		}
		got[name] = n
	}
	return got, rows.Err()
}
