package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// TestADayClosedAfterTheFact follows a storm day: the cases standing on it
// say their facts changed, a list can no longer be posted for it, it
// survives a restart, and reopening it puts the facts back. Every bad
// request is refused and changes nothing.
func TestADayClosedAfterTheFact(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	env := map[string]string{"NABIJ_DATA": data}
	h := startHarness(t, env)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	// Monday 23 to Wednesday 25 November, absent: 18 lesuren by the 25th.
	for _, d := range []string{"2026-11-23", "2026-11-24", "2026-11-25"} {
		h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/"+d, mentor, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	}
	leerplicht := func() escalationJSON {
		var cases []escalationJSON
		h.mustCall(200, "GET", "/api/v1/escalations?student=1001&level=leerplicht", coord, nil, &cases)
		if len(cases) != 1 {
			t.Fatalf("leerplicht cases: %+v, want one", cases)
		}
		return cases[0]
	}
	if c := leerplicht(); c.Facts.Value != 18 || c.Facts.ThresholdDay != "2026-11-25" || c.FactsChanged {
		t.Fatalf("before the closure: %+v", c)
	}

	for name, tc := range map[string]struct {
		method, day, token string
		body               any
		want               int
		says               string
	}{
		"a mentor":          {"PUT", "2026-11-24", mentor, map[string]string{"reason": "storm"}, 403, "forbidden"},
		"no reason":         {"PUT", "2026-11-24", coord, map[string]string{"reason": "  "}, 422, "reason"},
		"a Saturday":        {"PUT", "2026-11-28", coord, map[string]string{"reason": "storm"}, 422, "no school day already (weekend)"},
		"a holiday":         {"PUT", "2026-12-23", coord, map[string]string{"reason": "storm"}, 422, "kerstvakantie"},
		"not a date":        {"PUT", "2026-02-30", coord, map[string]string{"reason": "storm"}, 422, "date"},
		"reopen, not shut":  {"DELETE", "2026-11-24", coord, nil, 404, "not closed"},
		"a reason too long": {"PUT", "2026-11-24", coord, map[string]string{"reason": strings.Repeat("x", 201)}, 422, "200"},
	} {
		t.Run(name, func(t *testing.T) {
			var out map[string]any
			code := h.call(tc.method, "/api/v1/calendar/closed/"+tc.day, tc.token, tc.body, &out)
			raw, _ := json.Marshal(out)
			if code != tc.want || !strings.Contains(string(raw), tc.says) {
				t.Errorf("%s %s: HTTP %d %s, want %d saying %q", tc.method, tc.day, code, raw, tc.want, tc.says)
			}
		})
	}
	var cal struct {
		Closed []struct{ Date, Reason, By string }
	}
	h.mustCall(200, "GET", "/api/v1/calendar", coord, nil, &cal)
	if len(cal.Closed) != 0 {
		t.Fatalf("refused requests closed %+v", cal.Closed)
	}

	h.mustCall(200, "PUT", "/api/v1/calendar/closed/2026-11-24", coord, map[string]string{"reason": "stormdag"}, nil)
	c := leerplicht()
	if !c.FactsChanged || !strings.Contains(c.Correction, "2026-11-24 telt niet meer; nu 12 lesuren in plaats van 18 (drempel 16)") {
		t.Errorf("after closing the 24th: facts_changed %v, %q", c.FactsChanged, c.Correction)
	}
	if code := h.call("PUT", "/api/v1/classes/1A/absences/2026-11-24", mentor, `{"absences": []}`, nil); code != 422 {
		t.Errorf("a list for the closed day: HTTP %d, want 422", code)
	}

	// The closure is kept: a restarted nabij still does not count the day.
	if err := h.srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	h = startHarness(t, env)
	h.mustCall(200, "GET", "/api/v1/calendar", coord, nil, &cal)
	if len(cal.Closed) != 1 || cal.Closed[0].Date != "2026-11-24" || cal.Closed[0].Reason != "stormdag" || cal.Closed[0].By == "" {
		t.Fatalf("after a restart the closed days are %+v", cal.Closed)
	}
	if code := h.call("PUT", "/api/v1/classes/1A/absences/2026-11-24", mentor, `{"absences": []}`, nil); code != 422 {
		t.Errorf("after a restart, a list for the closed day: HTTP %d, want 422", code)
	}
	h.mustCall(200, "DELETE", "/api/v1/calendar/closed/2026-11-24", coord, nil, nil)
	if c := leerplicht(); c.FactsChanged || c.Correction != "" {
		t.Errorf("after reopening the 24th: facts_changed %v, %q", c.FactsChanged, c.Correction)
	}
}

// TestPastTheCalendarsEnd runs nabij on a morning after its holiday data
// ends: the same-morning alerts still go out, no case opens from days the
// calendar does not cover, and the digest, the board and /healthz say why.
// 90 days before the end they warn.
func TestPastTheCalendarsEnd(t *testing.T) {
	t.Parallel()
	tuesday := time.Date(2028, 9, 12, 8, 40, 0, 0, mustLoc("Europe/Amsterdam")) // midden's data ends with its summer of 2028
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": tuesday.Format(time.RFC3339)})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	for _, d := range []string{"2028-09-04", "2028-09-05", "2028-09-06", "2028-09-07", "2028-09-08", "2028-09-11"} {
		h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/"+d, mentor, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	}
	var res struct {
		Alerts []struct{ Message string }
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2028-09-12", mentor, `{"absences": [{"student": "1001", "kind": "absent"}]}`, &res)
	if len(res.Alerts) == 0 {
		t.Error("past the calendar's end, today's list alerted no one")
	}
	if _, _, err := h.srv.svc.Sweep(context.Background(), school.Date{Year: 2028, Month: time.September, Day: 12}); err != nil {
		t.Fatal(err)
	}
	var cases []escalationJSON
	h.mustCall(200, "GET", "/api/v1/escalations", coord, nil, &cases)
	if len(cases) != 0 {
		t.Errorf("42 lesuren on days the calendar does not cover opened %+v", cases)
	}
	var digest struct {
		CalendarWarnings []string `json:"calendar_warnings"`
	}
	h.mustCall(200, "GET", "/api/v1/digest?date=2028-09-12", coord, nil, &digest)
	if len(digest.CalendarWarnings) != 1 || !strings.Contains(digest.CalendarWarnings[0], "no rule counts a day after it") {
		t.Errorf("digest calendar_warnings = %q", digest.CalendarWarnings)
	}
	health := getHealth(t, h)
	if health.Status != "ok" || len(health.Warnings) != 1 || !strings.Contains(health.Warnings[0], "ended on 2028-08-20") {
		t.Errorf("/healthz past the end = %+v", health)
	}

	june := time.Date(2028, 6, 12, 8, 40, 0, 0, mustLoc("Europe/Amsterdam"))
	h = startHarness(t, map[string]string{"NABIJ_CLOCK": june.Format(time.RFC3339)})
	if health := getHealth(t, h); len(health.Warnings) != 1 || !strings.Contains(health.Warnings[0], "ends on 2028-08-20, in 69 days") {
		t.Errorf("/healthz 69 days before the end = %+v", health)
	}
	h = startHarness(t, nil) // 30 November 2026: nothing to say
	if health := getHealth(t, h); len(health.Warnings) != 0 {
		t.Errorf("/healthz in 2026 = %+v", health)
	}
}

type healthJSON struct {
	Status   string   `json:"status"`
	Warnings []string `json:"warnings"`
}

func getHealth(t *testing.T, h *harness) healthJSON {
	t.Helper()
	resp, err := http.Get(h.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out healthJSON
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: HTTP %d, %v", resp.StatusCode, err)
	}
	return out
}
