package app

import (
	"context"
	"sort"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// ReachRow counts the alerts of one language and channel.
type ReachRow struct {
	Language  string `json:"language"`
	Channel   string `json:"channel"`
	Sent      int    `json:"sent"`
	Delivered int    `json:"delivered"`
	Read      int    `json:"read"`
	Replied   int    `json:"replied"`
	Failed    int    `json:"failed"`
}

// Reach is how well a period's alerts reached families, per language and
// channel: a school sees which families it does not reach.
type Reach struct {
	From school.Date `json:"from"`
	To   school.Date `json:"to"`
	Rows []ReachRow  `json:"rows"`
}

// Reach counts the alerts from..to. Sent counts every alert handed to the
// provider; delivered includes read; failed includes undelivered and expired.
func (s *Service) Reach(ctx context.Context, from, to school.Date) (_ *Reach, err error) {
	defer failed(&err, "reach %s %s", from, to)
	if to.Before(from) || from.DaysUntil(to) > 366 {
		return nil, &school.ValidationError{Details: []school.FieldError{{Field: "to", Message: "the period runs forward and is at most a year"}}}
	}
	rows := map[[2]string]*ReachRow{}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		for d := from; !d.After(to); d = d.AddDays(1) {
			msgs, err := tx.MessagesOn(d)
			if err != nil {
				return err
			}
			for _, m := range msgs {
				if !m.IsAlert() || !m.Live() {
					continue
				}
				k := [2]string{m.Language, string(m.Channel)}
				r := rows[k]
				if r == nil {
					r = &ReachRow{Language: m.Language, Channel: string(m.Channel)}
					rows[k] = r
				}
				if m.ProviderID != "" {
					r.Sent++
				}
				switch {
				case m.Status == alerts.StatusDelivered:
					r.Delivered++
				case m.Status == alerts.StatusRead:
					r.Delivered++
					r.Read++
				case m.Failed():
					r.Failed++
				}
				if m.RepliedAt != nil {
					r.Replied++
				}
			}
		}
		return nil
	})
	out := &Reach{From: from, To: to, Rows: []ReachRow{}}
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
	}
	sort.Slice(out.Rows, func(i, j int) bool {
		if out.Rows[i].Language != out.Rows[j].Language {
			return out.Rows[i].Language < out.Rows[j].Language
		}
		return out.Rows[i].Channel < out.Rows[j].Channel
	})
	return out, err
}
