package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/store"
)

// OIDCLogins keeps the sign-ins with the school's accounts under way in
// the store, where every replica finds them (web.Config.OIDCLogins): the
// provider may send the browser back to another replica than the one it
// left. With one process (bbolt) they are kept in its memory instead. A
// state is kept by its SHA-256; times are the wall clock's (the browser's
// round trip to the provider is real time, whatever NABIJ_CLOCK says).
type OIDCLogins struct{ Store *store.Store }

// Put keeps a sign-in under way by its state, until expires.
func (o OIDCLogins) Put(ctx context.Context, state, nonce, verifier string, expires, now time.Time) error {
	err := o.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		return tx.PutOIDCLogin(stateKey(state), store.OIDCLogin{Nonce: nonce, Verifier: verifier, Expires: expires}, now)
	})
	if err != nil {
		return fmt.Errorf("keep sign-in: %w", err)
	}
	return nil
}

// Take hands the sign-in of state over, once; false when there is none or
// it expired.
func (o OIDCLogins) Take(ctx context.Context, state string, now time.Time) (nonce, verifier string, ok bool, err error) {
	var l store.OIDCLogin
	err = o.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		var err error
		l, ok, err = tx.TakeOIDCLogin(stateKey(state), now)
		return err
	})
	if err != nil {
		return "", "", false, fmt.Errorf("take sign-in: %w", err)
	}
	return l.Nonce, l.Verifier, ok, nil
}

func stateKey(state string) string {
	h := sha256.Sum256([]byte(state))
	return hex.EncodeToString(h[:])
}
