package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// ClosedDay is a day the school closed after the fact (a storm day, a study
// day it forgot to list): no rule counts it.
type ClosedDay struct {
	Date   school.Date `json:"date"`
	Reason string      `json:"reason"`
	By     string      `json:"by"`
	At     time.Time   `json:"at"`
}

// PutClosedDay records a closed day (again: the reason is replaced).
func (t *Tx) PutClosedDay(c ClosedDay) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return t.tx.Bucket(bucketClosedDays).Put([]byte(c.Date.String()), raw)
}

// DeleteClosedDay takes a closed day back; ok is false when it was not closed.
func (t *Tx) DeleteClosedDay(d school.Date) (bool, error) {
	b := t.tx.Bucket(bucketClosedDays)
	if b.Get([]byte(d.String())) == nil {
		return false, nil
	}
	return true, b.Delete([]byte(d.String()))
}

// ClosedDays lists the closed days, oldest first.
func (t *Tx) ClosedDays() ([]ClosedDay, error) {
	var out []ClosedDay
	err := t.tx.Bucket(bucketClosedDays).ForEach(func(k, v []byte) error {
		var c ClosedDay
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("closed_days/%s: %w", k, err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// ClosedPeriods are the closed days as the calendar takes them.
func ClosedPeriods(days []ClosedDay) []school.Period {
	out := make([]school.Period, len(days))
	for i, c := range days {
		out[i] = school.Period{Name: c.Reason, First: c.Date, Last: c.Date}
	}
	return out
}
