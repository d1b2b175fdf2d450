//go:build !unix

package store

import "errors"

// diskSpace is not known here: the free-space check is skipped.
func diskSpace(string) (free, total uint64, err error) {
	return 0, 0, errors.New("free space unknown on this system")
}
