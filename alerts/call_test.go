package alerts

import (
	"testing"
	"time"
)

// A key pressed on a call whose send went unanswered (its status
// "sending", uncertain) is the family's answer: the call is sent, and no
// longer uncertain. (From a review: it stayed uncertain.)
func TestAKeyPressedSettlesAnUncertainCall(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 50, 0, 0, time.UTC)
	for _, st := range []Status{StatusSending, StatusQueued} {
		m := &Message{Status: st, Uncertain: true}
		m.Pressed("1", now)
		if m.Status != StatusSent || m.Uncertain || m.SentAt == nil || m.Call == nil || m.Call.Keys != "1" {
			t.Errorf("a key pressed on an uncertain %s call: status %s, uncertain %v, sent at %v, call %+v", st, m.Status, m.Uncertain, m.SentAt, m.Call)
		}
	}
}
