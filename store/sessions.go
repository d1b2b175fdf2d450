package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// SignInLink is a one-time link an admin hands a staff member; only the
// hash of its token is kept.
type SignInLink struct {
	User    string    `json:"user"`
	Expires time.Time `json:"expires"`
}

// Session is a signed-in staff member's browser; only the hash of its
// cookie is kept.
type Session struct {
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// PutSignInLink keeps a link under the hash of its token.
func (t *Tx) PutSignInLink(hash string, l SignInLink) error { return t.put(bucketSignInLinks, hash, l) }

// SignInLink finds a link by the hash of its token, and leaves it.
func (t *Tx) SignInLink(hash string) (SignInLink, bool, error) {
	var l SignInLink
	ok, err := t.get(bucketSignInLinks, hash, &l)
	return l, ok, err
}

// TakeSignInLink hands a link over once: a second use finds nothing.
func (t *Tx) TakeSignInLink(hash string) (SignInLink, bool, error) {
	var l SignInLink
	ok, err := t.get(bucketSignInLinks, hash, &l)
	if !ok || err != nil {
		return l, ok, err
	}
	return l, true, t.tx.Bucket(bucketSignInLinks).Delete([]byte(hash))
}

// PutSession keeps a session under the hash of its cookie.
func (t *Tx) PutSession(hash string, s Session) error { return t.put(bucketSessions, hash, s) }

// Session finds a session by the hash of its cookie.
func (t *Tx) Session(hash string) (Session, bool, error) {
	var s Session
	ok, err := t.get(bucketSessions, hash, &s)
	return s, ok, err
}

// DeleteSession signs a browser out.
func (t *Tx) DeleteSession(hash string) error {
	return t.tx.Bucket(bucketSessions).Delete([]byte(hash))
}

// User loads a user by id.
func (t *Tx) User(id string) (school.User, bool, error) {
	var u school.User
	ok, err := t.get(bucketUsers, id, &u)
	return u, ok, err
}

// PurgeSessions drops expired sessions and links; it returns how many.
func (t *Tx) PurgeSessions(now time.Time) (int, error) {
	n := 0
	for _, b := range [][]byte{bucketSessions, bucketSignInLinks} {
		c := t.tx.Bucket(b).Cursor()
		var dead [][]byte
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var x struct{ Expires time.Time }
			if err := json.Unmarshal(v, &x); err != nil || x.Expires.Before(now) {
				dead = append(dead, append([]byte(nil), k...))
			}
		}
		for _, k := range dead {
			if err := t.tx.Bucket(b).Delete(k); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// DeleteSessionsOf ends every session of a user; it returns how many.
func (t *Tx) DeleteSessionsOf(user string) (int, error) {
	return t.deleteOf(bucketSessions, user)
}

// DeleteSignInLinksOf drops every unused sign-in link of a user; it
// returns how many.
func (t *Tx) DeleteSignInLinksOf(user string) (int, error) {
	return t.deleteOf(bucketSignInLinks, user)
}

// deleteOf deletes the values of bucket that belong to user. Sessions and
// links are few (a school's staff, for hours or days), so a scan is cheap.
func (t *Tx) deleteOf(bucket []byte, user string) (int, error) {
	c := t.tx.Bucket(bucket).Cursor()
	var dead [][]byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var x struct{ User string }
		if err := json.Unmarshal(v, &x); err != nil {
			return 0, fmt.Errorf("%s/%s: %w", bucket, k, err)
		}
		if x.User == user {
			dead = append(dead, append([]byte(nil), k...))
		}
	}
	for _, k := range dead {
		if err := t.tx.Bucket(bucket).Delete(k); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}
