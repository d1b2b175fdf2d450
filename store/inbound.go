package store

import (
	"fmt"
	"time"
)

// Inbound is a message a contact sent to the school's number.
type Inbound struct {
	ID         string    `json:"id"`
	ProviderID string    `json:"provider_id"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Channel    string    `json:"channel"`
	Body       string    `json:"body"`
	ReceivedAt time.Time `json:"received_at"`
}

// PutInbound keeps an inbound message; the same provider id is kept once,
// since providers may post a webhook again.
func (t *Tx) PutInbound(in *Inbound) error {
	b := t.tx.Bucket(bucketInbound)
	if in.ProviderID != "" {
		if id := b.Get([]byte("pid|" + in.ProviderID)); id != nil {
			in.ID = string(id)
			return nil
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	in.ID = fmt.Sprintf("i%09d", seq)
	if in.ProviderID != "" {
		if err := b.Put([]byte("pid|"+in.ProviderID), []byte(in.ID)); err != nil {
			return err
		}
	}
	return t.put(bucketInbound, "msg|"+in.ID, in)
}

// Inbounds lists every inbound message, oldest first.
func (t *Tx) Inbounds() ([]Inbound, error) {
	var out []Inbound
	err := each(t, bucketInbound, "msg|", func(_ string, in *Inbound) error {
		out = append(out, *in)
		return nil
	})
	return out, err
}
