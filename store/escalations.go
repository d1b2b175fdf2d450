package store

import (
	"fmt"
	"strings"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// PutEscalation saves a case. A new case (no ID) whose facts already opened
// one is not saved again: ok is false.
func (t *Tx) PutEscalation(e *protocol.Escalation) (bool, error) {
	if e.ID == "" {
		if t.tx.Bucket(bucketEscByKey).Get([]byte(e.Key())) != nil {
			return false, nil
		}
		seq, err := t.tx.Bucket(bucketEscalations).NextSequence()
		if err != nil {
			return false, err
		}
		e.ID = fmt.Sprintf("e%07d", seq)
		if err := t.tx.Bucket(bucketEscByKey).Put([]byte(e.Key()), []byte(e.ID)); err != nil {
			return false, err
		}
		// The index carries what the rules need of a past case, so that the
		// sweep reads no case whole.
		past := e.Rule + "|" + e.Facts.ThresholdDay.String()
		if err := t.tx.Bucket(bucketEscByStudent).Put([]byte(e.Student+"|"+e.ID), []byte(past)); err != nil {
			return false, err
		}
	}
	return true, t.put(bucketEscalations, e.ID, e)
}

// Escalation loads a case.
func (t *Tx) Escalation(id string) (*protocol.Escalation, error) {
	var e protocol.Escalation
	ok, err := t.get(bucketEscalations, id, &e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: escalation %s", school.ErrNotFound, id)
	}
	return &e, nil
}

// EscalationsOf lists a pupil's cases, oldest first.
func (t *Tx) EscalationsOf(student string) ([]*protocol.Escalation, error) {
	var out []*protocol.Escalation
	c := t.tx.Bucket(bucketEscByStudent).Cursor()
	p := []byte(student + "|")
	for k, _ := c.Seek(p); k != nil && hasPrefix(k, p); k, _ = c.Next() {
		e, err := t.Escalation(string(k[len(p):]))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Escalations lists every case, oldest first.
func (t *Tx) Escalations() ([]*protocol.Escalation, error) {
	var out []*protocol.Escalation
	err := each(t, bucketEscalations, "", func(_ string, e *protocol.Escalation) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// PastCasesOf lists what the rules need of a pupil's cases, read from the
// index alone.
func (t *Tx) PastCasesOf(student string) ([]protocol.PastCase, error) {
	var out []protocol.PastCase
	c := t.tx.Bucket(bucketEscByStudent).Cursor()
	p := []byte(student + "|")
	for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
		rule, day, ok := strings.Cut(string(v), "|")
		d, err := school.ParseDate(day)
		if !ok || err != nil {
			return nil, fmt.Errorf("escalation index %s: %q is damaged", k, v)
		}
		out = append(out, protocol.PastCase{Rule: rule, ThresholdDay: d})
	}
	return out, nil
}
