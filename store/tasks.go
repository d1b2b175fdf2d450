package store

import (
	"fmt"

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
