package alerts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Outgoing is what a Sender is asked to deliver.
type Outgoing struct {
	ID      string // nabij's message id, for logs and reconciliation
	To      string // E.164
	Channel string // "sms" or "whatsapp"
	Body    string
	// ContentSID and ContentVariables send an approved WhatsApp template.
	ContentSID       string
	ContentVariables string
	// ValidFor is how long the provider may keep trying; 0 for its default.
	ValidFor time.Duration
	// Claimed is the wall-clock time nabij took the message for sending: a
	// lookup searches from there.
	Claimed time.Time
}

// Receipt is the provider's answer to an accepted message.
type Receipt struct {
	ProviderID string
	// Status is what the provider says at once: usually sent; a sender that
	// delivers by itself (the log sender) says delivered; a message the
	// provider took and failed at once is failed or undelivered, with Code.
	Status Status
	// Code is the provider's error code of a message that failed at once.
	Code int
}

// Sender hands a message to a provider.
type Sender interface {
	Send(ctx context.Context, out Outgoing) (Receipt, error)
}

// Looker is a Sender that can say whether it already has a message: asked
// before a message whose last send ended without an answer (a timeout, a
// crash) is sent again. found is false when the provider has no such message.
type Looker interface {
	Lookup(ctx context.Context, out Outgoing) (r Receipt, found bool, err error)
}

// SendError is a provider's refusal. Retryable says whether the same message
// may be tried again later (rate limits, outages) or never (a bad number, an
// opted-out contact).
type SendError struct {
	Code       int // the provider's error code, e.g. Twilio's 21211
	HTTPStatus int
	Retryable  bool
	Message    string
}

func (e *SendError) Error() string {
	return fmt.Sprintf("provider refused (http %d, code %d): %s", e.HTTPStatus, e.Code, e.Message)
}

// Retryable reports whether err is worth another try. Errors that are not a
// *SendError (the network) are.
func Retryable(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Retryable
	}
	return true
}

// LogSender is the sender when no provider is configured: it "delivers" by
// writing a line, so that nabij runs end to end without Twilio. It writes
// message ids only, unless ShowBodies is set (the demo, whose families are
// invented).
type LogSender struct {
	Log        *slog.Logger
	Out        io.Writer
	ShowBodies bool
	mu         sync.Mutex
}

// Send writes the message and reports it delivered.
func (l *LogSender) Send(ctx context.Context, out Outgoing) (Receipt, error) {
	l.Log.InfoContext(ctx, "message delivered by log sender", "message", out.ID, "channel", out.Channel)
	if l.ShowBodies && l.Out != nil {
		l.mu.Lock()
		fmt.Fprintf(l.Out, "--- message %s via %s to %s\n%s\n", out.ID, out.Channel, out.To, out.Body)
		l.mu.Unlock()
	}
	return Receipt{ProviderID: "log-" + out.ID, Status: StatusDelivered}, nil
}
