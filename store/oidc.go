package store

import "time"

// OIDCLogin is a sign-in with the school's accounts under way, kept by
// the SHA-256 of its state until its callback takes it, once: so that the
// callback may reach another replica than the one it started on.
type OIDCLogin struct {
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Expires  time.Time `json:"expires"`
}

// PutOIDCLogin keeps a sign-in under way, and drops those expired.
func (t *Tx) PutOIDCLogin(stateHash string, l OIDCLogin, now time.Time) error {
	if err := dropWhere(t, bucketOIDCLogins, func(v *OIDCLogin) bool { return now.After(v.Expires) }); err != nil {
		return err
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
