package twiliotest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Errors of the Calls API the stand-in gives on its own.
var (
	failureCallNoTo    = Failure{HTTPStatus: 400, Code: 21201, Message: "No 'To' number is specified"}
	failureCallNoFrom  = Failure{HTTPStatus: 400, Code: 21213, Message: "No 'From' number is specified"}
	failureCallNoURL   = Failure{HTTPStatus: 400, Code: 21205, Message: "Url parameter is required."}
	failureCallBadURL  = Failure{HTTPStatus: 400, Code: 21205, Message: "Url is not a valid URL: {To}"}
	failureCallMethod  = Failure{HTTPStatus: 400, Code: 21200, Message: "Method must be GET or POST"}
	failureCallEvent   = Failure{HTTPStatus: 400, Code: 21200, Message: "StatusCallbackEvent must be initiated, ringing, answered or completed"}
	failureCallFrom    = Failure{HTTPStatus: 400, Code: 21212, Message: "Invalid 'From' Phone Number: {To}"}
	failureCallUpdate  = Failure{HTTPStatus: 400, Code: 21220, Message: "Call is not in-progress. Cannot redirect."}
	failureCallStatus  = Failure{HTTPStatus: 400, Code: 20001, Message: "Status must be canceled or completed"}
	failureCallNumeric = Failure{HTTPStatus: 400, Code: 20001, Message: "Timeout, TimeLimit must be numbers"}
)

// validateCall applies the checks Twilio makes on a create-call request.
// The Failure's "{To}" token is filled with the value at fault.
func validateCall(f url.Values) (Failure, string, bool) {
	to, from := f.Get("To"), f.Get("From")
	switch {
	case to == "":
		return failureCallNoTo, "", true
	case from == "":
		return failureCallNoFrom, "", true
	case f.Get("Url") == "" && f.Get("Twiml") == "" && f.Get("ApplicationSid") == "":
		return failureCallNoURL, "", true
	case !validE164(to) || channelOf(to) != "sms":
		return FailureInvalidNumber, to, true
	case !validE164(from) || channelOf(from) != "sms":
		return failureCallFrom, from, true
	}
	if u := f.Get("Url"); u != "" && !absoluteURL(u) {
		return failureCallBadURL, u, true
	}
	if f.Get("Url") == "" {
		// Inline Twiml and applications are Twilio's; the stand-in fetches.
		return Failure{HTTPStatus: 400, Code: 21200, Message: "twiliotest: only Url is modelled, not Twiml or ApplicationSid"}, "", true
	}
	for _, k := range []string{"Method", "StatusCallbackMethod"} {
		if m := f.Get(k); m != "" && m != http.MethodGet && m != http.MethodPost {
			return failureCallMethod, "", true
		}
	}
	for _, e := range f["StatusCallbackEvent"] {
		if !slices.Contains([]string{"initiated", "ringing", "answered", "completed"}, e) {
			return failureCallEvent, "", true
		}
	}
	for _, k := range []string{"Timeout", "TimeLimit"} {
		if v := f.Get(k); v != "" {
			if _, err := strconv.Atoi(v); err != nil {
				return failureCallNumeric, "", true
			}
		}
	}
	return Failure{}, "", false
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// createCall implements POST .../Calls.json. As for messages the rate
// limit, FailNext and StallNext apply first, then Twilio's validation, then
// FailTo. The call then plays out on its own (playout.go).
func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	to := f.Get("To")
	now, stall, ok := s.admitCreate(w, r, to)
	if !ok {
		return
	}
	if fail, at, bad := validateCall(f); bad {
		writeError(w, fail, at)
		return
	}
	timeout, _ := strconv.Atoi(f.Get("Timeout"))
	limit, _ := strconv.Atoi(f.Get("TimeLimit"))
	c := Call{
		SID:                  newSID("CA"),
		To:                   to,
		From:                 f.Get("From"),
		URL:                  f.Get("Url"),
		Method:               or(f.Get("Method"), http.MethodPost),
		StatusCallback:       f.Get("StatusCallback"),
		StatusCallbackMethod: or(f.Get("StatusCallbackMethod"), http.MethodPost),
		StatusCallbackEvents: slices.Clone(f["StatusCallbackEvent"]),
		MachineDetection:     f.Get("MachineDetection"),
		Timeout:              timeout,
		TimeLimit:            limit,
		Status:               "queued",
		DateCreated:          now,
	}

	s.mu.Lock()
	if fail, ok := s.failTo[to]; ok {
		s.mu.Unlock()
		writeError(w, fail, to)
		return
	}
	rec := &callRecord{call: c, script: s.scripts[to], stop: make(chan struct{})}
	s.calls = append(s.calls, rec)
	s.callBySID[c.SID] = rec
	s.notifyLocked()
	run := !s.closed
	if run {
		s.wg.Add(1)
	} else {
		rec.call.Done = true
	}
	body := s.callResourceLocked(rec)
	s.mu.Unlock()

	if stall {
		s.stall(r)
	} else {
		writeJSON(w, http.StatusCreated, body)
	}
	if run {
		go s.playOut(rec)
	}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// apiCall is Twilio's Call resource as JSON (ApiV2010Call's fields); what
// Twilio sends as null is a pointer without omitempty.
type apiCall struct {
	SID             string            `json:"sid"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	ParentCallSID   *string           `json:"parent_call_sid"`
	AccountSID      string            `json:"account_sid"`
	To              string            `json:"to"`
	ToFormatted     string            `json:"to_formatted"`
	From            string            `json:"from"`
	FromFormatted   string            `json:"from_formatted"`
	PhoneNumberSID  string            `json:"phone_number_sid"`
	Status          string            `json:"status"`
	StartTime       *string           `json:"start_time"`
	EndTime         *string           `json:"end_time"`
	Duration        *string           `json:"duration"`
	Price           *string           `json:"price"`
	PriceUnit       string            `json:"price_unit"`
	Direction       string            `json:"direction"`
	AnsweredBy      *string           `json:"answered_by"`
	APIVersion      string            `json:"api_version"`
	ForwardedFrom   *string           `json:"forwarded_from"`
	GroupSID        *string           `json:"group_sid"`
	CallerName      *string           `json:"caller_name"`
	QueueTime       string            `json:"queue_time"`
	TrunkSID        *string           `json:"trunk_sid"`
	URI             string            `json:"uri"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
}

// apiCallList is Twilio's paged list shape for Calls.
type apiCallList struct {
	Calls           []apiCall `json:"calls"`
	Page            int       `json:"page"`
	PageSize        int       `json:"page_size"`
	FirstPageURI    string    `json:"first_page_uri"`
	NextPageURI     *string   `json:"next_page_uri"`
	PreviousPageURI *string   `json:"previous_page_uri"`
	Start           int       `json:"start"`
	End             int       `json:"end"`
	URI             string    `json:"uri"`
}

func (s *Server) callResourceLocked(rec *callRecord) apiCall {
	c := rec.call
	created := c.DateCreated.Format(twilioDate)
	uri := "/" + apiVersion + "/Accounts/" + s.accountSID + "/Calls/" + c.SID + ".json"
	base := strings.TrimSuffix(uri, ".json")
	a := apiCall{
		SID: c.SID, DateCreated: created, DateUpdated: created, AccountSID: s.accountSID,
		To: c.To, ToFormatted: c.To, From: c.From, FromFormatted: c.From,
		PhoneNumberSID: "PN" + strings.Repeat("0", 32), Status: c.Status, PriceUnit: "USD",
		Direction: "outbound-api", APIVersion: apiVersion, QueueTime: "0", URI: uri,
		SubresourceURIs: map[string]string{
			"notifications": base + "/Notifications.json",
			"recordings":    base + "/Recordings.json",
			"events":        base + "/Events.json",
		},
	}
	if c.AnsweredBy != "" {
		a.AnsweredBy = &c.AnsweredBy
	}
	switch c.Status {
	case "queued", "ringing":
	case "in-progress":
		a.StartTime = &created
	default:
		a.StartTime, a.EndTime = &created, &created
		d := strconv.Itoa(c.Duration)
		a.Duration = &d
	}
	return a
}

func (s *Server) fetchCall(w http.ResponseWriter, r *http.Request, sid string) {
	if s.fetchRefused(w) {
		return
	}
	s.mu.Lock()
	rec, ok := s.callBySID[sid]
	var body apiCall
	if ok {
		body = s.callResourceLocked(rec)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound(r.URL.Path), "")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// updateCall implements POST .../Calls/{CA}.json with Status: canceled ends
// a queued or ringing call (and leaves one in progress alone, as Twilio
// does); completed ends a call in progress, or cancels one not yet
// answered. A call that has ended answers 21220. Other updates (a new Url or
// Twiml) are not modelled.
func (s *Server) updateCall(w http.ResponseWriter, r *http.Request, sid string) {
	_ = r.ParseForm()
	status := r.PostForm.Get("Status")
	if status != "canceled" && status != "completed" {
		writeError(w, failureCallStatus, "")
		return
	}
	s.mu.Lock()
	rec, ok := s.callBySID[sid]
	if !ok {
		s.mu.Unlock()
		writeError(w, notFound(r.URL.Path), "")
		return
	}
	switch rec.call.Status {
	case "queued", "ringing":
		rec.call.Status = "canceled"
		rec.stopOnce.Do(func() { close(rec.stop) })
	case "in-progress":
		if status == "completed" {
			rec.hangup = true
			rec.stopOnce.Do(func() { close(rec.stop) })
		}
	default:
		s.mu.Unlock()
		writeError(w, failureCallUpdate, "")
		return
	}
	s.notifyLocked()
	body := s.callResourceLocked(rec)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// listCalls implements GET .../Calls.json with the To, From and Status
// filters, newest call first, paged as Messages are (PageSize, Page,
// PageToken). FailListNext applies.
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) {
	if s.refuseNext(w, &s.failList) {
		return
	}
	q := r.URL.Query()
	pageSize := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, Failure{HTTPStatus: 400, Code: 20001, Message: "Invalid PageSize: " + v}, "")
			return
		}
		pageSize = min(n, 1000)
	}
	page, _ := strconv.Atoi(q.Get("Page"))
	page = max(page, 0)

	s.mu.Lock()
	var matched []*callRecord
	for _, rec := range slices.Backward(s.calls) {
		c := rec.call
		if (q.Get("To") == "" || c.To == q.Get("To")) && (q.Get("From") == "" || c.From == q.Get("From")) &&
			(q.Get("Status") == "" || c.Status == q.Get("Status")) {
			matched = append(matched, rec)
		}
	}
	start, end := pageBounds(len(matched), page, pageSize, q.Get("PageToken"), func(i int) string { return matched[i].call.SID })
	items := make([]apiCall, 0, end-start)
	for _, rec := range matched[start:end] {
		items = append(items, s.callResourceLocked(rec))
	}
	s.mu.Unlock()

	pageURI := func(p int, token string) string {
		v := url.Values{}
		for _, k := range []string{"To", "From", "Status"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("PageSize", strconv.Itoa(pageSize))
		v.Set("Page", strconv.Itoa(p))
		if token != "" {
			v.Set("PageToken", token)
		}
		return r.URL.Path + "?" + v.Encode()
	}
	list := apiCallList{
		Calls: items, Page: page, PageSize: pageSize, FirstPageURI: pageURI(0, ""),
		Start: start, End: max(start, start+len(items)-1), URI: pageURI(page, q.Get("PageToken")),
	}
	if end < len(matched) {
		next := pageURI(page+1, "PA"+matched[end-1].call.SID)
		list.NextPageURI = &next
	}
	if page > 0 {
		prev := pageURI(page-1, "")
		list.PreviousPageURI = &prev
	}
	writeJSON(w, http.StatusOK, list)
}
