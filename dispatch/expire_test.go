package dispatch_test

import (
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/store"
)

// A send that times out leaves the message uncertain; when its validity ends
// before the provider has said whether it took it, the message is looked
// up, never sent again: found, it is recorded as sent (the family has it,
// and no one is told otherwise); not found, or the lookup unanswered, it
// expires, and a person is told it did not reach the family. (It was
// expired without a lookup: a task "not reached" for a message that was.)
func TestAnUncertainMessageIsLookedUpBeforeItExpires(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		taken  bool                // the timed-out send reached Twilio
		lookup *twiliotest.Failure // the lookup's answer, if it fails
		want   alerts.Status
	}{
		{"taken", true, nil, alerts.StatusSent},
		{"not taken", false, nil, alerts.StatusExpired},
		{"lookup unanswered", true, &twiliotest.Failure503, alerts.StatusExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := setup(t, 1)
			// Valid for 200 ms: the send's timeout (300 ms) outlasts it.
			if err := st.Update(func(tx *store.Tx) error {
				m, err := tx.Message(onlyID(t, st))
				if err != nil {
					return err
				}
				m.ExpiresAt = time.Now().Add(200 * time.Millisecond)
				return tx.PutMessage(m)
			}); err != nil {
				t.Fatal(err)
			}
			tw := twiliotest.NewServer(twSID, twToken)
			t.Cleanup(tw.Close)
			tw.SetAutoCallbacks(false)
			tw.StallNext(1, tc.taken)
			if tc.lookup != nil {
				tw.FailListNext(1, *tc.lookup)
			}
			seen := make(chan *alerts.Message, 16)
			d := twilioDispatcher(t, st, tw, seen)
			runUntil(t, d, seen, func(m *alerts.Message) bool {
				return m.Status != alerts.StatusQueued && m.Status != alerts.StatusSending
			})
			m := onlyMessage(t, st)
			if m.Status != tc.want {
				t.Errorf("status %s, want %s", m.Status, tc.want)
			}
			if n := tw.Requests(); n != 1 {
				t.Errorf("%d sends, want only the one that timed out", n)
			}
			if n := tw.ListRequests(); n != 1 {
				t.Errorf("%d lookups, want 1", n)
			}
			if tc.want == alerts.StatusSent && (m.ProviderID != tw.Messages()[0].SID || m.Uncertain) {
				t.Errorf("provider id %s (Twilio's %s), uncertain %v", m.ProviderID, tw.Messages()[0].SID, m.Uncertain)
			}
			var tasks int
			if err := st.View(func(tx *store.Tx) error {
				ts, err := tx.Tasks()
				tasks = len(ts)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 0, false: 1}[tc.want == alerts.StatusSent]; tasks != want {
				t.Errorf("%d tasks for the coordinator, want %d", tasks, want)
			}
		})
	}
}

// onlyID is the id of the store's one message.
func onlyID(t *testing.T, st *store.Store) string {
	t.Helper()
	return onlyMessage(t, st).ID
}
