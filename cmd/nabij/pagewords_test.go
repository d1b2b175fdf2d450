package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
	"github.com/nabij-isk/nabij/school"
)

// The words that say what happened, in each UI language: a Dutch page shows
// none of the English ones, an English page none of the Dutch ones.
var (
	englishWords = []string{"absent", "late", "sick", "excused", "present", "queued", "waiting", "sent", "delivered", "read",
		"undelivered", "failed", "expired", "cancelled", "acknowledged", "reported", "dismissed", "parent", "guardian",
		"coordinator", "reviewer", "unmatched", "free_text", "which_child", "call_back", "missing_list", "unreachable",
		"provider_refused", "opt_out", "opt_in", "lesson hours", "school days"}
	dutchWords = []string{"afwezig", "te laat", "ziek", "verlof", "aanwezig", "wacht", "verstuurd", "afgeleverd", "gelezen",
		"mislukt", "verlopen", "ingetrokken", "in behandeling", "gemeld", "afgesloten", "ouder", "voogd", "lesuren",
		"schooldagen", "ziekmeldingen", "terugbellen", "beheerder"}
)

const wordsRoster = `{
  "classes": [{"id": "1A", "name": "ISK 1A"}, {"id": "1B", "name": "ISK 1B"}],
  "housing_units": [{"id": "kwe", "name": "KWE Oost", "contacts": [{"id": "kwe-dienst", "role": "woonbegeleider", "name": "Dienst", "phone": "+31612346009", "channel": "whatsapp"}]}],
  "students": [
    {"id": "1001", "name": "Amanuel T.", "class": "1A", "birth_date": "2011-03-04", "housing_unit": "kwe",
     "contacts": [{"id": "voogd", "role": "guardian", "name": "Voogd", "phone": "+31612346001", "channel": "whatsapp"}]},
    {"id": "1002", "name": "Layla H.", "class": "1A", "birth_date": "2011-05-06",
     "contacts": [{"id": "c-1002", "role": "parent", "name": "Vader", "phone": "+31612346002", "language": "ar"}]},
    {"id": "1003", "name": "Olena K.", "class": "1A", "birth_date": "2011-01-02", "housing_unit": "kwe", "contacts": []},
    {"id": "1004", "name": "Ahmad R.", "class": "1A", "birth_date": "2010-09-09",
     "contacts": [{"id": "c-1004", "role": "parent", "name": "Moeder", "phone": "+31612346004"}]},
    {"id": "1005", "name": "Daniel M.", "class": "1A", "birth_date": "2011-12-01",
     "contacts": [{"id": "c-1005", "role": "parent", "name": "Vader", "phone": "+31612346005", "language": "en"}]},
    {"id": "1006", "name": "Sara B.", "class": "1A", "birth_date": "2010-06-06",
     "contacts": [{"id": "c-1006", "role": "parent", "name": "Moeder", "phone": "+31612346006", "language": "so"}]},
    {"id": "1007", "name": "Noor S.", "class": "1A", "birth_date": "2010-07-07",
     "contacts": [{"id": "c-1007", "role": "parent", "name": "Moeder", "phone": "+31612346007", "language": "tr"}]},
    {"id": "1008", "name": "Yusuf A.", "class": "1A", "birth_date": "2010-08-08", "contacts": []},
    {"id": "1009", "name": "Farid N.", "class": "1A", "birth_date": "2010-09-19",
     "contacts": [{"id": "c-1009", "role": "parent", "name": "Vader", "phone": "+31612346010", "language": "nl"}]},
    {"id": "1010", "name": "Hodan A.", "class": "1A", "birth_date": "2011-10-10",
     "contacts": [{"id": "c-abdi", "role": "parent", "name": "Moeder Abdi", "phone": "+31612346011", "language": "so"}]},
    {"id": "1011", "name": "Zofia A.", "class": "1A", "birth_date": "2012-11-11",
     "contacts": [{"id": "c-abdi", "role": "parent", "name": "Moeder Abdi", "phone": "+31612346011", "language": "so"}]},
    {"id": "1012", "name": "Ivan P.", "class": "1A", "birth_date": "2010-12-12",
     "contacts": [{"id": "c-1012", "role": "parent", "name": "Mama", "phone": "+31612346012", "language": "ru"}]}
  ]
}`

// TestPagesSpeakOneLanguage drives nabij end to end until every status,
// kind, task, reply and state of a case is on its pages, and reads each page
// in Dutch and in English: a Dutch page holds no English word for what
// happened, an English page no Dutch one. What is data is left out: the
// text inside an element marked translate="no" (pupils' and contacts' names
// and numbers, the messages families got and sent, a back-translation, a
// reason or correction the protocol writes, a dismissal's note, the
// settings' values) or with a lang of its own (a message in the family's
// language).
func TestPagesSpeakOneLanguage(t *testing.T) {
	t.Parallel()
	loc := mustLoc("Europe/Amsterdam")
	clock := &testClock{now: time.Date(2026, 11, 30, 8, 30, 0, 0, loc)}
	h := startHarnessWith(t, map[string]string{"NABIJ_HOLD": "2m"}, func(c *config) { c.now = clock.Now })
	h.twilio.SetAutoCallbacks(false)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, wordsRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator", []string{}...)
	mentor := h.createUser("A. de Vries", "mentor", "1A")
	h.reviewerFor("R. Tesfay", "ti")
	h.createUser("B. Admin", "admin", []string{}...)

	// Three weeks of lists make cases: two for Amanuel, a lateness case
	// each for Olena, Farid and Ivan.
	for _, l := range [][2]string{
		{"2026-11-16", `{"absences": [{"student": "1003", "kind": "late", "minutes": 5}, {"student": "1009", "kind": "late", "minutes": 5}, {"student": "1012", "kind": "late", "minutes": 5}]}`},
		{"2026-11-17", `{"absences": [{"student": "1003", "kind": "late", "minutes": 5}, {"student": "1009", "kind": "late", "minutes": 5}, {"student": "1012", "kind": "late", "minutes": 5}]}`},
		{"2026-11-18", `{"absences": [{"student": "1003", "kind": "late", "minutes": 5}, {"student": "1009", "kind": "late", "minutes": 5}, {"student": "1012", "kind": "late", "minutes": 5}]}`},
		{"2026-11-23", `{"absences": [{"student": "1001", "kind": "absent", "hours": 5}]}`},
		{"2026-11-24", `{"absences": [{"student": "1001", "kind": "absent", "hours": 5}]}`},
		{"2026-11-26", `{"absences": [{"student": "1001", "kind": "absent"}]}`},
	} {
		h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/"+l[0], mentor, l[1], nil)
	}
	var cases []struct{ ID, Student, Level string }
	h.mustCall(200, "GET", "/api/v1/escalations?status=open", coord, nil, &cases)
	sort.Slice(cases, func(i, j int) bool { return cases[i].Student+cases[i].Level < cases[j].Student+cases[j].Level })
	acted := 0
	for _, c := range cases {
		action := map[string]string{"1003": "acknowledge", "1009": "reported", "1012": "dismiss"}[c.Student]
		if action != "" {
			h.mustCall(200, "POST", "/api/v1/escalations/"+c.ID, coord, map[string]string{"action": action, "note": "gesproken"}, nil)
			acted++
		}
	}
	if len(cases) < 4 || acted != 3 {
		t.Fatalf("%d open cases %+v, want Amanuel's and one each for Olena, Farid and Ivan", len(cases), cases)
	}

	// Noor's mother has said STOP; this morning's list.
	h.reply("+31612346007", "STOP")
	h.twilio.FailTo("+31612346006", twiliotest.Failure{HTTPStatus: 503, Code: 20503, Message: "Service Unavailable"})
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", mentor, `{"absences": [
		{"student": "1001", "kind": "absent"}, {"student": "1002", "kind": "absent"}, {"student": "1003", "kind": "late", "minutes": 20},
		{"student": "1004", "kind": "sick"}, {"student": "1005", "kind": "excused", "reason": "bruiloft"},
		{"student": "1006", "kind": "absent"}, {"student": "1007", "kind": "absent"}, {"student": "1008", "kind": "absent"},
		{"student": "1009", "kind": "absent"}, {"student": "1010", "kind": "absent"}, {"student": "1011", "kind": "absent"},
		{"student": "1012", "kind": "absent"}]}`, nil)
	clock.Set(time.Date(2026, 11, 30, 8, 33, 0, 0, loc))
	sid := map[string]string{}
	eventually(t, "the morning's messages accepted", func() bool {
		for _, m := range h.twilio.Messages() {
			sid[strings.TrimPrefix(m.To, "whatsapp:")] = m.SID
		}
		return len(sid) >= 6
	})
	for phone, status := range map[string]string{"+31612346001": "read", "+31612346009": "delivered", "+31612346002": "failed", "+31612346012": "undelivered"} {
		if err := h.twilio.SendStatus(sid[phone], status, map[string]int{"failed": 30006, "undelivered": 30003}[status]); err != nil {
			t.Fatal(err)
		}
	}
	h.reply("+31612346010", "1")                       // Farid is sick
	h.reply("+31612346011", "1")                       // which of the sisters?
	h.reply("+31612346009", "Olena had de bus gemist") // own words
	h.reply("+31612346001", "2")                       // call me
	h.reply("+31699999999", "1")                       // a number nabij does not know
	h.reply("+31612346007", "START")
	if _, err := h.srv.svc.MissingLists(context.Background(), school.Date{Year: 2026, Month: 11, Day: 30}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Layla's family unreachable", func() bool {
		var tasks []struct{ Kind, Student string }
		h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
		return strings.Contains(fmt.Sprint(tasks), "unreachable 1002")
	})
	staff := signedIn(t, h)
	checkPageWords(t, h, staff, "queued, sent, delivered, read, failed, undelivered")

	// At noon Sara's message, never accepted, expires; then the account is refused.
	clock.Set(time.Date(2026, 11, 30, 12, 10, 0, 0, loc))
	eventually(t, "Sara's message expired", func() bool {
		for _, m := range h.messagesAbout(coord, "2026-11-30", "1006") {
			if m.Status == "expired" {
				return true
			}
		}
		return false
	})
	h.twilio.ClearFailures()
	h.twilio.RefuseAccount(twiliotest.Failure{HTTPStatus: 401, Code: 20003, Message: "Authenticate"})
	h.reply("+31612346010", "2") // Farid's father asks for a call; the thanks cannot go
	eventually(t, "the provider_refused task", func() bool {
		var tasks []struct{ Kind string }
		h.mustCall(200, "GET", "/api/v1/tasks", coord, nil, &tasks)
		return strings.Contains(fmt.Sprint(tasks), "provider_refused")
	})
	seen := checkPageWords(t, h, staff, "expired, provider_refused")
	for _, want := range []string{"afgeleverd", "gelezen", "mislukt", "niet afgeleverd", "verlopen", "verstuurd", "afwezig",
		"te laat", "ziek", "verlof", "in behandeling", "gemeld", "afgesloten", "lijst ontbreekt", "familie niet bereikt",
		"terugbellen", "Twilio weigert het account", "gevraagd welk kind", "ziek gemeld", "eigen woorden", "niet gekoppeld",
		"afgemeld (STOP)", "geen contactpersoon"} {
		if !strings.Contains(seen["nl"], want) {
			t.Errorf("no Dutch page shows %q: the data did not make it appear", want)
		}
	}
	for _, want := range []string{"delivered", "read", "failed", "undelivered", "expired", "sent", "absent", "late", "sick",
		"on leave", "acknowledged", "reported", "dismissed", "list missing", "family not reached", "call back", "waiting"} {
		if !strings.Contains(seen["en"], want) {
			t.Errorf("no English page shows %q", want)
		}
	}
}

// checkPageWords signs in as each role, reads every staff page in Dutch and
// in English and reports a word of the other language; it returns the
// pages' UI text per language.
func checkPageWords(t *testing.T, h *harness, s map[string]*staff, when string) map[string]string {
	t.Helper()
	seen := map[string]string{}
	coord, mentor, admin, reviewer := s["C. Jansen"], s["A. de Vries"], s["B. Admin"], s["R. Tesfay"]
	type page struct {
		who  *staff
		path string
	}
	pages := []page{{mentor, "/"}, {coord, "/board"}, {coord, "/"}, {admin, "/admin"}, {reviewer, "/review"},
		{newStaff(h), "/board"}, {coord, "/admin"}, {coord, "/pupils/nope"}, {newStaff(h), "/signin/some-token"}}
	for _, id := range []string{"1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1009", "1010", "1012"} {
		pages = append(pages, page{coord, "/pupils/" + id})
	}
	for _, lang := range []string{"nl", "en"} {
		others := englishWords
		if lang == "en" {
			others = dutchWords
		}
		for _, p := range pages {
			req, _ := http.NewRequest("GET", h.url+p.path, nil)
			req.Header.Set("Accept-Language", lang)
			resp, err := p.who.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			text := uiText(string(body))
			seen[lang] += text + "\n"
			for _, w := range others {
				if m := wordIn(w, text); m != "" {
					t.Errorf("%s, %s page %s (%d) says %q: …%s…", when, lang, p.path, resp.StatusCode, w, m)
				}
			}
		}
	}
	return seen
}

// signedIn is a browser signed in as each of the test's users.
func signedIn(t *testing.T, h *harness) map[string]*staff {
	out := map[string]*staff{}
	for _, name := range []string{"C. Jansen", "A. de Vries", "B. Admin", "R. Tesfay"} {
		s := newStaff(h)
		if code := s.signIn(h.signInLink(h.userID(name))); code != 303 {
			t.Fatalf("sign-in of %s: %d", name, code)
		}
		out[name] = s
	}
	return out
}

// wordIn finds w as a whole word in text, with its surroundings.
func wordIn(w, text string) string {
	re := regexp.MustCompile(`(?i)(^|[^\pL_])` + regexp.QuoteMeta(w) + `($|[^\pL_])`)
	loc := re.FindStringIndex(text)
	if loc == nil {
		return ""
	}
	return text[max(0, loc[0]-40):min(len(text), loc[1]+40)]
}

var (
	tagRe    = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	dataAttr = regexp.MustCompile(`\btranslate="no"|\slang="`)
	voidTags = map[string]bool{"br": true, "input": true, "meta": true, "link": true, "hr": true, "img": true, "meter": false}
)

// uiText is a page's text without its tags, its script and style, and the
// elements that hold data (translate="no", or a lang of their own).
func uiText(page string) string {
	var b strings.Builder
	skip := 0        // depth inside data, script or style
	var stack []bool // per open element: does it start skipping?
	last := 0
	for _, m := range tagRe.FindAllStringSubmatchIndex(page, -1) {
		if skip == 0 {
			b.WriteString(page[last:m[0]])
		}
		last = m[1]
		closing, name, attrs := page[m[2]:m[3]] == "/", strings.ToLower(page[m[4]:m[5]]), page[m[6]:m[7]]
		if voidTags[name] || strings.HasSuffix(attrs, "/") {
			continue
		}
		if closing {
			if n := len(stack); n > 0 {
				if stack[n-1] {
					skip--
				}
				stack = stack[:n-1]
			}
			continue
		}
		starts := name != "html" && (dataAttr.MatchString(attrs) || name == "script" || name == "style")
		if starts {
			skip++
		}
		stack = append(stack, starts)
		b.WriteString(" ")
	}
	if skip == 0 {
		b.WriteString(page[last:])
	}
	return strings.Join(strings.Fields(strings.NewReplacer("&#39;", "'", "&amp;", "&", "&gt;", ">", "&lt;", "<", "&#34;", `"`).Replace(b.String())), " ")
}
