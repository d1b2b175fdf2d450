package protocol

import (
	"errors"
	"testing"
	"time"
)

// An action whose status the case has already (a second tap) is ErrAlready
// and still an ErrTransition (the API's 409); an action the status does
// not allow is ErrTransition alone.
func TestAnActionDoneAlreadyIsToldApart(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		status  EscalationStatus
		action  string
		already bool
	}{
		{StatusAcknowledged, "acknowledge", true},
		{StatusReported, "reported", true},
		{StatusDismissed, "dismiss", true},
		{StatusReported, "acknowledge", false},
		{StatusDismissed, "reported", false},
		{StatusReported, "dismiss", false},
	} {
		e := &Escalation{Status: tc.status}
		err := e.Apply(tc.action, "u1", "verhuisd", at)
		if !errors.Is(err, ErrTransition) || errors.Is(err, ErrAlready) != tc.already {
			t.Errorf("%s on a %s case: %v (ErrTransition %v, ErrAlready %v; want ErrAlready %v)",
				tc.action, tc.status, err, errors.Is(err, ErrTransition), errors.Is(err, ErrAlready), tc.already)
		}
		if e.Status != tc.status || len(e.Actions) != 0 {
			t.Errorf("%s on a %s case changed it: %s, %d actions", tc.action, tc.status, e.Status, len(e.Actions))
		}
	}
}
