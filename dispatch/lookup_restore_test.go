package dispatch_test

// The lookups of a store restored from a backup: a message waiting in the
// backup does not take as its own what Twilio made after it (helpers in
// lookup_late_test.go).

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/alerts/twilio"
	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/internal/pgtest"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// notFixed is why the sibling's call after a restore is skipped.
const notFixed = "not met: after a restore, a call lookup cannot tell a sibling's call placed after the backup from the restored message's own (nothing in Twilio's list of calls names the message)"

// A restore from a backup marks the messages waiting in it
// uncertain since the backup's last write (store.MarkRestored): each is
// looked up at Twilio before it is sent. The restored store knows nothing
// of what was sent after the backup, so the lookup's guard against taking
// another message's resource (Outgoing.Taken, the provider ids nabij
// recorded) knows none of those either; a text is also compared by its
// body, a call by nothing but its number and its time.
//
//   - sibling's call: the backup holds Sami's call to his mother, waiting
//     (in its hold). After the backup, it was not placed (his mentor
//     withdrew it inside the hold) and nabij called the same mother about
//     his sister Noor, whose list came later; her voicemail took it. Then
//     the store was lost and the backup restored. Sami's call is looked
//     up and takes Noor's call for its own: recorded delivered ("voicemail:
//     message left") though no call about Sami was ever placed, and it is
//     never placed.
//   - tomorrow's call: Monday's call waits in Monday's backup and was
//     never placed (withdrawn); the backup is restored on Tuesday, after
//     Tuesday's call to the same mother. Monday's call, expired, is looked
//     up once more and takes Tuesday's call for its own.
//   - tomorrow's text: the same with an SMS: the body, which names the
//     pupil and says "today", is Tuesday's as well.
//   - sibling's text (control): a text about another pupil has another
//     body, and is not taken.
//
// A lookup now passes over what Twilio made after the message could no
// longer be sent (Outgoing.Until, its validity's end, plus the Twilio
// timeout and a minute): tomorrow's call and text are not taken. The
// sibling's call, the same morning, still is (skipped below).
//
// The sibling's call is not met (README, Operations: backup and restore): a call carries nothing
// Twilio's list of calls shows that names the message it is about (its
// TwiML address does, in Twilio's Call Events, readable only 15 minutes
// after the call ends), and the restored store does not know the other
// message. The case stays here, skipped, until it is.
func TestARestoredMessageDoesNotTakeALaterOneAsItsOwn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		channel  school.Channel
		other    string        // the pupil the message after the backup is about
		later    time.Duration // when the restore is, after the backup (service clock)
		expected alerts.Status // what becomes of the restored message, not found
		left     string        // why the case is not yet met
	}{
		{"sibling's call", school.ChannelVoice, "3004", 0, alerts.StatusSent, notFixed},
		{"tomorrow's call", school.ChannelVoice, "3001", 24 * time.Hour, alerts.StatusExpired, ""},
		{"tomorrow's text", school.ChannelSMS, "3001", 24 * time.Hour, alerts.StatusExpired, ""},
		{"sibling's text (control)", school.ChannelSMS, "3004", 0, alerts.StatusSent, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.left != "" {
				t.Skip(tc.left)
			}
			t.Parallel()
			const mother = "+31612347001"
			tw := twiliotest.NewServer(twSID, twToken)
			t.Cleanup(tw.Close)
			tw.SetAutoCallbacks(false)
			tw.ScriptCall(mother, twiliotest.CallScript{Outcome: twiliotest.CallMachine})
			st := lookupStore(t, tc.channel, mother, "3001")
			sami := storedMessages(t, st)[0]
			// The backup is restored: its waiting message is marked to be
			// looked up, since the backup's last write.
			if n, err := st.MarkRestored(); err != nil || n != 1 {
				t.Fatalf("MarkRestored: %d, %v", n, err)
			}
			// After the backup (and before the restore), nabij sent the other
			// message to the same mother; the restored store does not have it.
			s := lookupSender(t, tw.URL())
			other := lookupMessage(tc.channel, mother, tc.other, t0.Add(tc.later))
			r, err := s.Send(context.Background(), alerts.Outgoing{ID: "m-after-the-backup", To: mother, Channel: string(tc.channel), Body: other.Body})
			if err != nil {
				t.Fatal(err)
			}
			if tc.channel == school.ChannelVoice {
				if c, ok := tw.WaitForCall(r.ProviderID, 10*time.Second); !ok {
					t.Fatalf("the other call did not end: %+v", c)
				}
			}
			clock := &testClock{now: t0.Add(tc.later)}
			d := lookupDispatcher(st, s, clock, 1)
			stop := runDispatcher(d)
			var once sync.Once
			t.Cleanup(func() { once.Do(stop) })
			var m *alerts.Message
			if !waitFor(10*time.Second, func() bool {
				m = storedMessages(t, st)[0]
				return m.Status != alerts.StatusQueued && m.Status != alerts.StatusSending
			}) {
				t.Fatalf("the restored message was not settled: %+v", m)
			}
			once.Do(stop)
			m = storedMessages(t, st)[0]
			outcome := ""
			if m.Call != nil {
				outcome = m.Call.Outcome
			}
			if m.ID != sami.ID || m.ProviderID == r.ProviderID || m.Status != tc.expected {
				t.Errorf("the restored message about pupil 3001 is %s (call outcome %q) with provider id %s: Twilio's %s, "+
					"which nabij sent after the backup about pupil %s; want it not found there, and %s",
					m.Status, outcome, m.ProviderID, r.ProviderID, tc.other, tc.expected)
			}
			if want := map[alerts.Status]int{alerts.StatusSent: 2, alerts.StatusExpired: 1}[tc.expected]; len(tw.Calls())+len(tw.Messages()) != want {
				t.Errorf("Twilio has %d calls and %d texts to the mother, want %d in all: the restored message %s",
					len(tw.Calls()), len(tw.Messages()), want, map[bool]string{true: "was never sent", false: "was sent"}[want == 2])
			}
		})
	}
}

// Also in the area: two calls to the same mother wait in the backup (an
// absence and an apology, messages of their own), and both were placed
// after it, Sami's first. Restored, both are looked up: each lookup takes
// the earliest call not recorded for another message, and the first's
// answer is not yet committed when the second looks (Outgoing.Taken's
// "window of one commit": lookups run at once on several workers, and a
// worker does not wait for its answer's commit before its next message),
// so both take Sami's call. Noor's message is settled by Sami's call, and
// Noor's own call is no one's. Before the fix (one uncertain message per
// number looked up at a time) it failed 10 of 10 runs with 4 workers
// (production's default) and 5 of 10 with one.
func TestTwoRestoredCallsToOneMotherTakeTheirOwnCalls(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			t.Parallel()
			twoRestoredCalls(t, workers)
		})
	}
}

func twoRestoredCalls(t *testing.T, workers int) {
	const mother = "+31612347001"
	tw := twiliotest.NewServer(twSID, twToken)
	t.Cleanup(tw.Close)
	tw.SetAutoCallbacks(false)
	ring := make(chan struct{})
	t.Cleanup(func() { close(ring) })
	tw.ScriptCall(mother, twiliotest.CallScript{Hold: ring})
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sami := lookupMessage(school.ChannelVoice, mother, "3001", t0)
	noor := lookupMessage(school.ChannelVoice, mother, "3004", t0)
	noor.Template, noor.DueAt = alerts.TemplateApology, sami.DueAt.Add(time.Second)
	if err := st.Update(func(tx *store.Tx) error {
		if err := tx.PutMessage(sami); err != nil {
			return err
		}
		return tx.PutMessage(noor)
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.MarkRestored(); err != nil || n != 2 {
		t.Fatalf("MarkRestored: %d, %v", n, err)
	}
	s := lookupSender(t, tw.URL())
	own := placeInTurn(t, tw, s, mother, sami, noor)
	clock := &testClock{now: t0}
	d := lookupDispatcher(st, s, clock, workers)
	stop := runDispatcher(d)
	var once sync.Once
	t.Cleanup(func() { once.Do(stop) })
	if !waitFor(10*time.Second, func() bool {
		for _, m := range storedMessages(t, st) {
			if m.Status == alerts.StatusQueued || m.Status == alerts.StatusSending {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("the restored calls were not settled")
	}
	once.Do(stop)
	for _, m := range storedMessages(t, st) {
		if m.ProviderID != own[m.ID] {
			t.Errorf("message %s (pupil %s) is %s with call %s; its own call is %s (Sami's %s, Noor's %s)",
				m.ID, m.Students[0], m.Status, m.ProviderID, own[m.ID], own[sami.ID], own[noor.ID])
		}
	}
	if n := len(tw.Calls()); n != 2 {
		t.Errorf("%d calls to the mother, want the 2 placed before the restore", n)
	}
}

// Two replicas on one PostgreSQL store, after a restore: two calls to the
// same mother wait in it, each placed once after the backup. A replica does
// not claim an uncertain message to a number while the store holds another
// uncertain one to it "sending" (claimed by either), so the two lookups do
// not run at once and each takes its own call.
// TestTwoRestoredCallsToOneMotherTakeTheirOwnCalls with one dispatcher per
// replica. (Found by a review: with the rule in each dispatcher's memory
// alone, 4 of 5 runs gave a message the other's call.)
func TestTwoReplicasTakeTheirOwnCallsAfterARestore(t *testing.T) {
	t.Parallel()
	cluster, err := pgtest.Start(context.Background(), pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	fails := 0
	const runs = 3
	for run := range runs {
		url, err := cluster.CreateDatabase(context.Background(), "replicas")
		if err != nil {
			t.Fatal(err)
		}
		if !twoReplicasTakeOwnCalls(t, url, run) {
			fails++
		}
	}
	if fails > 0 {
		t.Errorf("%d of %d runs: a message took the other's call", fails, runs)
	}
}

func twoReplicasTakeOwnCalls(t *testing.T, url string, run int) bool {
	const mother = "+31612347001"
	tw := twiliotest.NewServer(twSID, twToken)
	defer tw.Close()
	tw.SetAutoCallbacks(false)
	ring := make(chan struct{})
	defer close(ring)
	tw.ScriptCall(mother, twiliotest.CallScript{Hold: ring})
	var stores [2]*store.Store
	for i := range stores {
		st, err := store.OpenPostgres(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[i] = st
	}
	sami := lookupMessage(school.ChannelVoice, mother, "3001", t0)
	noor := lookupMessage(school.ChannelVoice, mother, "3004", t0)
	noor.Template, noor.DueAt = alerts.TemplateApology, sami.DueAt.Add(time.Second)
	if err := stores[0].Update(func(tx *store.Tx) error {
		if err := tx.PutMessage(sami); err != nil {
			return err
		}
		return tx.PutMessage(noor)
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := stores[0].MarkRestored(); err != nil || n != 2 {
		t.Fatalf("MarkRestored: %d, %v", n, err)
	}
	s := lookupSender(t, tw.URL())
	own := placeInTurn(t, tw, s, mother, sami, noor)
	clock := &testClock{now: t0}
	var stops []func()
	var once sync.Once
	stopAll := func() {
		once.Do(func() {
			for _, stop := range stops {
				stop()
			}
		})
	}
	defer stopAll()
	for i, st := range stores {
		d := dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: lookupSender(t, tw.URL()), Now: clock.Now, Workers: 1,
			Fallbacks: &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: clock.Now}, Log: discard(),
			Replicas: dispatch.Replicas{Self: []string{"replica-a", "replica-b"}[i]}})
		stops = append(stops, runDispatcher(d))
	}
	if !waitFor(15*time.Second, func() bool {
		for _, m := range storedMessages(t, stores[0]) {
			if m.Status == alerts.StatusQueued || m.Status == alerts.StatusSending {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("run %d: the restored calls were not settled", run)
	}
	stopAll()
	ok := true
	for _, m := range storedMessages(t, stores[0]) {
		if m.ProviderID != own[m.ID] {
			ok = false
			t.Logf("run %d: message %s (pupil %s, claimed by %s) is %s with call %s; its own call is %s",
				run, m.ID, m.Students[0], m.ClaimedBy, m.Status, m.ProviderID, own[m.ID])
		}
	}
	return ok
}

// placeInTurn places a call for each message at Twilio, a second apart by
// its date_created (to the second, as Twilio's), and returns each
// message's call.
func placeInTurn(t *testing.T, tw *twiliotest.Server, s *twilio.Sender, to string, msgs ...*alerts.Message) map[string]string {
	t.Helper()
	own := map[string]string{} // message → its call
	for i, m := range msgs {
		created := time.Now().Add(time.Duration(i) * time.Second)
		tw.SetCreatedAt(func() time.Time { return created })
		r, err := s.Send(context.Background(), alerts.Outgoing{ID: m.ID, To: to, Channel: "voice"})
		if err != nil {
			t.Fatal(err)
		}
		own[m.ID] = r.ProviderID
	}
	tw.SetCreatedAt(nil)
	return own
}
