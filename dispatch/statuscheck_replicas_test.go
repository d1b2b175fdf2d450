package dispatch_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/dispatch"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// The status checks with replicas (PostgreSQL): one replica asks Twilio,
// the one that runs the school day's rhythm.

// scriptedFetcher answers every fetch with answer, after wait (if set) is
// closed; it counts the fetches, and closes fetched at the first.
type scriptedFetcher struct {
	answer  alerts.Receipt
	wait    chan struct{}
	fetched chan struct{}
	n       atomic.Int32
}

func (s *scriptedFetcher) Send(context.Context, alerts.Outgoing) (alerts.Receipt, error) {
	panic("no send in this test")
}

func (s *scriptedFetcher) Fetch(_ context.Context, _, sid string) (alerts.Receipt, error) {
	if s.n.Add(1) == 1 && s.fetched != nil {
		close(s.fetched)
	}
	if s.wait != nil {
		<-s.wait
	}
	r := s.answer
	r.ProviderID = sid
	return r, nil
}

// sentWhatsApp is a store holding one WhatsApp message sent at t0 as SM1,
// its callbacks lost.
func sentWhatsApp(t *testing.T) (*store.Store, *alerts.Message) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sent := t0
	m := &alerts.Message{Date: school.Date{Year: 2026, Month: 11, Day: 30}, Students: []string{"1"},
		Phone: "+31612340003", Channel: school.ChannelWhatsApp, Template: alerts.TemplateAbsent, Body: "x",
		Status: alerts.StatusSent, ProviderID: "SM1", SentAt: &sent, DueAt: t0, ExpiresAt: t0.Add(4 * time.Hour),
		CreatedAt: t0, UpdatedAt: t0}
	if err := st.Update(func(tx *store.Tx) error { return tx.PutMessage(m) }); err != nil {
		t.Fatal(err)
	}
	return st, m
}

// replicaOn is a dispatcher on st asking f, as replica self, running the
// status checks while checks says so.
func replicaOn(st *store.Store, f dispatch.Sender, self string, clock *testClock, checks func() bool) *dispatch.Dispatcher {
	return dispatch.NewDispatcher(dispatch.Config{Store: st, Sender: f, Now: clock.Now, Log: discard(),
		Fallbacks: &alerts.Fallbacks{Codes: alerts.DefaultFallbackCodes, Now: clock.Now},
		Replicas:  dispatch.Replicas{Self: self, Checks: checks}})
}

// With replicas (PostgreSQL), one asks Twilio, the one that runs the school
// day's rhythm: each replica asking would ask Twilio once per replica for
// every message, and count each check as many times. (Found by a review.)
func TestOnlyTheLeadingReplicaChecks(t *testing.T) {
	t.Parallel()
	st, m := sentWhatsApp(t)
	clock := &testClock{now: t0.Add(dispatch.StatusChecks[0])}
	var aLeads atomic.Bool
	aLeads.Store(true)
	a := &scriptedFetcher{answer: alerts.Receipt{Status: alerts.StatusSent}}
	b := &scriptedFetcher{answer: alerts.Receipt{Status: alerts.StatusSent}}
	da := replicaOn(st, a, "a", clock, aLeads.Load)
	db := replicaOn(st, b, "b", clock, func() bool { return !aLeads.Load() })
	for _, d := range []*dispatch.Dispatcher{db, da} {
		if _, _, err := d.CheckStatuses(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if a.n.Load() != 1 || b.n.Load() != 0 {
		t.Errorf("the leading replica asked %d times, the other %d; want 1 and 0", a.n.Load(), b.n.Load())
	}
	// The rhythm moves to b (a died, say): b asks at the next check's time.
	aLeads.Store(false)
	clock.now = t0.Add(dispatch.StatusChecks[1])
	for _, d := range []*dispatch.Dispatcher{da, db} {
		if _, _, err := d.CheckStatuses(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if a.n.Load() != 1 || b.n.Load() != 1 {
		t.Errorf("after the rhythm moved: a asked %d times in all, b %d; want 1 and 1", a.n.Load(), b.n.Load())
	}
	if got := messageIn(t, st, m.ID); got.StatusChecks != 2 {
		t.Errorf("%d checks counted, want 2", got.StatusChecks)
	}
}

// Two rounds overlap (the checks moved to another replica while one was
// asking): B asked Twilio a moment after A, A heard "sent" (Twilio still
// trying), B "undelivered" 63024. B's newer answer is taken, and the SMS
// goes now, not at the hour's check; the check is counted once.
// (Found by a review: B's answer was dropped.)
func TestAnAnswerAnotherRoundCountedIsStillTaken(t *testing.T) {
	t.Parallel()
	st, m := sentWhatsApp(t)
	clock := &testClock{now: t0.Add(dispatch.StatusChecks[0])}
	a := &scriptedFetcher{answer: alerts.Receipt{Status: alerts.StatusSent}}
	b := &scriptedFetcher{answer: alerts.Receipt{Status: alerts.StatusUndelivered, Code: 63024},
		wait: make(chan struct{}), fetched: make(chan struct{})}
	da, db := replicaOn(st, a, "a", clock, nil), replicaOn(st, b, "b", clock, nil)
	done := make(chan error, 1)
	go func() { _, _, err := db.CheckStatuses(context.Background()); done <- err }()
	<-b.fetched // B has read the message due and is asking Twilio
	if _, _, err := da.CheckStatuses(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(b.wait)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := messageIn(t, st, m.ID)
	if got.Status != alerts.StatusUndelivered || got.ErrorCode != 63024 || got.Fallback == "" || got.StatusChecks != 1 {
		t.Errorf("after both rounds: %s (%d), fallback %q, checks %d; want undelivered 63024, its SMS now, 1 check",
			got.Status, got.ErrorCode, got.Fallback, got.StatusChecks)
	}
}

// A replica that takes the checks over (its rhythm lease) runs a round at
// once, on the same minute of the clock: the minute was not spent while
// another replica had them. (Found by the end-to-end test on PostgreSQL: a
// restarted nabij took the lease a moment after its first round, and asked
// a minute of the clock later.)
func TestAReplicaTakingTheChecksOverChecksAtOnce(t *testing.T) {
	t.Parallel()
	st, m := sentWhatsApp(t)
	clock := &testClock{now: t0}
	var leads atomic.Bool
	f := &scriptedFetcher{answer: alerts.Receipt{Status: alerts.StatusDelivered}, fetched: make(chan struct{})}
	d := replicaOn(st, f, "b", clock, leads.Load)
	stop := runDispatcher(d)
	defer stop()
	clock.Add(dispatch.StatusChecks[0])
	d.Wake()
	time.Sleep(50 * time.Millisecond) // turns of the loop while another replica checks
	if n := f.n.Load(); n != 0 {
		t.Fatalf("%d fetches by a replica that does not run the checks", n)
	}
	leads.Store(true)
	d.Wake()
	select {
	case <-f.fetched:
	case <-time.After(10 * time.Second):
		t.Fatal("no round after the checks were taken over")
	}
	eventually(t, "the message delivered", func() bool { return messageIn(t, st, m.ID).Status == alerts.StatusDelivered })
}
