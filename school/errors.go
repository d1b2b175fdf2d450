package school

import (
	"errors"
	"fmt"
	"strings"
)

// Domain errors; the web layer maps them to HTTP statuses in one place.
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("forbidden")
	ErrConflict  = errors.New("conflict")
)

// NotFoundError says what was not found ("escalation e1"), for the answer
// to say it however the error was wrapped; errors.Is(err, ErrNotFound)
// holds for it.
type NotFoundError struct {
	What string
}

// Error is "not found: " and what.
func (e *NotFoundError) Error() string { return "not found: " + e.What }

// Is makes a NotFoundError an ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// NotFound is the NotFoundError of what, formatted as fmt.Sprintf does.
func NotFound(format string, args ...any) error {
	return &NotFoundError{What: fmt.Sprintf(format, args...)}
}

// FieldError names one bad field by its path in the request, such as
// "students[3].contacts[0].phone".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// Problem, when set, is Message with an id a user interface says in its
	// own words; nil for a message only in English.
	Problem *Problem `json:"-"`
}

// Err is the error f states: its Problem, or its Message as English only.
func (f FieldError) Err() error {
	if f.Problem != nil {
		return f.Problem
	}
	return errors.New(f.Message)
}

// ValidationError is a request that cannot be applied; it names every bad field.
type ValidationError struct {
	Details []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Details))
	for _, d := range e.Details {
		parts = append(parts, d.Field+": "+d.Message)
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// fieldErrors collects FieldErrors while validating.
type fieldErrors []FieldError

func (f *fieldErrors) add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// addErr adds err for field, keeping a *Problem's id.
func (f *fieldErrors) addErr(field string, err error) {
	*f = append(*f, FieldErrorOf(field, err))
}

// FieldErrorOf is err as field's FieldError, keeping a *Problem's id.
func FieldErrorOf(field string, err error) FieldError {
	fe := FieldError{Field: field, Message: err.Error()}
	if p, ok := err.(*Problem); ok {
		fe.Problem = p
	}
	return fe
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Details: f}
}
