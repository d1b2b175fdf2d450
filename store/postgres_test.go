package store

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Two replicas on one database write one at a time: each reads a counter
// and writes it plus one, 2 × 100 times at once; none of the 200
// increments is lost (READ COMMITTED alone would lose some).
func TestPostgresReplicasWriteOneAtATime(t *testing.T) {
	t.Parallel()
	url := postgresURL(t)
	replicas := twoReplicas(t, url)
	key := []byte("counter")
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for _, s := range replicas {
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					errs <- s.Update(func(tx *Tx) error {
						b := tx.tx.Bucket(bucketMeta)
						n, _ := strconv.Atoi(string(b.Get(key)))
						return b.Put(key, []byte(strconv.Itoa(n+1)))
					})
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var got string
	replicas[0].View(func(tx *Tx) error { got = string(tx.tx.Bucket(bucketMeta).Get(key)); return nil })
	if got != "200" {
		t.Errorf("the counter is %s after 200 increments from two replicas", got)
	}
}

// A database a newer nabij migrated is refused, as a newer bbolt file is.
func TestPostgresNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	url := postgresURL(t)
	s, err := OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, true)"); err != nil {
		t.Fatal(err)
	}
	_, err = OpenPostgres(context.Background(), url)
	if err == nil || !strings.Contains(err.Error(), "schema version 99, newer than this nabij (1): upgrade nabij") {
		t.Errorf("a database of schema 99 opened: %v", err)
	}
}

// A query that fails fails its transaction: the write before it is not
// committed, whatever fn makes of the failure.
func TestPostgresFailedQueryRollsBack(t *testing.T) {
	t.Parallel()
	s := openPostgres(t)
	err := s.Update(func(tx *Tx) error {
		if err := tx.tx.Bucket(bucketMeta).Put([]byte("written"), []byte("1")); err != nil {
			return err
		}
		// A table the store does not have: the query fails. fn ignores it.
		pg := tx.tx.(*pgTx)
		if _, err := pg.tx.Exec(pg.ctx, "SELECT * FROM no_such_table"); err != nil {
			pg.fail(err)
		}
		_ = tx.tx.Bucket(bucketMeta).Get([]byte("written"))
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("the transaction with a failed query returned %v", err)
	}
	var written []byte
	s.View(func(tx *Tx) error { written = tx.tx.Bucket(bucketMeta).Get([]byte("written")); return nil })
	if written != nil {
		t.Error("a write of a failed transaction was committed")
	}
}

// A lease is one process's: a second TryLease gets none, LeaseFree says it
// is held; when its holder's connection ends (a process that dies), it is
// free at once, and Lost tells the holder.
func TestLeaseIsHeldUntilItsConnectionEnds(t *testing.T) {
	t.Parallel()
	url := postgresURL(t)
	replicas := twoReplicas(t, url)
	ctx := context.Background()
	l, err := replicas[0].TryLease(ctx, "rhythm")
	if err != nil || l == nil {
		t.Fatalf("the first TryLease: %v, %v", l, err)
	}
	if other, err := replicas[1].TryLease(ctx, "rhythm"); err != nil || other != nil {
		t.Fatalf("a second TryLease of a held lease: %v, %v", other, err)
	}
	if free, err := replicas[1].LeaseFree(ctx, "rhythm"); err != nil || free {
		t.Fatalf("LeaseFree of a held lease: %v, %v", free, err)
	}
	// The holder dies: its connection ends without an unlock.
	l.conn.Close(ctx)
	select {
	case <-l.Lost():
	case <-time.After(3 * leaseCheck):
		t.Fatal("the holder was not told its lease was lost")
	}
	if free, err := replicas[1].LeaseFree(ctx, "rhythm"); err != nil || !free {
		t.Fatalf("LeaseFree after the holder's connection ended: %v, %v", free, err)
	}
	taken, err := replicas[1].TryLease(ctx, "rhythm")
	if err != nil || taken == nil {
		t.Fatalf("taking a freed lease: %v, %v", taken, err)
	}
	taken.Release()
	if free, _ := replicas[0].LeaseFree(ctx, "rhythm"); !free {
		t.Error("a released lease is still held")
	}
}

// twoReplicas opens the database at url twice, as two replicas do.
func twoReplicas(t *testing.T, url string) [2]*Store {
	t.Helper()
	var replicas [2]*Store
	for i := range replicas {
		s, err := OpenPostgres(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		replicas[i] = s
	}
	return replicas
}

// Every connection gets the session settings that let PostgreSQL end the
// session of a client that stopped answering, unless the URL sets them;
// a writer left idle in its transaction (here for longer than the URL's
// 300 ms) loses its session, and with it the write lock: the other
// replica writes, and the idle one's work is not committed.
func TestPostgresFreesTheWriteLockOfAWriterThatStopped(t *testing.T) {
	t.Parallel()
	url := postgresURL(t)
	s, err := OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	show := func(s *Store, name string) string {
		t.Helper()
		var v string
		if err := s.pg.pool.QueryRow(context.Background(), "SHOW "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := show(s, "idle_in_transaction_session_timeout"); got != "1min" {
		t.Errorf("idle_in_transaction_session_timeout = %q, want 1min", got)
	}
	for name := range sessionSettings {
		show(s, name) // each is one PostgreSQL knows (a Unix socket reads the TCP ones as 0)
	}

	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	quick := twoReplicas(t, url+sep+"idle_in_transaction_session_timeout=300")
	if got := show(quick[0], "idle_in_transaction_session_timeout"); got != "300ms" {
		t.Fatalf("the URL's idle_in_transaction_session_timeout = %q, want 300ms", got)
	}
	locked := make(chan struct{})
	stalled := make(chan error, 1)
	go func() {
		stalled <- quick[0].Update(func(tx *Tx) error {
			if err := tx.tx.Bucket(bucketMeta).Put([]byte("stalled"), []byte("1")); err != nil {
				return err
			}
			close(locked)
			time.Sleep(2 * time.Second) // a client that stopped answering, the write lock held
			return nil
		})
	}()
	<-locked
	start := time.Now()
	if err := quick[1].Update(func(tx *Tx) error {
		return tx.tx.Bucket(bucketMeta).Put([]byte("other"), []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 1500*time.Millisecond {
		t.Errorf("the other replica waited %s for the write lock, want it freed after 300 ms idle", waited)
	}
	if err := <-stalled; err == nil {
		t.Error("the stalled writer's transaction committed after its session was ended")
	}
	quick[1].View(func(tx *Tx) error {
		if tx.tx.Bucket(bucketMeta).Get([]byte("stalled")) != nil {
			t.Error("the stalled writer's write is in the store")
		}
		return nil
	})
}

// A copy into PostgreSQL counts both sides; a copy whose layout then fails
// to migrate (a case that does not decode, in a store of schema 1) is in
// the database all the same, and says so (Committed), so that nabij
// migrate does not tell the operator nothing was copied.
func TestCopyToPostgresSaysWhetherItCommitted(t *testing.T) {
	t.Parallel()
	src := openStore(t)
	if err := src.Update(func(tx *Tx) error {
		return tx.ReplaceRoster(rosterOf(map[string][]string{"1A": {"p1", "p2"}}))
	}); err != nil {
		t.Fatal(err)
	}
	dst, err := OpenPostgres(context.Background(), postgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	copied, err := src.CopyToPostgres(context.Background(), dst)
	if err != nil || !copied.Committed || copied.Count("students") != 2 || copied.Count("class_pupils") != 2 {
		t.Fatalf("a good copy: %+v, %v", copied, err)
	}

	bad := openStore(t)
	if err := bad.Update(func(tx *Tx) error {
		if err := tx.tx.Bucket(bucketEscalations).Put([]byte("e1"), []byte("{not json")); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put([]byte("schema_version"), []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	into, err := OpenPostgres(context.Background(), postgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer into.Close()
	copied, err = bad.CopyToPostgres(context.Background(), into)
	if err == nil || !copied.Committed {
		t.Errorf("a copy whose migration fails: committed %v, %v; want committed and the error", copied.Committed, err)
	}
}
