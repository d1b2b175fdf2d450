package app

import (
	"context"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// Correcting a past day's list touches no message of that day: no
// cancellation, and above all no "sorry, our mistake" to families.
func TestCorrectingAPastListSendsNoApology(t *testing.T) {
	st := testStore(t)
	cat, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 8, 50, 0, 0, time.UTC)
	svc := &Service{Store: st, Location: time.UTC, Now: func() time.Time { return now }, Protocol: protocol.Default(),
		Calendar: &school.Calendar{}, Planner: &alerts.Planner{Renderer: &alerts.Renderer{Catalog: cat, School: "ISK"}}}
	ctx := context.Background()
	roster := &school.Roster{Classes: []school.Class{{ID: "1A"}}, Students: []school.Student{{ID: "1", Name: "Amanuel", Class: "1A",
		BirthDate: school.Date{Year: 2011, Month: 1, Day: 1}, Contacts: []school.Contact{{ID: "c1", Role: school.RoleParent, Name: "m", Phone: "+31612345001"}}}}}
	if err := svc.ReplaceRoster(ctx, roster); err != nil {
		t.Fatal(err)
	}
	coord := school.User{ID: "u1", Role: school.RoleCoordinator}
	if _, err := svc.RecordList(ctx, coord, "1A", school.Date{Year: 2026, Month: 11, Day: 30}, []school.Absence{{Student: "1", Kind: school.Absent}}); err != nil {
		t.Fatal(err)
	}
	// The alert went out.
	err = st.Update(func(tx *store.Tx) error {
		msgs, _ := tx.MessagesOn(school.Date{Year: 2026, Month: 11, Day: 30})
		for _, m := range msgs {
			m.Status, m.Attempts = alerts.StatusDelivered, 1
			if err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The next day the coordinator corrects Monday: Amanuel was excused.
	now = now.Add(24 * time.Hour)
	if _, err := svc.RecordList(ctx, coord, "1A", school.Date{Year: 2026, Month: 11, Day: 30}, []school.Absence{{Student: "1", Kind: school.Excused, Reason: "arts"}}); err != nil {
		t.Fatal(err)
	}
	_ = st.View(func(tx *store.Tx) error {
		msgs, _ := tx.MessagesOn(school.Date{Year: 2026, Month: 11, Day: 30})
		if len(msgs) != 1 || msgs[0].Template != alerts.TemplateAbsent || msgs[0].Status != alerts.StatusDelivered {
			t.Errorf("after correcting a past list the day's messages are %+v, want the one delivered alert and no apology", msgs)
		}
		return nil
	})
}
