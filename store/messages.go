package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

// UpdateAlerts runs fn in a read-write transaction as alerts.Tx.
func (s *Store) UpdateAlerts(fn func(alerts.Tx) error) error {
	return s.Update(func(t *Tx) error { return fn(t) })
}

// BatchAlerts runs fn in a read-write transaction shared with other
// goroutines' calls (Group): one commit, one fsync, for many messages; each
// is durable when its call returns. fn may run twice if another call in
// the batch fails, so it must only depend on what it reads.
func (s *Store) BatchAlerts(fn func(alerts.Tx) error) error {
	return s.Group(func(t *Tx) error { return fn(t) })
}

// ViewAlerts runs fn in a read-only transaction as alerts.Tx.
func (s *Store) ViewAlerts(fn func(alerts.Tx) error) error {
	return s.View(func(t *Tx) error { return fn(t) })
}

var _ alerts.Tx = (*Tx)(nil)

// Message loads a message.
func (t *Tx) Message(id string) (*alerts.Message, error) {
	content := t.tx.Bucket(bucketMessages).Get([]byte(id))
	if content == nil {
		return nil, school.NotFound("message %s", id)
	}
	state := t.tx.Bucket(bucketMsgState).Get([]byte(id))
	m, err := decodeMessage(id, content, state)
	if err == nil {
		t.remember(id, content, state, m)
	}
	return m, err
}

// MessageByProviderID finds a message by the provider's id (Twilio's SID).
func (t *Tx) MessageByProviderID(pid string) (*alerts.Message, error) {
	id := t.tx.Bucket(bucketMsgByPID).Get([]byte(pid))
	if id == nil {
		return nil, school.NotFound("provider id %s", pid)
	}
	return t.Message(string(id))
}

// MessagesOf lists the messages of date about student.
func (t *Tx) MessagesOf(date school.Date, student string) ([]*alerts.Message, error) {
	return t.messagesByIndex(bucketMsgByStudent, date.String()+"|"+student+"|")
}

// MessagesOn lists the messages of date, oldest first.
func (t *Tx) MessagesOn(date school.Date) ([]*alerts.Message, error) {
	return t.messagesByIndex(bucketMsgByDate, date.String()+"|")
}

// AllMessages lists every message, oldest first.
func (t *Tx) AllMessages() ([]*alerts.Message, error) {
	var out []*alerts.Message
	states := t.tx.Bucket(bucketMsgState)
	err := t.tx.Bucket(bucketMessages).ForEach(func(k, content []byte) error {
		m, err := decodeMessage(string(k), content, states.Get(k))
		out = append(out, m)
		return err
	})
	return out, err
}

func (t *Tx) messagesByIndex(bucket []byte, prefix string) ([]*alerts.Message, error) {
	var out []*alerts.Message
	c := t.tx.Bucket(bucket).Cursor()
	p := []byte(prefix)
	for k, _ := c.Seek(p); k != nil && hasPrefix(k, p); k, _ = c.Next() {
		m, err := t.Message(string(k[len(p):]))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func openKey(m *alerts.Message) string {
	return fmt.Sprintf("%s|%s|%s|%s", m.Date, m.Phone, m.Channel, m.Template)
}

// open reports whether siblings' alerts may still join m.
func open(m *alerts.Message) bool {
	return m.Status == alerts.StatusQueued && m.Attempts == 0 && m.FallbackFor == ""
}

// OpenMessage is the message still in its hold that a new alert to the same
// phone, channel and template joins.
func (t *Tx) OpenMessage(date school.Date, phone string, channel school.Channel, template string) (*alerts.Message, error) {
	key := openKey(&alerts.Message{Date: date, Phone: phone, Channel: channel, Template: template})
	id := t.tx.Bucket(bucketMsgOpen).Get([]byte(key))
	if id == nil {
		return nil, nil
	}
	m, err := t.Message(string(id))
	if errors.Is(err, school.ErrNotFound) {
		return nil, nil // purged by retention
	}
	if err != nil || !open(m) {
		return nil, err
	}
	return m, nil
}

func outboxKey(due time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(due.UnixNano()))
	return append(k, id...)
}

// PutMessage saves m and keeps every index in step with it.
func (t *Tx) PutMessage(m *alerts.Message) error {
	var old *alerts.Message
	if m.ID == "" {
		seq, err := t.tx.Bucket(bucketMessages).NextSequence()
		if err != nil {
			return err
		}
		m.ID = fmt.Sprintf("m%09d", seq)
	} else {
		var err error
		if old, err = t.stored(m.ID); err != nil {
			return err
		}
	}
	if err := t.reindex(old, m); err != nil {
		return err
	}
	return t.writeMessageAs(m, old == nil)
}

func (t *Tx) reindex(old, m *alerts.Message) error {
	byStudent := t.tx.Bucket(bucketMsgByStudent)
	openIdx := t.tx.Bucket(bucketMsgOpen)
	outbox := t.tx.Bucket(bucketOutbox)
	id := []byte(m.ID)
	if old == nil {
		if err := t.tx.Bucket(bucketMsgByDate).Put([]byte(m.Date.String()+"|"+m.ID), nil); err != nil {
			return err
		}
		if err := t.tx.Bucket(bucketMsgByPhone).Put([]byte(m.Phone+"|"+m.ID), nil); err != nil {
			return err
		}
	} else {
		for _, s := range old.Students {
			if !slices.Contains(m.Students, s) {
				if err := byStudent.Delete([]byte(m.Date.String() + "|" + s + "|" + m.ID)); err != nil {
					return err
				}
			}
		}
		if old.Status == alerts.StatusQueued {
			if err := outbox.Delete(outboxKey(old.DueAt, old.ID)); err != nil {
				return err
			}
		}
		if open(old) && (!open(m) || openKey(old) != openKey(m)) && string(openIdx.Get([]byte(openKey(old)))) == m.ID {
			if err := openIdx.Delete([]byte(openKey(old))); err != nil {
				return err
			}
		}
	}
	// An index entry already there is not put again: a put rewrites its
	// page even when nothing changes, and these keys are scattered (by
	// pupil, by provider id), so every needless put is a page to write.
	for _, s := range m.Students {
		if old != nil && slices.Contains(old.Students, s) {
			continue
		}
		if err := byStudent.Put([]byte(m.Date.String()+"|"+s+"|"+m.ID), nil); err != nil {
			return err
		}
	}
	if m.Status == alerts.StatusQueued {
		if err := outbox.Put(outboxKey(m.DueAt, m.ID), nil); err != nil {
			return err
		}
	}
	sending := t.tx.Bucket(bucketMsgSending)
	wasSending := old != nil && old.Status == alerts.StatusSending
	if m.Status == alerts.StatusSending && !wasSending {
		if err := sending.Put(id, nil); err != nil {
			return err
		}
	} else if m.Status != alerts.StatusSending && wasSending {
		if err := sending.Delete(id); err != nil {
			return err
		}
	}
	if open(m) && string(openIdx.Get([]byte(openKey(m)))) != m.ID {
		if err := openIdx.Put([]byte(openKey(m)), id); err != nil {
			return err
		}
	}
	if m.ProviderID != "" && (old == nil || old.ProviderID != m.ProviderID) {
		if err := t.tx.Bucket(bucketMsgByPID).Put([]byte(m.ProviderID), id); err != nil {
			return err
		}
	}
	return nil
}

// Due lists queued messages due at or before now, earliest first.
func (t *Tx) Due(now time.Time, limit int) ([]string, error) {
	var out []string
	c := t.tx.Bucket(bucketOutbox).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		if int64(binary.BigEndian.Uint64(k[:8])) > now.UnixNano() {
			break
		}
		out = append(out, string(k[8:]))
	}
	return out, nil
}

// maxRetryingCounted bounds Outbox.Retrying: enough to see a morning that
// does not go out, without reading every message of a large one a scrape.
const maxRetryingCounted = 1000

// Outbox is what waits to be sent at a moment (OutboxStats).
type Outbox struct {
	// Due are the queued messages due and not yet claimed; OldestDue is
	// when the earliest of them fell due.
	Due       int
	OldestDue time.Time
	// Sending are the messages claimed and waiting for the provider's
	// answer.
	Sending int
	// Retrying are the queued messages tried before (a send the provider
	// refused for now, or left unanswered, or the lookup of one) and due
	// again within the longest wait between tries: between two tries they
	// are neither due nor sending.
	Retrying int
}

// OutboxStats is what waits to be sent at now, each count at most limit
// (Retrying at most maxRetryingCounted: each is a read of the message's
// state); retryWithin is the longest wait between two tries of a message.
// For /metrics: a dispatcher that stops, or a provider that refuses every
// try, is seen here, not in the latency of what was sent.
func (t *Tx) OutboxStats(now time.Time, retryWithin time.Duration, limit int) (Outbox, error) {
	var o Outbox
	states := t.tx.Bucket(bucketMsgState)
	c := t.tx.Bucket(bucketOutbox).Cursor()
	for k, _ := c.First(); k != nil && o.Due < limit && o.Retrying < min(limit, maxRetryingCounted); k, _ = c.Next() {
		at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
		if at.After(now.Add(retryWithin)) {
			break
		}
		if !at.After(now) {
			if o.Due == 0 {
				o.OldestDue = at
			}
			o.Due++
			continue
		}
		var st msgState
		if raw := states.Get(k[8:]); raw != nil && json.Unmarshal(raw, &st) == nil && (st.Attempts > 0 || st.Uncertain) {
			o.Retrying++
		}
	}
	sc := t.tx.Bucket(bucketMsgSending).Cursor()
	for k, _ := sc.First(); k != nil && o.Sending < limit; k, _ = sc.Next() {
		o.Sending++
	}
	return o, nil
}

// NextDue is the earliest due time in the outbox later than after.
func (t *Tx) NextDue(after time.Time) (time.Time, bool, error) {
	k, _ := t.tx.Bucket(bucketOutbox).Cursor().Seek(binary.BigEndian.AppendUint64(nil, uint64(after.UnixNano()+1)))
	if k == nil {
		return time.Time{}, false, nil
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), true, nil
}

type earlyStatus struct {
	Status alerts.Status `json:"status"`
	Code   int           `json:"code,omitempty"`
}

// KeepEarlyStatus keeps a status report that came before its provider id
// was recorded, one for each status (pid|status): reports may come in any
// order, and "sent" after "undelivered" must not hide the failure.
func (t *Tx) KeepEarlyStatus(pid string, st alerts.Status, code int) error {
	return t.put(bucketEarlyStatus, pid+"|"+string(st), earlyStatus{st, code})
}

// TakeEarlyStatuses hands over, once, the status reports kept for pid (and
// one kept under pid alone, as earlier versions of nabij kept it).
func (t *Tx) TakeEarlyStatuses(pid string) ([]alerts.EarlyStatus, error) {
	var out []alerts.EarlyStatus
	var keys [][]byte
	take := func(k, v []byte) error {
		var e earlyStatus
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("early_status/%s: %w", k, err)
		}
		out = append(out, alerts.EarlyStatus{Status: e.Status, Code: e.Code})
		keys = append(keys, append([]byte(nil), k...))
		return nil
	}
	b := t.tx.Bucket(bucketEarlyStatus)
	if v := b.Get([]byte(pid)); v != nil {
		if err := take([]byte(pid), v); err != nil {
			return nil, err
		}
	}
	c := b.Cursor()
	p := []byte(pid + "|")
	for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
		if err := take(k, v); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MessagesToPhone lists the messages sent to phone, newest first, at most limit.
func (t *Tx) MessagesToPhone(phone string, limit int) ([]*alerts.Message, error) {
	var out []*alerts.Message
	c := t.tx.Bucket(bucketMsgByPhone).Cursor()
	p := []byte(phone + "|")
	// Ids grow with time: walk back from the end of phone's keys.
	k, _ := c.Seek([]byte(phone + "|\xff"))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && hasPrefix(k, p) && len(out) < limit; k, _ = c.Prev() {
		m, err := t.Message(string(k[len(p):]))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// OptOut is a contact's STOP: nothing more is sent to the phone until START.
type OptOut struct {
	Word string    `json:"word"`
	At   time.Time `json:"at"`
}

// OptedOut reports whether phone sent STOP.
func (t *Tx) OptedOut(phone string) (bool, error) {
	return t.tx.Bucket(bucketOptOuts).Get([]byte(phone)) != nil, nil
}

// SetOptOut records STOP for phone, or START (out nil).
func (t *Tx) SetOptOut(phone string, out *OptOut) error {
	if out == nil {
		return t.tx.Bucket(bucketOptOuts).Delete([]byte(phone))
	}
	return t.put(bucketOptOuts, phone, out)
}

// Sending lists the messages left "sending".
func (t *Tx) Sending() ([]*alerts.Message, error) {
	var out []*alerts.Message
	c := t.tx.Bucket(bucketMsgSending).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		m, err := t.Message(string(k))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
