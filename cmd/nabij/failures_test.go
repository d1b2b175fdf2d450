package main

import (
	"testing"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

// Twilio's passing refusals (429, 5xx) are tried again until the message
// goes through, once; its final ones (21211, 21610, 21614) are recorded and
// never tried again.
func TestTwilioRefusals(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_RETRY_BACKOFF": "20ms"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.twilio.FailNext(3, twiliotest.Failure503)
	h.twilio.FailTo("+31612345003", twiliotest.FailureInvalidNumber)
	h.twilio.FailTo("+31612345005", twiliotest.FailureUnsubscribed)
	h.twilio.FailTo("+31612345006", twiliotest.FailureNotMobile)
	// 1001: voogd (ok after 503s), mother (21211), KWE phone; 1003: 21610; 1004: 21614.
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord,
		`{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1003", "kind": "absent"}, {"student": "1004", "kind": "absent"}]}`, nil)

	wantCodes := map[string]int{"c-1001-2": 21211, "c-1003-1": 21610, "c-1004-1": 21614}
	eventually(t, "two delivered and three failed with their codes", func() bool {
		var msgs []messageJSON
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
		done := 0
		for _, m := range msgs {
			if code, ok := wantCodes[m.Contact]; ok {
				if m.Status == "failed" && m.ErrorCode != nil && *m.ErrorCode == code {
					done++
				}
			} else if m.Status == "delivered" {
				done++
			}
		}
		return done == 5
	})
	h.twilio.ClearFailures()
	h.settled(coord) // a wrong retry of a final refusal would be queued again
	accepted := h.twilio.Messages()
	if len(accepted) != 2 {
		t.Errorf("the stand-in accepted %d messages, want 2 (the voogd and the KWE phone, once each)", len(accepted))
	}
	// 3 refusals with 503, 3 final refusals, 2 accepted.
	if n := h.twilio.Requests(); n != 8 {
		t.Errorf("the stand-in saw %d requests, want 8: final refusals must not be retried", n)
	}
}
