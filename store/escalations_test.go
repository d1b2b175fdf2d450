package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

func testCase(student, rule string, days ...string) *protocol.Escalation {
	f := protocol.Facts{}
	for _, d := range days {
		f.Dates = append(f.Dates, day(d))
	}
	f.ThresholdDay = f.Dates[len(f.Dates)-1]
	return &protocol.Escalation{Student: student, Rule: rule, Facts: f, Status: protocol.StatusOpen, Actions: []protocol.Action{}}
}

func ids(cases []*protocol.Escalation) []string {
	var out []string
	for _, e := range cases {
		out = append(out, e.ID)
	}
	return out
}

func TestActiveCasesReadsOnlyActiveCases(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		a := testCase("p1", "zorg", "2026-11-02", "2026-11-03")
		b := testCase("p1", "lang", "2026-11-09", "2026-11-10")
		c := testCase("p2", "zorg", "2026-11-02", "2026-11-03")
		if err := s.Update(func(tx *Tx) error {
			for _, e := range []*protocol.Escalation{a, b, c} {
				if _, err := tx.PutEscalation(e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		of := func(student string) []string {
			t.Helper()
			var got []*protocol.Escalation
			if err := s.View(func(tx *Tx) error {
				var err error
				got, err = tx.ActiveCases(student, day("2026-11-03"))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ids(got)
		}
		if got := of("p1"); !slices.Equal(got, []string{a.ID, b.ID}) {
			t.Errorf("p1's active cases = %v, want [%s %s]", got, a.ID, b.ID)
		}
		// A day months from a case's days is in no period of it: the case
		// is not read.
		if err := s.View(func(tx *Tx) error {
			far, err := tx.ActiveCases("p1", day("2027-06-01"))
			if len(far) != 0 {
				t.Errorf("p1's cases near 1 June 2027 = %v, want none", ids(far))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// A dismissed case is no longer rechecked.
		if err := s.Update(func(tx *Tx) error {
			if err := a.Apply("dismiss", "u1", "bekend bij de schoolarts", time.Now()); err != nil {
				return err
			}
			_, err := tx.PutEscalation(a)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := of("p1"); !slices.Equal(got, []string{b.ID}) {
			t.Errorf("p1's active cases after dismissing %s = %v, want [%s]", a.ID, got, b.ID)
		}
	})
}

func TestMigrationToSchema2BuildsTheActiveIndex(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	open, closed := testCase("p1", "zorg", "2026-11-02"), testCase("p1", "lang", "2026-11-02")
	closed.Status = protocol.StatusDismissed // a dismissed case is never rechecked
	// A store as schema 1 left it: cases, and no esc_active.
	if err := s.Update(func(tx *Tx) error {
		for _, e := range []*protocol.Escalation{open, closed} {
			if _, err := tx.PutEscalation(e); err != nil {
				return err
			}
		}
		if err := tx.clear(bucketEscActive); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put([]byte("schema_version"), []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.View(func(tx *Tx) error {
		got, err := tx.ActiveCases("p1", day("2026-11-02"))
		if !slices.Equal(ids(got), []string{open.ID}) {
			t.Errorf("after migration: active cases = %v, want [%s]", ids(got), open.ID)
		}
		if v := string(tx.tx.Bucket(bucketMeta).Get([]byte("schema_version"))); v != fmt.Sprint(SchemaVersion) {
			t.Errorf("schema_version = %q after migration, want %d", v, SchemaVersion)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func day(s string) school.Date {
	d, err := school.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// A dismissed case restarts no rule: the index says so, for a case
// dismissed now and for one a schema-2 store holds unmarked.
func TestPastCasesMarkDismissedOnesAndMigrationToSchema3(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	kept, dropped := testCase("p1", "leerplicht-16u-4w", "2026-11-04"), testCase("p1", "leerplicht-16u-4w", "2026-11-11")
	if err := s.Update(func(tx *Tx) error {
		for _, e := range []*protocol.Escalation{kept, dropped} {
			if _, err := tx.PutEscalation(e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []protocol.PastCase{{Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-04"), LastDay: day("2026-11-04")},
		{Rule: "leerplicht-16u-4w", ThresholdDay: day("2026-11-11"), LastDay: day("2026-11-11"), Dismissed: true}}
	past := func(s *Store) []protocol.PastCase { return pastCasesOf(t, s, "p1") }
	if err := s.Update(func(tx *Tx) error {
		if err := dropped.Apply("dismiss", "c1", "de dagen waren geoorloofd", time.Now()); err != nil {
			return err
		}
		_, err := tx.PutEscalation(dropped)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := past(s); !slices.Equal(got, want) {
		t.Errorf("past cases after a dismissal = %+v, want %+v", got, want)
	}
	// As schema 2 left it: the dismissal not marked in the index.
	if err := s.Update(func(tx *Tx) error {
		if err := tx.tx.Bucket(bucketEscByStudent).Put([]byte("p1|"+dropped.ID), []byte("leerplicht-16u-4w|2026-11-11|through 2026-11-11")); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put([]byte("schema_version"), []byte("2"))
	}); err != nil {
		t.Fatal(err)
	}
	if got := past(s); got[1].Dismissed {
		t.Fatal("the test did not unmark the dismissal")
	}
	s.Close()
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := past(s); !slices.Equal(got, want) {
		t.Errorf("past cases after the migration to schema 3 = %+v, want %+v", got, want)
	}
}

// The index holds the last day of a case's facts (an LRV's run), beside
// its dismissal; a schema-5 store, whose index has none, gets them when it
// is migrated.
func TestPastCasesKnowTheirLastDayAndMigrationToSchema6(t *testing.T) {
	lrv := func(opened string, days ...string) *protocol.Escalation {
		e := testCase("p1", "lrv", days...)
		e.Facts.ThresholdDay = day(opened) // a run held back opens after it ends
		return e
	}
	held, dropped := lrv("2026-12-04", "2026-10-28", "2026-11-30"), lrv("2027-01-20", "2026-12-02", "2027-01-20")
	want := []protocol.PastCase{
		{Rule: "lrv", ThresholdDay: day("2026-12-04"), LastDay: day("2026-11-30")},
		{Rule: "lrv", ThresholdDay: day("2027-01-20"), LastDay: day("2027-01-20"), Dismissed: true},
	}
	past := func(s *Store) []protocol.PastCase { return pastCasesOf(t, s, "p1") }
	put := func(s *Store) {
		if err := s.Update(func(tx *Tx) error {
			if err := dropped.Apply("dismiss", "c1", "de dagen waren geoorloofd", time.Now()); err != nil {
				return err
			}
			for _, e := range []*protocol.Escalation{held, dropped} {
				if _, err := tx.PutEscalation(e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		held.ID, dropped.ID, dropped.Status, dropped.Actions = "", "", protocol.StatusOpen, nil
		put(s)
		if got := past(s); !slices.Equal(got, want) {
			t.Errorf("past cases = %+v, want %+v", got, want)
		}
	})

	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	held.ID, dropped.ID, dropped.Status, dropped.Actions = "", "", protocol.StatusOpen, nil
	put(s)
	// As schema 5 left it: no last days in the index.
	if err := s.Update(func(tx *Tx) error {
		b := tx.tx.Bucket(bucketEscByStudent)
		for k, v := range map[string]string{held.ID: "lrv|2026-12-04", dropped.ID: "lrv|2027-01-20" + dismissedMark} {
			if err := b.Put([]byte("p1|"+k), []byte(v)); err != nil {
				return err
			}
		}
		return tx.tx.Bucket(bucketMeta).Put([]byte("schema_version"), []byte("5"))
	}); err != nil {
		t.Fatal(err)
	}
	if got := past(s); !got[0].LastDay.IsZero() || !got[1].Dismissed {
		t.Fatalf("the test did not write a schema-5 index: %+v", got)
	}
	s.Close()
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := past(s); !slices.Equal(got, want) {
		t.Errorf("past cases after the migration to schema 6 = %+v, want %+v", got, want)
	}
}

// pastCasesOf reads student's past cases from the index.
func pastCasesOf(t *testing.T, s *Store, student string) []protocol.PastCase {
	t.Helper()
	var out []protocol.PastCase
	if err := s.View(func(tx *Tx) error {
		var err error
		out, err = tx.PastCasesOf(student)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
