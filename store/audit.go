package store

import (
	"encoding/binary"
	"encoding/json"
	"time"
)

// AuditEntry is one staff read of pupils' data or one change: who, what,
// when. It holds ids, never names.
type AuditEntry struct {
	At     time.Time         `json:"at"`
	User   string            `json:"user"`
	Role   string            `json:"role"`
	Action string            `json:"action"` // "GET /api/v1/messages"
	Target map[string]string `json:"target,omitempty"`
	Status int               `json:"status"`
}

// Audit appends an entry. It joins the next group commit (Group), so the
// log costs little under load and is durable when Audit returns.
func (s *Store) Audit(e AuditEntry) error {
	return s.Group(func(t *Tx) error {
		b := t.tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		key := binary.BigEndian.AppendUint64(nil, uint64(e.At.UnixNano()))
		key = binary.BigEndian.AppendUint64(key, seq)
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put(key, raw)
	})
}

// AuditLog lists the entries from..to (inclusive), oldest first, at most limit.
func (t *Tx) AuditLog(from, to time.Time, user string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	c := t.tx.Bucket(bucketAudit).Cursor()
	start := binary.BigEndian.AppendUint64(nil, uint64(from.UnixNano()))
	for k, v := c.Seek(start); k != nil && len(out) < limit; k, v = c.Next() {
		if int64(binary.BigEndian.Uint64(k[:8])) > to.UnixNano() {
			break
		}
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, err
		}
		if user == "" || e.User == user {
			out = append(out, e)
		}
	}
	return out, nil
}

// AuditLog reads the audit log.
func (s *Store) AuditLog(from, to time.Time, user string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.View(func(tx *Tx) error {
		var err error
		out, err = tx.AuditLog(from, to, user, limit)
		return err
	})
	return out, err
}
