package dispatch_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/store"
)

// lockedBuffer is a log's output, read while the log may still be written.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Issue 16, item 5: at shutdown Run waits for the sends under way, but not
// for ever. A send Twilio took and never answered is still under way when
// ShutdownWait ends: Run returns, logs it by id, and it stays "sending", so
// that the next start looks it up at Twilio (and finds it) rather than send
// it again. The messages claimed ahead and not sent go back to the outbox
// as they were.
func TestShutdownWaitsForSendsUnderWayWithADeadline(t *testing.T) {
	t.Parallel()
	const n, wait = 3, 200 * time.Millisecond
	dir := t.TempDir()
	st := setupIn(t, dir, n)
	tw := twiliotest.NewServer(twSID, twToken)
	t.Cleanup(tw.Close) // ends the stalled request, after the test
	tw.SetAutoCallbacks(false)
	tw.StallNext(1, true) // Twilio takes the first message; its answer never comes
	// A client that waits far longer than Run may.
	patient, err := twilio.New(twilio.Config{AccountSID: twSID, AuthToken: twToken, From: "+3197010000001",
		APIURL: tw.URL(), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var logged lockedBuffer
	seen := make(chan *alerts.Message, 64)
	d := twilioDispatcher(t, st, tw, seen, func(c *dispatch.Config) {
		c.Sender = patient
		c.Workers = 1 // one send at a time: the other messages wait claimed
		c.ShutdownWait = wait
		c.Log = slog.New(slog.NewTextHandler(&logged, nil))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		d.Run(ctx)
	}()
	claimed := map[string]bool{}
	waitSeen(t, seen, func(m *alerts.Message) bool {
		if m.Status == alerts.StatusSending {
			claimed[m.ID] = true
		}
		return len(claimed) == n
	})
	taken, ok := tw.WaitForMessages(1, 10*time.Second)
	if !ok {
		t.Fatal("Twilio did not get the first message")
	}

	cancel()
	began := time.Now()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return 10 s after its context ended, with ShutdownWait 200 ms")
	}
	if took := time.Since(began); took < wait {
		t.Errorf("Run returned %v after its context ended: it did not wait for the send under way", took)
	}
	var under *alerts.Message
	ms := allMessages(t, st)
	for _, m := range ms {
		switch {
		case m.Status == alerts.StatusSending && m.Attempts == 1 && !m.Uncertain && under == nil:
			under = m
		case m.Status == alerts.StatusQueued && m.Attempts == 0 && !m.Uncertain:
			// claimed ahead, put back as it was
		default:
			t.Errorf("%s after shutdown: status %s, attempts %d, uncertain %v", m.ID, m.Status, m.Attempts, m.Uncertain)
		}
	}
	if under == nil || taken[0].To != under.Phone {
		t.Fatalf("after shutdown no message is left sending for the send under way (Twilio has one to %s)", taken[0].To)
	}
	log := logged.String()
	if !strings.Contains(log, "stopped with sends under way") || !strings.Contains(log, "sending=1") || !strings.Contains(log, under.ID) {
		t.Errorf("the log does not name the send under way by its id:\n%s", log)
	}
	if strings.Contains(log, under.Phone) {
		t.Errorf("the log names a phone number:\n%s", log)
	}

	// The next start: the store closed as serve's stop closes it (the
	// stalled send's late answer cannot be recorded any more) and opened
	// again, a new dispatcher over it.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	seen2 := make(chan *alerts.Message, 64)
	d2 := twilioDispatcher(t, st2, tw, seen2)
	found, requeued, err := d2.Reconcile(t.Context())
	if err != nil || found != 1 || requeued != 0 {
		t.Fatalf("reconcile at the next start: %d found at Twilio, %d requeued, %v; want the one under way found", found, requeued, err)
	}
	sent := map[string]bool{}
	runUntil(t, d2, seen2, func(m *alerts.Message) bool {
		if m.Status == alerts.StatusSent {
			sent[m.ID] = true
		}
		return len(sent) == n-1
	})
	to := map[string]int{}
	for _, m := range tw.Messages() {
		to[m.To]++
	}
	if len(to) != n || tw.Requests() != n {
		t.Errorf("Twilio got %d requests for %d numbers (%v), want each of the %d messages once", tw.Requests(), len(to), to, n)
	}
	for _, m := range allMessages(t, st2) {
		if m.Status != alerts.StatusSent {
			t.Errorf("%s after the next start: %s", m.ID, m.Status)
		}
		if m.ID == under.ID && m.ProviderID != taken[0].SID {
			t.Errorf("the message under way was recorded with provider id %s, Twilio's is %s", m.ProviderID, taken[0].SID)
		}
	}
}

func allMessages(t *testing.T, st *store.Store) []*alerts.Message {
	t.Helper()
	var ms []*alerts.Message
	if err := st.View(func(tx *store.Tx) (err error) { ms, err = tx.AllMessages(); return err }); err != nil {
		t.Fatal(err)
	}
	return ms
}
