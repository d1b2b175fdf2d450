package app

import (
	"fmt"

	"github.com/nabij-isk/nabij/store"
)

// StepError is an error of a use case, saying where it happened: the use
// case with the ids it was about, and the step that failed ("record list
// 1A 2026-11-30: save list: …"), so that a 500's log line names it. It
// names ids only, never names, numbers or message bodies. The error it
// wraps (a ValidationError, ErrNotFound, ErrForbidden, a store.WriteError
// …) is found through it with errors.Is and errors.As.
type StepError struct {
	Op  string // the use case and its ids: "record list 1A 2026-11-30"
	Err error  // the step's error, "save list: …", or the domain error as is
}

// Error is the use case, the step and the cause, in that order.
func (e *StepError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap is the error of the step.
func (e *StepError) Unwrap() error { return e.Err }

// Cause is err without the StepErrors app wrapped it in: what a client is
// told of a conflict, say, as the rule that refused it put it.
func Cause(err error) error {
	for {
		se, ok := err.(*StepError)
		if !ok {
			return err
		}
		err = se.Err
	}
}

// failed wraps *err, when there is one, in the StepError of the use case
// format names; deferred at a use case's start. A store.WriteError
// outside any step failed at the commit, and says so.
func failed(err *error, format string, args ...any) {
	if *err == nil {
		return
	}
	inner := *err
	if _, ok := inner.(*store.WriteError); ok {
		inner = fmt.Errorf("commit: %w", inner)
	}
	*err = &StepError{Op: fmt.Sprintf(format, args...), Err: inner}
}

// step names the step of a use case an error came from (nil stays nil).
func step(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}
