package store

import (
	"bytes"
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

// ListPosted reports whether class has a list for date, without reading it.
func (t *Tx) ListPosted(class string, date school.Date) bool {
	return t.tx.Bucket(bucketLists).Get([]byte(listKey(date, class))) != nil
}

// PutAbsenceList replaces the list of its class and date, and keeps each
// pupil's history in step with it.
func (t *Tx) PutAbsenceList(l *school.AbsenceList) error {
	if old, ok, err := t.AbsenceList(l.Class, l.Date); err != nil {
		return err
	} else if ok {
		for _, a := range old.Absences {
			if err := t.tx.Bucket(bucketHistory).Delete([]byte(a.Student + "|" + l.Date.String())); err != nil {
				return err
			}
		}
	}
	for _, a := range l.Absences {
		if err := t.put(bucketHistory, a.Student+"|"+l.Date.String(), HistoryEntry{Date: l.Date, Class: l.Class, Absence: a}); err != nil {
			return err
		}
	}
	return t.put(bucketLists, listKey(l.Date, l.Class), l)
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
	err := each(t, bucketHistory, student+"|", func(_ string, e *HistoryEntry) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

// EachHistory calls fn once per pupil with history, with all of it, oldest
// first, in one pass over the store: the end-of-day sweep.
func (t *Tx) EachHistory(fn func(student string, entries []HistoryEntry) error) error {
	c := t.tx.Bucket(bucketHistory).Cursor()
	var student []byte
	var batch []HistoryEntry
	for k, v := c.First(); k != nil; k, v = c.Next() {
		sep := bytes.IndexByte(k, '|')
		if sep < 0 {
			return fmt.Errorf("history key %q has no separator", k)
		}
		if student != nil && !bytes.Equal(k[:sep], student) {
			if err := fn(string(student), batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		student = append(student[:0], k[:sep]...)
		var e HistoryEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("history %s: %w", k, err)
		}
		batch = append(batch, e)
	}
	if student != nil {
		return fn(string(student), batch)
	}
	return nil
}
