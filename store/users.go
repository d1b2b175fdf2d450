package store

import (
	"fmt"

	"github.com/nabij-isk/nabij/school"
)

// PutUser saves a user and indexes the hash of their token.
func (t *Tx) PutUser(u *school.User) error {
	if u.ID == "" {
		seq, err := t.tx.Bucket(bucketUsers).NextSequence()
		if err != nil {
			return err
		}
		u.ID = fmt.Sprintf("u%d", seq)
	}
	var old school.User
	if ok, err := t.get(bucketUsers, u.ID, &old); err != nil {
		return err
	} else if ok && old.TokenHash != u.TokenHash && old.TokenHash != "" {
		if err := t.tx.Bucket(bucketTokens).Delete([]byte(old.TokenHash)); err != nil {
			return err
		}
	}
	if u.TokenHash != "" {
		if err := t.tx.Bucket(bucketTokens).Put([]byte(u.TokenHash), []byte(u.ID)); err != nil {
			return err
		}
	}
	return t.put(bucketUsers, u.ID, u)
}

// UserByTokenHash finds the user a token belongs to.
func (t *Tx) UserByTokenHash(hash string) (school.User, bool, error) {
	id := t.tx.Bucket(bucketTokens).Get([]byte(hash))
	if id == nil {
		return school.User{}, false, nil
	}
	var u school.User
	ok, err := t.get(bucketUsers, string(id), &u)
	return u, ok, err
}

// Users lists every user.
func (t *Tx) Users() ([]school.User, error) {
	var out []school.User
	err := each(t, bucketUsers, "", func(_ string, u *school.User) error {
		out = append(out, *u)
		return nil
	})
	return out, err
}
