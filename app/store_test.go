package app

import (
	"testing"

	"github.com/nabij-isk/nabij/store"
)

// testStore is a fresh store in a temporary directory, closed after the test.
func testStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
