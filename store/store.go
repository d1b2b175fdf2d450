// Package store keeps nabij's data: the roster, staff, absence lists,
// messages and their outbox, with a recorded schema version, in one bbolt
// file (the default) or in PostgreSQL (several replicas on one database);
// kv.go says how one code serves both. Everything that must happen together
// happens in one transaction.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout this code reads and writes.
//
//	1  the first layout
//	2  esc_active: a pupil's active cases and the days of their facts;
//	   msg_state: a message's state apart from its content (a message of
//	   schema 1 keeps its state in its content until it is next written)
//	3  esc_by_student marks a dismissed case (it restarts no rule), and
//	   esc_active holds reported cases too (a correction is told on them);
//	   closed_days: the days a school closed after the fact
//	4  class_pupils: each class's pupils, so that a list's check of its
//	   class's size reads the class, not the whole school
//	5  left_pupils: the roster's record of a pupil who left, for the
//	   melding of a case reached while they were enrolled (a pupil who left
//	   under schema 4 has none)
//	6  esc_by_student holds the last day of a case's facts: an LRV run
//	   that began while the last one was held back is a run of its own
const SchemaVersion = 6

// FileName is the bbolt file inside the data directory.
const FileName = "nabij.db"

// ErrLocked is another process holding the data directory.
var ErrLocked = errors.New("the data directory is in use by another nabij process")

var (
	bucketMeta            = []byte("meta")
	bucketClasses         = []byte("classes")
	bucketStudents        = []byte("students")
	bucketUnits           = []byte("housing_units")
	bucketUsers           = []byte("users")
	bucketTokens          = []byte("tokens")            // token hash → user id
	bucketLists           = []byte("lists")             // date|class → list
	bucketHistory         = []byte("history")           // student|date → absence
	bucketMessages        = []byte("messages")          // id → message
	bucketMsgByStudent    = []byte("msg_by_student")    // date|student|id
	bucketMsgByDate       = []byte("msg_by_date")       // date|id
	bucketMsgOpen         = []byte("msg_open")          // date|phone|channel|template → id
	bucketMsgByPID        = []byte("msg_by_pid")        // provider id → id
	bucketEarlyStatus     = []byte("early_status")      // provider id → status
	bucketOutbox          = []byte("outbox")            // due (8 bytes) | id
	bucketInbound         = []byte("inbound")           // msg|id → inbound; pid|provider id → id
	bucketEscalations     = []byte("escalations")       // id → escalation
	bucketEscByStudent    = []byte("esc_by_student")    // student|id
	bucketEscByKey        = []byte("esc_by_key")        // student|rule|threshold day[|2…] → id (freeKey)
	bucketTasks           = []byte("tasks")             // task|id → task; key|… → id
	bucketDigests         = []byte("digests")           // date → digest
	bucketStudentFacts    = []byte("student_facts")     // id → birth date|class
	bucketClassPupils     = []byte("class_pupils")      // class|student
	bucketOptOuts         = []byte("opt_outs")          // phone → opt-out
	bucketMsgByPhone      = []byte("msg_by_phone")      // phone|id
	bucketMsgSending      = []byte("msg_sending")       // id, while a message is "sending"
	bucketStudentsByPhone = []byte("students_by_phone") // phone|student
	bucketSignInLinks     = []byte("signin_links")      // token hash → link
	bucketSessions        = []byte("sessions")          // cookie hash → session
	bucketAudit           = []byte("audit")             // time (8 bytes) | seq (8 bytes) → entry
	bucketLeft            = []byte("left")              // pupil id → the day they left the roster
	bucketLeftPupils      = []byte("left_pupils")       // pupil id → their roster record when they left
	bucketEscActive       = []byte("esc_active")        // student|id → days of the facts, unless the case is dismissed
	bucketMsgState        = []byte("msg_state")         // id → what changes of a message once it goes out
	bucketClosedDays      = []byte("closed_days")       // date → the day the school closed after the fact
	bucketRosterPreviews  = []byte("roster_previews")   // id → a roster file previewed, until applied or expired
	// language tag → the school's own file of that language
	bucketTransOverrides  = []byte("translation_overrides")
	bucketRecordings      = []byte("recordings")       // id → a school's recording (voice.Recording), without its audio
	bucketRecordingAudio  = []byte("recording_audio")  // id → the recording's audio bytes
	bucketOIDCLogins      = []byte("oidc_logins")      // SHA-256 of a state → a sign-in under way (replicas)
	bucketPhoneRecordings = []byte("phone_recordings") // SHA-256 of a token → a call recording a message by phone
	allBuckets            = [][]byte{bucketMeta, bucketClasses, bucketStudents, bucketUnits, bucketUsers, bucketTokens,
		bucketLists, bucketHistory, bucketMessages, bucketMsgByStudent, bucketMsgByDate, bucketMsgOpen,
		bucketMsgByPID, bucketEarlyStatus, bucketOutbox, bucketInbound,
		bucketEscalations, bucketEscByStudent, bucketEscByKey, bucketTasks, bucketDigests, bucketStudentFacts,
		bucketOptOuts, bucketMsgByPhone, bucketMsgSending, bucketStudentsByPhone,
		bucketSignInLinks, bucketSessions, bucketAudit, bucketLeft, bucketEscActive, bucketMsgState, bucketClosedDays, bucketRosterPreviews, bucketTransOverrides,
		bucketRecordings, bucketRecordingAudio, bucketOIDCLogins, bucketPhoneRecordings, bucketClassPupils, bucketLeftPupils}
)

// initialMmapSize is the address space the file is mapped with from the
// start (address space, not memory: only the pages read take memory). bbolt
// must remap as the file outgrows its map, and a remap waits for every read
// transaction to end while holding up the writer; a school's store stays
// well under 1 GiB for years, so it is never remapped. 32-bit systems keep
// bbolt's default.
const initialMmapSize = (1 << 30) * (strconv.IntSize / 64)

// Store is nabij's database: a bbolt file (Open) or PostgreSQL
// (OpenPostgres), behind the same typed operations.
type Store struct {
	eng     engine
	db      *bolt.DB  // the bbolt file; nil on PostgreSQL
	pg      *pgEngine // PostgreSQL; nil on bbolt
	group   grouper
	checked CheckStats
	// migrated is the migration Open made of an older store (zero if none).
	migrated Migration
	health   writeHealth
	fault    writeFault
	// mediaKey signs the links Twilio fetches recordings at: made once,
	// kept in meta (recordings.go), read at Open.
	mediaKey []byte
}

// Open opens the store in dir, or creates it when there is no file. An
// existing file is checked first (check.go) and refused when it is empty
// or damaged, with what is wrong and how to restore a backup: only a
// missing file starts a new store. Partial backups and restores a killed
// process left in dir are removed. A second process opening the same dir
// gets ErrLocked rather than waiting. A store of an older schema is first
// copied whole to nabij.db.before-schema-N, then migrated (Migrated).
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	start := time.Now()
	_, err := os.Stat(path)
	existed := err == nil
	var checked CheckStats
	if existed {
		unlock, err := lockShared(path)
		if err != nil {
			return nil, err
		}
		checked.Pages, err = checkFile(path)
		unlock()
		if err != nil {
			return nil, restoreAdvice(err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, InitialMmapSize: initialMmapSize})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s)", ErrLocked, path)
	}
	if errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		return nil, fmt.Errorf("open %s: %w: nabij writes its store there; give the service's user a writable data directory (NABIJ_DATA), or back up and restore a read-only copy elsewhere", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if existed {
		boltStart := time.Now()
		if err := db.View(func(tx *bolt.Tx) error { return boltCheck(path, tx) }); err != nil {
			db.Close()
			return nil, restoreAdvice(err)
		}
		checked.Took, checked.Bolt = time.Since(start), time.Since(boltStart)
		if info, err := os.Stat(path); err == nil {
			checked.Bytes = info.Size()
		}
	}
	RemovePartial(dir)
	s := &Store{eng: boltEngine{db}, db: db, checked: checked}
	if existed {
		// A store an older nabij wrote is copied whole before it is
		// migrated: the way back to that nabij (which refuses the newer
		// schema) is this copy.
		var version int
		if err := db.View(func(tx *bolt.Tx) (err error) {
			if meta := tx.Bucket(bucketMeta); meta != nil {
				version, err = schemaVersionOf(meta.Get([]byte("schema_version")))
			}
			return err
		}); err != nil {
			db.Close()
			return nil, err
		}
		if version > 0 && version < SchemaVersion {
			copyPath := fmt.Sprintf("%s.before-schema-%d", path, SchemaVersion)
			if _, err := s.BackupFile(copyPath); err != nil {
				db.Close()
				return nil, fmt.Errorf("copying the store of schema %d before migrating it to %d: %w", version, SchemaVersion, err)
			}
			n, err := markCopyWaiting(copyPath, time.Now())
			if err != nil {
				db.Close()
				return nil, fmt.Errorf("marking the waiting messages of the copy %s (the way back to the older nabij): %w", copyPath, err)
			}
			s.migrated = Migration{From: version, To: SchemaVersion, Copy: copyPath, LookedUp: n}
		}
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// restoreAdvice adds to a damaged store's error what to do about it.
func restoreAdvice(err error) error {
	if !errors.Is(err, ErrDamaged) {
		return err
	}
	return fmt.Errorf("%w; nabij does not start on it: restore the latest backup (nabij restore FILE, with nabij stopped), or move the file away to start an empty store", err)
}

// Postgres reports whether the store is in PostgreSQL.
func (s *Store) Postgres() bool { return s.pg != nil }

// Migration is a store of an older schema brought to this nabij's when it
// opened, and where the copy made before is (bbolt: the file beside the
// store; PostgreSQL: "", its backups are pg_dump's).
type Migration struct {
	From, To int
	Copy     string
	// LookedUp counts the messages the copy held as waiting, marked there
	// to be looked up at the provider before an older nabij sends them
	// (markCopyWaiting): this nabij may send them first.
	LookedUp int
}

// Migrated is the migration Open made (From is 0 when there was none).
func (s *Store) Migrated() Migration { return s.migrated }

// Checked is what checking the file cost when the store opened (zero for
// a new store).
func (s *Store) Checked() CheckStats { return s.checked }

// Close closes the file, or the connections to PostgreSQL.
func (s *Store) Close() error { return s.eng.close() }

// Ping checks the store answers; for /healthz.
func (s *Store) Ping() error { return s.eng.ping(context.Background()) }

// migrate brings the store's data to SchemaVersion, or refuses a newer
// one; on either engine (PostgreSQL's tables are migrated before, by its
// SQL migrations).
func (s *Store) migrate() error {
	return s.eng.update(context.Background(), func(tx kvTx) error {
		meta := tx.Bucket(bucketMeta)
		version, err := schemaVersionOf(meta.Get([]byte("schema_version")))
		if err != nil {
			return err
		}
		if version > SchemaVersion {
			return newerSchema(version)
		}
		if version > 0 && version < SchemaVersion {
			s.migrated.From, s.migrated.To = version, SchemaVersion
		}
		if version < 2 {
			if err := buildActiveIndex(tx); err != nil {
				return fmt.Errorf("migrating to schema 2: %w", err)
			}
		}
		if version < 4 {
			if err := buildClassPupils(tx); err != nil {
				return fmt.Errorf("migrating to schema 4: %w", err)
			}
		}
		if version < 6 {
			if err := reindexCases(tx); err != nil {
				return fmt.Errorf("migrating to schema 6 (and 3: the same indexes): %w", err)
			}
		}
		if s.mediaKey, err = ensureMediaKey(meta); err != nil {
			return fmt.Errorf("media key: %w", err)
		}
		return meta.Put([]byte("schema_version"), []byte(fmt.Sprint(SchemaVersion)))
	})
}

// ErrNewerSchema is a store a newer nabij has migrated.
var ErrNewerSchema = errors.New("newer than this nabij")

func newerSchema(version int) error {
	return fmt.Errorf("the store has schema version %d, %w (%d): upgrade nabij", version, ErrNewerSchema, SchemaVersion)
}

// CheckSchema reads the store's schema version again: ErrNewerSchema when
// a newer nabij has migrated it since this one opened it (replicas).
func (s *Store) CheckSchema() error {
	return s.eng.view(context.Background(), func(tx kvTx) error {
		version, err := schemaVersionOf(tx.Bucket(bucketMeta).Get([]byte("schema_version")))
		if err != nil {
			return err
		}
		if version > SchemaVersion {
			return newerSchema(version)
		}
		return nil
	})
}

// schemaVersionOf reads meta's schema_version: 0 when there is none (a
// new store).
func schemaVersionOf(raw []byte) (int, error) {
	var version int
	if raw == nil {
		return 0, nil
	}
	if err := json.Unmarshal(raw, &version); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return version, nil
}

// Tx is a transaction with nabij's typed operations.
type Tx struct {
	tx   kvTx
	read map[string]*readMessage // messages read in a writable transaction
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	return s.ViewContext(context.Background(), fn)
}

// Update runs fn in a read-write transaction; an error from fn undoes all
// of it. Each write records when it happened, so that a restore can tell a
// store newer than its backup.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.UpdateContext(context.Background(), fn)
}

// UpdateContext is Update for a caller that can be cancelled: when ctx has
// ended, no transaction starts and ctx.Err() is returned. A transaction
// once started commits as in Update.
func (s *Store) UpdateContext(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.update(ctx, func(tx kvTx) error { return fn(&Tx{tx: tx}) })
}

// ViewContext is View for a caller that can be cancelled: when ctx has
// ended, no transaction starts and ctx.Err() is returned.
func (s *Store) ViewContext(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.eng.view(ctx, func(tx kvTx) error { return fn(&Tx{tx: tx}) })
}

func stampWrite(tx kvTx) error {
	stamp, _ := time.Now().UTC().MarshalText()
	return tx.Bucket(bucketMeta).Put([]byte("written_at"), stamp)
}

func (t *Tx) get(bucket []byte, key string, v any) (bool, error) {
	raw := t.tx.Bucket(bucket).Get([]byte(key))
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("%s/%s: %w", bucket, key, err)
	}
	return true, nil
}

func (t *Tx) put(bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return t.tx.Bucket(bucket).Put([]byte(key), raw)
}

// clear empties a bucket.
func (t *Tx) clear(bucket []byte) error { return t.tx.clearBucket(bucket) }

// each calls fn for every value in bucket whose key starts with prefix.
func each[T any](t *Tx, bucket []byte, prefix string, fn func(key string, v *T) error) error {
	c := t.tx.Bucket(bucket).Cursor()
	p := []byte(prefix)
	for k, raw := c.Seek(p); k != nil && hasPrefix(k, p); k, raw = c.Next() {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("%s/%s: %w", bucket, k, err)
		}
		if err := fn(string(k), &v); err != nil {
			return err
		}
	}
	return nil
}

// dropWhere deletes every value of bucket that drop says to.
func dropWhere[T any](t *Tx, bucket []byte, drop func(v *T) bool) error {
	var gone [][]byte
	err := each(t, bucket, "", func(key string, v *T) error {
		if drop(v) {
			gone = append(gone, []byte(key))
		}
		return nil
	})
	if err != nil {
		return err
	}
	b := t.tx.Bucket(bucket)
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func hasPrefix(k, p []byte) bool {
	return len(k) >= len(p) && string(k[:len(p)]) == string(p)
}

// OpenReadOnly opens an existing store for reading only, as tools do,
// after checking it as Open does. While the service holds the store it
// cannot be opened: ErrLocked.
func OpenReadOnly(dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no nabij store at %s: %w", path, err)
	}
	return OpenFileReadOnly(path)
}

// OpenFileReadOnly opens the bbolt file at path — a store's nabij.db or a
// backup — for reading only, after checking it as Open does.
func OpenFileReadOnly(path string) (*Store, error) {
	stats, err := Check(path)
	if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("%w; stop the service, or use a backup", err)
	}
	if errors.Is(err, ErrDamaged) {
		return nil, fmt.Errorf("%w; restore the latest backup (nabij restore FILE, with nabij stopped)", err)
	}
	if err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s); stop the service, or use a backup", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Store{eng: boltEngine{db}, db: db, checked: stats}, nil
}
