package main

import (
	"os"
	"strconv"
	"testing"
)

// Socket activation is taken only when LISTEN_PID names this process, and
// then only with one socket; the crash test runs nabij on a passed socket.
func TestInheritedListenerOnlyForThisProcess(t *testing.T) {
	t.Parallel()
	self := strconv.Itoa(os.Getpid())
	for _, c := range []struct {
		env     map[string]string
		wantErr bool
	}{
		{env: map[string]string{}},
		{env: map[string]string{"LISTEN_FDS": "1"}},
		{env: map[string]string{"LISTEN_PID": strconv.Itoa(os.Getpid() + 1), "LISTEN_FDS": "1"}},
		{env: map[string]string{"LISTEN_PID": self, "LISTEN_FDS": "2"}, wantErr: true},
		{env: map[string]string{"LISTEN_PID": self}, wantErr: true},
	} {
		ln, err := inheritedListener(func(k string) string { return c.env[k] })
		if ln != nil || (err != nil) != c.wantErr {
			t.Errorf("%v: listener %v, error %v; want none and an error %v", c.env, ln, err, c.wantErr)
		}
	}
}
