package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// PutEscalation saves a case. A new case (no ID) whose facts already opened
// one is not saved again: ok is false.
func (t *Tx) PutEscalation(e *protocol.Escalation) (bool, error) {
	fresh := e.ID == ""
	if fresh {
		key, ok, err := t.freeKey(e)
		if err != nil || !ok {
			return false, err
		}
		seq, err := t.tx.Bucket(bucketEscalations).NextSequence()
		if err != nil {
			return false, err
		}
		e.ID = fmt.Sprintf("e%07d", seq)
		if err := t.tx.Bucket(bucketEscByKey).Put([]byte(key), []byte(e.ID)); err != nil {
			return false, err
		}
	}
	// The index carries what the rules need of a past case, so that the
	// sweep reads no case whole.
	if err := t.indexPast(e, fresh); err != nil {
		return false, err
	}
	if err := t.indexActive(e); err != nil {
		return false, err
	}
	return true, t.put(bucketEscalations, e.ID, e)
}

// freeKey finds the esc_by_key entry a new case e is kept under: its key,
// or, when a dismissed case with other days holds that (Escalation.Covers),
// the key with "|2", "|3"… ok is false when a case there covers e.
func (t *Tx) freeKey(e *protocol.Escalation) (string, bool, error) {
	byKey := t.tx.Bucket(bucketEscByKey)
	for n := 1; n <= maxCasesPerKey; n++ {
		key := caseKey(e.Key(), n)
		id := byKey.Get([]byte(key))
		if id == nil {
			return key, true, nil
		}
		var old protocol.Escalation
		found, err := t.get(bucketEscalations, string(id), &old)
		if err != nil {
			return "", false, err
		}
		if !found {
			return key, true, nil // its case purged: the key is free
		}
		if old.Covers(e) {
			return "", false, nil
		}
	}
	return "", false, nil
}

// maxCasesPerKey bounds the cases of one rule and threshold day a pupil
// can have (each after a dismissed one with other days).
const maxCasesPerKey = 16

// caseKey is the nth esc_by_key entry of a case key (the first is the key).
func caseKey(key string, n int) string {
	if n == 1 {
		return key
	}
	return fmt.Sprintf("%s|%d", key, n)
}

// dismissedMark ends the index entry of a dismissed case; lastDayMark
// comes before the last day of its facts (schema 6).
const (
	dismissedMark = "|dismissed"
	lastDayMark   = "|through "
)

// indexPast keeps esc_by_student in step with e: its rule, its threshold
// day, the last day of its facts (an LRV's run), and whether it was
// dismissed (a dismissed case restarts no rule):
// "rule|threshold[|through last][|dismissed]".
func (t *Tx) indexPast(e *protocol.Escalation, fresh bool) error {
	past := e.Rule + "|" + e.Facts.ThresholdDay.String()
	if last := protocol.LastDayOf(e.Facts); !last.IsZero() {
		past += lastDayMark + last.String()
	}
	if e.Status == protocol.StatusDismissed {
		past += dismissedMark
	}
	key := []byte(e.Student + "|" + e.ID)
	b := t.tx.Bucket(bucketEscByStudent)
	if !fresh && bytes.Equal(b.Get(key), []byte(past)) {
		return nil // a fresh case's id is new: it has no entry yet
	}
	return b.Put(key, []byte(past))
}

// reindexCases writes esc_by_student and esc_active again from the cases
// themselves: the migrations to schema 3 (dismissed cases marked, reported
// cases active) and 6 (the last day of a case's facts).
func reindexCases(tx kvTx) error {
	return tx.Bucket(bucketEscalations).ForEach(func(k, raw []byte) error {
		var e protocol.Escalation
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("escalations/%s: %w", k, err)
		}
		t := &Tx{tx: tx}
		if err := t.indexPast(&e, false); err != nil {
			return err
		}
		return t.indexActive(&e)
	})
}

// indexActive keeps esc_active in step with e: while a correction of a
// case's days is told on it (it is open, acknowledged or reported), the
// index names the school days its facts stand on, so that a list's
// transaction rechecks only the cases a change can touch.
func (t *Tx) indexActive(e *protocol.Escalation) error {
	key := []byte(e.Student + "|" + e.ID)
	active := t.tx.Bucket(bucketEscActive)
	if !e.Rechecked() {
		return active.Delete(key)
	}
	days := make([]string, len(e.Facts.Dates))
	for i, d := range e.Facts.Dates {
		days[i] = d.String()
	}
	return active.Put(key, []byte(strings.Join(days, ",")))
}

// ActiveCases lists a pupil's cases that a correction is told on (open,
// acknowledged, reported) and that a change of one of days may change,
// from the index of such cases: a list's transaction reads them for each
// pupil whose entry changed, and protocol.StandsOn tells which the change
// does change (a day of their facts, or, for a count of hours, of their
// period: a list posted late adds to it). Only the cases whose days lie
// near one of days are read whole (a period reaches at most
// periodBefore before its first day and periodAfter after its last):
// a pupil's reported cases of earlier months are left unread. Dismissed
// cases are not read.
func (t *Tx) ActiveCases(student string, days ...school.Date) ([]*protocol.Escalation, error) {
	var out []*protocol.Escalation
	c := t.tx.Bucket(bucketEscActive).Cursor()
	p := []byte(student + "|")
	for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
		if !nearOne(v, days) {
			continue
		}
		e, err := t.Escalation(string(k[len(p):]))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// A count of hours' period starts at most periodBefore before its first
// day of absence (4 lesweken and the holiday weeks between, the
// zomervakantie's six among them) and ends at most periodAfter after its
// last (a case held back opens up to a week later).
const (
	periodBefore = 120
	periodAfter  = 30
)

// nearOne reports whether one of days lies near the comma-separated days
// of an esc_active entry (a list the index wrote in order; one it cannot
// read is read whole).
func nearOne(list []byte, days []school.Date) bool {
	first, _, _ := bytes.Cut(list, []byte(","))
	last := list
	if i := bytes.LastIndexByte(list, ','); i >= 0 {
		last = list[i+1:]
	}
	f, err1 := school.ParseDate(string(first))
	l, err2 := school.ParseDate(string(last))
	if err1 != nil || err2 != nil {
		return true
	}
	for _, d := range days {
		if !d.Before(f.AddDays(-periodBefore)) && !d.After(l.AddDays(periodAfter)) {
			return true
		}
	}
	return false
}

// buildActiveIndex fills esc_active from the cases: the migration to schema 2.
func buildActiveIndex(tx kvTx) error {
	return tx.Bucket(bucketEscalations).ForEach(func(k, raw []byte) error {
		var e protocol.Escalation
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("escalations/%s: %w", k, err)
		}
		return (&Tx{tx: tx}).indexActive(&e)
	})
}

// Escalation loads a case.
func (t *Tx) Escalation(id string) (*protocol.Escalation, error) {
	var e protocol.Escalation
	ok, err := t.get(bucketEscalations, id, &e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, school.NotFound("escalation %s", id)
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

// pastCase reads an esc_by_student entry (indexPast).
func pastCase(v []byte) (protocol.PastCase, error) {
	var c protocol.PastCase
	v, c.Dismissed = bytes.CutSuffix(v, []byte(dismissedMark))
	if i := bytes.LastIndex(v, []byte(lastDayMark)); i >= 0 {
		d, ok := school.DateFromBytes(v[i+len(lastDayMark):])
		if !ok {
			return c, fmt.Errorf("%q is damaged", v)
		}
		v, c.LastDay = v[:i], d
	}
	i := bytes.LastIndexByte(v, '|') // a rule's name of an older protocol may hold a '|', a date does not
	ok := false
	if i >= 0 {
		c.ThresholdDay, ok = school.DateFromBytes(v[i+1:])
	}
	if !ok {
		return c, fmt.Errorf("%q is damaged", v)
	}
	c.Rule = string(v[:i])
	return c, nil
}

// PastCasesOf lists what the rules need of a pupil's cases, read from the
// index alone.
func (t *Tx) PastCasesOf(student string) ([]protocol.PastCase, error) {
	var out []protocol.PastCase
	c := t.tx.Bucket(bucketEscByStudent).Cursor()
	p := []byte(student + "|")
	for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
		c, err := pastCase(v)
		if err != nil {
			return nil, fmt.Errorf("escalation index %s: %w", k, err)
		}
		out = append(out, c)
	}
	return out, nil
}
