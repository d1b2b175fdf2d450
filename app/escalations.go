package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// pupilOf turns a pupil's stored history into what the rules see.
func (s *Service) pupilOf(st school.Student, hist []store.HistoryEntry) (protocol.Pupil, map[school.Date]protocol.Entry) {
	p := protocol.Pupil{BirthDate: st.BirthDate, Entries: make([]protocol.Entry, len(hist))}
	current := make(map[school.Date]protocol.Entry, len(hist))
	for i, h := range hist {
		e := protocol.Entry{Date: h.Date, Kind: h.Kind, Hours: s.Protocol.Hours(h.Absence)}
		p.Entries[i] = e
		current[h.Date] = e
	}
	return p, current
}

// review is what evaluating one pupil decided: cases to open, and active
// cases whose facts corrections changed.
type review struct {
	open    []*protocol.Escalation
	changed []*protocol.Escalation
}

func (s *Service) reviewPupil(tx *store.Tx, st school.Student, hist []store.HistoryEntry, through school.Date) (review, error) {
	var rv review
	cases, err := tx.EscalationsOf(st.ID)
	if err != nil {
		return rv, err
	}
	pupil, current := s.pupilOf(st, hist)
	past := make([]protocol.PastCase, len(cases))
	for i, c := range cases {
		past[i] = c.Past()
		if !c.Active() {
			continue
		}
		if r := s.Protocol.Rule(c.Rule); r != nil && c.Recheck(r, current) {
			rv.changed = append(rv.changed, c)
		}
	}
	now := s.Now()
	for _, f := range s.Protocol.Evaluate(pupil, s.Calendar, through, past) {
		rv.open = append(rv.open, protocol.NewEscalation(st.ID, f, now))
	}
	return rv, nil
}

// apply writes a review; a case whose facts opened one already is skipped.
func apply(tx *store.Tx, rv review) (int, error) {
	opened := 0
	for _, e := range rv.open {
		ok, err := tx.PutEscalation(e)
		if err != nil {
			return opened, err
		}
		if ok {
			opened++
		}
	}
	for _, e := range rv.changed {
		if _, err := tx.PutEscalation(e); err != nil {
			return opened, err
		}
	}
	return opened, nil
}

// evaluate reviews the given pupils inside a list's transaction.
func (s *Service) evaluate(tx *store.Tx, students []string, through school.Date) error {
	for _, id := range students {
		st, ok, err := tx.Student(id)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		hist, err := tx.History(id)
		if err != nil {
			return err
		}
		rv, err := s.reviewPupil(tx, st, hist, through)
		if err != nil {
			return err
		}
		if _, err := apply(tx, rv); err != nil {
			return err
		}
	}
	return nil
}

// Sweep evaluates every rule for every pupil through the given day: the
// end-of-day run. The reading happens in a read transaction, so lists can be
// posted meanwhile; the few writes then take a short write transaction.
func (s *Service) Sweep(_ context.Context, through school.Date) (pupils, opened int, err error) {
	var all []review
	err = s.Store.View(func(tx *store.Tx) error {
		return tx.EachHistory(func(id string, hist []store.HistoryEntry) error {
			st, ok, err := tx.Student(id)
			if err != nil || !ok {
				return err
			}
			pupils++
			rv, err := s.reviewPupil(tx, st, hist, through)
			if err != nil {
				return err
			}
			if len(rv.open) > 0 || len(rv.changed) > 0 {
				all = append(all, rv)
			}
			return nil
		})
	})
	if err != nil || len(all) == 0 {
		return pupils, 0, err
	}
	err = s.Store.Update(func(tx *store.Tx) error {
		for _, rv := range all {
			// A case changed since the read is rechecked on its stored form.
			for i, c := range rv.changed {
				fresh, err := tx.Escalation(c.ID)
				if err != nil {
					return err
				}
				fresh.Correction, fresh.FactsChanged = c.Correction, c.FactsChanged
				rv.changed[i] = fresh
			}
			n, err := apply(tx, rv)
			if err != nil {
				return err
			}
			opened += n
		}
		return nil
	})
	return pupils, opened, err
}

// EscalationFilter narrows GET /api/v1/escalations.
type EscalationFilter struct {
	Status  string
	Student string
	Level   string
}

// Escalations lists cases, newest first.
func (s *Service) Escalations(_ context.Context, f EscalationFilter) ([]*protocol.Escalation, error) {
	var out []*protocol.Escalation
	err := s.Store.View(func(tx *store.Tx) error {
		var all []*protocol.Escalation
		var err error
		if f.Student != "" {
			all, err = tx.EscalationsOf(f.Student)
		} else {
			all, err = tx.Escalations()
		}
		for _, e := range all {
			if (f.Status == "" || string(e.Status) == f.Status) && (f.Level == "" || string(e.Level) == f.Level) {
				out = append(out, e)
			}
		}
		return err
	})
	slices.Reverse(out)
	if out == nil {
		out = []*protocol.Escalation{}
	}
	return out, err
}

// Escalation is one case.
func (s *Service) Escalation(_ context.Context, id string) (*protocol.Escalation, error) {
	var e *protocol.Escalation
	err := s.Store.View(func(tx *store.Tx) error {
		var err error
		e, err = tx.Escalation(id)
		return err
	})
	return e, err
}

// ActOnEscalation records a coordinator's action on a case.
func (s *Service) ActOnEscalation(_ context.Context, u school.User, id, action, note string) (*protocol.Escalation, error) {
	var e *protocol.Escalation
	err := s.Store.Update(func(tx *store.Tx) error {
		var err error
		if e, err = tx.Escalation(id); err != nil {
			return err
		}
		if err := e.Apply(action, u.ID, note, s.Now()); err != nil {
			return err
		}
		_, err = tx.PutEscalation(e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("escalation %s: %w", id, err)
	}
	return e, nil
}
