package twiliotest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

var callSID = regexp.MustCompile(`^CA[0-9a-f]{32}$`)

// voiceApp is a tiny service answering Twilio's requests for a call: TwiML
// documents by path, audio, status callbacks. Every request's signature is
// checked as the message webhooks' are (client.RequestValidator); one that
// does not validate fails the test.
type voiceApp struct {
	*httptest.Server
	t      *testing.T
	mu     sync.Mutex
	docs   map[string]func(form url.Values) (status int, contentType, body string)
	forms  map[string][]url.Values // by path
	events chan string             // status callbacks' CallStatus, as they come
}

func newVoiceApp(t *testing.T) *voiceApp {
	t.Helper()
	a := &voiceApp{t: t, docs: map[string]func(url.Values) (int, string, string){}, forms: map[string][]url.Values{},
		events: make(chan string, 64)}
	v := client.NewRequestValidator(token)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/audio/") {
			if r.URL.Path != "/audio/ok.mp3" {
				http.NotFound(w, r)
				return
			}
			if r.Header.Get("Authorization") != "" {
				t.Errorf("audio fetched with credentials")
			}
			w.Header().Set("Content-Type", "audio/mpeg")
			_, _ = w.Write([]byte("ID3 not really an mp3"))
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		full := "http://" + r.Host + r.URL.RequestURI()
		if r.Method == http.MethodPost && !v.Validate(full, flat(r.PostForm), r.Header.Get("X-Twilio-Signature")) ||
			r.Method == http.MethodGet && !v.Validate(full, map[string]string{}, r.Header.Get("X-Twilio-Signature")) {
			t.Errorf("%s %s: signature does not validate", r.Method, full)
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		a.mu.Lock()
		a.forms[r.URL.Path] = append(a.forms[r.URL.Path], r.Form)
		doc := a.docs[r.URL.Path]
		a.mu.Unlock()
		if r.URL.Path == "/status" {
			a.events <- r.PostForm.Get("CallStatus")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if doc == nil {
			http.NotFound(w, r)
			return
		}
		status, ct, body := doc(r.Form)
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(a.Close)
	return a
}

// twiml serves body as the TwiML at path.
func (a *voiceApp) twiml(path, body string) {
	a.handle(path, func(url.Values) (int, string, string) {
		return http.StatusOK, "text/xml; charset=utf-8", `<?xml version="1.0" encoding="UTF-8"?>` + body
	})
}

func (a *voiceApp) handle(path string, f func(url.Values) (int, string, string)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.docs[path] = f
}

func (a *voiceApp) got(path string) []url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]url.Values(nil), a.forms[path]...)
}

// waitEvent waits for the status callback saying status.
func (a *voiceApp) waitEvent(status string) {
	a.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case got := <-a.events:
			if got == status {
				return
			}
		case <-timeout:
			a.t.Fatalf("no status callback %q", status)
		}
	}
}

// call creates a call as nabij does.
func call(rc *twilio.RestClient, a *voiceApp, toNum string) (*openapi.ApiV2010Call, error) {
	return rc.Api.CreateCall((&openapi.CreateCallParams{}).SetTo(toNum).SetFrom(from).
		SetUrl(a.URL + "/call").SetMethod("POST").
		SetStatusCallback(a.URL + "/status").SetStatusCallbackMethod("POST").
		SetStatusCallbackEvent([]string{"initiated", "ringing", "answered", "completed"}).
		SetMachineDetection("DetectMessageEnd").SetTimeout(30).SetTimeLimit(180))
}

func placed(t *testing.T, s *twiliotest.Server, rc *twilio.RestClient, a *voiceApp, toNum string) twiliotest.Call {
	t.Helper()
	c, err := call(rc, a, toNum)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s.WaitForCall(*c.Sid, 5*time.Second)
	if !ok {
		t.Fatalf("call not done: %+v", got)
	}
	return got
}

func TestCallAnsweredByHumanWhoPressesAKey(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	s.ScriptCall(to, twiliotest.CallScript{Keys: []string{"1"}})
	a.twiml("/call", `<Response><Gather input="dtmf" numDigits="1" timeout="5" action="key?alert=7" method="POST">`+
		`<Say language="nl-NL" voice="Google.nl-NL-Standard-A">Uw kind is er niet.</Say><Pause length="1"/>`+
		`<Play loop="1">`+a.URL+`/audio/ok.mp3</Play></Gather><Say>Geen toets.</Say></Response>`)
	a.twiml("/key", `<Response><Say language="nl-NL">Dank u.</Say><Hangup/><Say>never</Say></Response>`)

	c, err := call(rc, a, to)
	if err != nil {
		t.Fatal(err)
	}
	if !callSID.MatchString(deref(c.Sid)) || deref(c.Status) != "queued" || deref(c.Direction) != "outbound-api" ||
		deref(c.To) != to || deref(c.From) != from || deref(c.AccountSid) != sid || c.Duration != nil || c.StartTime != nil {
		t.Errorf("created %+v", c)
	}
	got, ok := s.WaitForCall(*c.Sid, 5*time.Second)
	if !ok {
		t.Fatalf("call not done: %+v", got)
	}
	if got.Status != "completed" || got.AnsweredBy != "human" || got.Duration < 1 || got.Fetches != 2 || len(got.Errors) != 0 ||
		len(got.Keys) != 1 || got.Keys[0] != "1" || got.Timeout != 30 || got.TimeLimit != 180 || got.MachineDetection != "DetectMessageEnd" {
		t.Fatalf("call %+v", got)
	}
	want := []twiliotest.Played{
		{Verb: "Say", Text: "Uw kind is er niet.", Language: "nl-NL", Voice: "Google.nl-NL-Standard-A", InGather: true},
		{Verb: "Play", URL: a.URL + "/audio/ok.mp3", Loop: 1, Fetched: true, InGather: true},
		{Verb: "Say", Text: "Dank u.", Language: "nl-NL"},
	}
	if len(got.Played) != len(want) {
		t.Fatalf("played %+v", got.Played)
	}
	for i := range want {
		if got.Played[i] != want[i] {
			t.Errorf("played[%d] = %+v, want %+v", i, got.Played[i], want[i])
		}
	}
	// The TwiML request and the gather's, as Twilio posts them.
	first, key := a.got("/call"), a.got("/key")
	if len(first) != 1 || len(key) != 1 {
		t.Fatalf("requests %v %v", first, key)
	}
	for _, f := range []url.Values{first[0], key[0]} {
		if f.Get("CallSid") != got.SID || f.Get("AccountSid") != sid || f.Get("To") != to || f.Get("From") != from ||
			f.Get("CallStatus") != "in-progress" || f.Get("Direction") != "outbound-api" || f.Get("AnsweredBy") != "human" {
			t.Errorf("request %v", f)
		}
	}
	if key[0].Get("Digits") != "1" || key[0].Get("alert") != "7" || first[0].Has("Digits") {
		t.Errorf("digits: %v / %v", key[0], first[0])
	}

	// The status callbacks: the four events asked for, in order.
	wantEv := [][2]string{{"initiated", "initiated"}, {"ringing", "ringing"}, {"answered", "in-progress"}, {"completed", "completed"}}
	if len(got.Events) != len(wantEv) {
		t.Fatalf("events %+v", got.Events)
	}
	for i, ev := range got.Events {
		p := ev.Params
		if ev.Event != wantEv[i][0] || ev.CallStatus != wantEv[i][1] || p.Get("CallStatus") != wantEv[i][1] ||
			ev.HTTPStatus != http.StatusNoContent || p.Get("SequenceNumber") != strconv.Itoa(i) ||
			p.Get("CallbackSource") != "call-progress-events" || p.Get("CallSid") != got.SID || p.Get("ApiVersion") != "2010-04-01" {
			t.Errorf("event %d: %+v", i, ev)
		}
		if _, err := time.Parse(time.RFC1123Z, p.Get("Timestamp")); err != nil {
			t.Errorf("event %d timestamp %q", i, p.Get("Timestamp"))
		}
		if answered := i >= 2; answered != (p.Get("AnsweredBy") == "human") {
			t.Errorf("event %d AnsweredBy %q", i, p.Get("AnsweredBy"))
		}
	}
	if d := got.Events[3].Params.Get("CallDuration"); d != strconv.Itoa(got.Duration) {
		t.Errorf("CallDuration %q, duration %d", d, got.Duration)
	}

	f, err := rc.Api.FetchCall(got.SID, nil)
	if err != nil || deref(f.Status) != "completed" || deref(f.AnsweredBy) != "human" || deref(f.Duration) != strconv.Itoa(got.Duration) ||
		f.StartTime == nil || f.EndTime == nil {
		t.Errorf("fetched %+v %v", f, err)
	}
}

func TestCallOutcomes(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	a.twiml("/call", `<Response><Gather numDigits="1" action="/key"><Say language="nl-NL">Bericht.</Say></Gather></Response>`)
	a.twiml("/key", `<Response><Hangup/></Response>`)
	for i, tc := range []struct {
		outcome, status, answeredBy string
		events                      []string
		fetches                     int
	}{
		{twiliotest.CallBusy, "busy", "", []string{"initiated", "ringing", "busy"}, 0},
		{twiliotest.CallNoAnswer, "no-answer", "", []string{"initiated", "ringing", "no-answer"}, 0},
		{twiliotest.CallFailed, "failed", "", []string{"initiated", "failed"}, 0},
		// Voicemail: the message is played after the beep, no key pressed.
		{twiliotest.CallMachine, "completed", "machine_end_beep", []string{"initiated", "ringing", "in-progress", "completed"}, 1},
	} {
		num := "+3161234560" + strconv.Itoa(i)
		s.ScriptCall(num, twiliotest.CallScript{Outcome: tc.outcome, Keys: []string{"1"}})
		got := placed(t, s, rc, a, num)
		var evs []string
		for _, ev := range got.Events {
			evs = append(evs, ev.CallStatus)
		}
		if got.Status != tc.status || got.AnsweredBy != tc.answeredBy || got.Fetches != tc.fetches || len(got.Keys) != 0 ||
			strings.Join(evs, " ") != strings.Join(tc.events, " ") || len(got.Errors) != 0 {
			t.Errorf("%s: %+v (events %v)", tc.outcome, got, evs)
		}
		if tc.outcome == twiliotest.CallMachine {
			if len(got.Played) != 1 || got.Played[0].Text != "Bericht." || got.Events[3].Params.Get("AnsweredBy") != "machine_end_beep" {
				t.Errorf("voicemail heard %+v", got.Played)
			}
		} else if got.Duration != 0 || got.Events[len(got.Events)-1].Params.Get("CallDuration") != "0" {
			t.Errorf("%s: duration %d", tc.outcome, got.Duration)
		}
	}
}

func TestGatherWithoutAKey(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	a.twiml("/key", `<Response><Say>Geen antwoord gekregen.</Say></Response>`)

	// No key: Twilio goes on with the next verb.
	a.twiml("/call", `<Response><Gather action="/key"><Say>Druk op 1.</Say></Gather><Say>Nogmaals.</Say></Response>`)
	got := placed(t, s, rc, a, to)
	if got.Fetches != 1 || len(got.Played) != 2 || got.Played[1].Text != "Nogmaals." || len(a.got("/key")) != 0 {
		t.Errorf("fell through: %+v", got)
	}

	// actionOnEmptyResult: the action is posted with empty Digits.
	a.twiml("/call", `<Response><Gather action="/key" actionOnEmptyResult="true"><Say>Druk op 1.</Say></Gather><Say>Nooit.</Say></Response>`)
	s.ScriptCall(to, twiliotest.CallScript{Keys: []string{""}})
	got = placed(t, s, rc, a, to)
	keys := a.got("/key")
	if got.Fetches != 2 || len(keys) != 1 || !keys[0].Has("Digits") || keys[0].Get("Digits") != "" ||
		got.Played[len(got.Played)-1].Text != "Geen antwoord gekregen." {
		t.Errorf("empty result: %+v, %v", got, keys)
	}

	// Two gathers take the keys in order; Redirect carries on elsewhere.
	a.twiml("/call", `<Response><Gather action="/one"><Say>Een?</Say></Gather></Response>`)
	a.twiml("/one", `<Response><Redirect method="POST">/two</Redirect></Response>`)
	a.twiml("/two", `<Response><Gather action="/key"><Say>Twee?</Say></Gather></Response>`)
	s.ScriptCall(to, twiliotest.CallScript{Keys: []string{"2", "9"}})
	got = placed(t, s, rc, a, to)
	if got.Fetches != 4 || strings.Join(got.Keys, ",") != "2,9" || len(got.Errors) != 0 {
		t.Errorf("two gathers: %+v", got)
	}
}

func TestListAndFetchCallsThroughTwilioGo(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	other := "+31687654321"
	s.ScriptCall(to, twiliotest.CallScript{Outcome: twiliotest.CallBusy})
	s.ScriptCall(other, twiliotest.CallScript{Outcome: twiliotest.CallNoAnswer})
	var sids []string
	for _, n := range []string{to, other, to, to} {
		sids = append(sids, placed(t, s, rc, a, n).SID)
	}
	calls, err := rc.Api.ListCall((&openapi.ListCallParams{}).SetTo(to).SetPageSize(2))
	if err != nil || len(calls) != 3 {
		t.Fatalf("list %d %v", len(calls), err)
	}
	for i, want := range []string{sids[3], sids[2], sids[0]} { // newest first, over two pages
		c := calls[i]
		if deref(c.Sid) != want || deref(c.Status) != "busy" || deref(c.To) != to || deref(c.Direction) != "outbound-api" {
			t.Errorf("calls[%d] = %+v", i, c)
		}
		if _, err := time.Parse(time.RFC1123Z, deref(c.DateCreated)); err != nil {
			t.Errorf("date_created %q", deref(c.DateCreated))
		}
	}
	byStatus, err := rc.Api.ListCall((&openapi.ListCallParams{}).SetStatus("no-answer"))
	if err != nil || len(byStatus) != 1 || deref(byStatus[0].Sid) != sids[1] {
		t.Errorf("by status %+v %v", byStatus, err)
	}
	_, err = rc.Api.FetchCall("CA"+strings.Repeat("0", 32), nil)
	restError(t, err, 404, 20404)
}

func TestCreateCallRefusals(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	_, err := rc.Api.CreateCall((&openapi.CreateCallParams{}).SetTo(to).SetFrom(from))
	restError(t, err, 400, 21205)
	_, err = rc.Api.CreateCall((&openapi.CreateCallParams{}).SetTo(to).SetFrom(from).SetUrl("/call"))
	restError(t, err, 400, 21205)
	_, err = call(rc, a, "0612345678")
	restError(t, err, 400, 21211)
	s.FailNext(1, twiliotest.Failure503)
	_, err = call(rc, a, to)
	restError(t, err, 503, 20503)
	s.FailTo(to, twiliotest.Failure{HTTPStatus: 400, Code: 21215, Message: "Geo Permission configuration is not permitting call"})
	_, err = call(rc, a, to)
	restError(t, err, 400, 21215)
	s.ClearFailures()
	s.RefuseAccount(twiliotest.FailureSuspended)
	_, err = call(rc, a, to)
	restError(t, err, 401, 20005)
	_, err = rc.Api.ListCall(nil)
	restError(t, err, 401, 20005)
	if n, calls := s.CallRequests(), s.Calls(); n != 6 || len(calls) != 0 || s.Requests() != 0 {
		t.Errorf("CallRequests %d, calls %d, message requests %d", n, len(calls), s.Requests())
	}
}

func TestTwiMLFetchedByGet(t *testing.T) {
	s := newServer(t)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	a.twiml("/call", `<Response><Say>Hallo.</Say></Response>`)
	c, err := rc.Api.CreateCall((&openapi.CreateCallParams{}).SetTo(to).SetFrom(from).SetUrl(a.URL + "/call?lang=ti").SetMethod("GET"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s.WaitForCall(*c.Sid, 5*time.Second)
	reqs := a.got("/call")
	if !ok || len(got.Played) != 1 || len(reqs) != 1 || reqs[0].Get("CallSid") != *c.Sid || reqs[0].Get("lang") != "ti" ||
		got.Requests[0].Method != "GET" || len(got.Events) != 0 || got.AnsweredBy != "" {
		t.Errorf("call %+v, requests %v", got, reqs)
	}
}

func TestCloseEndsAHeldCall(t *testing.T) {
	s := twiliotest.NewServer(sid, token)
	a := newVoiceApp(t)
	rc := restClient(t, s, sid, token)
	s.ScriptCall(to, twiliotest.CallScript{Hold: make(chan struct{})}) // never let go
	c, err := call(rc, a, to)
	if err != nil {
		t.Fatal(err)
	}
	a.waitEvent("ringing")
	s.Close() // returns: the call's goroutine ends
	got, _ := s.CallBySID(*c.Sid)
	if !got.Done || got.Status != "ringing" || len(got.Events) != 2 {
		t.Errorf("after Close: %+v", got)
	}
}
