package store

import (
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
		if err := t.put(bucketHistory, a.Student+"|"+l.Date.String(), HistoryEntry{Class: l.Class, Absence: a}); err != nil {
			return err
		}
	}
	return t.put(bucketLists, listKey(l.Date, l.Class), l)
}

// HistoryEntry is one day of a pupil's absence history.
type HistoryEntry struct {
	Class string `json:"class"`
	school.Absence
}

// History lists a pupil's absences, oldest first.
func (t *Tx) History(student string) (map[string]HistoryEntry, error) {
	out := map[string]HistoryEntry{}
	err := each(t, bucketHistory, student+"|", func(key string, e *HistoryEntry) error {
		out[key[len(student)+1:]] = *e
		return nil
	})
	return out, err
}
