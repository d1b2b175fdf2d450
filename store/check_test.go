package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/nabij-isk/nabij/school"
)

// storeBytes builds a store of 300 pupils with three weeks of lists and
// returns its data (what a backup holds: the file up to its last page).
func storeBytes(t *testing.T) []byte {
	t.Helper()
	s := openStore(t)
	r := &school.Roster{}
	for c := range 12 {
		r.Classes = append(r.Classes, school.Class{ID: fmt.Sprintf("c%d", c), Name: "klas"})
	}
	for i := range 300 {
		r.Students = append(r.Students, school.Student{ID: fmt.Sprintf("p%04d", i), Name: "x", Class: fmt.Sprintf("c%d", i/25),
			BirthDate: school.Date{Year: 2011, Month: 1, Day: 1},
			Contacts:  []school.Contact{{ID: fmt.Sprintf("k%04d", i), Role: school.RoleParent, Name: "x", Phone: "+31600000000", Language: "ar"}}})
	}
	if err := s.Update(func(tx *Tx) error { return tx.ReplaceRoster(r) }); err != nil {
		t.Fatal(err)
	}
	day := school.Date{Year: 2026, Month: 11, Day: 2}
	for range 15 {
		err := s.Update(func(tx *Tx) error {
			for c := range 12 {
				l := &school.AbsenceList{Class: fmt.Sprintf("c%d", c), Date: day}
				for i := c * 25; i < c*25+25; i += 4 {
					l.Absences = append(l.Absences, school.Absence{Student: fmt.Sprintf("p%04d", i), Kind: school.Absent})
				}
				if err := tx.PutAbsenceList(l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		day = day.AddDays(1)
	}
	// A value of three pages (a leaf with overflow pages), and a freelist
	// of more than a page: 2 MB written, then dropped.
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketDigests).Put([]byte("big"), bytes.Repeat([]byte("x"), 10_000)); err != nil {
			return err
		}
		for i := range 500 {
			if err := tx.Bucket(bucketRosterPreviews).Put([]byte(fmt.Sprint(i)), bytes.Repeat([]byte("y"), 4000)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.clear(bucketRosterPreviews) }); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := s.Backup(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeStore(t *testing.T, raw []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestKeysOutOfOrderRefused: a leaf page whose first key was changed is
// whole to the file check (every element inside its page) but not to
// bbolt's: its keys are out of order. Open refuses it as damaged.
func TestKeysOutOfOrderRefused(t *testing.T) {
	raw := storeBytes(t)
	const ps = 4096
	changed := false
	for off := 2 * ps; off+ps <= len(raw) && !changed; off += ps {
		p := raw[off : off+ps]
		flags, count := binary.LittleEndian.Uint16(p[8:]), binary.LittleEndian.Uint16(p[10:])
		if flags != 0x02 || count < 3 || binary.LittleEndian.Uint32(p[16:]) != 0 {
			continue // a leaf of plain values, with keys to put out of order
		}
		pos, ksize := binary.LittleEndian.Uint32(p[20:]), binary.LittleEndian.Uint32(p[24:])
		if ksize == 0 || p[16+pos] == 0xFF {
			continue
		}
		p[16+pos] = 0xFF
		changed = true
	}
	if !changed {
		t.Fatal("no leaf page to change")
	}
	dir := writeStore(t, raw)
	s, err := Open(dir)
	if err == nil {
		s.Close()
		t.Fatal("a store with keys out of order opened")
	}
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "needs to be") || !strings.Contains(err.Error(), "nabij restore") {
		t.Errorf("Open: %v; want ErrDamaged from bbolt's check, with the way to restore", err)
	}
}

// TestGarbageAnywhereIsRefusedOrHarmless writes 512 bytes of garbage at a
// hundred places of a store, one at a time: Open either refuses the file
// as damaged or opens a store whose every key and value reads without a
// panic or a fault (the garbage fell on a free page, or inside a value).
func TestGarbageAnywhereIsRefusedOrHarmless(t *testing.T) {
	raw := storeBytes(t)
	rng := rand.New(rand.NewPCG(14, 7))
	refused := 0
	for trial := range 100 {
		bad := bytes.Clone(raw)
		at := rng.IntN(len(bad) - 512)
		for i := range 512 {
			bad[at+i] = byte(rng.Uint32())
		}
		dir := writeStore(t, bad)
		s, err := Open(dir)
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("trial %d (garbage at %d): %v, not ErrDamaged", trial, at, err)
			}
			refused++
			continue
		}
		err = s.db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				return b.ForEach(func(k, v []byte) error { return nil })
			})
		})
		s.Close()
		if err != nil {
			t.Errorf("trial %d (garbage at %d): opened, then %v", trial, at, err)
		}
	}
	t.Logf("%d of 100 refused", refused)
	if refused == 0 {
		t.Error("no garbage was found: the test damaged nothing")
	}
}

// TestFirstMetaPageBadOpensFromTheSecond: bbolt keeps two meta pages so
// that a torn write of one leaves the other; a store whose first meta page
// fails its checksum is not refused.
func TestFirstMetaPageBadOpensFromTheSecond(t *testing.T) {
	raw := storeBytes(t)
	raw[16+60] ^= 0xFF // the first meta page's checksum
	s, err := Open(writeStore(t, raw))
	if err != nil {
		t.Fatalf("Open with the first meta page bad: %v", err)
	}
	s.Close()
}

// TestPartialBackupsRemoved: a backup killed half-way leaves its temporary
// file; the next backup into that folder, and the store's opening (for its
// data directory), remove it, but not one still being written.
func TestPartialBackupsRemoved(t *testing.T) {
	dir := t.TempDir()
	left := filepath.Join(dir, ".nabij-backup-123")
	leftRestore := filepath.Join(dir, ".nabij-restore-456")
	for _, name := range []string{left, leftRestore} {
		if err := os.WriteFile(name, []byte("half a backup"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{left, leftRestore} {
		if _, err := os.Stat(name); err == nil {
			t.Errorf("%s is still there after Open", filepath.Base(name))
		}
	}

	backups := t.TempDir()
	left = filepath.Join(backups, ".nabij-backup-789")
	if err := os.WriteFile(left, []byte("half a backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Another backup into the same folder, under way: its file is locked.
	busy, err := os.CreateTemp(backups, ".nabij-backup-*")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if err := tryLock(busy); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BackupFile(filepath.Join(backups, "nabij.db")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); err == nil {
		t.Error("the partial backup is still there after the next backup")
	}
	if _, err := os.Stat(busy.Name()); err != nil {
		t.Errorf("a backup under way was removed: %v", err)
	}
}

// TestWholeStoreOpens: a store with a value of several pages and a
// freelist of more than one page passes both checks.
func TestWholeStoreOpens(t *testing.T) {
	dir := writeStore(t, storeBytes(t))
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c := s.Checked(); c.Pages == 0 || c.Took == 0 {
		t.Errorf("Checked() = %+v: the check did not run", c)
	}
	if _, err := Check(filepath.Join(dir, FileName)); !errors.Is(err, ErrLocked) {
		t.Errorf("Check of a store held open: %v, want ErrLocked", err)
	}
}
