package store

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestWriteFailureIsTypedCountedAndHealed: a commit that fails (here the
// injected full disk) is a WriteError for every caller, Update's and
// Group's, is counted, and makes WriteHealth fail with its reason until a
// write commits again; WriteHealth's own write finds the disk has room.
// An error of the caller's own is no write failure.
func TestWriteFailureIsTypedCountedAndHealed(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		if err := s.WriteHealth(); err != nil {
			t.Fatalf("a fresh store: %v", err)
		}
		mine := errors.New("the caller's own")
		if err := s.Update(func(*Tx) error { return mine }); err != mine {
			t.Errorf("Update with the caller's error: %v", err)
		}
		if s.WriteFailures() != 0 || s.WriteHealth() != nil {
			t.Error("the caller's own error counted as a write failure")
		}

		s.SetWriteFault(syscall.ENOSPC)
		for name, write := range map[string]func(func(*Tx) error) error{"Update": s.Update, "Group": s.Group} {
			err := write(func(tx *Tx) error { return tx.put(bucketDigests, "d", name) })
			var we *WriteError
			if !errors.As(err, &we) || !errors.Is(err, syscall.ENOSPC) || we.Reason() != "no space left on device" {
				t.Errorf("%s on a full disk: %v; want a WriteError of ENOSPC", name, err)
			}
		}
		if err := s.View(func(tx *Tx) error {
			var v string
			if ok, _ := tx.get(bucketDigests, "d", &v); ok {
				return fmt.Errorf("a failed write was kept: %q", v)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
		if n := s.WriteFailures(); n != 2 {
			t.Errorf("WriteFailures = %d, want 2", n)
		}
		if err := s.WriteHealth(); err == nil || !strings.Contains(err.Error(), "no space left on device") {
			t.Errorf("WriteHealth on a full disk: %v", err)
		}
		s.SetWriteFault(nil)
		if err := s.WriteHealth(); err != nil {
			t.Errorf("WriteHealth once the disk has room: %v", err)
		}
	})
}

// TestRealFullDisk fills a real file system (a 1 MB tmpfs, so root, and
// the right to mount, are needed; skipped otherwise): the write that does
// not fit fails with ENOSPC as a WriteError and is recorded, the store
// stays whole, and once room is made writes succeed again without
// reopening it.
func TestRealFullDisk(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, bytes.Repeat([]byte("f"), 400_000), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		werr = s.Update(func(tx *Tx) error {
			return tx.put(bucketDigests, fmt.Sprint(i), strings.Repeat("x", 20_000))
		})
	}
	var we *WriteError
	if !errors.As(werr, &we) || !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("filling the disk: %v, want a WriteError of ENOSPC", werr)
	}
	t.Logf("the full disk: %v", werr)
	if s.health.failing() == nil || s.WriteFailures() != 1 {
		t.Errorf("the failed write is not recorded: %v, %d failures", s.health.failing(), s.WriteFailures())
	}
	// /healthz's empty write may fit in the file's free pages: the free
	// space says degraded all the same.
	for range 2 {
		if err := s.WriteHealth(); err == nil {
			t.Errorf("WriteHealth on the full disk: nil")
		}
	}
	os.Remove(filler)
	if err := s.Update(func(tx *Tx) error { return tx.put(bucketDigests, "after", strings.Repeat("y", 20_000)) }); err != nil {
		t.Fatalf("a write once there is room: %v", err)
	}
	if err := s.WriteHealth(); err != nil {
		t.Errorf("WriteHealth once there is room: %v", err)
	}
	s.Close()
	if _, err := Check(filepath.Join(dir, FileName)); err != nil {
		t.Errorf("the store after the full disk: %v", err)
	}
}

// What a failed write tells a client (and the public /healthz) names no
// address of the database or the host: a connection's error does, and
// goes to the log only.
func TestAWriteErrorsReasonNamesNoAddress(t *testing.T) {
	conn := &net.OpError{Op: "write", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 40000},
		Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 6), Port: 5432}, Err: os.ErrDeadlineExceeded}
	reset := &net.OpError{Op: "read", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 6), Port: 5432}, Err: errors.New("use of closed network connection")}
	for err, want := range map[error]string{
		fmt.Errorf("postgres: commit: %w", conn):  "the database did not answer in time",
		fmt.Errorf("postgres: commit: %w", reset): "the connection to the database failed",
		fmt.Errorf("postgres: commit: %w", &pgconn.PgError{Code: "53100", Message: "could not extend file: No space left on device"}): "PostgreSQL refused it: could not extend file: No space left on device (SQLSTATE 53100)",
		&os.PathError{Op: "write", Path: "/var/lib/nabij/nabij.db", Err: syscall.ENOSPC}:                                              "no space left on device",
	} {
		got := (&WriteError{Err: err}).Reason()
		if got != want || strings.Contains(got, "10.0.0") || strings.Contains(got, "/var/lib") {
			t.Errorf("the reason of %v: %q, want %q", err, got, want)
		}
	}
}

// A disk nearly full: an empty write still fits in the file's free pages
// while a list's does not, so /healthz looks at the free space too and says
// degraded before the lists fail (the figures only in /metrics: /healthz is
// public). (Found by an operator's review:
// /healthz said ok while every list failed on a full disk.)
func TestWriteHealthWatchesTheFreeSpace(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer func(was func(string) (uint64, uint64, error)) { spaceOf = was }(spaceOf)
	for _, tc := range []struct {
		free, total uint64
		ok          bool
	}{
		{free: 10 << 30, total: 100 << 30, ok: true},
		{free: 40 << 20, total: 100 << 30, ok: false}, // under 64 MiB
		{free: 40 << 20, total: 500 << 20, ok: true},  // a small disk: a twentieth
		{free: 20 << 20, total: 500 << 20, ok: false},
		{free: 0, total: 2 << 20, ok: false},
	} {
		spaceOf = func(string) (uint64, uint64, error) { return tc.free, tc.total, nil }
		err := s.WriteHealth()
		if (err == nil) != tc.ok || err != nil && (!strings.Contains(err.Error(), "nearly full") || strings.Contains(err.Error(), "MiB")) {
			t.Errorf("%d bytes free of %d: %v", tc.free, tc.total, err)
		}
	}
	spaceOf = func(string) (uint64, uint64, error) { return 0, 0, errors.New("unknown") }
	if err := s.WriteHealth(); err != nil {
		t.Errorf("free space unknown: %v", err)
	}
}

// A data directory on a file system mounted read-only (root and the right
// to mount are needed; skipped otherwise): the start is refused saying what
// to do, not only the system's words.
func TestAReadOnlyDataDirectoryIsExplained(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	_, err := Open(dir)
	if err == nil || !errors.Is(err, syscall.EROFS) || !strings.Contains(err.Error(), "writable data directory") {
		t.Errorf("opening a store on a read-only file system: %v", err)
	}
}
