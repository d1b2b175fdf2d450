package dispatch

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/nabij-isk/nabij/alerts"
)

// Sender hands a message to a provider.
type Sender interface {
	Send(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, error)
}

// Looker is a Sender that can say whether it already has a message: asked
// before a message whose last send ended without an answer (a timeout, a
// crash) is sent again. found is false when the provider has no such message.
type Looker interface {
	Lookup(ctx context.Context, out alerts.Outgoing) (r alerts.Receipt, found bool, err error)
}

// Settler is a Looker that says how long after a send left without an
// answer the provider may still come to have it (a request still on its
// way or being processed when nabij gave up, or a list that does not show
// it yet). A lookup before then that does not find it proves nothing, and
// a send after such a lookup would be a second one: the first lookup of a
// send left without an answer waits at least this long.
type Settler interface {
	SettleTime() time.Duration
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
func (l *LogSender) Send(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, error) {
	l.Log.InfoContext(ctx, "message delivered by log sender", "message", out.ID, "channel", out.Channel)
	if l.ShowBodies && l.Out != nil {
		l.mu.Lock()
		fmt.Fprintf(l.Out, "--- message %s via %s to %s\n%s\n", out.ID, out.Channel, out.To, out.Body)
		l.mu.Unlock()
	}
	return alerts.Receipt{ProviderID: "log-" + out.ID, Status: alerts.StatusDelivered}, nil
}
