package alerts_test

import (
	"context"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

const twSID, twToken = "AC00000000000000000000000000000abc", "token0abc"

// twilioDispatcher is a dispatcher over st that sends through nabij's real
// Twilio sender to the stand-in tw, with a short timeout and backoff. Every
// message it records is passed to seen.
func twilioDispatcher(t *testing.T, st *store.Store, tw *twiliotest.Server, seen chan<- *alerts.Message) *alerts.Dispatcher {
	t.Helper()
	s, err := twilio.New(twilio.Config{AccountSID: twSID, AuthToken: twToken, From: "+3197010000001",
		WhatsAppFrom: "+3197010000002", APIURL: tw.URL(), Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &alerts.Dispatcher{Store: st, Sender: s, Now: time.Now, Workers: 1,
		Backoff:   alerts.Backoff{First: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Fallbacks: &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: time.Now}, Log: discard(),
		Observe: func(m *alerts.Message) {
			c := *m
			select {
			case seen <- &c:
			default:
			}
		}}
}

// runUntil runs d until a recorded message satisfies done, or fails the
// test after 10 s.
func runUntil(t *testing.T, d *alerts.Dispatcher, seen <-chan *alerts.Message, done func(*alerts.Message) bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		d.Run(ctx)
	}()
	defer func() {
		cancel()
		<-stopped
	}()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-seen:
			if done(m) {
				return
			}
		case <-deadline:
			t.Fatal("timed out waiting for the dispatcher")
		}
	}
}

func onlyMessage(t *testing.T, st *store.Store) *alerts.Message {
	t.Helper()
	var ms []*alerts.Message
	if err := st.View(func(tx *store.Tx) (err error) { ms, err = tx.AllMessages(); return err }); err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("%d messages in the store, want 1", len(ms))
	}
	return ms[0]
}

// Issue 14, item 3: a send that times out leaves the message uncertain, and
// it stays uncertain until a lookup at the provider has answered. A lookup
// refused for a passing reason (503, 429) is no answer: the next try looks
// it up again rather than send. Found, it is recorded and not sent again;
// not found, it is sent once.
func TestUncertainSendWaitsForAnAnsweredLookup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lookup twiliotest.Failure
		taken  bool // the timed-out send reached Twilio
	}{
		{"503 then not found", twiliotest.Failure503, false},
		{"429 then not found", twiliotest.Failure429, false},
		{"503 then found", twiliotest.Failure503, true},
		{"429 then found", twiliotest.Failure429, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := setup(t, 1)
			tw := twiliotest.NewServer(twSID, twToken)
			t.Cleanup(tw.Close)
			tw.SetAutoCallbacks(false)
			tw.StallNext(1, tc.taken)
			tw.FailListNext(1, tc.lookup)
			seen := make(chan *alerts.Message, 16)
			d := twilioDispatcher(t, st, tw, seen)
			runUntil(t, d, seen, func(m *alerts.Message) bool { return m.Status == alerts.StatusSent })

			got := tw.Messages()
			if len(got) != 1 {
				t.Fatalf("Twilio has %d messages, want 1", len(got))
			}
			if n := tw.ListRequests(); n != 2 {
				t.Errorf("%d lookups, want 2: the refused one, then one answered before anything was sent again", n)
			}
			if n := tw.Requests(); tc.taken && n != 1 || !tc.taken && n != 2 {
				t.Errorf("%d sends, want the one that timed out and, only if it was not taken, one more", n)
			}
			m := onlyMessage(t, st)
			if m.Status != alerts.StatusSent || m.ProviderID != got[0].SID || m.Uncertain {
				t.Errorf("message %s, provider id %s (Twilio's %s), uncertain %v", m.Status, m.ProviderID, got[0].SID, m.Uncertain)
			}
		})
	}
}

// Issue 14, item 5: Twilio takes a message (201) that has already failed
// ("failed", or "undelivered"): it is recorded as such at once, with its
// WhatsApp→SMS fallback, without waiting for a status callback (the
// stand-in sends none here).
func TestImmediateFailureFallsBackToSMS(t *testing.T) {
	for _, tc := range []struct {
		status string
		code   int
		want   alerts.Status
	}{
		{"failed", 63016, alerts.StatusFailed},
		{"undelivered", 63024, alerts.StatusUndelivered},
	} {
		t.Run(tc.status, func(t *testing.T) {
			st := setup(t, 1)
			err := st.Update(func(tx *store.Tx) error {
				ms, err := tx.AllMessages()
				if err != nil {
					return err
				}
				ms[0].Channel = school.ChannelWhatsApp
				return tx.PutMessage(ms[0])
			})
			if err != nil {
				t.Fatal(err)
			}
			wa := onlyMessage(t, st)
			tw := twiliotest.NewServer(twSID, twToken)
			t.Cleanup(tw.Close)
			tw.SetAutoCallbacks(false)
			tw.FailOnCreateTo("whatsapp:"+wa.Phone, tc.status, tc.code)
			seen := make(chan *alerts.Message, 16)
			d := twilioDispatcher(t, st, tw, seen)
			runUntil(t, d, seen, func(m *alerts.Message) bool {
				return m.Channel == school.ChannelSMS && m.Status == alerts.StatusSent
			})

			got := tw.Messages()
			if len(got) != 2 || got[0].To != "whatsapp:"+wa.Phone || got[1].To != wa.Phone {
				t.Fatalf("Twilio has %+v, want the WhatsApp message and then its SMS", got)
			}
			var ms []*alerts.Message
			if err := st.View(func(tx *store.Tx) (err error) { ms, err = tx.AllMessages(); return err }); err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				switch m.Channel {
				case school.ChannelWhatsApp:
					if m.Status != tc.want || m.ErrorCode != tc.code || m.Fallback == "" || m.ProviderID != got[0].SID {
						t.Errorf("WhatsApp message: status %s, code %d, fallback %q, provider id %s", m.Status, m.ErrorCode, m.Fallback, m.ProviderID)
					}
				case school.ChannelSMS:
					if m.FallbackFor != wa.ID || m.ProviderID != got[1].SID {
						t.Errorf("SMS: fallback for %q, provider id %s", m.FallbackFor, m.ProviderID)
					}
				}
			}
		})
	}
}
