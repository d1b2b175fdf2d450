package main

import (
	"os"
	"testing"

	"github.com/nabij-isk/nabij/internal/pgtest"
)

// The test binary's PostgreSQL: a throwaway cluster started by the first
// test that needs it (internal/pgtest) and stopped by TestMain, a new
// database for each use. Without PostgreSQL installed those tests are
// skipped on a developer's machine and fail in CI, whose .ci/run installs it.
var pg pgtest.Shared

// postgresDatabase makes a new empty database and returns its URL.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	return pg.Database(t, "nabij")
}

// stopPostgres stops the test binary's cluster, if a test started it.
func stopPostgres() { pg.Stop() }

// onPostgres reports whether every harness runs on PostgreSQL
// (NABIJ_TEST_STORE=postgres, as .ci/run runs the end-to-end tests a
// second time), unless its test names a data folder of its own.
func onPostgres(env map[string]string) bool {
	_, data := env["NABIJ_DATA"]
	_, db := env["NABIJ_DATABASE_URL"]
	return os.Getenv("NABIJ_TEST_STORE") == "postgres" && !data && !db
}
