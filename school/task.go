package school

import "time"

// Task is something a person must do now: call a family no message reached,
// call back a parent who asked for it, chase a class whose list is missing.
type Task struct {
	ID      string     `json:"id"`
	Kind    string     `json:"kind"`
	Date    string     `json:"date"`
	Student string     `json:"student"`
	Class   string     `json:"class,omitempty"`
	Reason  string     `json:"reason"`
	Tried   []string   `json:"tried"`
	Created time.Time  `json:"created_at"`
	DoneAt  *time.Time `json:"done_at"`
	// Key makes a task once: the same key never makes a second task.
	Key string `json:"key,omitempty"`
}

// Task kinds.
const (
	TaskMissingList = "missing_list"
	TaskUnreachable = "unreachable" // call this family now
	TaskCallBack    = "call_back"   // the family replied 2: please call
	TaskExpired     = "expired"     // an alert could not go out in time
)
