package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A replica whose lease is lost (PostgreSQL restarted, failed over, the
// network cut) stops sending at once, but exits only when the database
// answers again: its supervisor's restart then finds the database, where
// every replica exiting at once into a database still down failed its
// start and waited out Kubernetes' back-off. (Found by an operator's
// review.)
func TestAReplicaThatLostItsLeaseExitsWhenTheDatabaseAnswers(t *testing.T) {
	t.Parallel()
	url := postgresDatabase(t)
	cfg := &config{DatabaseURL: url}
	st, err := cfg.openStore()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := joinReplicas(st)
	if err != nil {
		t.Fatal(err)
	}
	var stopped, up atomic.Bool
	s := &server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), replica: rep, fatal: make(chan error, 1),
		stopSending: func() { stopped.Store(true) }, databaseRetry: 10 * time.Millisecond,
		databaseUp: func(context.Context) error {
			if up.Load() {
				return nil
			}
			return errors.New("the database does not answer")
		}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.watchReplicaLease(ctx)

	// The lease's connection ends, as at a PostgreSQL restart: the
	// advisory locks held in this test's database only (the cluster is
	// the test binary's, shared with the other tests' databases).
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
		t.Fatal(err)
	}
	eventually(t, "sending stopped after the lease was lost", stopped.Load)
	select {
	case err := <-s.fatal:
		t.Fatalf("the replica exits while the database does not answer: %v", err)
	case <-time.After(20 * s.databaseRetry):
	}
	up.Store(true)
	select {
	case err := <-s.fatal:
		if err == nil {
			t.Error("exit without a reason")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the replica did not exit once the database answered")
	}
}
