package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSecondOpenIsRefusedNotHung(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = Open(dir)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("second Open took %v; it must give up quickly", waited)
	}
}

func TestSchemaVersionRecordedAndNewerRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		if got := string(tx.tx.Bucket(bucketMeta).Get([]byte("schema_version"))); got != fmt.Sprint(SchemaVersion) {
			t.Errorf("schema_version = %q, want %d", got, SchemaVersion)
		}
		return tx.tx.Bucket(bucketMeta).Put([]byte("schema_version"), []byte("99"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir); err == nil {
		t.Fatal("a store of a newer schema opened; it must be refused")
	}
}

func TestReplaceRosterDropsWhatIsGone(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		put := func(r *school.Roster) {
			t.Helper()
			if err := s.Update(func(tx *Tx) error { return tx.ReplaceRoster(r) }); err != nil {
				t.Fatal(err)
			}
		}
		put(&school.Roster{Classes: []school.Class{{ID: "1A"}, {ID: "1B"}}, Students: []school.Student{{ID: "1", Class: "1A"}, {ID: "2", Class: "1B"}}})
		put(&school.Roster{Classes: []school.Class{{ID: "1A"}}, Students: []school.Student{{ID: "1", Class: "1A"}}})
		err := s.View(func(tx *Tx) error {
			r, err := tx.Roster()
			if err != nil {
				return err
			}
			if len(r.Classes) != 1 || len(r.Students) != 1 {
				t.Errorf("roster after replace = %+v, want only class 1A and student 1", r)
			}
			if _, ok, _ := tx.Student("2"); ok {
				t.Error("student 2 survived the replace")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestMessageIndexesFollowTheMessage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		day := school.Date{Year: 2026, Month: 11, Day: 30}
		t0 := time.Date(2026, 11, 30, 8, 40, 0, 0, time.UTC)
		m := &alerts.Message{Date: day, Students: []string{"1", "2"}, Phone: "+31612345678", Channel: school.ChannelSMS,
			Template: "alert_absent", Status: alerts.StatusQueued, DueAt: t0.Add(2 * time.Minute)}
		if err := s.UpdateAlerts(func(tx alerts.Tx) error { return tx.PutMessage(m) }); err != nil {
			t.Fatal(err)
		}
		if m.ID == "" {
			t.Fatal("PutMessage gave the new message no id")
		}
		view := func(fn func(tx alerts.Tx)) {
			t.Helper()
			if err := s.ViewAlerts(func(tx alerts.Tx) error { fn(tx); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		view(func(tx alerts.Tx) {
			if due, _ := tx.Due(t0, 10); len(due) != 0 {
				t.Errorf("due before its time: %v", due)
			}
			if due, _ := tx.Due(t0.Add(2*time.Minute), 10); len(due) != 1 || due[0] != m.ID {
				t.Errorf("due at its time = %v, want [%s]", due, m.ID)
			}
			if next, ok, _ := tx.NextDue(t0); !ok || !next.Equal(m.DueAt) {
				t.Errorf("NextDue = %v %v, want %v", next, ok, m.DueAt)
			}
			if next, ok, _ := tx.NextDue(m.DueAt); ok {
				t.Errorf("NextDue after the only due time = %v, want none", next)
			}
			if open, _ := tx.OpenMessage(day, m.Phone, m.Channel, m.Template); open == nil || open.ID != m.ID {
				t.Errorf("OpenMessage = %v, want %s", open, m.ID)
			}
			if of, _ := tx.MessagesOf(day, "2"); len(of) != 1 {
				t.Errorf("MessagesOf(2) = %d messages, want 1", len(of))
			}
		})

		// Claimed and sent: out of the outbox, closed for siblings, found by provider id;
		// student 2 withdrawn.
		m.Status, m.Attempts, m.ProviderID, m.Students = alerts.StatusSent, 1, "SM123", []string{"1"}
		if err := s.UpdateAlerts(func(tx alerts.Tx) error { return tx.PutMessage(m) }); err != nil {
			t.Fatal(err)
		}
		view(func(tx alerts.Tx) {
			if due, _ := tx.Due(t0.Add(time.Hour), 10); len(due) != 0 {
				t.Errorf("a sent message is still in the outbox: %v", due)
			}
			if _, ok, _ := tx.NextDue(t0); ok {
				t.Error("NextDue reports a due time with an empty outbox")
			}
			if open, _ := tx.OpenMessage(day, m.Phone, m.Channel, m.Template); open != nil {
				t.Errorf("a sent message is still open for siblings: %s", open.ID)
			}
			if got, err := tx.MessageByProviderID("SM123"); err != nil || got.ID != m.ID {
				t.Errorf("MessageByProviderID = %v, %v", got, err)
			}
			if of, _ := tx.MessagesOf(day, "2"); len(of) != 0 {
				t.Errorf("student 2 still indexed on the message: %d", len(of))
			}
			if _, err := tx.MessageByProviderID("SM999"); !errors.Is(err, alerts.ErrNotFound) {
				t.Errorf("unknown provider id: err = %v, want ErrNotFound", err)
			}
		})
	})
}

func TestEarlyStatusIsHandedOverOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		err := s.UpdateAlerts(func(tx alerts.Tx) error {
			if err := tx.KeepEarlyStatus("SM1", alerts.StatusDelivered, 0); err != nil {
				return err
			}
			if err := tx.KeepEarlyStatus("SM10", alerts.StatusFailed, 30008); err != nil { // another message's
				return err
			}
			got, err := tx.TakeEarlyStatuses("SM1")
			if err != nil || len(got) != 1 || got[0].Status != alerts.StatusDelivered {
				t.Errorf("first take = %v %v", got, err)
			}
			if got, _ := tx.TakeEarlyStatuses("SM1"); len(got) != 0 {
				t.Error("the early status was handed over twice")
			}
			if got, _ := tx.TakeEarlyStatuses("SM10"); len(got) != 1 || got[0].Code != 30008 {
				t.Errorf("SM10's status: %v", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestInboundKeptOncePerProviderID(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		for i := range 2 {
			err := s.Update(func(tx *Tx) error {
				isNew, err := tx.PutInbound(&Inbound{ProviderID: "SM1", Body: "1"})
				if isNew != (i == 0) {
					t.Errorf("post %d: isNew = %v", i, isNew)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		_ = s.View(func(tx *Tx) error {
			in, err := tx.Inbounds()
			if err != nil || len(in) != 1 {
				t.Errorf("inbounds = %d (%v), want 1", len(in), err)
			}
			return nil
		})
	})
}

func TestEachHistoryFromGoesOnWhereItStopped(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		day := school.Date{Year: 2026, Month: 11, Day: 30}
		err := s.Update(func(tx *Tx) error {
			return tx.PutAbsenceList(&school.AbsenceList{Class: "1A", Date: day, Absences: []school.Absence{
				{Student: "p1", Kind: school.Absent}, {Student: "p10", Kind: school.Sick}, {Student: "p2", Kind: school.Late, Minutes: 5}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Update(func(tx *Tx) error {
			return tx.PutAbsenceList(&school.AbsenceList{Class: "1A", Date: day.AddDays(1), Absences: []school.Absence{{Student: "p1", Kind: school.Absent}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		after := ""
		for range 10 {
			var last string
			err := s.View(func(tx *Tx) error {
				var err error
				last, err = tx.EachHistoryFrom(after, 1, func(id string, e []HistoryEntry) error {
					seen[id] += len(e)
					return nil
				})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if last == "" {
				break
			}
			after = last
		}
		if len(seen) != 3 || seen["p1"] != 2 || seen["p10"] != 1 || seen["p2"] != 1 {
			t.Errorf("pupils seen %v, want p1 (2 days), p10 and p2 once each", seen)
		}
	})
}

// The sign-ins under way kept in the store are bounded as those kept in
// memory: one more than MaxOIDCLogins is refused, and one expired makes
// room.
func TestOIDCLoginsAreBounded(t *testing.T) {
	s := openStore(t)
	now := time.Date(2026, 11, 30, 8, 30, 0, 0, time.UTC)
	if err := s.Update(func(tx *Tx) error {
		for i := range MaxOIDCLogins {
			expires := now.Add(10 * time.Minute)
			if i == 0 {
				expires = now.Add(-time.Second)
			}
			if err := tx.put(bucketOIDCLogins, fmt.Sprintf("%064d", i), OIDCLogin{Nonce: "n", Verifier: "v", Expires: expires}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	put := func(key string) error {
		return s.Update(func(tx *Tx) error {
			return tx.PutOIDCLogin(key, OIDCLogin{Nonce: "n", Verifier: "v", Expires: now.Add(10 * time.Minute)}, now)
		})
	}
	if err := put("a"); err != nil {
		t.Fatalf("with one of %d expired: %v", MaxOIDCLogins, err)
	}
	if err := put("b"); !errors.Is(err, ErrTooManyOIDCLogins) {
		t.Errorf("one more than %d under way: %v, want ErrTooManyOIDCLogins", MaxOIDCLogins, err)
	}
}
