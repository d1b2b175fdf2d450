package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

type escalationJSON struct {
	ID      string `json:"id"`
	Student string `json:"student"`
	Level   string `json:"level"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
	Status  string `json:"status"`
	Due     string `json:"due"`
	Facts   struct {
		Value        float64  `json:"value"`
		ThresholdDay string   `json:"threshold_day"`
		WindowStart  string   `json:"window_start"`
		Dates        []string `json:"dates"`
	} `json:"facts"`
	Actions []struct {
		Action, By, Note string
	} `json:"actions"`
	FactsChanged bool   `json:"facts_changed"`
	Correction   string `json:"correction"`
}

const escRoster = `{
  "classes": [{"id": "1A", "name": "ISK 1A"}],
  "housing_units": [{"id": "kwe-oost", "name": "KWE Oost", "address": "Oosterstraat 1, Groningen",
    "contacts": [{"id": "kwe", "role": "woonbegeleider", "name": "Dienst", "phone": "+31612345001"}]}],
  "students": [
    {"id": "1001", "name": "Amanuel T.", "class": "1A", "birth_date": "2011-03-04", "housing_unit": "kwe-oost", "pgn": "123456782",
     "contacts": [{"id": "voogd", "role": "guardian", "name": "Voogd", "phone": "+31612345002"}]},
    {"id": "1002", "name": "Layla H.", "class": "1A", "birth_date": "2011-05-06",
     "contacts": [{"id": "vader", "role": "parent", "name": "Vader", "phone": "+31612345004", "language": "ar"}]},
    {"id": "1003", "name": "Olena K.", "class": "1A", "birth_date": "2011-01-02", "contacts": []}
  ]
}`

// TestListsLeadToExplainedEscalations posts lists for past school days
// through the API and follows the cases they open to the DUO melding.
func TestListsLeadToExplainedEscalations(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_SCHOOL_ADDRESS": "Schoolstraat 5, Groningen", "NABIJ_CONTACT_PHONE": "+31501234567"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, escRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	lists := [][2]string{
		{"2026-11-16", `{"absences": [{"student": "1003", "kind": "late", "minutes": 5}]}`},
		{"2026-11-17", `{"absences": [{"student": "1003", "kind": "late", "minutes": 5}]}`},
		{"2026-11-18", `{"absences": [{"student": "1003", "kind": "late", "minutes": 5}]}`},
		{"2026-11-23", `{"absences": [{"student": "1001", "kind": "absent", "hours": 5}]}`},
		{"2026-11-24", `{"absences": [{"student": "1001", "kind": "absent", "hours": 5}]}`},
		{"2026-11-26", `{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "sick"}]}`},
	}
	for round := range 2 { // the second round posts the same lists again: no case twice
		for _, l := range lists { // in date order, as a mentor catching up would
			h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/"+l[0], mentor, l[1], nil)
		}
		var open []escalationJSON
		h.mustCall(200, "GET", "/api/v1/escalations?status=open", coord, nil, &open)
		got := map[string]escalationJSON{}
		for _, e := range open {
			got[e.Student+" "+e.Rule+" "+e.Facts.ThresholdDay] = e
		}
		if len(open) != 3 {
			t.Fatalf("round %d: %d open cases %+v, want 3", round, len(open), got)
		}
		lp, ok := got["1001 leerplicht-16u-4w 2026-11-26"]
		if !ok || lp.Level != "leerplicht" || lp.Due != "2026-12-03" || lp.Facts.Value != 16 || len(lp.Facts.Dates) != 3 ||
			!strings.Contains(lp.Reason, "16 lesuren") || !strings.Contains(lp.Reason, "uiterlijk 3 december 2026") {
			t.Fatalf("round %d: leerplicht case %+v", round, lp)
		}
		if e, ok := got["1001 ongeoorloofd-6u 2026-11-24"]; !ok || e.Level != "verzuimcoordinator" || e.Due != "" {
			t.Errorf("round %d: no 6-hour case for 1001 on 24 Nov: %+v", round, got)
		}
		if e, ok := got["1003 te-laat-3 2026-11-18"]; !ok || e.Level != "mentor" {
			t.Errorf("round %d: no lateness case for 1003: %+v", round, got)
		}
	}

	var open []escalationJSON
	h.mustCall(200, "GET", "/api/v1/escalations?status=open&level=leerplicht", coord, nil, &open)
	lp := open[0]

	// The DUO melding draft, as JSON and as a printable page.
	var draft struct {
		PGN                string                          `json:"pgn"`
		Kind               string                          `json:"kind"`
		FirstDay           string                          `json:"first_day_of_absence"`
		Threshold          string                          `json:"threshold_reached_on"`
		AllLessons         bool                            `json:"all_lessons_missed"`
		LessonLocation     string                          `json:"lesson_location"`
		ParentPhone        string                          `json:"parent_phone"`
		TotalHours         float64                         `json:"total_hours"`
		DifferentResidence *struct{ Name, Address string } `json:"different_residence"`
		Reporter           struct{ Name, Phone string }    `json:"reporter"`
		Days               []struct{ Date string }         `json:"absent_days"`
		ToFill             []string                        `json:"to_fill"`
	}
	h.mustCall(200, "GET", "/api/v1/escalations/"+lp.ID+"/melding", coord, nil, &draft)
	if draft.PGN != "123456782" || draft.Kind != "16u/4w" || draft.FirstDay != "2026-11-23" || draft.Threshold != "2026-11-26" ||
		draft.AllLessons || draft.TotalHours != 16 || len(draft.Days) != 3 || draft.ParentPhone != "+31612345002" ||
		draft.DifferentResidence == nil || draft.DifferentResidence.Address != "Oosterstraat 1, Groningen" ||
		draft.LessonLocation != "ISK Test, Schoolstraat 5, Groningen" || draft.Reporter.Name != "C. Jansen" || len(draft.ToFill) != 2 {
		t.Errorf("melding draft = %+v", draft)
	}
	req, _ := http.NewRequest("GET", h.url+"/api/v1/escalations/"+lp.ID+"/melding", nil)
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Concept verzuimmelding DUO") || !strings.Contains(string(page), "123456782") {
		t.Errorf("printable melding: %d %.200s", resp.StatusCode, page)
	}
	// The melding carries the BSN: never cached, never framed.
	checkSecurityHeaders(t, "the melding page", resp.Header, false)
	var mentorCase []escalationJSON
	h.mustCall(200, "GET", "/api/v1/escalations?level=mentor", coord, nil, &mentorCase)
	h.mustCall(409, "GET", "/api/v1/escalations/"+mentorCase[0].ID+"/melding", coord, nil, nil)

	// Coordinator actions are recorded with who, when and the note.
	var acted escalationJSON
	h.mustCall(200, "POST", "/api/v1/escalations/"+lp.ID, coord, `{"action": "acknowledge", "note": "voogd gebeld"}`, &acted)
	if acted.Status != "acknowledged" || len(acted.Actions) != 1 || acted.Actions[0].Note != "voogd gebeld" || acted.Actions[0].By == "" {
		t.Errorf("after acknowledge: %+v", acted)
	}
	h.mustCall(409, "POST", "/api/v1/escalations/"+lp.ID, coord, `{"action": "acknowledge"}`, nil)
	h.mustCall(422, "POST", "/api/v1/escalations/"+lp.ID, coord, `{"action": "dismiss"}`, nil)
	h.mustCall(422, "POST", "/api/v1/escalations/"+lp.ID, coord, `{"action": "forget"}`, nil)
	h.mustCall(403, "GET", "/api/v1/escalations", mentor, nil, nil)
	h.mustCall(403, "POST", "/api/v1/escalations/"+lp.ID, mentor, `{"action": "reported"}`, nil)
	h.mustCall(200, "GET", "/api/v1/escalations?status=open&level=leerplicht", coord, nil, &open)
	if len(open) != 0 {
		t.Errorf("an acknowledged case is still listed as open")
	}

	// A correction takes away a day behind the case: the case says so.
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-26", mentor, `{"absences": [{"student": "1002", "kind": "sick"}]}`, nil)
	var after escalationJSON
	var all []escalationJSON
	h.mustCall(200, "GET", "/api/v1/escalations?student=1001", coord, nil, &all)
	for _, e := range all {
		if e.ID == lp.ID {
			after = e
		}
	}
	if !after.FactsChanged || !strings.Contains(after.Correction, "2026-11-26") || after.Status != "acknowledged" {
		t.Errorf("after the correction: %+v", after)
	}
	// Today's absences are counted by the end-of-day sweep.
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, `{"absences": [{"student": "1002", "kind": "absent"}]}`, nil)
	h.mustCall(200, "GET", "/api/v1/escalations?student=1002", coord, nil, &all)
	if len(all) != 0 {
		t.Fatalf("today's list opened a case before the day was over: %+v", all)
	}
	pupils, opened, err := h.srv.svc.Sweep(context.Background(), school.Date{Year: 2026, Month: 11, Day: 30})
	if err != nil || pupils != 3 || opened != 1 {
		t.Fatalf("sweep: %d pupils, %d opened, %v; want 3 and 1", pupils, opened, err)
	}
	h.mustCall(200, "GET", "/api/v1/escalations?student=1002", coord, nil, &all)
	if len(all) != 1 || all[0].Rule != "ongeoorloofd-6u" {
		t.Errorf("after the sweep: %+v", all)
	}
	if _, opened, _ := h.srv.svc.Sweep(context.Background(), school.Date{Year: 2026, Month: 11, Day: 30}); opened != 0 {
		t.Errorf("a second sweep opened %d cases again", opened)
	}
}
