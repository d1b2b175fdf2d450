package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrPostgresBackup is a backup asked of a store in PostgreSQL, whose
// backups are PostgreSQL's own (pg_dump).
var ErrPostgresBackup = errors.New("the store is in PostgreSQL: back it up with pg_dump (README, Backups)")

// Backup writes a consistent copy of the whole store to w while the
// service runs: one read transaction, so lists and messages go on being
// written meanwhile.
func (s *Store) Backup(w io.Writer) (int64, error) {
	if s.db == nil {
		return 0, ErrPostgresBackup
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a backup to path atomically: a file that exists is a
// whole backup.
func (s *Store) BackupFile(path string) (int64, error) {
	return WriteBackup(path, s.Backup)
}

// WriteBackup writes a backup that write produces (from the store, or
// downloaded from a running service) to path atomically: into a temporary
// file beside it (locked while it is written), synced, checked as a store
// is when it opens (check.go: a damaged copy is refused, loudly), then
// renamed. A backup file that exists is whole and passed the check.
// Partial backups a killed backup left beside path are removed first.
func WriteBackup(path string, write func(io.Writer) (int64, error)) (int64, error) {
	RemovePartial(filepath.Dir(path))
	tmp, err := os.CreateTemp(filepath.Dir(path), partialBackup)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := tryLock(tmp); err != nil {
		return 0, fmt.Errorf("lock %s: %w", tmp.Name(), err)
	}
	n, err := write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		// The check takes a shared lock of its own; ours, shared now,
		// still keeps a cleanup away.
		err = shareLock(tmp)
	}
	if err != nil {
		return 0, err
	}
	if _, err := ReadInfo(tmp.Name()); err != nil {
		if errors.Is(err, ErrDamaged) {
			var de *DamagedError
			errors.As(err, &de)
			return 0, fmt.Errorf("the copy is damaged (%s): no backup was written; %s", de.Reason, damagedSource)
		}
		return 0, fmt.Errorf("the copy does not read back: %w", err)
	}
	return n, os.Rename(tmp.Name(), path)
}

// damagedSource is what to do when a copy fails its check.
const damagedSource = "if it happens again, the store itself is damaged: stop nabij, run `nabij backup` against the stopped store to see, and keep the last good backup"

// Info is what a store file says about itself.
type Info struct {
	SchemaVersion int
	WrittenAt     time.Time // the last write transaction
}

// ReadInfo checks the store file at path (as Open does: a damaged file is
// ErrDamaged) and reads its schema version and when it was last written.
func ReadInfo(path string) (Info, error) {
	var info Info
	if _, err := Check(path); err != nil {
		return info, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return info, fmt.Errorf("%w (%s)", ErrLocked, path)
	}
	if err != nil {
		return info, fmt.Errorf("%s is not a nabij store: %w", path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return fmt.Errorf("%s is not a nabij store: no meta bucket", path)
		}
		if err := json.Unmarshal(meta.Get([]byte("schema_version")), &info.SchemaVersion); err != nil {
			return fmt.Errorf("%s: schema version: %w", path, err)
		}
		if raw := meta.Get([]byte("written_at")); raw != nil {
			return info.WrittenAt.UnmarshalText(raw)
		}
		return nil
	})
	return info, err
}

// Restored is what a restore did.
type Restored struct {
	// Kept is where the store it replaced is kept ("" when there was none).
	Kept string
	// LookedUp counts the messages the backup holds as queued: each may have
	// gone out after the backup was made, so each is marked to be looked up
	// at the provider before it is sent (as a send without an answer is).
	LookedUp int
}

// Restore puts the backup at backup in place of the store in dir, which no
// process may hold. A store written after the backup is kept unless force:
// restoring it would lose data. The store replaced is kept beside it. The
// messages the backup holds as queued are marked uncertain since the
// backup's last write, so that none goes out twice.
func Restore(dir, backup string, force bool) (Restored, error) {
	kept, err := restoreFile(dir, backup, force)
	if err != nil {
		return Restored{Kept: kept}, err
	}
	r := Restored{Kept: kept}
	s, err := Open(dir)
	if err != nil {
		return r, err
	}
	defer s.Close()
	if r.LookedUp, err = s.MarkRestored(); err != nil {
		return r, err
	}
	return r, s.Close()
}

// MarkRestored marks every queued message of a store just restored from a
// backup uncertain since the backup's last write (a message uncertain
// already keeps its own time): each may have gone out after the backup was
// made, so the dispatcher looks it up at the provider, among the messages to
// its number since then, before it sends it. It returns how many it marked.
// nabij restore runs it (bbolt), and nabij restore --after-pg-restore on a
// database pg_restore has just filled.
func (s *Store) MarkRestored() (n int, err error) {
	err = s.Update(func(tx *Tx) error {
		var at time.Time
		if raw := tx.tx.Bucket(bucketMeta).Get([]byte("written_at")); raw != nil {
			if err := at.UnmarshalText(raw); err != nil {
				return fmt.Errorf("written_at: %w", err)
			}
		}
		n, err = tx.uncertainSince(at)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("marking the backup's queued messages to be looked up before they are sent: %w", err)
	}
	return n, nil
}

// markCopyWaiting marks the messages waiting in the outbox of the store
// copied at path before a migration (its schema the older nabij's) as
// uncertain since at: the newer nabij may send them after the copy was
// made, and an older nabij that is given the copy back (a rollback) then
// looks each up at the provider before it sends it, as after a restore.
// Only each message's state is written, its other fields as they are, so
// the older nabij reads it as it wrote it.
func markCopyWaiting(path string, at time.Time) (int, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n := 0
	err = db.Update(func(tx *bolt.Tx) error {
		outbox, states := tx.Bucket(bucketOutbox), tx.Bucket(bucketMsgState)
		if outbox == nil || states == nil {
			return nil // a store too old to know uncertain messages
		}
		when, err := json.Marshal(at)
		if err != nil {
			return err
		}
		return outbox.ForEach(func(k, _ []byte) error {
			id := k[8:]
			raw := states.Get(id)
			if raw == nil {
				return nil
			}
			var st map[string]json.RawMessage
			if err := json.Unmarshal(raw, &st); err != nil {
				return fmt.Errorf("%s/%s: %w", bucketMsgState, id, err)
			}
			if string(st["uncertain"]) == "true" {
				return nil // looked up already, since its own first try
			}
			st["uncertain"], st["claimed_at"] = json.RawMessage("true"), when
			v, err := json.Marshal(st)
			if err != nil {
				return err
			}
			n++
			return states.Put(id, v)
		})
	})
	return n, err
}

// uncertainSince marks every queued message uncertain since at.
func (t *Tx) uncertainSince(at time.Time) (int, error) {
	ids, err := t.Due(time.Unix(0, math.MaxInt64), math.MaxInt)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		m, err := t.Message(id)
		if err != nil {
			return n, err
		}
		if m.Uncertain {
			continue
		}
		m.Uncertain, m.ClaimedAt = true, at
		if err := t.PutMessage(m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// restoreFile puts the backup's file in place; it returns where the store
// it replaced is kept.
func restoreFile(dir, backup string, force bool) (kept string, err error) {
	b, err := ReadInfo(backup)
	if err != nil {
		return "", err
	}
	if b.SchemaVersion > SchemaVersion {
		return "", fmt.Errorf("the backup has schema version %d, newer than this nabij (%d)", b.SchemaVersion, SchemaVersion)
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err == nil {
		// A store a running service holds stops the restore; a damaged one
		// is what a restore is for: it is replaced, and kept beside.
		cur, err := ReadInfo(path)
		if err != nil && !errors.Is(err, ErrDamaged) {
			return "", err
		}
		if err == nil && cur.WrittenAt.After(b.WrittenAt) && !force {
			return "", fmt.Errorf("the store in %s was written at %s, after the backup (%s): restoring would lose that; use --force to restore anyway",
				dir, cur.WrittenAt.Format(time.RFC3339), b.WrittenAt.Format(time.RFC3339))
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	in, err := os.Open(backup)
	if err != nil {
		return "", err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(dir, partialRestore)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := tryLock(tmp); err != nil {
		tmp.Close()
		return "", fmt.Errorf("lock %s: %w", tmp.Name(), err)
	}
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err == nil {
		kept = path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(path, kept); err != nil {
			return "", err
		}
	}
	return kept, os.Rename(tmp.Name(), path)
}
