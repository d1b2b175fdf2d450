package main

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

// unreachable fails every webhook from the stand-in to nabij while down
// is set: nabij cannot be reached (a restart, a deploy, a network cut)
// while Twilio plays a call out. Twilio does not send a status callback
// again.
type unreachable struct {
	next http.RoundTripper
	down *atomic.Bool
}

func (u unreachable) RoundTrip(r *http.Request) (*http.Response, error) {
	if u.down.Load() {
		return nil, errors.New("connection refused (nabij cannot be reached)")
	}
	return u.next.RoundTrip(r)
}

// A call whose create went unanswered and which played out while nabij
// could not be reached (none of its callbacks came) is settled by its
// lookup as its final status callback would have settled it: answered
// (with nothing played: nabij could not give Twilio its words), or not
// answered, it failed, and the family is called once more 15 minutes
// later. (Found by a review: the lookup
// recorded the call "sent", the family reached for good with no second
// call and no task, or failed it at once with no second call.)
func TestACallThatPlayedOutUnseenIsSettledByItsLookup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		script  twiliotest.CallScript
		status  string // the call's at Twilio
		outcome string
	}{
		// Answered while nabij could not be reached: Twilio could not
		// fetch the call's words and played its own error, so the family
		// heard nothing of the message: failed, not "no key" (found by a
		// review of the status checks, which settle such calls too).
		{"answered, nothing played", twiliotest.CallScript{Keys: []string{""}}, "completed", "failed"},
		{"not answered", twiliotest.CallScript{Outcome: twiliotest.CallNoAnswer}, "no-answer", "no-answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &testClock{now: monday}
			h := startHarnessWith(t, map[string]string{"NABIJ_TWILIO_VOICE_FROM": "+3197010000009", "NABIJ_RETRY_BACKOFF": "100ms"},
				func(c *config) { c.Twilio.Timeout = 500 * time.Millisecond; c.now = clock.Now })
			var down atomic.Bool
			h.twilio.WrapWebhooks(func(next http.RoundTripper) http.RoundTripper { return unreachable{next, &down} })
			down.Store(true)
			h.twilio.StallNext(1, true) // the stand-in takes the call; its answer is lost
			h.twilio.ScriptCall("+31612347001", tc.script)
			h.mustCall(200, "PUT", "/api/v1/roster", adminToken, callRoster, nil)
			coord := h.createUser("C. Jansen", "coordinator")
			h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "3001", "kind": "absent"}]}`, nil)
			if calls, ok := h.twilio.WaitForCalls(1, 10*time.Second); !ok || calls[0].Status != tc.status {
				t.Fatalf("the call at the stand-in: %+v", calls)
			}
			down.Store(false)
			var first callJSON
			eventually(t, "the call looked up and settled", func() bool {
				// The clock moves on a second at a time: the send's timeout
				// (on the wall clock) and its next try after it come when
				// they come.
				clock.Set(clock.Now().Add(time.Second))
				h.srv.dispatcher.Wake()
				var msgs []callJSON
				h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30&student=3001", coord, nil, &msgs)
				if len(msgs) > 0 {
					first = msgs[0]
				}
				return len(msgs) > 0 && first.Status != "queued" && first.Status != "sending"
			})
			if first.Status != "failed" || first.Call == nil || first.Call.Outcome != tc.outcome {
				t.Fatalf("the call after its lookup: %+v (call %+v), want failed, %s", first, first.Call, tc.outcome)
			}
			if n := h.twilio.CallRequests(); n != 1 {
				t.Fatalf("%d call requests before the 15 minutes, want 1", n)
			}
			clock.Set(clock.Now().Add(16 * time.Minute))
			h.srv.dispatcher.Wake()
			if _, ok := h.twilio.WaitForCalls(2, 10*time.Second); !ok {
				t.Fatalf("no second call 16 minutes later: %d call requests, tasks %v", h.twilio.CallRequests(), tasksOf(h, coord))
			}
			var msgs []callJSON
			h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30&student=3001", coord, nil, &msgs)
			if len(msgs) != 2 || msgs[1].RetryOf != first.ID {
				t.Errorf("the messages after the second call: %+v, want the second the retry of %s", msgs, first.ID)
			}
		})
	}
}
