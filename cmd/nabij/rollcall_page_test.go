package main

// The roll call page as mentors use it: on a phone, often without
// JavaScript, with a page that may have been open a while. (Found by a
// review of the staff pages; each test failed on the code before.)

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rollCallRoster: a KWE pupil whose only contact is the housing unit's shared
// phone, a second KWE pupil, an Arabic-speaking mother, a pupil without any
// contact, and a pupil whose name is written in Arabic script.
const rollCallRoster = `{
  "classes": [{"id": "1A", "name": "ISK 1A"}],
  "housing_units": [{"id": "kwe", "name": "KWE Oost",
    "contacts": [{"id": "kwe-dienst", "role": "woonbegeleider", "name": "Diensttelefoon KWE", "phone": "+31612349001", "language": "nl", "channel": "whatsapp"}]}],
  "students": [
    {"id": "1001", "name": "Amanuel T.", "class": "1A", "birth_date": "2010-03-04", "housing_unit": "kwe", "contacts": []},
    {"id": "1002", "name": "Layla H.", "class": "1A", "birth_date": "2011-05-06",
     "contacts": [{"id": "c-hassan", "role": "parent", "name": "Moeder Hassan", "phone": "+31612345102", "language": "ar", "channel": "whatsapp"}]},
    {"id": "1003", "name": "Olena K.", "class": "1A", "birth_date": "2011-01-02",
     "contacts": [{"id": "c-1003", "role": "parent", "name": "Moeder", "phone": "+31612345103", "language": "uk", "channel": "sms"}]},
    {"id": "1004", "name": "Ahmad R.", "class": "1A", "birth_date": "2010-09-09", "contacts": []},
    {"id": "1005", "name": "Yonas G.", "class": "1A", "birth_date": "2011-07-19", "housing_unit": "kwe", "contacts": []},
    {"id": "1006", "name": "أحمد ر.", "class": "1A", "birth_date": "2011-02-02",
     "contacts": [{"id": "c-1006", "role": "parent", "name": "والد أحمد", "phone": "+31612345106", "language": "ar", "channel": "sms"}]}
  ]
}`

var (
	hiddenInput  = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	checkedRadio = regexp.MustCompile(`<input type="radio" name="([^"]+)" value="([^"]+)" checked>`)
	minutesInput = regexp.MustCompile(`name="(minutes-[^"]+)"[^>]*value="([^"]*)"`)
	flashText    = regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`)
)

// rollCallForm is what a browser without JavaScript sends for the roll
// call page body as it was loaded: the hidden fields, the checked radio of
// each pupil and every minutes field (empty ones too), with changes.
func rollCallForm(t *testing.T, body string, change map[string]string) url.Values {
	t.Helper()
	start := strings.Index(body, `<form method="post" action="/rollcall/`)
	if start < 0 {
		t.Fatalf("no roll call form on the page")
	}
	body = body[start:]
	body = body[:strings.Index(body, "</form>")]
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		form.Add(m[1], m[2])
	}
	for _, m := range checkedRadio.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], m[2])
	}
	for _, m := range minutesInput.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], m[2])
	}
	for k, v := range change {
		form.Set(k, v)
	}
	return form
}

func rollCallHarness(t *testing.T, env map[string]string, change func(*config)) (*harness, string, *staff, *staff) {
	t.Helper()
	base := map[string]string{"NABIJ_TWILIO_VOICE_FROM": "+3197010000009"}
	for k, v := range env {
		base[k] = v
	}
	h := startHarnessWith(t, base, change)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, rollCallRoster, nil)
	h.createUser("A. de Vries", "mentor", "1A")
	coord := h.createUser("C. Jansen", "coordinator")
	mentor, board := newStaff(h), newStaff(h)
	if code := mentor.signIn(h.signInLink(h.userID("A. de Vries"))); code != 303 {
		t.Fatalf("mentor sign-in: %d", code)
	}
	if code := board.signIn(h.signInLink(h.userID("C. Jansen"))); code != 303 {
		t.Fatalf("coordinator sign-in: %d", code)
	}
	return h, coord, mentor, board
}

// A mentor opens the roll call; meanwhile the coordinator marks Layla
// absent and her mother is told; the mentor then marks Olena on the page
// she loaded and sends. Only Olena's row changes: Layla stays absent, her
// mother gets no "our mistake, Layla is at school", and the page says a
// colleague's change was kept. (The page used to send its rows as the
// whole list.)
func TestAStaleRollCallKeepsAColleaguesAbsence(t *testing.T) {
	t.Parallel()
	h, coord, mentor, _ := rollCallHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:30:00+01:00"}, nil)

	_, page := mentor.get("/?lang=nl")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, `{"absences": [{"student": "1002", "kind": "absent"}]}`, nil)
	h.settled(coord)
	before := len(h.to("+31612345102"))
	if before == 0 {
		t.Fatalf("Layla's mother was not told of the absence")
	}

	resp, err := mentor.client.PostForm(h.url+"/rollcall/1A", rollCallForm(t, page, map[string]string{"kind-1003": "absent"}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("the roll call: %d", resp.StatusCode)
	}
	h.settled(coord)
	if kind, _ := h.entry(coord, "1A", "1002"); kind != "absent" {
		t.Errorf("a roll call page loaded before Layla was marked absent took her off the list (kind now %q): the mentor changed only Olena", kind)
	}
	if kind, _ := h.entry(coord, "1A", "1003"); kind != "absent" {
		t.Errorf("Olena, whom the mentor marked, is %q", kind)
	}
	if after := h.to("+31612345102"); len(after) != before {
		t.Errorf("Layla's mother got %d more message(s) after the stale page was sent: %q", len(after)-before, after[before:])
	}
	_, after := mentor.get(resp.Header.Get("Location"))
	if m := flashText.FindStringSubmatch(after); m == nil || !strings.Contains(m[1], "1 leerling was intussen door een collega bijgewerkt") {
		t.Errorf("the confirmation does not say a colleague's change was kept: %q", m)
	}
}

// With JavaScript off, nothing asks for a late arrival's minutes. A mentor
// who taps Te laat and sends gets the roll call back, in Dutch, her taps in
// place and the pupil's row saying what is missing; nothing is recorded.
func TestLateWithoutMinutesShowsTheRollCallAgain(t *testing.T) {
	t.Parallel()
	_, coord, mentor, _ := rollCallHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:30:00+01:00"}, nil)
	h := mentor.h
	_, page := mentor.get("/?lang=nl")
	code, body := mentor.post("/rollcall/1A", rollCallForm(t, page, map[string]string{"kind-1001": "absent", "kind-1003": "late", "kind-1004": "absent"}))
	if code != 422 {
		t.Fatalf("a late arrival without minutes: %d, want 422", code)
	}
	main := between(body, "<main>", "</main>")
	if strings.Contains(main, "the request has bad fields") || strings.Contains(main, "absences[") {
		t.Errorf("the answer is in English or names a list index, not the pupil: %q", main)
	}
	row := between(main, `id="pupil-1003"`, `</div>`)
	if !strings.Contains(row, `id="problem-1003" role="alert">Vul de minuten te laat in`) || !strings.Contains(row, `aria-describedby="problem-1003"`) {
		t.Errorf("Olena's row does not say her minutes are missing: %q", row)
	}
	for _, want := range []string{`action="/rollcall/1A"`, `name="kind-1001" value="absent" checked`, `name="kind-1003" value="late" checked`, `name="kind-1004" value="absent" checked`} {
		if !strings.Contains(main, want) {
			t.Errorf("the roll call shown again lacks the mentor's tap %s", want)
		}
	}
	var list struct{ Absences []any }
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", coord, nil, &list)
	if len(list.Absences) != 0 {
		t.Errorf("a refused roll call changed the list: %+v", list.Absences)
	}
}

// The page's answer counts its messages in good Dutch ("1 bericht"), and a
// list sent after NABIJ_ALERT_UNTIL (12:00), which sends families nothing,
// says so.
func TestTheRollCallSaysWhyNoMessageWent(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 11, 30, 8, 30, 0, 0, mustLoc("Europe/Amsterdam"))}
	h, _, mentor, _ := rollCallHarness(t, nil, func(c *config) { c.now = clock.Now })
	send := func(change map[string]string) string {
		t.Helper()
		_, page := mentor.get("/?lang=nl")
		resp, err := mentor.client.PostForm(h.url+"/rollcall/1A", rollCallForm(t, page, change))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 {
			t.Fatalf("the roll call: %d", resp.StatusCode)
		}
		_, after := mentor.get(resp.Header.Get("Location"))
		m := flashText.FindStringSubmatch(after)
		if m == nil {
			t.Fatalf("no confirmation")
		}
		return m[1]
	}
	if got := send(map[string]string{"kind-1003": "absent"}); !strings.Contains(got, "1 op de lijst, 1 bericht.") {
		t.Errorf("one absence, one message: %q", got)
	}
	clock.Set(time.Date(2026, 11, 30, 12, 30, 0, 0, mustLoc("Europe/Amsterdam")))
	if got := send(map[string]string{"kind-1002": "absent"}); !strings.Contains(got, "Na 12:00 gaan er geen berichten meer naar families") {
		t.Errorf("a list posted at 12:30 sent no message to Layla's family; the page says only %q", got)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// A mentor who stays signed in on her phone (30 days) opens the roll call
// on Monday and sends that tab on Tuesday morning: nothing is recorded for
// Tuesday from Monday's page, and Tuesday's roll call comes back with the
// row she changed, to check and send. Without staying signed in, the
// session of Monday is over on Tuesday. (Found by a review: the next
// morning a mentor was signed out with a spent link, and an old tab's
// list would have been taken as today's.)
func TestYesterdaysRollCallPageRecordsNothingToday(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 11, 30, 8, 25, 0, 0, mustLoc("Europe/Amsterdam"))}
	h, coord, daily, _ := rollCallHarness(t, nil, func(c *config) { c.now = clock.Now })
	mentor := newStaff(h)
	link := h.signInLink(h.userID("A. de Vries"))
	path := strings.TrimPrefix(link, h.url)
	if code, _ := mentor.post("/signin", url.Values{"csrf": {mentor.csrf(path)}, "token": {strings.TrimPrefix(path, "/signin/")}, "stay": {"on"}}); code != 303 {
		t.Fatalf("sign-in to stay: %d", code)
	}
	_, monday := mentor.get("/?lang=nl")
	clock.Set(time.Date(2026, 12, 1, 8, 35, 0, 0, mustLoc("Europe/Amsterdam")))
	if code, _ := daily.get("/?lang=nl"); code != 401 {
		t.Errorf("a session of a school day, the next morning: %d, want 401", code)
	}
	code, body := mentor.post("/rollcall/1A", rollCallForm(t, monday, map[string]string{"kind-1003": "absent"}))
	if code != 422 || !strings.Contains(body, "deze pagina was van een andere dag") || !strings.Contains(body, `name="date" value="2026-12-01"`) ||
		!strings.Contains(body, `name="kind-1003" value="absent" checked`) {
		t.Fatalf("Monday's page sent on Tuesday: %d %q", code, between(body, "<main>", "</main>"))
	}
	var list struct{ Absences []any }
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-12-01", coord, nil, &list)
	if len(list.Absences) != 0 {
		t.Fatalf("Monday's page recorded Tuesday's list: %+v", list.Absences)
	}
	if code, _ := mentor.post("/rollcall/1A", rollCallForm(t, body, nil)); code != 303 {
		t.Fatalf("Tuesday's roll call, checked and sent: %d", code)
	}
	if kind, _ := h.entryOn(coord, "1A", "2026-12-01", "1003"); kind != "absent" {
		t.Errorf("Olena on Tuesday's list: %q", kind)
	}
}
