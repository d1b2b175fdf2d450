package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// RosterPreviewFor is how long a previewed roster file waits to be applied.
const RosterPreviewFor = 15 * time.Minute

// keepRosterPreview keeps a roster read from a file, as shown to admin u,
// in the store until u applies it or RosterPreviewFor passes; it answers
// the preview's id and when it expires. Expired previews are dropped
// meanwhile.
func (s *Service) keepRosterPreview(_ context.Context, u school.User, r *school.Roster) (string, time.Time, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, err
	}
	id := hex.EncodeToString(b)
	now := s.Now()
	expires := now.Add(RosterPreviewFor)
	err := s.Store.Update(func(tx *store.Tx) error {
		return tx.PutRosterPreview(id, store.RosterPreview{User: u.ID, Expires: expires, Roster: r}, now)
	})
	return id, expires, err
}

// takeRosterPreview takes u's preview id out of the store, once, before it
// expires; ok is false otherwise.
func (s *Service) takeRosterPreview(_ context.Context, u school.User, id string) (*school.Roster, bool, error) {
	var r *school.Roster
	var ok bool
	err := s.Store.Update(func(tx *store.Tx) error {
		var err error
		r, ok, err = tx.TakeRosterPreview(id, u.ID, s.Now())
		return err
	})
	return r, ok, err
}
