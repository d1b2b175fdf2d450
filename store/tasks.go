package store

import (
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// PutTask saves a task; a new task whose key exists is not made again.
func (t *Tx) PutTask(task *school.Task) (bool, error) {
	b := t.tx.Bucket(bucketTasks)
	if task.ID == "" {
		if task.Key != "" && b.Get([]byte("key|"+task.Key)) != nil {
			return false, nil
		}
		seq, err := b.NextSequence()
		if err != nil {
			return false, err
		}
		task.ID = fmt.Sprintf("t%07d", seq)
		if task.Key != "" {
			if err := b.Put([]byte("key|"+task.Key), []byte(task.ID)); err != nil {
				return false, err
			}
		}
	}
	if task.Tried == nil {
		task.Tried = []string{}
	}
	return true, t.put(bucketTasks, "task|"+task.ID, task)
}

// Tasks lists every task, oldest first.
func (t *Tx) Tasks() ([]school.Task, error) {
	var out []school.Task
	err := each(t, bucketTasks, "task|", func(_ string, task *school.Task) error {
		out = append(out, *task)
		return nil
	})
	return out, err
}

// PutDigest keeps the morning digest of a date.
func (t *Tx) PutDigest(date string, v any) error { return t.put(bucketDigests, date, v) }

// Digest reads the morning digest of a date into v.
func (t *Tx) Digest(date string, v any) (bool, error) { return t.get(bucketDigests, date, v) }

// rhythmKey is where meta records that a job of the school day's rhythm
// ran for a date.
func rhythmKey(job string, date school.Date) []byte {
	return []byte("rhythm_ran|" + job + "|" + date.String())
}

// RhythmRan reports whether the rhythm's job already ran for date.
func (t *Tx) RhythmRan(job string, date school.Date) bool {
	return t.tx.Bucket(bucketMeta).Get(rhythmKey(job, date)) != nil
}

// MarkRhythmRan records that the rhythm's job ran for date, at at.
func (t *Tx) MarkRhythmRan(job string, date school.Date, at time.Time) error {
	stamp, _ := at.UTC().MarshalText()
	return t.tx.Bucket(bucketMeta).Put(rhythmKey(job, date), stamp)
}
