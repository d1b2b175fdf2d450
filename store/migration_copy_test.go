package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/nabij-isk/nabij/alerts"
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

// The messages waiting in the copy made before a migration are marked
// there to be looked up before they are sent: given back to the older
// nabij (a rollback), it does not send again what the newer one sent. The
// store itself, migrated, is left as it was. (From the session 9 note: a
// rollback during the morning could send those twice.)
func TestTheCopyBeforeAMigrationLooksUpItsWaitingMessages(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	waiting, sent := testMessage(), testMessage()
	sent.Phone = "+31612345679"
	if err := s.Update(func(tx *Tx) error {
		if err := tx.PutMessage(waiting); err != nil {
			return err
		}
		now := time.Now()
		sent.Status, sent.SentAt = alerts.StatusSent, &now
		return tx.PutMessage(sent)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte("schema_version"), []byte("5"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := time.Now()
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	m := s.Migrated()
	if m.LookedUp != 1 {
		t.Errorf("the migration marked %d of the copy's messages, want the one waiting", m.LookedUp)
	}
	if err := s.View(func(tx *Tx) error {
		live, err := tx.Message(waiting.ID)
		if err == nil && live.Uncertain {
			t.Error("the migrated store's waiting message was marked too: it is this nabij's to send")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The copy, as the older nabij reads it.
	if err := os.Rename(m.Copy, filepath.Join(dir, FileName)); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		for _, tc := range []struct {
			m         *alerts.Message
			uncertain bool
		}{{waiting, true}, {sent, false}} {
			var st msgState
			if err := json.Unmarshal(tx.Bucket(bucketMsgState).Get([]byte(tc.m.ID)), &st); err != nil {
				t.Fatal(err)
			}
			if st.Uncertain != tc.uncertain || tc.uncertain && (st.ClaimedAt.Before(before.Add(-time.Second)) || st.Status != alerts.StatusQueued) {
				t.Errorf("the copy's %s message: uncertain %v since %s (%s), want uncertain %v since the copy", tc.m.Status, st.Uncertain, st.ClaimedAt, st.Status, tc.uncertain)
			}
		}
		if v := string(tx.Bucket(bucketMeta).Get([]byte("schema_version"))); v != "5" {
			t.Errorf("the copy's schema is %s, want 5", v)
		}
		return nil
	})
}
