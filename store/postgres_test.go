package store

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Two replicas on one database write one at a time: each reads a counter
// and writes it plus one, 2 × 100 times at once; none of the 200
// increments is lost (READ COMMITTED alone would lose some).
func TestPostgresReplicasWriteOneAtATime(t *testing.T) {
	url := postgresURL(t)
	var replicas []*Store
	for range 2 {
		s, err := OpenPostgres(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		replicas = append(replicas, s)
	}
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
