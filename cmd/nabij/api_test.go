package main

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

func TestAuthAndErrorShape(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	mentor := h.createUser("A. de Vries", "mentor", "1A")

	for name, tc := range map[string]struct {
		method, path, token, body string
		status                    int
		code                      string
	}{
		"no token":            {"GET", "/api/v1/roster", "", "", 401, "unauthorized"},
		"wrong token":         {"GET", "/api/v1/roster", "nope", "", 401, "unauthorized"},
		"mentor makes users":  {"POST", "/api/v1/users", mentor, `{"name":"x","role":"admin"}`, 403, "forbidden"},
		"mentor puts roster":  {"PUT", "/api/v1/roster", mentor, e2eRoster, 403, "forbidden"},
		"malformed JSON":      {"PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, `{"absences": [`, 400, "bad_request"},
		"wrong type":          {"PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, `{"absences": [{"student": "1001", "kind": "late", "minutes": "ten"}]}`, 400, "bad_request"},
		"bad inbox date":      {"GET", "/api/v1/inbox?date=monday", mentor, "", 422, "invalid"},
		"no absences key":     {"PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, `{}`, 400, "bad_request"},
		"weekend":             {"PUT", "/api/v1/classes/1A/absences/2026-11-29", mentor, `{"absences": []}`, 422, "invalid"},
		"future":              {"PUT", "/api/v1/classes/1A/absences/2026-12-01", mentor, `{"absences": []}`, 422, "invalid"},
		"not a date":          {"PUT", "/api/v1/classes/1A/absences/30-11-2026", mentor, `{"absences": []}`, 422, "invalid"},
		"unknown class coord": {"GET", "/api/v1/classes/9Z/absences/2026-11-30", adminToken, "", 404, "not_found"},
		"no route":            {"GET", "/api/v1/nothing", mentor, "", 404, "not_found"},
		"escalations mentor":  {"GET", "/api/v1/escalations", mentor, "", 403, "forbidden"},
	} {
		t.Run(name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			var e apiErr
			status := h.call(tc.method, tc.path, tc.token, body, &e)
			if status != tc.status || e.Error.Code != tc.code || e.Error.Message == "" {
				t.Errorf("%s %s = %d %+v, want %d with code %q and a message", tc.method, tc.path, status, e, tc.status, tc.code)
			}
		})
	}
}

// Fields nabij does not know are ignored: a school's system may send more.
func TestUnknownFieldsAreIgnored(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	var res struct{ Recorded int }
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-27", "bearer "+mentor,
		`{"absences": [{"student": "1001", "kind": "absent", "name": "Amanuel", "note": "x"}], "source": "Magister"}`, &res)
	if res.Recorded != 1 {
		t.Errorf("recorded %d", res.Recorded)
	}
}

// A pupil listed absent by mistake who has left the roster since: a list
// that leaves them out keeps their entry, one that says "present" takes it
// off (an extension of the contract's kinds, never stored or answered).
func TestPresentTakesADepartedPupilOffAList(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := "bearer " + h.createUser("C. Jansen", "coordinator")
	list := "/api/v1/classes/1A/absences/2026-11-27"
	h.mustCall(200, "PUT", list, coord, `{"absences": [{"student": "1004", "kind": "absent"}, {"student": "1002", "kind": "sick"}]}`, nil)
	without := strings.Replace(e2eRoster, `{"id": "1004"`, `{"id": "1005"`, 1)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, without, nil)
	students := func() []string {
		var l struct {
			Absences []struct{ Student, Kind string } `json:"absences"`
		}
		h.mustCall(200, "GET", list, coord, nil, &l)
		var ids []string
		for _, a := range l.Absences {
			ids = append(ids, a.Student+":"+a.Kind)
		}
		slices.Sort(ids)
		return ids
	}
	h.mustCall(200, "PUT", list, coord, `{"absences": [{"student": "1002", "kind": "sick"}]}`, nil)
	if got := students(); !slices.Equal(got, []string{"1002:sick", "1004:absent"}) {
		t.Errorf("left out, the departed pupil's entry: %v", got)
	}
	var e apiErr
	h.mustCall(422, "PUT", list, coord, `{"absences": [{"student": "1004", "kind": "present", "hours": 3}]}`, &e)
	if len(e.Error.Details) != 1 || e.Error.Details[0].Field != "absences[0].kind" {
		t.Errorf("present with hours: %+v", e.Error)
	}
	var res struct{ Recorded int }
	h.mustCall(200, "PUT", list, coord, `{"absences": [{"student": "1004", "kind": "present"}, {"student": "1002", "kind": "sick"}]}`, &res)
	if got := students(); res.Recorded != 1 || !slices.Equal(got, []string{"1002:sick"}) {
		t.Errorf("after present: recorded %d, the list %v", res.Recorded, got)
	}
}

func TestBadRosterNamesEveryFieldAndChangesNothing(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	bad := `{"classes": [{"id": "1A", "name": "ISK 1A"}],
	  "students": [
	    {"id": "1", "name": "A", "class": "1A", "birth_date": "2010-13-01", "contacts": []},
	    {"id": "2", "name": "B", "class": "7C", "birth_date": "2010-01-01",
	     "contacts": [{"id": "c", "role": "parent", "name": "M", "phone": "12345", "language": "ti", "channel": "fax"}]}]}`
	var e apiErr
	h.mustCall(422, "PUT", "/api/v1/roster", adminToken, bad, &e)
	fields := map[string]bool{}
	for _, d := range e.Error.Details {
		fields[d.Field] = true
	}
	for _, f := range []string{"students[0].birth_date", "students[1].class", "students[1].contacts[0].phone", "students[1].contacts[0].channel"} {
		if !fields[f] {
			t.Errorf("no detail for %s in %+v", f, e.Error.Details)
		}
	}
	var r struct {
		Students []struct{ ID string } `json:"students"`
	}
	h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &r)
	if len(r.Students) != 5 {
		t.Errorf("after a refused roster there are %d students, want the 5 of before", len(r.Students))
	}
}

func TestRosterNormalisesAndMentorSeesOwnClass(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	mentor := h.createUser("B. Bakker", "mentor", "1B")
	var r struct {
		Classes  []struct{ ID string } `json:"classes"`
		Students []struct {
			ID       string `json:"id"`
			Contacts []struct{ Phone, Language string }
		} `json:"students"`
	}
	h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &r)
	for _, s := range r.Students {
		if s.ID == "1001" && (s.Contacts[1].Phone != "+31612345003") {
			t.Errorf("06 number stored as %q, want E.164", s.Contacts[1].Phone)
		}
		if s.ID == "1004" && s.Contacts[0].Language != "fa-AF" {
			t.Errorf("prs stored as %q, want fa-AF", s.Contacts[0].Language)
		}
	}
	var withPGN struct {
		Students []struct{ ID, PGN string } `json:"students"`
	}
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &withPGN)
	if withPGN.Students[0].PGN != "123456782" {
		t.Errorf("the admin does not see the PGN: %+v", withPGN.Students[0])
	}
	mentorA := h.createUser("A. de Vries", "mentor", "1A")
	var asMentor struct {
		Students []struct{ ID, PGN string } `json:"students"`
	}
	h.mustCall(200, "GET", "/api/v1/roster", mentorA, nil, &asMentor)
	for _, s := range asMentor.Students {
		if s.PGN != "" {
			t.Errorf("a mentor sees the PGN of %s", s.ID)
		}
	}
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	h.mustCall(200, "GET", "/api/v1/roster", mentor, nil, &r)
	if len(r.Classes) != 1 || r.Classes[0].ID != "1B" || len(r.Students) != 1 || r.Students[0].ID != "2001" {
		t.Errorf("mentor of 1B sees %+v, want only 1B and its one pupil", r)
	}
}

func TestPastListAlertsNoOne(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	var res struct {
		Recorded int   `json:"recorded"`
		Alerts   []any `json:"alerts"`
	}
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-27", coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, &res)
	if res.Recorded != 1 || len(res.Alerts) != 0 {
		t.Errorf("past list: recorded %d, %d alerts; want 1 and none", res.Recorded, len(res.Alerts))
	}
	var list struct {
		Absences []struct{ Student, Kind string } `json:"absences"`
	}
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-27", coord, nil, &list)
	if len(list.Absences) != 1 || list.Absences[0].Student != "1001" {
		t.Errorf("the past list was not recorded: %+v", list)
	}
	h.settled(coord)
	if n := h.twilio.Requests(); n != 0 {
		t.Errorf("a list for a past date led to %d sends", n)
	}
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-26", coord, nil, &list)
	if len(list.Absences) != 0 {
		t.Errorf("a day with no list shows %d absences", len(list.Absences))
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	resp, err := http.Get(h.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz = %d", resp.StatusCode)
	}
	// /metrics is on its own address (NABIJ_METRICS_ADDR), not the staff's.
	resp, err = http.Get(h.srv.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics = %d, without the Go collector", resp.StatusCode)
	}
	if code := h.call("GET", "/metrics", "", nil, nil); code/100 != 4 {
		t.Errorf("/metrics on the main address = %d, want a 4xx", code)
	}
}

// With NABIJ_METRICS_ADDR=main, /metrics is on the main address behind
// the admin role: not for anyone, not for a mentor.
func TestMetricsOnMainAddressNeedsAdmin(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_METRICS_ADDR": "main"})
	if code := h.call("GET", "/metrics", "", nil, nil); code != 401 {
		t.Errorf("/metrics without a token = %d, want 401", code)
	}
	coordinator := h.createUser("C", "coordinator")
	if code := h.call("GET", "/metrics", coordinator, nil, nil); code != 403 {
		t.Errorf("/metrics as a coordinator = %d, want 403", code)
	}
	req, _ := http.NewRequest("GET", h.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics as admin = %d", resp.StatusCode)
	}
}
