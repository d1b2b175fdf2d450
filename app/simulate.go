package app

import (
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// Simulated is what a protocol would have opened for one pupil.
type Simulated struct {
	Student  string
	Class    string
	Findings []SimulatedCase
}

// SimulatedCase is one case a protocol would have opened, and whether the
// protocol in use opened the same one.
type SimulatedCase struct {
	Rule         string
	Level        protocol.Level
	ThresholdDay school.Date
	Reason       string
	Opened       bool
}

// Simulate replays the stored history from..to through proto, as if no case
// had been opened before, so that a school can tune its numbers before it
// switches. It only reads.
func Simulate(st *store.Store, proto *protocol.Protocol, cal *school.Calendar, from, to school.Date) ([]Simulated, error) {
	var out []Simulated
	err := st.View(func(tx *store.Tx) error {
		closed, err := tx.ClosedDays() // the days the school closed after the fact count as they do in service
		if err != nil {
			return err
		}
		cal.SetClosed(store.ClosedPeriods(closed))
		return tx.EachHistory(func(id string, hist []store.HistoryEntry) error {
			pupil, ok, err := tx.Student(id)
			if err != nil || !ok {
				return err
			}
			var span []store.HistoryEntry
			for _, h := range hist {
				if !h.Date.Before(from) && !h.Date.After(to) {
					span = append(span, h)
				}
			}
			findings := proto.Evaluate(pupilOf(proto, pupil.BirthDate, span), cal, to, nil)
			if len(findings) == 0 {
				return nil
			}
			opened := map[string]bool{}
			cases, err := tx.EscalationsOf(id)
			if err != nil {
				return err
			}
			for _, c := range cases {
				opened[c.Rule+"|"+c.Facts.ThresholdDay.String()] = true
			}
			sim := Simulated{Student: id, Class: pupil.Class}
			for _, f := range findings {
				nl, _ := f.Rule.Reasons(f.Facts)
				sim.Findings = append(sim.Findings, SimulatedCase{Rule: f.Rule.Name, Level: f.Rule.Level, ThresholdDay: f.Facts.ThresholdDay,
					Reason: nl, Opened: opened[f.Rule.Name+"|"+f.Facts.ThresholdDay.String()]})
			}
			out = append(out, sim)
			return nil
		})
	})
	return out, err
}
