package web

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// The roll call shows the class and its pupils escaped; the form posted
// reaches app as each pupil's row, as shown and as chosen, typed, for the
// day the page was of.
func TestRollCallPage(t *testing.T) {
	s := pageStub(mentor)
	s.rollCall = &app.RollCall{Class: school.Class{ID: "1A", Name: "ISK <1A>"}, Classes: []school.Class{{ID: "1A", Name: "ISK <1A>"}, {ID: "1B", Name: "ISK 1B"}},
		Date: s.today, Deadline: time.Date(2026, 12, 4, 8, 45, 0, 0, time.UTC),
		Rows: []app.RollCallRow{{Student: school.Student{ID: "s1", Name: aName}, Entry: school.Absence{Student: "s1", Kind: school.Late, Minutes: 20}},
			{Student: school.Student{ID: "s2", Name: "Noor"}, Known: "sick_by_family"}},
		Sent:    []app.SentRow{{Message: &alerts.Message{Role: school.RoleParent, Channel: school.ChannelWhatsApp, Language: "ti", Status: alerts.StatusDelivered}, Students: []string{aName}}},
		Replies: []store.Inbound{{Kind: "sick", Body: "<i>1</i>"}}}
	srv, _ := stubServer(s, Config{})
	rec := do(srv, pageRequest("GET", "/?class=1A&saved=3-2", nil))
	isPage(t, "the roll call", rec, 200, "Roll call ISK &lt;1A&gt;", aNameOut, `value="20"`, `name="csrf" value="csrf-token"`,
		"List saved: 3 on the list, 2 messages.", "&lt;i&gt;1&lt;/i&gt;", `<option value="1B">ISK 1B</option>`, "2026-12-04")
	if !reflect.DeepEqual(s.calls, []string{`RollCall m1 "1A"`}) {
		t.Errorf("app was asked %v", s.calls)
	}

	// The form sends each pupil's entry as the page showed it and as
	// chosen: app gets both, typed, for the day the page was of.
	s.calls = nil
	s.result = &app.ListResult{Recorded: 4, Alerts: []app.AlertRef{{}, {}}}
	rec = do(srv, pageRequest("POST", "/rollcall/1A", url.Values{"date": {"2026-12-04"}, "student": {"s1", "s2", "s3", "s4", "s6"},
		"was-kind-s1": {"late"}, "was-minutes-s1": {"20"}, "kind-s1": {"late"}, "minutes-s1": {"25"},
		"was-kind-s2": {""}, "kind-s2": {"present"},
		"was-kind-s3": {"absent"}, "kind-s3": {"sick"},
		"was-kind-s4": {"excused"}, "was-reason-s4": {"tandarts"}, "kind-s4": {"excused"}, "reason-s4": {"tandarts"},
		"kind-s6": {"absent"}}))
	isRedirect(t, "the roll call posted", rec, "/?class=1A&saved=4-2")
	want := "RecordRollCall m1 1A 2026-12-04 [" +
		"{Student:s1 Was:{Student:s1 Kind:late Minutes:20 Reason: Hours:0 ReportedBy:} Now:{Student:s1 Kind:late Minutes:25 Reason: Hours:0 ReportedBy:}} " +
		"{Student:s2 Was:{Student:s2 Kind:present Minutes:0 Reason: Hours:0 ReportedBy:} Now:{Student:s2 Kind:present Minutes:0 Reason: Hours:0 ReportedBy:}} " +
		"{Student:s3 Was:{Student:s3 Kind:absent Minutes:0 Reason: Hours:0 ReportedBy:} Now:{Student:s3 Kind:sick Minutes:0 Reason: Hours:0 ReportedBy:}} " +
		"{Student:s4 Was:{Student:s4 Kind:excused Minutes:0 Reason:tandarts Hours:0 ReportedBy:} Now:{Student:s4 Kind:excused Minutes:0 Reason:tandarts Hours:0 ReportedBy:}} " +
		"{Student:s6 Was:{Student:s6 Kind:present Minutes:0 Reason: Hours:0 ReportedBy:} Now:{Student:s6 Kind:absent Minutes:0 Reason: Hours:0 ReportedBy:}}]"
	if !reflect.DeepEqual(s.calls, []string{want}) {
		t.Errorf("app was asked %q\nwant %q", s.calls, want)
	}
	// A colleague's changes kept, and no message after the alerts' end:
	// the confirmation says both, from the note the answer set (a cookie,
	// once), never from the link.
	s.result = &app.ListResult{Recorded: 2, KeptMeanwhile: 1, AlertsWithheld: school.AlertsAfterUntil, AlertsUntil: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
	rec = do(srv, pageRequest("POST", "/rollcall/1A", url.Values{"date": {"2026-12-04"}, "student": {"s1"}, "kind-s1": {"absent"}}))
	isRedirect(t, "the roll call after 12:00", rec, "/?class=1A&saved=2-0")
	after := pageRequest("GET", "/?class=1A&saved=2-0", nil)
	for _, ck := range rec.Result().Cookies() {
		after.AddCookie(ck)
	}
	shown := do(srv, after)
	isPage(t, "its confirmation", shown, 200,
		"List saved: 2 on the list, 0 messages. 1 pupil was updated by a colleague meanwhile: that was kept. After 12:00 no more messages go to families")
	if !strings.Contains(strings.Join(shown.Header().Values("Set-Cookie"), "\n"), noteCookie+"=; Path=/; Max-Age=0") {
		t.Errorf("the note is not cleared once shown: %v", shown.Header().Values("Set-Cookie"))
	}
	// A link alone says neither (found by a pen test: ?kept=999999&withheld=0600).
	for _, link := range []string{"/?class=1A&saved=0-0&kept=999999&withheld=0600", "/?class=1A&saved=0-0"} {
		if body := do(srv, pageRequest("GET", link, nil)).Body.String(); strings.Contains(body, "updated by a colleague") || strings.Contains(body, "no more messages go to families") {
			t.Errorf("%s: the page says what the link wants", link)
		}
	}

	// A late arrival without minutes, or with minutes out of range, is not
	// sent to app: the roll call comes back with the pupil's row marked
	// and the user's choices in place.
	for _, minutes := range []string{"", "soon", "0", "601"} {
		s.calls = nil
		rec = do(srv, pageRequest("POST", "/rollcall/1A", url.Values{"date": {"2026-12-04"}, "student": {"s1", "s2"},
			"was-kind-s1": {"late"}, "was-minutes-s1": {"20"}, "kind-s1": {"late"}, "minutes-s1": {"20"},
			"kind-s2": {"late"}, "minutes-s2": {minutes}}))
		isPage(t, "late without minutes "+minutes, rec, 422, "The list was not saved: fill in the minutes for Late",
			`id="problem-s2" role="alert">Fill in the minutes late (1 to 600).`, `aria-invalid="true" aria-describedby="problem-s2"`,
			`name="kind-s2" value="late" checked`)
		if !reflect.DeepEqual(s.calls, []string{`RollCall m1 "1A"`}) {
			t.Errorf("late without minutes %q: app was asked %v", minutes, s.calls)
		}
	}

	// A page of another day (left open since yesterday), or one without
	// its day, records nothing: today's roll call comes back with the rows
	// the user changed.
	for _, stale := range []string{"2026-12-03", ""} {
		s.calls = nil
		rec = do(srv, pageRequest("POST", "/rollcall/1A", url.Values{"date": {stale}, "student": {"s2"}, "kind-s2": {"absent"}}))
		isPage(t, "a page of "+stale, rec, 422, "this page was of another day", `name="kind-s2" value="absent" checked`)
		if !reflect.DeepEqual(s.calls, []string{`RollCall m1 "1A"`}) {
			t.Errorf("a page of %q: app was asked %v", stale, s.calls)
		}
	}

	// App's refusal: the roll call again, saying what was refused.
	s.calls = nil
	s.recordErr = &app.StepError{Op: "record roll call 1A 2026-12-04", Err: &school.ValidationError{Details: []school.FieldError{{Field: "absences[0].kind", Message: "not in class 1A"}}}}
	rec = do(srv, pageRequest("POST", "/rollcall/1A", url.Values{"date": {"2026-12-04"}, "student": {"s1"}, "kind-s1": {"absent"}}))
	isPage(t, "a list refused", rec, 422, "The list was not saved. · not in class 1A", `name="kind-s1" value="absent" checked`)
	s.recordErr = nil
	// Past the deadline with no list, the page says so.
	s.rollCall.Overdue = true
	isPage(t, "an overdue roll call", do(srv, pageRequest("GET", "/?class=1A", nil)), 200, "The list was due at 08:45: send it now")
	s.rollCall.Overdue = false
	s.err = &app.StepError{Op: "roll call 9Z", Err: school.ErrForbidden}
	isPage(t, "another class", do(srv, pageRequest("GET", "/?class=9Z", nil)), 403, "Your role does not allow this.")
}
