package store

import (
	"testing"

	"github.com/nabij-isk/nabij/school"
)

// RuleHistory reads what History reads of the fields the rules use.
func TestRuleHistoryMatchesHistory(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		first := school.Date{Year: 2026, Month: 11, Day: 30}
		for i, kind := range []school.AbsenceKind{school.Absent, school.Late, school.Sick, school.Excused} {
			a := school.Absence{Student: "p1", Kind: kind, Reason: "r", Hours: float64(i)}
			if kind == school.Late {
				a.Minutes = 35
			}
			err := s.Update(func(tx *Tx) error {
				return tx.PutAbsenceList(&school.AbsenceList{Class: "1A", Date: first.AddDays(i), Absences: []school.Absence{a,
					{Student: "p10", Kind: school.Absent}}}) // p10 sorts right after p1
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		err := s.View(func(tx *Tx) error {
			hist, err := tx.History("p1")
			if err != nil {
				return err
			}
			rules, err := tx.RuleHistory("p1", nil)
			if err != nil {
				return err
			}
			if len(rules) != 4 || len(hist) != 4 {
				t.Fatalf("RuleHistory %d days, History %d, want 4 each", len(rules), len(hist))
			}
			for i, h := range hist {
				want := RuleEntry{Date: h.Date, Kind: h.Kind, Minutes: h.Minutes, Hours: h.Hours}
				if rules[i] != want {
					t.Errorf("day %d: RuleHistory %+v, History %+v", i, rules[i], want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
