package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Issue 13: a mentor's list is small, and a body that is not is refused
// fast with a short answer.
func TestListBodyAndEntriesAreBounded(t *testing.T) {
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	path := "/api/v1/classes/1A/absences/2026-11-30"

	// 15.7 MB: one pupil 450,000 times. Refused on its length, before it is read.
	entry := `{"student":"1001","kind":"absent"},`
	big := `{"absences":[` + strings.Repeat(entry, 450000) + `{"student":"1001","kind":"absent"}]}`
	start := time.Now()
	var raw json.RawMessage
	if code := h.call("PUT", path, mentor, big, &raw); code != 413 {
		t.Errorf("a 15 MB list: %d %.200s, want 413", code, raw)
	}
	if len(raw) > 1000 {
		t.Errorf("the answer to a 15 MB list is %d bytes", len(raw))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 15 MB list took %v to refuse", d)
	}

	// Under the body limit, more entries than the class has pupils: one
	// short 422 that says so, however many entries.
	mid := `{"absences":[` + strings.Repeat(entry, 6000) + `{"student":"1001","kind":"absent"}]}`
	var e struct {
		Error struct {
			Message string
			Details []struct{ Field, Message string }
		}
	}
	h.mustCall(422, "PUT", path, mentor, mid, &e)
	if len(e.Error.Details) != 1 || e.Error.Details[0].Field != "absences" || !strings.Contains(e.Error.Details[0].Message, "6001 entries") {
		t.Errorf("a list longer than the class: %+v", e.Error)
	}
	// The same pupil twice is named clearly.
	h.mustCall(422, "PUT", path, mentor, `{"absences":[{"student":"1001","kind":"absent"},{"student":"1001","kind":"late","minutes":5}]}`, &e)
	if len(e.Error.Details) != 1 || !strings.Contains(e.Error.Details[0].Message, "twice") {
		t.Errorf("a pupil twice: %+v", e.Error)
	}
	// Nothing was recorded.
	var list struct{ Absences []any }
	h.mustCall(200, "GET", path, mentor, nil, &list)
	if len(list.Absences) != 0 {
		t.Errorf("a refused list left %d entries", len(list.Absences))
	}
}

// An answer lists at most 100 bad fields and says how many there were.
func TestErrorDetailsAreCapped(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	var b strings.Builder
	b.WriteString(`{"classes":[{"id":"1A","name":"1A"}],"students":[`)
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"s%d","name":"","class":"nope","birth_date":"2010-01-01"}`, i)
	}
	b.WriteString("]}")
	var e struct {
		Error struct {
			Message string
			Details []any
		}
	}
	h.mustCall(422, "PUT", "/api/v1/roster", adminToken, b.String(), &e)
	if len(e.Error.Details) != 100 || !strings.Contains(e.Error.Message, "first 100") {
		t.Errorf("a roster with 600 bad fields: %d details, %q", len(e.Error.Details), e.Error.Message)
	}
}

// A mentor learns nothing of another class from a list's errors, nor of
// a sibling in another class from a message they share.
func TestMentorLearnsNothingOfOtherClasses(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	coord := h.createUser("C. Jansen", "coordinator")

	var e struct {
		Error struct {
			Details []struct{ Field, Message string }
		}
	}
	other := `{"absences":[{"student":"2001","kind":"absent"}]}`
	unknown := `{"absences":[{"student":"9999","kind":"absent"}]}`
	h.mustCall(422, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, other, &e)
	otherMsg := e.Error.Details[0].Message
	if strings.Contains(otherMsg, "1B") {
		t.Errorf("a mentor is told another pupil's class: %q", otherMsg)
	}
	h.mustCall(422, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, unknown, &e)
	if strings.ReplaceAll(e.Error.Details[0].Message, "9999", "2001") != otherMsg {
		t.Errorf("a pupil of another class and an unknown id read differently: %q, %q", otherMsg, e.Error.Details[0].Message)
	}
	// A coordinator is told.
	h.mustCall(422, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, other, &e)
	if !strings.Contains(e.Error.Details[0].Message, `"1B"`) {
		t.Errorf("a coordinator is not told where the pupil is: %q", e.Error.Details[0].Message)
	}

	// Layla (1A) and Noor (1B) share their mother: one message names both.
	h.mustCall(200, "PUT", "/api/v1/classes/1B/absences/2026-11-30", coord, `{"absences":[{"student":"2001","kind":"absent"}]}`, nil)
	h.mustCall(200, "PUT", "/api/v1/classes/2A/absences/2026-11-30", coord, `{"absences":[]}`, nil) // the third sister is at school
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, `{"absences":[{"student":"1002","kind":"absent"}]}`, nil)
	var shared messageJSON
	eventually(t, "the sisters' message", func() bool {
		var msgs []messageJSON
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
		for _, m := range msgs {
			if len(m.Students) == 2 && (m.Status == "sent" || m.Status == "delivered") {
				shared = m
				return true
			}
		}
		return false
	})
	if !strings.Contains(shared.Body, "Noor") {
		t.Fatalf("the coordinator's copy of the sisters' message does not name Noor: %+v", shared)
	}
	var raw json.RawMessage
	h.mustCall(200, "GET", "/api/v1/messages", mentor, nil, &raw)
	if strings.Contains(string(raw), "Noor") || strings.Contains(string(raw), "2001") {
		t.Errorf("a mentor of 1A reads of the sister in 1B: %s", raw)
	}
	if !strings.Contains(string(raw), "1002") {
		t.Errorf("a mentor of 1A does not see the message about Layla: %s", raw)
	}
	// Their mother writes back naming the sister: the coordinator reads it,
	// the mentor of 1A reads that a reply came, not what it says.
	resp, err := h.twilio.SendInbound(h.url+"/webhooks/twilio/inbound", "whatsapp:+31612345102", "whatsapp:+3197010000002", "Noor heeft koorts")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	eventually(t, "the reply in the coordinator's inbox", func() bool {
		var in json.RawMessage
		h.mustCall(200, "GET", "/api/v1/inbox", coord, nil, &in)
		return strings.Contains(string(in), "Noor heeft koorts")
	})
	h.mustCall(200, "GET", "/api/v1/inbox", mentor, nil, &raw)
	if strings.Contains(string(raw), "Noor") || strings.Contains(string(raw), "2001") {
		t.Errorf("a mentor of 1A reads a reply about the sister in 1B: %s", raw)
	}
	if !strings.Contains(string(raw), "1002") {
		t.Errorf("a mentor of 1A does not see that Layla's mother replied: %s", raw)
	}
	// Nor on the roll call page.
	s := newStaff(h)
	if code := s.signIn(h.signInLink(h.userID("A. de Vries"))); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	code, body := s.get("/")
	if code != 200 || strings.Contains(body, "Noor") || !strings.Contains(body, "Layla") {
		t.Errorf("the roll call of 1A: %d, names Noor: %v", code, strings.Contains(body, "Noor"))
	}
}

// Every form needs its token, whatever the browser's headers claim; the
// token changes at sign-in.
func TestCSRFTokenIsAlwaysChecked(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	h.createUser("A. de Vries", "mentor", "1A")
	s := newStaff(h)
	link := h.signInLink(h.userID("A. de Vries"))
	before := s.csrf(strings.TrimPrefix(link, h.url))
	if code := s.signIn(link); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	after := s.csrf("/")
	if after == before {
		t.Errorf("the CSRF token is the same before and after sign-in")
	}
	post := func(site string, form url.Values) int {
		req, _ := http.NewRequest("POST", h.url+"/rollcall/1A", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	form := url.Values{"student": {"1001"}, "kind-1001": {"absent"}}
	for _, site := range []string{"same-origin", "none", "same-site", "cross-site", ""} {
		if code := post(site, form); code != 403 {
			t.Errorf("a form without a token, Sec-Fetch-Site %q: %d, want 403", site, code)
		}
	}
	bad := url.Values{"student": {"1001"}, "kind-1001": {"absent"}, "csrf": {before}}
	if code := post("same-origin", bad); code != 403 {
		t.Errorf("a form with the token from before sign-in: %d, want 403", code)
	}
	var list struct{ Absences []any }
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", adminToken, nil, &list)
	if len(list.Absences) != 0 {
		t.Fatalf("a refused form changed the list: %+v", list)
	}
	good := url.Values{"date": {"2026-11-30"}, "student": {"1001"}, "kind-1001": {"absent"}, "csrf": {after}}
	if code := post("same-origin", good); code != 303 {
		t.Errorf("a form with its token: %d, want 303", code)
	}
}

// A page's form is small too: a large one is refused before it is parsed,
// declared or not (chunked).
func TestLargeFormIsRefused(t *testing.T) {
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	h.createUser("A. de Vries", "mentor", "1A")
	s := newStaff(h)
	if code := s.signIn(h.signInLink(h.userID("A. de Vries"))); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	token := s.csrf("/")
	big := "csrf=" + token + "&student=1001&kind-1001=absent" + strings.Repeat("&student=1001", 300000)
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.MultiReader(strings.NewReader(big)) // no length: sent chunked
		}
		req, _ := http.NewRequest("POST", h.url+"/rollcall/1A", body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 && resp.StatusCode != 403 {
			t.Errorf("a 4 MB roll call form (chunked %v): %d, want 413 (or 403: no token read)", chunked, resp.StatusCode)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("a 4 MB form took %v", d)
		}
	}
	var list struct{ Absences []any }
	h.mustCall(200, "GET", "/api/v1/classes/1A/absences/2026-11-30", adminToken, nil, &list)
	if len(list.Absences) != 0 {
		t.Errorf("a refused form changed the list: %+v", list)
	}
}

// A list sent without a declared length is cut at the limit as it is read.
func TestChunkedListIsCutAtTheLimit(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	big := `{"absences":[` + strings.Repeat(`{"student":"1001","kind":"absent"},`, 100000) + `{"student":"1001","kind":"absent"}]}`
	req, _ := http.NewRequest("PUT", h.url+"/api/v1/classes/1A/absences/2026-11-30", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+mentor)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || len(data) > 1000 {
		t.Errorf("a 3.5 MB chunked list: %d, %d bytes", resp.StatusCode, len(data))
	}
}
