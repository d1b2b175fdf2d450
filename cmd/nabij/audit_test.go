package main

import (
	"testing"
)

func TestEveryReadAndChangeIsAudited(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-27", mentor, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	h.mustCall(200, "GET", "/api/v1/messages?student=1001", coord, nil, nil)
	s := newStaff(h)
	if code := s.signIn(h.signInLink(h.userID("C. Jansen"))); code != 303 {
		t.Fatal("sign in", code)
	}
	if code, _ := s.get("/pupils/1001"); code != 200 {
		t.Fatalf("pupil page: %d", code)
	}
	h.mustCall(403, "GET", "/api/v1/admin/audit", coord, nil, nil)

	var log []struct {
		User, Role, Action string
		Target             map[string]string
		Status             int
	}
	h.mustCall(200, "GET", "/api/v1/admin/audit", adminToken, nil, &log)
	want := map[string]bool{
		"PUT /api/v1/roster":                             false,
		"PUT /api/v1/classes/:class/absences/:date 1001": false,
		"GET /api/v1/messages 1001":                      false,
		"GET /pupils/:id 1001":                           false,
		"GET /api/v1/admin/audit 403":                    false,
	}
	for _, e := range log {
		keys := []string{e.Action}
		if s := e.Target["student"] + e.Target["id"]; s != "" {
			keys = append(keys, e.Action+" "+s)
		}
		if e.Action == "PUT /api/v1/classes/:class/absences/:date" && e.Target["class"] == "1A" && e.Target["date"] == "2026-11-27" && e.User != "" {
			keys = append(keys, e.Action+" 1001")
		}
		if e.Status == 403 {
			keys = append(keys, e.Action+" 403")
		}
		for _, k := range keys {
			if _, ok := want[k]; ok {
				want[k] = true
			}
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("the audit log lacks %q: %+v", k, log)
		}
	}
}
