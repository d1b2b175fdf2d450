package store

import (
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// A previewed roster is taken once, by its admin, before it expires; an
// expired one is dropped when the next is kept.
func TestRosterPreviews(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	r := &school.Roster{Classes: []school.Class{{ID: "1A", Name: "1A"}}}
	put := func(id, user string, expires time.Time) {
		if err := s.Update(func(tx *Tx) error {
			return tx.PutRosterPreview(id, RosterPreview{User: user, Expires: expires, Roster: r}, now)
		}); err != nil {
			t.Fatal(err)
		}
	}
	take := func(id, user string, at time.Time) bool {
		var ok bool
		if err := s.Update(func(tx *Tx) error {
			got, found, err := tx.TakeRosterPreview(id, user, at)
			ok = found && got != nil && got.Classes[0].ID == "1A"
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	put("a", "admin1", now.Add(15*time.Minute))
	if take("a", "admin2", now) {
		t.Error("another admin took the preview")
	}
	if !take("a", "admin1", now.Add(time.Minute)) {
		t.Error("its admin could not take the preview")
	}
	if take("a", "admin1", now.Add(time.Minute)) {
		t.Error("a preview was taken twice")
	}
	put("b", "admin1", now.Add(15*time.Minute))
	if take("b", "admin1", now.Add(16*time.Minute)) {
		t.Error("an expired preview was taken")
	}
	put("c", "admin1", now.Add(-time.Minute)) // expired as it is kept…
	put("d", "admin1", now.Add(15*time.Minute))
	if err := s.View(func(tx *Tx) error {
		if tx.tx.Bucket(bucketRosterPreviews).Get([]byte("c")) != nil {
			t.Error("an expired preview was kept when the next one came")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
