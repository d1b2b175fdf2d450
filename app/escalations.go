package app

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// pupilOf turns a pupil's stored history into what the rules of proto see.
func pupilOf(proto *protocol.Protocol, birth school.Date, hist []store.HistoryEntry) protocol.Pupil {
	p := protocol.Pupil{BirthDate: birth, Entries: make([]protocol.Entry, len(hist))}
	for i, h := range hist {
		p.Entries[i] = entryOf(proto, h.Date, h.Absence)
	}
	return p
}

// entryOf is a day of a pupil's history as the rules read it: the lesuren
// it counts are proto's.
func entryOf(proto *protocol.Protocol, d school.Date, a school.Absence) protocol.Entry {
	return protocol.Entry{Date: d, Kind: a.Kind, Hours: proto.Hours(a)}
}

// byDate is a pupil's entries by day, for rechecking a case's facts.
func byDate(p protocol.Pupil) map[school.Date]protocol.Entry {
	current := make(map[school.Date]protocol.Entry, len(p.Entries))
	for _, e := range p.Entries {
		current[e.Date] = e
	}
	return current
}

// review is what evaluating one pupil decided: cases to open, and active
// cases whose facts corrections changed.
type review struct {
	open    []*protocol.Escalation
	changed []*protocol.Escalation
}

// pupilChange is what a list or a family's report changed for one pupil:
// the kinds of the entry before and after (the rules counting them are the
// ones to run).
type pupilChange struct {
	student string
	kinds   []school.AbsenceKind
}

// changesOf lists the pupils whose entry for the list's day a new list
// changes (old may be nil), with the kinds before and after. A pupil whose
// entry counts the same as before (only the reason changed, or nothing) is
// left out: the rules see nothing new.
func changesOf(old, list *school.AbsenceList) []pupilChange {
	var out []pupilChange
	add := func(id string) {
		var kinds []school.AbsenceKind
		var before, after school.Absence
		var had, has bool
		if old != nil {
			before, had = old.Entry(id)
		}
		after, has = list.Entry(id)
		if had && has && before.Kind == after.Kind && before.Minutes == after.Minutes && before.Hours == after.Hours {
			return
		}
		if had {
			kinds = append(kinds, before.Kind)
		}
		if has && !slices.Contains(kinds, after.Kind) {
			kinds = append(kinds, after.Kind)
		}
		out = append(out, pupilChange{id, kinds})
	}
	for _, a := range list.Absences {
		add(a.Student)
	}
	if old != nil {
		for _, a := range old.Absences {
			if _, still := list.Entry(a.Student); !still {
				add(a.Student)
			}
		}
	}
	return out
}

// reviewPupil decides what a change to the entries of days means for a
// pupil: the cases those days' corrections change, and new cases from the
// rules that count kinds (nil: every rule). The pupil's active cases are
// read and those a change of one of days may change are rechecked (a day
// of their facts, or of a count of hours' period: protocol.StandsOn); the
// rules see the past cases through the index.
func (s *Service) reviewPupil(tx *store.Tx, cal *school.Calendar, id string, pupil protocol.Pupil, through school.Date, days []school.Date, kinds []school.AbsenceKind, recheckOnly bool) (review, error) {
	var rv review
	all, err := tx.ActiveCases(id, days...)
	if err != nil {
		return rv, err
	}
	touched := slices.DeleteFunc(all, func(c *protocol.Escalation) bool {
		return !slices.ContainsFunc(days, func(d school.Date) bool { return s.Protocol.StandsOn(c, d) })
	})
	past, err := tx.PastCasesOf(id)
	if err != nil {
		return rv, err
	}
	if len(touched) > 0 {
		current := byDate(pupil)
		for _, c := range touched {
			if s.Protocol.Recheck(c, cal, current) {
				rv.changed = append(rv.changed, c)
			}
		}
	}
	if !recheckOnly {
		rv.open = s.newCases(cal, id, pupil, through, past, kinds)
	}
	return rv, nil
}

func (s *Service) newCases(cal *school.Calendar, student string, pupil protocol.Pupil, through school.Date, past []protocol.PastCase, kinds []school.AbsenceKind) []*protocol.Escalation {
	var out []*protocol.Escalation
	now := s.Now()
	for _, f := range s.Protocol.EvaluateChange(pupil, cal, through, past, kinds) {
		out = append(out, protocol.NewEscalation(student, f, now))
	}
	return out
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

// evaluate reviews the pupils a list or a family's report changed, inside
// the transaction that changed their entries of days.
func (s *Service) evaluate(tx *store.Tx, changes []pupilChange, through school.Date, days ...school.Date) error {
	return s.evaluateWith(tx, s.Calendar, changes, through, days...)
}

// evaluateWith is evaluate with a calendar of its own (a day closed in the
// transaction under way). A change with nil kinds runs every rule.
func (s *Service) evaluateWith(tx *store.Tx, cal *school.Calendar, changes []pupilChange, through school.Date, days ...school.Date) error {
	// One buffer for every pupil's days in turn: nothing the rules find
	// keeps them.
	var hist []store.RuleEntry
	var entries []protocol.Entry
	reviews := make([]review, 0, len(changes))
	for _, ch := range changes {
		if ch.kinds != nil && !s.Protocol.CountsAny(ch.kinds) {
			continue // no case stands on an uncounted day, and none can open
		}
		birth, ok, err := birthDateOf(tx, ch.student, school.Date{})
		if err != nil {
			return err
		}
		// A pupil whose record is gone (purged after they left, every case
		// settled): no rule opens a case without their birth date, but the
		// cases on the changed days are still told, a reported one so that
		// DUO hears of the change. (Found by a leerplicht review.)
		recheckOnly := !ok
		if hist, err = tx.RuleHistory(ch.student, hist[:0]); err != nil {
			return err
		}
		entries = entries[:0]
		for _, h := range hist {
			entries = append(entries, entryOf(s.Protocol, h.Date, school.Absence{Kind: h.Kind, Minutes: h.Minutes, Hours: h.Hours}))
		}
		rv, err := s.reviewPupil(tx, cal, ch.student, protocol.Pupil{BirthDate: birth, Entries: entries}, through, days, ch.kinds, recheckOnly)
		if err != nil {
			return err
		}
		reviews = append(reviews, rv)
	}
	// Every pupil reviewed first, then their cases saved: what saving a
	// case reads (is a case of its rule and day there? its index entry)
	// is read ahead for them all at once. A pupil's review reads only
	// their own cases and days, which no other pupil's cases change.
	var cases []*protocol.Escalation
	for _, rv := range reviews {
		cases = append(append(cases, rv.open...), rv.changed...)
	}
	if err := tx.ReadAheadForCases(cases); err != nil {
		return step("read ahead", err)
	}
	for _, rv := range reviews {
		if _, err := apply(tx, rv); err != nil {
			return err
		}
	}
	return nil
}

// Sweep evaluates every rule for every pupil through the given day: the
// end-of-day run. It reads in a read transaction, so lists can be posted
// meanwhile, and only what the rules need (the compact history, birth dates,
// the index of past cases); the new cases then take a short write
// transaction. Rechecking cases after corrections is not its work: facts
// change only when a list changes, and a list's transaction rechecks them.
func (s *Service) Sweep(ctx context.Context, through school.Date) (pupils, opened int, err error) {
	defer failed(&err, "sweep through %s", through)
	// In chunks of pupils, each read and its cases opened in a transaction
	// of its own, so that memory stays small even when a sweep opens many
	// cases (the first sweep over imported history).
	after := ""
	for {
		n, o, last, err := s.sweepChunk(through, after, sweepChunk)
		pupils, opened = pupils+n, opened+o
		if err != nil || last == "" {
			return pupils, opened, err
		}
		if err := ctx.Err(); err != nil {
			return pupils, opened, err
		}
		after = last
	}
}

// birthDateOf is a pupil's birth date for the rules: from the roster, or,
// for a pupil who left it on or after since, from the record kept then. The
// absence of a pupil who left was reached while they were enrolled: a
// correction of their days still rechecks their cases, and a case reached
// before they left, or held back by the 7-day rule until after, still
// opens (the melding duty stands).
func birthDateOf(tx *store.Tx, id string, since school.Date) (school.Date, bool, error) {
	birth, _, ok, err := tx.StudentFacts(id)
	if err != nil || ok {
		return birth, ok, err
	}
	st, left, ok, err := tx.LeftPupil(id)
	if err != nil || !ok || left.Before(since) {
		return school.Date{}, false, err
	}
	return st.BirthDate, true, nil
}

// sweepLeftDays is how long after a pupil left the roster the sweep still
// plays their rules: a case held back by the 7-day rule opens on the first
// school day after the hold, at most a summer holiday and a week away. Their
// history ends when they leave, so nothing opens later.
const sweepLeftDays = 100

// sweepChunk is how many pupils a sweep reads and opens cases for in one
// go. A first sweep over a 5,000-pupil school's imported year opens about
// 4,900 cases: in one transaction (the chunk was 10,000 pupils) that took
// nabij's anonymous memory from 22 MB to 106–162 MB for a moment (the
// cases, and bbolt's copies of every page the transaction wrote); in
// chunks of 500 it stays at 34 MB (cmd/nabij-bench, row 5). A var for the
// test that crosses chunks with a small school.
var sweepChunk = 500

func (s *Service) sweepChunk(through school.Date, after string, limit int) (pupils, opened int, last string, err error) {
	// One goroutine reads (a bbolt transaction is not shared), the others
	// run the rules: the sweep uses every core.
	type job struct {
		id    string
		pupil protocol.Pupil
		past  []protocol.PastCase
	}
	jobs := make(chan job, 256)
	var mu sync.Mutex
	var found review
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []*protocol.Escalation
			for j := range jobs {
				mine = append(mine, s.newCases(s.Calendar, j.id, j.pupil, through, j.past, nil)...)
			}
			mu.Lock()
			found.open = append(found.open, mine...)
			mu.Unlock()
		}()
	}
	err = s.Store.View(func(tx *store.Tx) error {
		defer close(jobs)
		var err error
		last, err = tx.EachHistoryFrom(after, limit, func(id string, hist []store.HistoryEntry) error {
			birth, ok, err := birthDateOf(tx, id, through.AddDays(-sweepLeftDays))
			if err != nil || !ok {
				return err // a pupil who left the roster long ago keeps their history, and no new cases
			}
			pupils++
			past, err := tx.PastCasesOf(id)
			if err != nil {
				return err
			}
			jobs <- job{id, pupilOf(s.Protocol, birth, hist), past}
			return nil
		})
		return err
	})
	wg.Wait()
	if err != nil || len(found.open) == 0 {
		return pupils, 0, last, err
	}
	// Workers finish in any order; cases are opened in a fixed one.
	slices.SortFunc(found.open, func(a, b *protocol.Escalation) int { return strings.Compare(a.Key(), b.Key()) })
	err = s.Store.Update(func(tx *store.Tx) error {
		opened, err = apply(tx, found)
		return step("open cases", err)
	})
	return pupils, opened, last, err
}

// EscalationFilter narrows the cases listed; empty fields match all.
type EscalationFilter struct {
	Status  protocol.EscalationStatus
	Student string
	Level   protocol.Level
}

// Escalations lists cases, newest first.
func (s *Service) Escalations(ctx context.Context, f EscalationFilter) (_ []*protocol.Escalation, err error) {
	defer failed(&err, "escalations")
	var out []*protocol.Escalation
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var all []*protocol.Escalation
		var err error
		if f.Student != "" {
			all, err = tx.EscalationsOf(f.Student)
		} else {
			all, err = tx.Escalations()
		}
		for _, e := range all {
			if (f.Status == "" || e.Status == f.Status) && (f.Level == "" || e.Level == f.Level) {
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
func (s *Service) Escalation(ctx context.Context, id string) (_ *protocol.Escalation, err error) {
	defer failed(&err, "escalation %s", id)
	var e *protocol.Escalation
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var err error
		e, err = tx.Escalation(id)
		return err
	})
	return e, err
}

// ActOnEscalation records a coordinator's action on a case. A dismissed
// case restarts no rule, so the pupil's rules run again at once: absence
// the case held back (a case dismissed because its days were excused after
// all must not hide the next 16 hours) opens its case now, not tonight.
func (s *Service) ActOnEscalation(ctx context.Context, u school.User, id, action, note string) (_ *protocol.Escalation, err error) {
	defer failed(&err, "act on escalation %s", id)
	var e *protocol.Escalation
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		var err error
		if e, err = tx.Escalation(id); err != nil {
			return err
		}
		if err := e.Apply(action, u.ID, note, s.Now()); err != nil {
			return err
		}
		if _, err = tx.PutEscalation(e); err != nil {
			return step("save", err)
		}
		if e.Status != protocol.StatusDismissed {
			return nil
		}
		return step("evaluate", s.evaluate(tx, []pupilChange{{student: e.Student}}, s.Today().AddDays(-1)))
	})
	if err != nil {
		return nil, fmt.Errorf("escalation %s: %w", id, err)
	}
	return e, nil
}

// Case reads case id with its pupil's name, for the board's word on what
// was just done to it.
func (s *Service) Case(ctx context.Context, id string) (_ *EscalationRow, err error) {
	defer failed(&err, "case %s", id)
	row := &EscalationRow{}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		e, err := tx.Escalation(id)
		if err != nil {
			return err
		}
		st, _, _, err := pupilRecord(tx, e.Student)
		row.Escalation, row.Name = e, st.Name
		return err
	})
	if err != nil {
		return nil, err
	}
	return row, nil
}
