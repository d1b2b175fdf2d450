package app

import (
	"context"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

func TestRetentionPurge(t *testing.T) {
	st := testStore(t)
	now := time.Date(2020, 11, 30, 9, 0, 0, 0, time.UTC)
	svc := &Service{Store: st, Location: time.UTC, Now: func() time.Time { return now }, Protocol: protocol.Default(), Calendar: &school.Calendar{}}
	ctx := context.Background()
	pupil := func(id string) school.Student {
		return school.Student{ID: id, Name: "Leerling " + id, Class: "1A", BirthDate: school.Date{Year: 2008, Month: 1, Day: 1},
			Contacts: []school.Contact{{ID: "c" + id, Role: school.RoleParent, Name: "x", Phone: "+3161234500" + id[len(id)-1:]}}}
	}
	roster := &school.Roster{Classes: []school.Class{{ID: "1A"}}, Students: []school.Student{pupil("1"), pupil("2")}}
	var err error
	if err := svc.ReplaceRoster(ctx, roster); err != nil {
		t.Fatal(err)
	}
	day := school.Date{Year: 2020, Month: 11, Day: 30}
	err = st.Update(func(tx *store.Tx) error {
		if err := tx.PutAbsenceList(&school.AbsenceList{Class: "1A", Date: day, Absences: []school.Absence{{Student: "1", Kind: school.Absent}, {Student: "2", Kind: school.Absent}}}); err != nil {
			return err
		}
		for _, id := range []string{"1", "2"} {
			m := &alerts.Message{Date: day, Students: []string{id}, Phone: "+3161234500" + id, Channel: school.ChannelSMS,
				Template: alerts.TemplateAbsent, Body: "We missen Leerling " + id, Status: alerts.StatusDelivered, CreatedAt: now}
			if err := tx.PutMessage(m); err != nil {
				return err
			}
		}
		_, err := tx.PutEscalation(&protocol.Escalation{Student: "1", Rule: "ongeoorloofd-6u", Facts: protocol.Facts{ThresholdDay: day}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Pupil 1 leaves on 1 December 2020.
	now = time.Date(2020, 12, 1, 9, 0, 0, 0, time.UTC)
	roster.Students = roster.Students[1:]
	if err := svc.ReplaceRoster(ctx, roster); err != nil {
		t.Fatal(err)
	}
	keep := Retention{Years: 5, BodyDays: 365}
	// Four years on: pupil 1's data stays; the texts older than a year go.
	now = time.Date(2024, 12, 1, 3, 0, 0, 0, time.UTC)
	p, err := svc.Purge(ctx, keep)
	if err != nil || p.Pupils != 0 || p.Bodies != 2 || p.Records != 1 {
		t.Fatalf("after 4 years: %+v, %v; want no pupil purged, 2 texts, and the record kept of pupil 1 (no case of theirs waits)", p, err)
	}
	_ = st.View(func(tx *store.Tx) error {
		if rec, _, ok, err := tx.LeftPupil("1"); ok || err != nil {
			t.Errorf("the record kept of pupil 1 outlived its use: %+v, %v", rec, err)
		}
		return nil
	})
	// Five years after pupil 1 left: everything about them goes, pupil 2 stays.
	now = time.Date(2025, 12, 3, 3, 0, 0, 0, time.UTC)
	p, err = svc.Purge(ctx, keep)
	if err != nil || p.Pupils != 1 || p.Days != 1 || p.Messages != 1 || p.Escalations != 1 || p.Bodies != 0 {
		t.Fatalf("after 5 years: %+v, %v", p, err)
	}
	_ = st.View(func(tx *store.Tx) error {
		l, _, _ := tx.AbsenceList("1A", day)
		if len(l.Absences) != 1 || l.Absences[0].Student != "2" {
			t.Errorf("the list keeps %+v, want only pupil 2", l.Absences)
		}
		if h, _ := tx.History("1"); len(h) != 0 {
			t.Errorf("pupil 1's history survived: %+v", h)
		}
		if msgs, _ := tx.MessagesOn(day); len(msgs) != 1 || msgs[0].Students[0] != "2" || msgs[0].Body != "" {
			t.Errorf("messages after the purge: %+v", msgs)
		}
		if e, _ := tx.EscalationsOf("1"); len(e) != 0 {
			t.Errorf("pupil 1's cases survived")
		}
		if _, _, ok, err := tx.LeftPupil("1"); ok || err != nil {
			t.Errorf("pupil 1's roster record survived the purge (%v)", err)
		}
		return nil
	})
	if p, _ := svc.Purge(ctx, keep); p != (store.Purged{}) {
		t.Errorf("a second purge removed %+v", p)
	}
}
