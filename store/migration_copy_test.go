package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A store an older nabij wrote is copied whole before it is migrated, the
// copy beside it and named after the schema it is migrated to: the way back
// to the older nabij (which refuses the newer schema). A store already of
// this schema is not copied again. (Found by an operator's review: an
// upgrade migrated silently, with no copy.)
func TestAnOlderStoreIsCopiedBeforeItIsMigrated(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.put(bucketDigests, "d", "a digest") }); err != nil {
		t.Fatal(err)
	}
	if m := s.Migrated(); m.From != 0 {
		t.Errorf("a new store was migrated: %+v", m)
	}
	// As schema 4 left it.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte("schema_version"), []byte("4"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Migrated()
	want := filepath.Join(dir, FileName) + fmt.Sprintf(".before-schema-%d", SchemaVersion)
	if m.From != 4 || m.To != SchemaVersion || m.Copy != want {
		t.Errorf("the migration: %+v, want from 4 to %d with the copy at %s", m, SchemaVersion, want)
	}
	s.Close()
	info, err := ReadInfo(want)
	if err != nil || info.SchemaVersion != 4 {
		t.Fatalf("the copy: %+v, %v; want a store of schema 4", info, err)
	}
	db, err := bolt.Open(want, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var digest string
	_ = db.View(func(tx *bolt.Tx) error { return json.Unmarshal(tx.Bucket(bucketDigests).Get([]byte("d")), &digest) })
	db.Close()
	if digest != "a digest" {
		t.Errorf("the copy holds %q, want the store's data", digest)
	}

	// Opened again: nothing to migrate, nothing copied.
	os.Remove(want)
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := s.Migrated(); m.From != 0 {
		t.Errorf("a store of this schema was migrated again: %+v", m)
	}
	if _, err := os.Stat(want); err == nil {
		t.Errorf("a store of this schema was copied again")
	}
}
