package store

import (
	"encoding/json"
	"fmt"

	"github.com/nabij-isk/nabij/school"
)

func listKey(date school.Date, class string) string { return date.String() + "|" + class }

// AbsenceList is the list of class on date; ok is false when none was posted.
func (t *Tx) AbsenceList(class string, date school.Date) (*school.AbsenceList, bool, error) {
	var l school.AbsenceList
	ok, err := t.get(bucketLists, listKey(date, class), &l)
	if !ok || err != nil {
		return nil, ok, err
	}
	return &l, true, nil
}

// ListPosted reports whether a member of staff posted class's list for date
// (a list holding only families' sick reports is not posted).
func (t *Tx) ListPosted(class string, date school.Date) bool {
	raw := t.tx.Bucket(bucketLists).Get([]byte(listKey(date, class)))
	if raw == nil {
		return false
	}
	var l struct {
		ReportsOnly bool `json:"reports_only"`
	}
	return json.Unmarshal(raw, &l) != nil || !l.ReportsOnly
}

// PutAbsenceList replaces the list of its class and date, and keeps each
// pupil's history in step with it.
func (t *Tx) PutAbsenceList(l *school.AbsenceList) error {
	if old, ok, err := t.AbsenceList(l.Class, l.Date); err != nil {
		return err
	} else if ok {
		// A pupil's day belongs to the list that wrote it last: an entry
		// another class's list wrote since (the pupil moved class, and that
		// list corrected the day) is that list's to change.
		for _, a := range old.Absences {
			class, has, err := t.HistoryClass(a.Student, l.Date)
			if err != nil {
				return err
			}
			if !has || class != l.Class {
				continue
			}
			if err := t.tx.Bucket(bucketHistory).Delete([]byte(a.Student + "|" + l.Date.String())); err != nil {
				return err
			}
		}
	}
	for _, a := range l.Absences {
		raw := encodeHistory(HistoryEntry{Date: l.Date, Class: l.Class, Absence: a})
		if err := t.tx.Bucket(bucketHistory).Put([]byte(a.Student+"|"+l.Date.String()), raw); err != nil {
			return err
		}
	}
	return t.put(bucketLists, listKey(l.Date, l.Class), l)
}

// HistoryClass is the class whose list wrote a pupil's day of absence;
// false when the pupil has none that day.
func (t *Tx) HistoryClass(student string, date school.Date) (string, bool, error) {
	v := t.tx.Bucket(bucketHistory).Get([]byte(student + "|" + date.String()))
	if v == nil {
		return "", false, nil
	}
	e, err := decodeHistory(date, student, v)
	if err != nil {
		return "", false, fmt.Errorf("history %s|%s: %w", student, date, err)
	}
	return e.Class, true, nil
}

// HistoryEntry is one day of a pupil's absence history.
type HistoryEntry struct {
	Date  school.Date `json:"date"`
	Class string      `json:"class"`
	school.Absence
}

// History lists a pupil's absences, oldest first.
func (t *Tx) History(student string) ([]HistoryEntry, error) {
	var out []HistoryEntry
	c := t.tx.Bucket(bucketHistory).Cursor()
	p := []byte(student + "|")
	for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
		_, date, err := parseHistoryKey(k)
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", k, err)
		}
		e, err := decodeHistory(date, student, v)
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", k, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// EachHistory calls fn once per pupil with history, with all of it, oldest
// first, in one pass over the store. The slice is reused between calls.
func (t *Tx) EachHistory(fn func(student string, entries []HistoryEntry) error) error {
	_, err := t.EachHistoryFrom("", 0, fn)
	return err
}

// EachHistoryFrom is EachHistory for at most limit pupils (0: all) whose ids
// sort after after; it returns the last pupil it read, to go on from in
// another transaction.
func (t *Tx) EachHistoryFrom(after string, limit int, fn func(student string, entries []HistoryEntry) error) (string, error) {
	c := t.tx.Bucket(bucketHistory).Cursor()
	var student string
	var batch []HistoryEntry
	pupils := 0
	k, v := c.First()
	if after != "" {
		k, v = c.Seek([]byte(after + "|\xff"))
	}
	for ; k != nil; k, v = c.Next() {
		id, date, err := parseHistoryKey(k)
		if err != nil {
			return student, fmt.Errorf("history %s: %w", k, err)
		}
		if id != student && len(batch) > 0 {
			if err := fn(student, batch); err != nil {
				return student, err
			}
			batch = batch[:0]
			if pupils++; limit > 0 && pupils == limit {
				return student, nil
			}
		}
		student = id
		e, err := decodeHistory(date, id, v)
		if err != nil {
			return student, fmt.Errorf("history %s: %w", k, err)
		}
		batch = append(batch, e)
	}
	if len(batch) > 0 {
		return "", fn(student, batch)
	}
	return "", nil
}
