package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

// A message is kept in two records: its content in messages (written when
// it is made, and while siblings join it in its hold), and its state in
// msg_state (written at every claim, answer and status callback). A status
// change so rewrites a record of about 150 bytes, not the message with its
// text and back-translation: ten times fewer pages to write per commit
// when many messages go out at once.

// msgState is what changes of a message once it goes out.
type msgState struct {
	Status      alerts.Status `json:"status"`
	ErrorCode   int           `json:"error_code,omitempty"`
	ProviderID  string        `json:"provider_id,omitempty"`
	Attempts    int           `json:"attempts,omitempty"`
	DueAt       time.Time     `json:"due_at"`
	Uncertain   bool          `json:"uncertain,omitempty"`
	ClaimedAt   time.Time     `json:"claimed_at,omitzero"`
	ClaimedBy   string        `json:"claimed_by,omitempty"`
	SentAt      *time.Time    `json:"sent_at,omitempty"`
	DeliveredAt *time.Time    `json:"delivered_at,omitempty"`
	RepliedAt   *time.Time    `json:"replied_at,omitempty"`
	Checks      int           `json:"status_checks,omitempty"`
	Fallback    string        `json:"fallback,omitempty"`
	Note        string        `json:"note,omitempty"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

func stateOf(m *alerts.Message) msgState {
	return msgState{Status: m.Status, ErrorCode: m.ErrorCode, ProviderID: m.ProviderID, Attempts: m.Attempts,
		DueAt: m.DueAt, Uncertain: m.Uncertain, ClaimedAt: m.ClaimedAt, ClaimedBy: m.ClaimedBy, SentAt: m.SentAt, DeliveredAt: m.DeliveredAt,
		RepliedAt: m.RepliedAt, Checks: m.StatusChecks, Fallback: m.Fallback, Note: m.Note, UpdatedAt: m.UpdatedAt}
}

func (s msgState) applyTo(m *alerts.Message) {
	m.Status, m.ErrorCode, m.ProviderID, m.Attempts = s.Status, s.ErrorCode, s.ProviderID, s.Attempts
	m.DueAt, m.Uncertain, m.ClaimedAt, m.ClaimedBy = s.DueAt, s.Uncertain, s.ClaimedAt, s.ClaimedBy
	m.SentAt, m.DeliveredAt, m.RepliedAt, m.StatusChecks = s.SentAt, s.DeliveredAt, s.RepliedAt, s.Checks
	m.Fallback, m.Note, m.UpdatedAt = s.Fallback, s.Note, s.UpdatedAt
}

// contentOf is m without its state, as the messages bucket keeps it.
func contentOf(m *alerts.Message) *alerts.Message {
	c := *m
	msgState{}.applyTo(&c)
	return &c
}

// decodeMessage reads a message from its content and its state record (a
// message written before the split has its state in its content, and no
// state record).
func decodeMessage(id string, content, state []byte) (*alerts.Message, error) {
	var m alerts.Message
	if err := json.Unmarshal(content, &m); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", bucketMessages, id, err)
	}
	if state != nil {
		var s msgState
		if err := json.Unmarshal(state, &s); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", bucketMsgState, id, err)
		}
		s.applyTo(&m)
	}
	return &m, nil
}

// writeMessage puts m's records, each only when it changed.
func (t *Tx) writeMessage(m *alerts.Message) error { return t.writeMessageAs(m, false) }

// writeMessageAs is writeMessage; a message just numbered (fresh) has
// no records to compare with.
func (t *Tx) writeMessageAs(m *alerts.Message, fresh bool) error {
	for _, r := range []struct {
		bucket []byte
		v      any
	}{{bucketMessages, contentOf(m)}, {bucketMsgState, stateOf(m)}} {
		raw, err := json.Marshal(r.v)
		if err != nil {
			return err
		}
		b := t.tx.Bucket(r.bucket)
		if !fresh && bytes.Equal(b.Get([]byte(m.ID)), raw) {
			continue
		}
		if err := b.Put([]byte(m.ID), raw); err != nil {
			return err
		}
	}
	return nil
}

// readMessage is a message as a writable transaction read it: PutMessage
// needs the message as stored to move its indexes, and takes it from here
// rather than decode it again when the records are still the ones read.
type readMessage struct {
	content, state []byte
	m              alerts.Message // Students cloned: callers may change theirs
}

const maxRemembered = 1024

func (t *Tx) remember(id string, content, state []byte, m *alerts.Message) {
	// A transaction that reads many messages (retention) keeps only the
	// first: the memory stays small, and later ones are decoded again.
	if !t.tx.Writable() || len(t.read) >= maxRemembered {
		return
	}
	if t.read == nil {
		t.read = map[string]*readMessage{}
	}
	r := &readMessage{content: bytes.Clone(content), state: bytes.Clone(state), m: *m}
	r.m.Students = slices.Clone(m.Students)
	t.read[id] = r
}

// stored is the message id as its records stand now.
func (t *Tx) stored(id string) (*alerts.Message, error) {
	content := t.tx.Bucket(bucketMessages).Get([]byte(id))
	if content == nil {
		return nil, school.NotFound("message %s", id)
	}
	state := t.tx.Bucket(bucketMsgState).Get([]byte(id))
	if r, ok := t.read[id]; ok && bytes.Equal(r.content, content) && bytes.Equal(r.state, state) {
		m := r.m
		return &m, nil
	}
	return decodeMessage(id, content, state)
}
