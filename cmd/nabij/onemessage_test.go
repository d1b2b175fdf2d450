package main

import (
	"slices"
	"testing"
)

// One message per contact per morning, and the API says which pupil of it
// came late: the housing unit's woonbegeleider hears of Amanuel (absent,
// 1A) and Yonas (late, 1B) in one message; the coordinator sees both with
// Yonas under "late", the mentor of 1B only Yonas.
func TestOneMessageSaysWhoCameLate(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:40:00+01:00", "NABIJ_HOLD": "1s"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentor1B := h.createUser("B. Bakker", "mentor", "1B")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/2026-11-30", coord, `{"absences": [{"student": "2001", "kind": "late", "minutes": 25}]}`, nil)
	eventually(t, "the woonbegeleider's message", func() bool { return len(h.to("+31612345001")) > 0 })

	type view struct {
		Contact  string   `json:"contact"`
		Students []string `json:"students"`
		Late     []string `json:"late"`
	}
	unitMessages := func(token string) []view {
		var msgs []view
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", token, nil, &msgs)
		return slices.DeleteFunc(msgs, func(m view) bool { return m.Contact != "kwe-oost-dienst" })
	}
	got := unitMessages(coord)
	if len(got) != 1 || !slices.Equal(got[0].Students, []string{"1001", "2001"}) || !slices.Equal(got[0].Late, []string{"2001"}) {
		t.Fatalf("the woonbegeleider's messages as the coordinator sees them: %+v, want one for 1001 and 2001, 2001 late", got)
	}
	got = unitMessages(mentor1B)
	if len(got) != 1 || !slices.Equal(got[0].Students, []string{"2001"}) || !slices.Equal(got[0].Late, []string{"2001"}) {
		t.Errorf("as the mentor of 1B sees it: %+v, want only 2001, late", got)
	}
	if n := len(h.to("+31612345001")); n != 1 {
		t.Errorf("the woonbegeleider got %d messages, want 1", n)
	}
}
