package alerts

import (
	"time"

	"github.com/nabij-isk/nabij/school"
)

// Tx is what alerts needs of a store transaction. The store implements it, so
// that a list, its decisions and its outbox rows commit together.
type Tx interface {
	Message(id string) (*Message, error)
	MessageByProviderID(sid string) (*Message, error)
	// MessagesOf lists the messages of date that concern student.
	MessagesOf(date school.Date, student string) ([]*Message, error)
	// MessagesOn lists the messages of date, oldest first.
	MessagesOn(date school.Date) ([]*Message, error)
	// OpenMessage is the queued, never-tried message of date to phone on
	// channel with template, or nil: the one a sibling's alert joins.
	OpenMessage(date school.Date, phone string, channel school.Channel, template string) (*Message, error)
	// PutMessage saves m and its indexes; a message without an ID gets one.
	PutMessage(m *Message) error
	// Due lists up to limit queued messages whose DueAt is at or before now.
	Due(now time.Time, limit int) ([]string, error)
	// Sending lists the messages claimed for sending and not yet recorded.
	Sending() ([]*Message, error)
	// NextDue is the earliest DueAt in the outbox later than after.
	NextDue(after time.Time) (time.Time, bool, error)
	Student(id string) (school.Student, bool, error)
	// PutTask makes a task for a person; a task whose key exists is not made again.
	PutTask(t *school.Task) (bool, error)
	// OptedOut reports whether the contact at phone sent STOP.
	OptedOut(phone string) (bool, error)
	// KeepEarlyStatus keeps a provider's status that arrived before nabij had
	// recorded the provider id, beside any other kept for it (callbacks may
	// come in any order: "undelivered" before "sent"); TakeEarlyStatuses
	// hands them all over once.
	KeepEarlyStatus(providerID string, st Status, code int) error
	TakeEarlyStatuses(providerID string) ([]EarlyStatus, error)
}

// EarlyStatus is a provider's status report kept until its message's
// provider id is recorded.
type EarlyStatus struct {
	Status Status
	Code   int
}

// Store runs functions in transactions.
type Store interface {
	UpdateAlerts(fn func(Tx) error) error
	// BatchAlerts is UpdateAlerts shared with concurrent calls: one commit
	// for many. fn may run more than once.
	BatchAlerts(fn func(Tx) error) error
	ViewAlerts(fn func(Tx) error) error
}
