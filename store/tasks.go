package store

import (
	"fmt"
	"time"
)

// Task is something a person must do now: call a family no message reached,
// chase a class whose list is missing.
type Task struct {
	ID      string     `json:"id"`
	Kind    string     `json:"kind"`
	Date    string     `json:"date"`
	Student string     `json:"student,omitempty"`
	Class   string     `json:"class,omitempty"`
	Reason  string     `json:"reason"`
	Tried   []string   `json:"tried"`
	Created time.Time  `json:"created_at"`
	DoneAt  *time.Time `json:"done_at"`
	// Key makes a task once: the same key never makes a second task.
	Key string `json:"-"`
}

// PutTask saves a task; a new task whose key exists is not made again.
func (t *Tx) PutTask(task *Task) (bool, error) {
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
func (t *Tx) Tasks() ([]Task, error) {
	var out []Task
	err := each(t, bucketTasks, "task|", func(_ string, task *Task) error {
		out = append(out, *task)
		return nil
	})
	return out, err
}

// PutDigest keeps the morning digest of a date.
func (t *Tx) PutDigest(date string, v any) error { return t.put(bucketDigests, date, v) }

// Digest reads the morning digest of a date into v.
func (t *Tx) Digest(date string, v any) (bool, error) { return t.get(bucketDigests, date, v) }
