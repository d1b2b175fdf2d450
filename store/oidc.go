package store

import (
	"errors"
	"time"
)

// OIDCLogin is a sign-in with the school's accounts under way, kept by
// the SHA-256 of its state until its callback takes it, once: so that the
// callback may reach another replica than the one it started on.
type OIDCLogin struct {
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Expires  time.Time `json:"expires"`
}

// MaxOIDCLogins bounds the sign-ins under way, as one process bounds those
// it keeps in memory: sign-ins started from many addresses cannot grow the
// bucket (each new one reads it whole, under the write lock) without end.
const MaxOIDCLogins = 10_000

// ErrTooManyOIDCLogins is a sign-in refused because MaxOIDCLogins are under
// way.
var ErrTooManyOIDCLogins = errors.New("too many sign-ins under way")

// PutOIDCLogin keeps a sign-in under way, and drops those expired; it
// refuses one more than MaxOIDCLogins (ErrTooManyOIDCLogins).
func (t *Tx) PutOIDCLogin(stateHash string, l OIDCLogin, now time.Time) error {
	kept := 0
	if err := dropWhere(t, bucketOIDCLogins, func(v *OIDCLogin) bool {
		expired := now.After(v.Expires)
		if !expired {
			kept++
		}
		return expired
	}); err != nil {
		return err
	}
	if kept >= MaxOIDCLogins {
		return ErrTooManyOIDCLogins
	}
	return t.put(bucketOIDCLogins, stateHash, l)
}

// TakeOIDCLogin hands a sign-in under way over once; false when there is
// none, or it has expired.
func (t *Tx) TakeOIDCLogin(stateHash string, now time.Time) (OIDCLogin, bool, error) {
	var l OIDCLogin
	ok, err := t.get(bucketOIDCLogins, stateHash, &l)
	if err != nil || !ok {
		return l, false, err
	}
	if err := t.tx.Bucket(bucketOIDCLogins).Delete([]byte(stateHash)); err != nil {
		return l, false, err
	}
	return l, !now.After(l.Expires), nil
}
