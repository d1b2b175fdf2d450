package store

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// Reading ahead changes no answer: in transactions of random reads ahead,
// puts, deletes, sends, Gets and cursor walks (from a prefix read ahead,
// from one not, past the page's end, backwards), every answer is the one a
// sorted map of the same writes gives.
func TestReadAheadAgreesWithAMap(t *testing.T) {
	s := openPostgres(t)
	bucket := bucketDigests
	steps, walked := 0, 0
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 17))
		model := map[string]string{}
		key := func() string {
			// A few pupils, few or many days each: pages of the prefix
			// that fit aheadRows and pages that do not.
			p := rng.IntN(6)
			n := 4
			if p == 5 {
				n = aheadRows + 20
			}
			return fmt.Sprintf("p%d|%03d", p, rng.IntN(n))
		}
		prefix := func() string {
			switch rng.IntN(8) {
			case 0:
				return "p"
			case 1:
				return "q|"
			}
			return fmt.Sprintf("p%d|", rng.IntN(7))
		}
		err := s.Update(func(tx *Tx) error {
			pg := tx.tx.(*pgTx)
			if err := pg.clearBucket(bucket); err != nil {
				return err
			}
			b := pg.Bucket(bucket)
			for range 60 + rng.IntN(60) {
				k := key()
				model[k] = fmt.Sprint(rng.IntN(1000))
				if err := b.Put([]byte(k), []byte(model[k])); err != nil {
					return err
				}
			}
			if err := pg.flush(); err != nil {
				return err
			}
			for step := range 400 {
				steps++
				switch op := rng.IntN(10); op {
				case 0, 1:
					var gets, prefixes []pgKey
					for range 1 + rng.IntN(4) {
						gets = append(gets, pgKey{string(bucket), key()})
						prefixes = append(prefixes, pgKey{string(bucket), prefix()})
					}
					if err := pg.prefetch(gets, prefixes); err != nil {
						return err
					}
				case 2:
					k := key()
					model[k] = fmt.Sprint(rng.IntN(1000))
					if err := b.Put([]byte(k), []byte(model[k])); err != nil {
						return err
					}
				case 3:
					k := key()
					delete(model, k)
					if err := b.Delete([]byte(k)); err != nil {
						return err
					}
				case 4:
					if err := pg.flush(); err != nil {
						return err
					}
				case 5:
					k := key()
					got, want := b.Get([]byte(k)), model[k]
					if _, ok := model[k]; ok != (got != nil) || string(got) != want {
						t.Fatalf("seed %d step %d: Get(%s) = %q, want %q (present %v)", seed, step, k, got, want, ok)
					}
				default:
					sorted := slices.Sorted(maps.Keys(model))
					p := prefix()
					c := b.Cursor()
					i, _ := slices.BinarySearch(sorted, p)
					k, v := c.Seek([]byte(p))
					for n := rng.IntN(aheadRows + 30); ; n-- {
						walked++
						if i >= len(sorted) {
							if k != nil {
								t.Fatalf("seed %d step %d: from %s, %s past the end", seed, step, p, k)
							}
							break
						}
						if string(k) != sorted[i] || string(v) != model[sorted[i]] {
							t.Fatalf("seed %d step %d: from %s, %s=%s, want %s=%s", seed, step, p, k, v, sorted[i], model[sorted[i]])
						}
						if n == 0 {
							break
						}
						if rng.IntN(12) == 0 && i > 0 {
							k, v = c.Prev()
							i--
							continue
						}
						k, v = c.Next()
						i++
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
	t.Logf("%d steps, %d cursor positions checked", steps, walked)
}

// A list's transaction reads its pupils ahead in two round trips: the
// reads of recording a list (the list, the class, each pupil's facts,
// record, days, cases and that day's messages) then ask nothing more, and
// answer what they answer without reading ahead.
func TestAListsReadsAreReadAheadInTwoRoundTrips(t *testing.T) {
	s := openPostgres(t)
	today := day("2026-03-04")
	pupils := []string{"1001", "1002", "1003"}
	if err := s.Update(func(tx *Tx) error {
		if err := tx.ReplaceRoster(rosterOf(map[string][]string{"1A": append(pupils, "1004"), "1B": {"2001"}})); err != nil {
			return err
		}
		if _, err := tx.PutEscalation(testCase("1001", "leerplicht-16u-4w", "2026-03-02", "2026-03-03")); err != nil {
			return err
		}
		for _, d := range []string{"2026-03-02", "2026-03-03", "2026-03-04"} {
			l := &school.AbsenceList{Class: "1A", Date: day(d)}
			for _, id := range pupils {
				l.Absences = append(l.Absences, school.Absence{Student: id, Kind: school.Absent})
			}
			if err := tx.PutAbsenceList(l); err != nil {
				return err
			}
		}
		return tx.PutMessage(&alerts.Message{Date: today, Students: []string{"1002"}, Phone: "+31612345004", Status: alerts.StatusQueued})
	}); err != nil {
		t.Fatal(err)
	}
	read := func(tx *Tx) string {
		var out []string
		add := func(v any, err error) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%+v", v))
		}
		l, ok, err := tx.AbsenceList("1A", today)
		add(fmt.Sprintf("%+v %v", l, ok), err)
		out = append(out, fmt.Sprint(tx.ClassSize("1A")))
		for _, id := range pupils {
			_, class, ok, err := tx.StudentFacts(id)
			add(fmt.Sprint(class, ok), err)
			st, ok, err := tx.Student(id)
			add(fmt.Sprintf("%+v %v", st, ok), err)
			add(tx.History(id))
			add(tx.RuleHistory(id, nil))
			add(tx.PastCasesOf(id))
			cases, err := tx.ActiveCases(id, day("2026-03-03"))
			add(len(cases), err)
			msgs, err := tx.MessagesOf(today, id)
			add(len(msgs), err)
		}
		return strings.Join(out, "\n")
	}
	var plain string
	if err := s.Update(func(tx *Tx) error { plain = read(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error {
		pg := tx.tx.(*pgTx)
		before := pg.queries
		if err := tx.ReadAheadForList("1A", today, pupils); err != nil {
			return err
		}
		if n := pg.queries - before; n != 2 {
			t.Errorf("reading ahead took %d round trips; want 2 (the keys and pages, then the records they name)", n)
		}
		before = pg.queries
		if got := read(tx); got != plain {
			t.Errorf("read ahead, the reads answer\n%s\nwithout reading ahead\n%s", got, plain)
		}
		if n := pg.queries - before; n != 0 {
			t.Errorf("after reading ahead, the list's reads took %d round trips; want 0", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Saving a list's cases reads ahead in two round trips what PutEscalation
// reads: for a new case, the case kept under its rule and day, then that
// case; for a case saved again, its index entry. The cases then save with
// no read of their own, and save as they do without reading ahead: a case
// whose facts opened one already is not saved again.
func TestSavingCasesIsReadAheadInTwoRoundTrips(t *testing.T) {
	s := openPostgres(t)
	var kept *protocol.Escalation
	if err := s.Update(func(tx *Tx) error {
		kept = testCase("1001", "leerplicht-16u-4w", "2026-03-02", "2026-03-03")
		_, err := tx.PutEscalation(kept)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cases := func() []*protocol.Escalation {
		again := *kept
		again.Status = protocol.StatusAcknowledged
		return []*protocol.Escalation{
			testCase("1001", "leerplicht-16u-4w", "2026-03-02", "2026-03-03"), // its facts opened kept
			testCase("1001", "te-laat-3", "2026-03-03"),
			testCase("1002", "leerplicht-16u-4w", "2026-03-03"),
			&again,
		}
	}
	save := func(tx *Tx, cases []*protocol.Escalation) string {
		var out []string
		for _, e := range cases {
			ok, err := tx.PutEscalation(e)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(e.ID, " ", ok))
		}
		return strings.Join(out, ", ")
	}
	errRollBack := errors.New("roll back")
	var plain string
	if err := s.Update(func(tx *Tx) error { plain = save(tx, cases()); return errRollBack }); !errors.Is(err, errRollBack) {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error {
		pg := tx.tx.(*pgTx)
		cs := cases()
		before := pg.queries
		if err := tx.ReadAheadForCases(cs); err != nil {
			return err
		}
		if n := pg.queries - before; n != 2 {
			t.Errorf("reading ahead took %d round trips; want 2 (the cases' keys and index entries, then the cases they name)", n)
		}
		before = pg.queries
		if got := save(tx, cs); got != plain {
			t.Errorf("read ahead, the cases save as %s; without, as %s", got, plain)
		}
		// The one round trip left is the escalations' sequence, asked once.
		if n := pg.queries - before; n != 1 {
			t.Errorf("after reading ahead, saving the cases took %d round trips; want 1 (the sequence of case ids)", n)
		}
		return errRollBack
	}); !errors.Is(err, errRollBack) {
		t.Fatal(err)
	}
}

// A read ahead near the bound on the pages a transaction keeps makes room
// before it keeps its own pages, not halfway through them: every prefix it
// read is then answered without asking again. (A group's ninth or tenth
// list lost its first pupils' pages this way and read them again, one
// round trip each.)
func TestAReadAheadNearTheBoundKeepsAllItRead(t *testing.T) {
	s := openPostgres(t)
	if err := s.Update(func(tx *Tx) error {
		for _, id := range []string{"1001", "1002", "1003"} {
			if err := tx.tx.Bucket(bucketHistory).Put([]byte(id+"|2026-03-02"), []byte(`{}`)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error {
		pg := tx.tx.(*pgTx)
		pg.ahead, pg.aheadN = map[string]map[string]aheadPage{"other": {}}, maxAhead-1
		var prefixes []pgKey
		for _, id := range []string{"1001", "1002", "1003"} {
			prefixes = append(prefixes, pgKey{string(bucketHistory), id + "|"})
		}
		if err := pg.prefetch(nil, prefixes); err != nil {
			return err
		}
		before := pg.queries
		for _, p := range prefixes {
			c := tx.tx.Bucket(bucketHistory).Cursor()
			if k, _ := c.Seek([]byte(p.key)); !strings.HasPrefix(string(k), p.key) {
				t.Errorf("Seek(%s) = %s", p.key, k)
			}
		}
		if n := pg.queries - before; n != 0 {
			t.Errorf("the Seeks to the prefixes just read ahead took %d round trips; want 0", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
