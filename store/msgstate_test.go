package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

func testMessage() *alerts.Message {
	t0 := time.Date(2026, 11, 30, 8, 40, 0, 0, time.UTC)
	return &alerts.Message{Date: school.Date{Year: 2026, Month: 11, Day: 30}, Students: []string{"1"}, Phone: "+31612345678",
		Channel: school.ChannelSMS, Language: "ar", Template: "alert_absent", Body: "نفتقدك", Back: "We missen je",
		Status: alerts.StatusQueued, DueAt: t0.Add(2 * time.Minute), CreatedAt: t0, UpdatedAt: t0}
}

// A status change writes the small state record and leaves the content
// record, with the text, as it was; reading puts the two together again.
func TestStatusChangeLeavesTheContentRecord(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		m := testMessage()
		if err := s.UpdateAlerts(func(tx alerts.Tx) error { return tx.PutMessage(m) }); err != nil {
			t.Fatal(err)
		}
		raw := func(bucket []byte) []byte {
			var out []byte
			if err := s.View(func(tx *Tx) error {
				out = bytes.Clone(tx.tx.Bucket(bucket).Get([]byte(m.ID)))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		content, state := raw(bucketMessages), raw(bucketMsgState)
		sent := time.Date(2026, 11, 30, 8, 42, 1, 0, time.UTC)
		m.Status, m.Attempts, m.ProviderID, m.SentAt, m.UpdatedAt = alerts.StatusSent, 1, "SM1", &sent, sent
		if err := s.UpdateAlerts(func(tx alerts.Tx) error { return tx.PutMessage(m) }); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw(bucketMessages), content) {
			t.Error("a status change rewrote the message's content record")
		}
		if bytes.Equal(raw(bucketMsgState), state) {
			t.Error("a status change did not write the state record")
		}
		if bytes.Contains(raw(bucketMsgState), []byte("We missen je")) {
			t.Error("the state record holds the message's text")
		}
		if got := storedMessage(t, s, m.ID); !reflect.DeepEqual(got, m) {
			t.Errorf("read back:\n%+v\nwant\n%+v", got, m)
		}
	})
}

func storedMessage(t *testing.T, s *Store, id string) *alerts.Message {
	t.Helper()
	var got *alerts.Message
	if err := s.ViewAlerts(func(tx alerts.Tx) error {
		var err error
		got, err = tx.Message(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// A message written by schema 1 has its state in its content and no state
// record: it reads as it was, and its next write splits it.
func TestMessageOfSchema1ReadsAndSplits(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		m := testMessage()
		m.ID, m.Status, m.ProviderID, m.Attempts = "m000000007", alerts.StatusSent, "SM7", 1
		whole, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Update(func(tx *Tx) error { return tx.tx.Bucket(bucketMessages).Put([]byte(m.ID), whole) }); err != nil {
			t.Fatal(err)
		}
		got := storedMessage(t, s, m.ID)
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("schema-1 message read as\n%+v\nwant\n%+v", got, m)
		}
		got.Status = alerts.StatusDelivered
		if err := s.UpdateAlerts(func(tx alerts.Tx) error { return tx.PutMessage(got) }); err != nil {
			t.Fatal(err)
		}
		got = storedMessage(t, s, m.ID)
		if got.Status != alerts.StatusDelivered || got.ProviderID != "SM7" || got.Body != m.Body {
			t.Errorf("after its first write: %+v", got)
		}
	})
}

// PutMessage moves the indexes from the message as stored, also when the
// caller changed the message it read, and when the records changed after
// it was read in the same transaction.
func TestPutMessageIndexesFromTheStoredMessage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		m := testMessage()
		m.Students = []string{"1", "2"}
		if err := s.UpdateAlerts(func(tx alerts.Tx) error { return tx.PutMessage(m) }); err != nil {
			t.Fatal(err)
		}
		err := s.UpdateAlerts(func(tx alerts.Tx) error {
			a, err := tx.Message(m.ID)
			if err != nil {
				return err
			}
			a.Students[1] = "3" // changed in place: the remembered copy must not follow
			if err := tx.PutMessage(a); err != nil {
				return err
			}
			b, err := tx.Message(m.ID)
			if err != nil {
				return err
			}
			b.Students = []string{"3"}
			b.Status = alerts.StatusSending
			return tx.PutMessage(b)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ViewAlerts(func(tx alerts.Tx) error {
			for student, want := range map[string]int{"1": 0, "2": 0, "3": 1} {
				if of, _ := tx.MessagesOf(m.Date, student); len(of) != want {
					t.Errorf("MessagesOf(%s) = %d, want %d", student, len(of), want)
				}
			}
			if due, _ := tx.Due(m.DueAt.Add(time.Hour), 10); len(due) != 0 {
				t.Errorf("a message sending is still in the outbox: %v", due)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
