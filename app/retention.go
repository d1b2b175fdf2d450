package app

import (
	"context"
	"time"

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
			return err
		}
		for _, id := range gone {
			if err := tx.PurgePupil(id, &p); err != nil {
				return err
			}
		}
		if err := tx.PurgeBodies(now.Add(-time.Duration(r.BodyDays)*24*time.Hour), &p); err != nil {
			return err
		}
		_, err = tx.PurgeSessions(now)
		return err
	})
	return p, err
}
