package store

import (
	"fmt"
	"time"
)

// Inbound is a message a contact sent to the school's number, and what
// nabij made of it.
type Inbound struct {
	ID         string    `json:"id"`
	ProviderID string    `json:"provider_id"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Channel    string    `json:"channel"`
	Body       string    `json:"body"`
	ReceivedAt time.Time `json:"received_at"`
	// Kind is what the reply was read as: sick, call_back, which_child,
	// opt_out, opt_in, free_text, unmatched.
	Kind string `json:"kind"`
	// Message is the alert the reply answers; Students its pupils.
	Message  string   `json:"message,omitempty"`
	Students []string `json:"students"`
	Date     string   `json:"date,omitempty"`
	Contact  string   `json:"contact,omitempty"`
	// Note says what nabij did, for the coordinator.
	Note string `json:"note,omitempty"`
}

// PutInbound keeps an inbound message. A provider may post the same webhook
// again: the second time nothing is kept and isNew is false.
func (t *Tx) PutInbound(in *Inbound) (isNew bool, err error) {
	b := t.tx.Bucket(bucketInbound)
	if in.ID == "" {
		if in.ProviderID != "" {
			if id := b.Get([]byte("pid|" + in.ProviderID)); id != nil {
				in.ID = string(id)
				return false, nil
			}
		}
		seq, err := b.NextSequence()
		if err != nil {
			return false, err
		}
		in.ID = fmt.Sprintf("i%09d", seq)
		if in.ProviderID != "" {
			if err := b.Put([]byte("pid|"+in.ProviderID), []byte(in.ID)); err != nil {
				return false, err
			}
		}
		isNew = true
	}
	if in.Students == nil {
		in.Students = []string{}
	}
	return isNew, t.put(bucketInbound, "msg|"+in.ID, in)
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
