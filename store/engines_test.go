package store

import (
	"context"
	"os"
	"testing"

	"github.com/nabij-isk/nabij/internal/pgtest"
)

// The conformance tests: each test that takes an opener runs on both
// engines, the bbolt file and PostgreSQL (a throwaway cluster this test
// binary starts once, a database of its own for each store). Without
// PostgreSQL installed the PostgreSQL half is skipped on a developer's
// machine and fails in CI, whose .ci/run installs it.

// opener opens a new, empty store for a test.
type opener func(t *testing.T) *Store

func onEachEngine(t *testing.T, test func(t *testing.T, open opener)) {
	t.Helper()
	t.Run("bbolt", func(t *testing.T) { test(t, openStore) })
	t.Run("postgres", func(t *testing.T) { test(t, openPostgres) })
}

// cluster is the test binary's PostgreSQL.
var cluster pgtest.Shared

// postgresURL makes a new database in the test binary's cluster.
func postgresURL(t *testing.T) string {
	t.Helper()
	return cluster.Database(t, "store")
}

func openPostgres(t *testing.T) *Store {
	t.Helper()
	s, err := OpenPostgres(context.Background(), postgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	cluster.Stop()
	os.Exit(code)
}
