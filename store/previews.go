package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// RosterPreview is a roster read from a file and shown to an admin, kept
// until they apply it or it expires: what is applied is exactly what was
// shown, and a preview survives neither its expiry nor anyone else.
type RosterPreview struct {
	User    string         `json:"user"`
	Expires time.Time      `json:"expires"`
	Roster  *school.Roster `json:"roster"`
}

// PutRosterPreview keeps a preview under id, and drops every expired one.
func (t *Tx) PutRosterPreview(id string, p RosterPreview, now time.Time) error {
	b := t.tx.Bucket(bucketRosterPreviews)
	var expired [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var old RosterPreview
		if json.Unmarshal(v, &old) != nil || now.After(old.Expires) {
			expired = append(expired, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range expired {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return b.Put([]byte(id), raw)
}

// TakeRosterPreview takes user's preview id out of the store: once, and
// only before it expires. ok is false for an unknown, an expired or another
// user's preview (another's is left where it is).
func (t *Tx) TakeRosterPreview(id, user string, now time.Time) (*school.Roster, bool, error) {
	b := t.tx.Bucket(bucketRosterPreviews)
	raw := b.Get([]byte(id))
	if raw == nil {
		return nil, false, nil
	}
	var p RosterPreview
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, false, fmt.Errorf("roster_previews/%s: %w", id, err)
	}
	if p.User != user {
		return nil, false, nil
	}
	if err := b.Delete([]byte(id)); err != nil {
		return nil, false, err
	}
	if now.After(p.Expires) {
		return nil, false, nil
	}
	return p.Roster, true, nil
}
