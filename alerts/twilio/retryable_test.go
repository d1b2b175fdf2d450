package twilio

import (
	"errors"

	"github.com/nabij-isk/nabij/alerts"
)

// retryable reports whether err is worth another try, as dispatch decides:
// a *alerts.SendError says so itself; any other error (the network) is.
func retryable(err error) bool {
	var se *alerts.SendError
	if errors.As(err, &se) {
		return se.Retryable
	}
	return true
}
