package store

import (
	"testing"

	"github.com/nabij-isk/nabij/school"
)

func rosterOf(classes map[string][]string) *school.Roster {
	r := &school.Roster{}
	for class, pupils := range classes {
		r.Classes = append(r.Classes, school.Class{ID: class, Name: "Klas " + class})
		for _, id := range pupils {
			r.Students = append(r.Students, school.Student{ID: id, Name: "Leerling " + id, Class: class,
				BirthDate: school.Date{Year: 2011, Month: 1, Day: 1}})
		}
	}
	return r
}

func classSizes(t *testing.T, s *Store, classes ...string) map[string]int {
	t.Helper()
	got := map[string]int{}
	if err := s.View(func(tx *Tx) error {
		for _, c := range classes {
			got[c] = tx.ClassSize(c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// A class's size is its own pupils, whatever the ids of the others (a
// class whose id starts another's counts only its own), and a new roster
// replaces the old counts; a store of schema 3, which had no class index,
// gets it when it is opened.
func TestClassSizeFollowsTheRoster(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		put := func(r *school.Roster) {
			t.Helper()
			if err := s.Update(func(tx *Tx) error { return tx.ReplaceRoster(r) }); err != nil {
				t.Fatal(err)
			}
		}
		want := func(w map[string]int) {
			t.Helper()
			got := classSizes(t, s, "1A", "1A2", "1B", "2C")
			for c, n := range w {
				if got[c] != n {
					t.Errorf("class %s has %d pupils, want %d (all: %v)", c, got[c], n, got)
				}
			}
		}
		put(rosterOf(map[string][]string{"1A": {"p1", "p2", "p3"}, "1A2": {"p4"}, "1B": {"p5", "p6"}}))
		want(map[string]int{"1A": 3, "1A2": 1, "1B": 2, "2C": 0})

		// p2 moves to 1B, p3 leaves, 1A2 is gone, 2C is new.
		put(rosterOf(map[string][]string{"1A": {"p1"}, "1B": {"p2", "p5", "p6"}, "2C": {"p7", "p8"}}))
		want(map[string]int{"1A": 1, "1A2": 0, "1B": 3, "2C": 2})

		// As schema 3 left it: no class index.
		if err := s.Update(func(tx *Tx) error {
			if err := tx.clear(bucketClassPupils); err != nil {
				return err
			}
			return tx.tx.Bucket(bucketMeta).Put([]byte("schema_version"), []byte("3"))
		}); err != nil {
			t.Fatal(err)
		}
		want(map[string]int{"1A": 0, "1B": 0, "2C": 0})
		if err := s.migrate(); err != nil {
			t.Fatal(err)
		}
		want(map[string]int{"1A": 1, "1A2": 0, "1B": 3, "2C": 2})
	})
}
