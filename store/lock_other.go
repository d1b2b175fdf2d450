//go:build !unix

package store

import "os"

// tryLock cannot tell a partial backup being written from one left behind
// here: it says every one is free.
func tryLock(*os.File) error { return nil }

// lockShared does not lock here; bbolt's own lock still keeps a second
// writer out.
func lockShared(path string) (func(), error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return func() {}, nil
}

// shareLock does nothing here.
func shareLock(*os.File) error { return nil }
