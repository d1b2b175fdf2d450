package main

// The coordinator's board and a pupil's page as a verzuimcoördinator uses
// them. (Found by a review of the staff pages; each test failed on the code
// before.)

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// "Niet gelezen? Bellen" beside the KWE's shared phone asks first: the
// page names the contact, the number and every pupil of the KWE whose
// alerts it changes, and says how to undo it. Confirmed, the board says
// who is called from now on; the pupil's page sets it back.
func TestCallingAContactFromNowOnAsksFirstAndCanBeUndone(t *testing.T) {
	t.Parallel()
	h, coord, _, board := rollCallHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:30:00+01:00"}, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1001", "kind": "absent"}]}`, nil)
	h.settled(coord)
	_, page := board.get("/board?lang=nl")
	if !strings.Contains(page, `href="/contacts/kwe-dienst/call"`) {
		t.Fatalf("no call-instead link for the KWE phone on the board")
	}
	code, ask := board.get("/contacts/kwe-dienst/call")
	if code != 200 {
		t.Fatalf("the question: %d", code)
	}
	for _, want := range []string{"Diensttelefoon KWE", "31612349001", "KWE Oost", "Amanuel T.", "Yonas G.", "al deze 2 leerlingen", "Terugzetten kan op de pagina van de leerling"} {
		if !strings.Contains(ask, want) {
			t.Errorf("the question before calling from now on does not say %q", want)
		}
	}
	channel := func() string {
		var r struct {
			HousingUnits []struct {
				Contacts []struct{ ID, Channel string }
			} `json:"housing_units"`
		}
		h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &r)
		return r.HousingUnits[0].Contacts[0].Channel
	}
	if ch := channel(); ch != "whatsapp" {
		t.Fatalf("asking changed the channel: %s", ch)
	}
	resp, err := board.client.PostForm(h.url+"/contacts/kwe-dienst/call", url.Values{"csrf": {csrfInput.FindStringSubmatch(ask)[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("confirmed: %d", resp.StatusCode)
	}
	_, after := board.get(resp.Header.Get("Location"))
	if m := flashText.FindStringSubmatch(after); m == nil || !strings.Contains(m[1], "Diensttelefoon KWE wordt voortaan gebeld") {
		t.Errorf("after confirming, the board says %q", m)
	}
	if ch := channel(); ch != "voice" {
		t.Errorf("confirmed, the channel is %s", ch)
	}
	_, pupil := board.get("/pupils/1005?lang=nl")
	row := between(pupil, `id="contact-kwe-dienst"`, "</tr>")
	if !strings.Contains(row, `name="channel" value="whatsapp"`) {
		t.Fatalf("the pupil's page offers no way back: %q", row)
	}
	resp, err = board.client.PostForm(h.url+"/contacts/kwe-dienst/channel", url.Values{"csrf": {csrfInput.FindStringSubmatch(pupil)[1]}, "pupil": {"1005"}, "channel": {"whatsapp"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ch := channel(); resp.StatusCode != 303 || ch != "whatsapp" {
		t.Errorf("set back from the pupil's page: %d, channel %s", resp.StatusCode, ch)
	}
}

// A woonbegeleider answers "2" (call me back): the "Nu bellen" card gives
// the housing unit's number to call; the card to call Layla's mother says
// her language; and a task left from Monday says its day on Tuesday.
func TestACallBackTaskHasTheNumberTheLanguageAndItsDay(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 11, 30, 8, 30, 0, 0, mustLoc("Europe/Amsterdam"))}
	h, coord, _, board := rollCallHarness(t, nil, func(c *config) { c.now = clock.Now })
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"}]}`, nil)
	h.settled(coord)
	h.reply("whatsapp:+31612349001", "2")
	h.reply("whatsapp:+31612345102", "2")
	var tasks []struct{ ID, Kind, Student string }
	eventually(t, "two call-back tasks", func() bool {
		h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
		return len(tasks) >= 2
	})
	_, page := board.get("/board?lang=nl")
	for _, task := range tasks {
		card := between(page, `id="task-`+task.ID+`"`, "</div>")
		switch task.Student {
		case "1001":
			if !strings.Contains(card, "31612349001") || !strings.Contains(card, "woonbegeleider") {
				t.Errorf("the woonbegeleider asked to be called back about Amanuel; the card has no number to call: %q", card)
			}
		case "1002":
			if !strings.Contains(card, "taal: ar") {
				t.Errorf("the card to call Layla's mother does not say her language: %q", card)
			}
		}
		if strings.Contains(card, "van 2026-11-30") {
			t.Errorf("today's task says its day as an earlier one: %q", card)
		}
	}
	clock.Set(time.Date(2026, 12, 1, 8, 20, 0, 0, mustLoc("Europe/Amsterdam")))
	tuesday := newStaff(h)
	if code := tuesday.signIn(h.signInLink(h.userID("C. Jansen"))); code != 303 {
		t.Fatalf("coordinator sign-in: %d", code)
	}
	_, page = tuesday.get("/board?lang=nl")
	for _, task := range tasks {
		if card := between(page, `id="task-`+task.ID+`"`, "</div>"); !strings.Contains(card, "van 2026-11-30") {
			t.Errorf("on Tuesday the board shows Monday's task without its day: %q", card)
		}
	}
}

// Olena's mother answers "1" (sick): Olena's page says her mother reported
// it, by name, not by the roster's contact id.
func TestThePupilPageNamesWhoReportedSick(t *testing.T) {
	t.Parallel()
	h, coord, _, board := rollCallHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:30:00+01:00"}, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1003", "kind": "absent"}]}`, nil)
	h.settled(coord)
	h.reply("+31612345103", "1")
	eventually(t, "the sick report", func() bool { k, _ := h.entry(coord, "1A", "1003"); return k == "sick" })
	_, page := board.get("/pupils/1003?lang=nl")
	if strings.Contains(page, "gemeld door c-1003") || !strings.Contains(page, "gemeld door Moeder") {
		t.Errorf("the pupil's page does not name who reported the sick day: %q", between(page, "<table>", "</table>"))
	}
}

// A case's actions say what happened: after dismissing, the board names the
// pupil and the case's new status (not its id); a second tap on the same
// button (a slow phone) ends on the board, not on an error; "Gemeld bij
// DUO" is offered only for cases a melding goes to DUO for.
func TestACasesActionsSayWhatHappened(t *testing.T) {
	t.Parallel()
	h, coord, _, board := rollCallHarness(t, map[string]string{"NABIJ_CLOCK": "2026-12-07T08:30:00+01:00"}, nil)
	for _, d := range []string{"2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"} {
		h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/"+d, coord, `{"absences": [{"student": "1003", "kind": "absent"}, {"student": "1002", "kind": "late", "minutes": 25}]}`, nil)
	}
	var cases []escalationJSON
	h.mustCall(200, "GET", "/api/v1/escalations?status=open", coord, nil, &cases)
	var six, late string
	for _, e := range cases {
		switch e.Rule {
		case "ongeoorloofd-6u":
			six = e.ID
		case "te-laat-3":
			late = e.ID
		}
	}
	if six == "" || late == "" {
		t.Fatalf("the cases to act on did not open: %+v", cases)
	}
	_, page := board.get("/board?lang=nl")
	if strings.Contains(between(page, `id="escalation-`+late+`"`, "</div>\n</div>"), `value="reported"`) {
		t.Errorf("the board offers \"Gemeld bij DUO\" for a mentor's case (te-laat-3)")
	}
	form := url.Values{"csrf": {csrfInput.FindStringSubmatch(page)[1]}, "action": {"dismiss"}, "note": {"Ouders gesproken"}}
	for tap := 1; tap <= 2; tap++ {
		resp, err := board.client.PostForm(h.url+"/escalations/"+six+"/action", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 {
			t.Fatalf("dismiss, tap %d: %d", tap, resp.StatusCode)
		}
		_, after := board.get(resp.Header.Get("Location"))
		if m := flashText.FindStringSubmatch(after); m == nil || m[1] != "Signaal van Olena K.: afgesloten." {
			t.Errorf("after dismissing (tap %d), the board says %q", tap, m)
		}
	}
}
