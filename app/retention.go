package app

import (
	"context"
	"slices"
	"time"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/store"
)

// Retention says how long data is kept: absence data (lists, history,
// messages, cases, replies) until Years after the pupil left the roster;
// the text of messages and replies for BodyDays.
type Retention struct {
	Years    int
	BodyDays int
}

// Purge removes what is past its retention; it reports counts only.
func (s *Service) Purge(ctx context.Context, r Retention) (_ store.Purged, err error) {
	defer failed(&err, "purge")
	var p store.Purged
	now := s.Now()
	today := s.Today()
	err = s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		gone, err := tx.LeftBefore(today.AddDays(-365*r.Years - r.Years/4))
		if err != nil {
			return step("find who left", err)
		}
		for _, id := range gone {
			if err := tx.PurgePupil(id, &p); err != nil {
				return step("purge pupil "+id, err)
			}
		}
		// The record kept of a pupil who left (their PGN, their family's
		// numbers) serves their cases' meldingen only: it goes once the
		// sweep no longer plays their rules and no case of theirs waits for
		// the coordinator.
		done, err := tx.LeftBefore(today.AddDays(-sweepLeftDays))
		if err != nil {
			return step("find who left", err)
		}
		for _, id := range done {
			cases, err := tx.EscalationsOf(id)
			if err != nil {
				return step("cases of "+id, err)
			}
			if slices.ContainsFunc(cases, (*protocol.Escalation).Active) {
				continue
			}
			if err := tx.DropLeftRecord(id, &p); err != nil {
				return step("drop the record of "+id, err)
			}
		}
		if err := tx.PurgeBodies(now.Add(-time.Duration(r.BodyDays)*24*time.Hour), &p); err != nil {
			return step("blank bodies", err)
		}
		_, err = tx.PurgeSessions(now)
		return step("purge sessions", err)
	})
	return p, err
}
