package store

import (
	"testing"
)

// A user stored before users could be disabled has no such field: enabled.
func TestAnOldUserIsEnabled(t *testing.T) {
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(func(tx *Tx) error {
		if err := tx.tx.Bucket(bucketUsers).Put([]byte("u1"), []byte(`{"id":"u1","name":"x","role":"mentor","classes":["1A"],"token_hash":"h1"}`)); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketTokens).Put([]byte("h1"), []byte("u1"))
	}); err != nil {
		t.Fatal(err)
	}
	err = st.View(func(tx *Tx) error {
		u, ok, err := tx.UserByTokenHash("h1")
		if err != nil || !ok || u.Disabled || u.LastSignIn != nil {
			t.Errorf("an old user: %+v %v %v", u, ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
