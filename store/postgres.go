package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// PostgreSQL: the buckets of kv.go in one table, kv (bucket, key, value),
// ordered by key as bytes; each bucket's sequence in kv_sequences. The
// tables are made by versioned SQL migrations (migrations/*.sql, run by
// goose at start under a PostgreSQL advisory lock, so that replicas
// starting at once migrate once); the data in them is migrated as on bbolt
// (Store.migrate, SchemaVersion).
//
// Transactions keep bbolt's guarantees across every replica on the
// database: a read-only transaction is REPEATABLE READ (one snapshot, as a
// bbolt read transaction is), and writers run one at a time — each
// read-write transaction first takes a transaction-level advisory lock
// (writeLock), so that what one writer reads cannot change before it
// commits, as with bbolt's single writer. A replica that dies holding it
// loses its connection, and PostgreSQL releases the lock with it.
//
// bbolt's reads cannot fail; PostgreSQL's can. A failed query makes the
// transaction fail: the operation that met it sees no value (nil), the
// transaction is rolled back whatever fn returns, and the query's error is
// returned. So no decision taken on a read that failed is ever committed.

//go:embed migrations/*.sql
var migrations embed.FS

// writeLock is the advisory lock every read-write transaction holds.
const writeLock int64 = 0x6e61626a_00000001 // "nabj" 1

// txTimeout bounds a transaction once it has started: it is not cut short
// by its caller's context (a transaction that starts commits, as on
// bbolt), only by a database that no longer answers.
const txTimeout = 5 * time.Minute

// ErrUnreachable is a PostgreSQL database that did not answer.
var ErrUnreachable = errors.New("postgres: the database does not answer")

// sessionSettings are set on every connection (the pool's and the
// leases'), unless the URL sets them. The write lock and the leases are
// freed when PostgreSQL ends the session that holds them, and it ends a
// session only once it knows its client is gone: a replica killed or shut
// down closes its sockets, but one whose machine loses power or its
// network leaves them open, and by the kernel's defaults PostgreSQL would
// notice after two hours — the write lock held, no message claimed, all
// morning. With these it notices within about half a minute: keepalives
// on an idle connection (10 s, then every 5 s, 3 missed), data unanswered
// for 30 s, and a transaction left idle for a minute (nabij's transactions
// run their statements back to back). The TCP settings do nothing on a
// Unix socket, where a dead client is known at once.
var sessionSettings = map[string]string{
	"tcp_keepalives_idle":                 "10",
	"tcp_keepalives_interval":             "5",
	"tcp_keepalives_count":                "3",
	"tcp_user_timeout":                    "30000",
	"idle_in_transaction_session_timeout": "60000",
}

// OpenPostgres opens the store in the PostgreSQL database at url
// (postgres://user:password@host:5432/db?sslmode=…): connects, runs the
// SQL migrations this nabij has (refusing a database migrated by a newer
// nabij), then migrates the data as Open does.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's error can quote the URL, password and all.
		return nil, errors.New("NABIJ_DATABASE_URL is not a PostgreSQL connection URL (postgres://user:password@host:5432/database)")
	}
	// pgx's default pool is max(4, CPUs) connections; a read transaction
	// holds one while a request runs, so a morning's 32 mentors at once
	// would queue for them. pool_max_conns in the URL sets another.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	for name, value := range sessionSettings {
		if _, set := cfg.ConnConfig.RuntimeParams[name]; !set {
			cfg.ConnConfig.RuntimeParams[name] = value
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w: %s:%d/%s: %w", ErrUnreachable, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	if err := migratePostgres(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	e := &pgEngine{pool: pool}
	s := &Store{eng: e, pg: e}
	if err := s.migrate(); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// migratePostgres runs the SQL migrations not yet run, under goose's
// session lock (one replica at a time), and refuses a database whose
// schema is newer than this nabij's.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	files, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, files, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres migrations: %w", err)
	}
	sources := p.ListSources()
	known := sources[len(sources)-1].Version
	have, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("postgres migrations: %w", err)
	}
	if have > known {
		return fmt.Errorf("the database has schema version %d, newer than this nabij (%d): upgrade nabij", have, known)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres migrations: %w", err)
	}
	return nil
}

type pgEngine struct{ pool *pgxpool.Pool }

func (e *pgEngine) view(ctx context.Context, fn func(kvTx) error) error {
	return e.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (e *pgEngine) update(ctx context.Context, fn func(kvTx) error) error {
	return e.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}, fn)
}

func (e *pgEngine) run(ctx context.Context, opts pgx.TxOptions, fn func(kvTx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), txTimeout)
	defer cancel()
	tx, err := e.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	// Rolls back whatever did not commit (a no-op after Commit), a panic
	// in fn included.
	defer tx.Rollback(context.WithoutCancel(ctx))
	write := opts.AccessMode == pgx.ReadWrite
	if write {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLock); err != nil {
			return fmt.Errorf("postgres: take the write lock: %w", err)
		}
	}
	t := &pgTx{ctx: ctx, tx: tx, writable: write}
	err = fn(t)
	if err == nil && write {
		t.flush() // the writes still buffered, in one round trip
	}
	if t.err != nil {
		return fmt.Errorf("postgres: %w", t.err)
	}
	if err != nil || !write {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

func (e *pgEngine) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var n int
	return e.pool.QueryRow(ctx, "SELECT count(*) FROM kv_sequences").Scan(&n)
}

func (e *pgEngine) close() error {
	e.pool.Close()
	return nil
}

// pgTx is a transaction on PostgreSQL; err is the first query that
// failed in it (see above).
type pgTx struct {
	ctx      context.Context
	tx       pgx.Tx
	writable bool
	err      error
	// The writes not yet sent, in order: a transaction's puts and deletes
	// go to PostgreSQL together, in one round trip (a pgx batch), after
	// each grouped call and the transaction's function, before a cursor's
	// page that one falls in (pendingIn; Last and Prev send on any pending
	// write of their bucket, flushFor), and at maxPending writes
	// (pgbuffer.go); a Get of a key written is answered here. A list's
	// transaction wrote some sixty keys, each a round trip under the write
	// lock.
	pending []pgWrite
	written map[pgKey]int  // the latest pending write of each key
	dirty   map[string]int // pending writes per bucket
	// reads are the values Get read from PostgreSQL (or found absent),
	// asked again from here: a list's transaction read a pupil's facts
	// three times, a message's state twice, each a round trip under the
	// write lock. What the transaction reads cannot change under it (a
	// writer holds the write lock, a reader its snapshot) except by its
	// own writes, which forget the key (buffer, clearBucket). At most
	// maxReads are kept.
	reads map[pgKey]pgRead
	// ahead are the cursor pages read ahead (pgprefetch.go), by the
	// bucket and prefix a Seek asks for; a write in one drops it.
	ahead  map[string]map[string]aheadPage
	aheadN int
	// seqs are the buckets' sequences this transaction asked for, each
	// read once and then counted here (a list that opened five cases asked
	// PostgreSQL five times, under the write lock); a sequence moved is
	// sent with the writes (flush).
	seqs map[string]pgSeq
	// queries counts the round trips of Get, the cursors, the sequences
	// and flush: for the tests.
	queries int
}

// pgSeq is a bucket's sequence in a transaction: its last value, and
// whether it moved since it was last sent.
type pgSeq struct {
	value int64
	dirty bool
}

// pgRead is a value read, or (!ok) a key found absent.
type pgRead struct {
	value []byte
	ok    bool
}

// maxReads bounds a transaction's remembered reads: a sweep over every
// pupil reads more than it should hold. A value over maxReadBytes (a
// recording's audio) is not remembered.
const (
	maxReads     = 4096
	maxReadBytes = 64 << 10
)

// remember keeps what Get read of k.
func (t *pgTx) remember(k pgKey, r pgRead) {
	if t.reads == nil || len(t.reads) >= maxReads {
		t.reads = make(map[pgKey]pgRead, 64)
	}
	t.reads[k] = r
}

func (t *pgTx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return err
}

func (t *pgTx) Bucket(name []byte) kvBucket { return pgBucket{t: t, name: string(name)} }

func (t *pgTx) Writable() bool { return t.writable }

func (t *pgTx) clearBucket(name []byte) error {
	if err := t.flush(); err != nil {
		return err
	}
	t.reads, t.ahead = nil, nil
	if _, err := t.tx.Exec(t.ctx, "DELETE FROM kv WHERE bucket = $1", string(name)); err != nil {
		return t.fail(err)
	}
	if _, err := t.tx.Exec(t.ctx, "DELETE FROM kv_sequences WHERE bucket = $1", string(name)); err != nil {
		return t.fail(err)
	}
	delete(t.seqs, string(name))
	return nil
}

type pgBucket struct {
	t    *pgTx
	name string
}

var (
	errKeyRequired = errors.New("store: a key is required")
	errKeyTooLarge = errors.New("store: key too large")
	errReadOnly    = errors.New("store: write in a read-only transaction")
)

// checkKey refuses what bbolt refuses.
func checkKey(key []byte) error {
	switch {
	case len(key) == 0:
		return errKeyRequired
	case len(key) > 32768:
		return errKeyTooLarge
	}
	return nil
}

func (b pgBucket) Get(key []byte) []byte {
	t := b.t
	if t.err != nil || len(key) == 0 {
		return nil
	}
	k := pgKey{b.name, string(key)}
	if i, ok := t.written[k]; ok {
		if w := t.pending[i]; !w.del {
			return slices.Clone(w.value)
		}
		return nil
	}
	if r, ok := t.reads[k]; ok {
		if !r.ok {
			return nil
		}
		return slices.Clone(r.value)
	}
	if r, ok := t.getAhead(b.name, key); ok {
		if !r.ok {
			return nil
		}
		return slices.Clone(r.value)
	}
	var v []byte
	t.queries++
	err := t.tx.QueryRow(t.ctx, "SELECT value FROM kv WHERE bucket = $1 AND key = $2", b.name, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		t.remember(k, pgRead{})
		return nil
	}
	if err != nil {
		t.fail(err)
		return nil
	}
	if v == nil {
		v = []byte{}
	}
	if len(v) > maxReadBytes {
		return v
	}
	t.remember(k, pgRead{value: v, ok: true})
	return slices.Clone(v)
}

func (b pgBucket) Put(key, value []byte) error {
	t := b.t
	switch {
	case t.err != nil:
		return t.err
	case !t.writable:
		return errReadOnly
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	// Copied: bbolt's Put leaves the caller's slices to the caller.
	t.buffer(pgWrite{bucket: b.name, key: slices.Clone(key), value: slices.Clone(value)})
	return nil
}

func (b pgBucket) Delete(key []byte) error {
	t := b.t
	switch {
	case t.err != nil:
		return t.err
	case !t.writable:
		return errReadOnly
	}
	t.buffer(pgWrite{bucket: b.name, key: slices.Clone(key), del: true})
	return nil
}

func (b pgBucket) NextSequence() (uint64, error) {
	t := b.t
	switch {
	case t.err != nil:
		return 0, t.err
	case !t.writable:
		return 0, errReadOnly
	}
	seq, ok := t.seqs[b.name]
	if !ok {
		// Read once in the transaction: only a writer moves a sequence,
		// and this one holds the write lock.
		t.queries++
		err := t.tx.QueryRow(t.ctx, "SELECT value FROM kv_sequences WHERE bucket = $1", b.name).Scan(&seq.value)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, t.fail(err)
		}
		if t.seqs == nil {
			t.seqs = map[string]pgSeq{}
		}
	}
	seq.value++
	seq.dirty = true
	t.seqs[b.name] = seq
	return uint64(seq.value), nil
}

func (b pgBucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return b.t.err
}

func (b pgBucket) Cursor() kvCursor { return &pgCursor{b: b} }
