package twiliotest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const apiVersion = "2010-04-01"

// twilioDate is the RFC 1123 layout with numeric zone that Twilio uses for
// date_created, date_updated and date_sent, always in UTC.
const twilioDate = time.RFC1123Z

// serveHTTP routes the Messages endpoints twilio-go uses for SMS and
// WhatsApp, the Calls endpoints it uses for Voice (callsapi.go) and the
// media of the recordings calls made (playout.go). Anything else is a
// Twilio-shaped 404, so a wrong path shows up as a
// *client.TwilioRestError rather than a decode failure.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if d := s.roundTrip(); d > 0 {
		w = &heldWriter{ResponseWriter: w, until: time.Now().Add(d), done: r.Context().Done(), closing: s.closing}
	}
	w.Header().Set("Twilio-Request-Id", newSID("RQ"))
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) < 4 || parts[0] != apiVersion || parts[1] != "Accounts" {
		writeError(w, notFound(r.URL.Path), "")
		return
	}
	account := parts[2]
	switch {
	case len(parts) == 4 && parts[3] == "Messages.json":
		switch r.Method {
		case http.MethodPost:
			s.mu.Lock()
			s.requests++
			s.mu.Unlock()
			if s.authorized(w, r, account) {
				s.createMessage(w, r)
			}
		case http.MethodGet:
			s.mu.Lock()
			s.listRequests++
			s.mu.Unlock()
			if s.authorized(w, r, account) {
				s.listMessages(w, r)
			}
		default:
			writeError(w, failureMethod, "")
		}
	case len(parts) == 5 && parts[3] == "Messages" && strings.HasSuffix(parts[4], ".json"):
		if r.Method != http.MethodGet {
			writeError(w, failureMethod, "")
			return
		}
		if s.authorized(w, r, account) {
			s.fetchMessage(w, r, strings.TrimSuffix(parts[4], ".json"))
		}
	case len(parts) == 4 && parts[3] == "Calls.json":
		switch r.Method {
		case http.MethodPost:
			s.mu.Lock()
			s.callRequests++
			s.mu.Unlock()
			if s.authorized(w, r, account) {
				s.createCall(w, r)
			}
		case http.MethodGet:
			s.mu.Lock()
			s.listRequests++
			s.mu.Unlock()
			if s.authorized(w, r, account) {
				s.listCalls(w, r)
			}
		default:
			writeError(w, failureMethod, "")
		}
	case len(parts) == 5 && parts[3] == "Calls" && strings.HasSuffix(parts[4], ".json"):
		sid := strings.TrimSuffix(parts[4], ".json")
		switch r.Method {
		case http.MethodGet:
			if s.authorized(w, r, account) {
				s.fetchCall(w, r, sid)
			}
		case http.MethodPost:
			if s.authorized(w, r, account) {
				s.updateCall(w, r, sid)
			}
		default:
			writeError(w, failureMethod, "")
		}
	case len(parts) == 5 && parts[3] == "Recordings":
		if r.Method != http.MethodGet {
			writeError(w, failureMethod, "")
			return
		}
		if s.authorized(w, r, account) {
			s.serveRecording(w, r, parts[4])
		}
	default:
		writeError(w, notFound(r.URL.Path), "")
	}
}

// authorized checks Basic auth and that the path names the authenticated
// account, answering 401/20003 like Twilio when either is wrong.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request, account string) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.accountSID || pass != s.authToken || account != s.accountSID {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, FailureAuth, "")
		return false
	}
	s.mu.Lock()
	refusal := s.refusal
	s.mu.Unlock()
	if refusal != nil {
		if refusal.HTTPStatus == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		}
		writeError(w, *refusal, "")
		return false
	}
	return true
}

func notFound(path string) Failure {
	return Failure{HTTPStatus: 404, Code: 20404, Message: "The requested resource " + path + " was not found"}
}

// writeError writes Twilio's error JSON; to fills the "{To}" token.
func writeError(w http.ResponseWriter, f Failure, to string) {
	body := map[string]any{
		"code":      f.Code,
		"message":   strings.ReplaceAll(f.Message, "{To}", to),
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(f.Code),
		"status":    f.HTTPStatus,
	}
	if f.Code == FailureAuth.Code {
		body["detail"] = "Your AccountSid or AuthToken was incorrect."
	}
	writeJSON(w, f.HTTPStatus, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// createMessage implements POST .../Messages.json. Checks run in this
// order: rate limit, FailNext, StallNext (unaccepted), Twilio's own
// parameter validation, FailTo, StallNext (accepted), FailOnCreateTo.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	to := f.Get("To")

	now, stall, ok := s.admitCreate(w, r, to)
	if !ok {
		return
	}

	if fail, bad := validateCreate(f); bad {
		writeError(w, fail, to)
		return
	}
	validity, _ := strconv.Atoi(f.Get("ValidityPeriod"))
	m := Message{
		SID:                 newSID("SM"),
		To:                  to,
		From:                f.Get("From"),
		MessagingServiceSID: f.Get("MessagingServiceSid"),
		Body:                f.Get("Body"),
		ContentSID:          f.Get("ContentSid"),
		ContentVariables:    f.Get("ContentVariables"),
		StatusCallback:      f.Get("StatusCallback"),
		MediaURLs:           append([]string(nil), f["MediaUrl"]...),
		ValidityPeriod:      validity,
		Status:              "queued",
		DateCreated:         now,
		Channel:             channelOf(to),
	}
	if m.MessagingServiceSID != "" {
		m.Status = "accepted"
	}
	m.NumSegments = numSegments(m.Body, m.Channel)

	s.mu.Lock()
	if fail, ok := s.failTo[to]; ok {
		s.mu.Unlock()
		writeError(w, fail, to)
		return
	}
	failNow, failsNow := s.failCreate[to]
	if failsNow {
		m.Status, m.ErrorCode = failNow.status, failNow.code
	}
	rec := &record{msg: m}
	s.msgs = append(s.msgs, rec)
	s.bySID[m.SID] = rec
	s.notifyLocked()
	var steps []deliveryFailure
	if s.autoCallbacks && !s.closed {
		steps = []deliveryFailure{{status: "sent"}, {status: "delivered"}}
		if failsNow {
			steps = []deliveryFailure{failNow}
		} else if df, ok := s.failDelivery[to]; ok {
			steps = []deliveryFailure{{status: "sent"}, df}
			if df.status == "failed" {
				steps = steps[1:]
			}
		}
		s.wg.Add(1)
	}
	body := s.resourceLocked(rec)
	s.mu.Unlock()

	if stall {
		s.stall(r) // taken, and its answer lost
	} else {
		writeJSON(w, http.StatusCreated, body)
	}
	if steps != nil {
		go s.runCallbacks(rec, steps)
	}
}

// admitCreate applies to a create request (a message or a call) the rate
// limit, FailNext and StallNext. When ok is false the request has been
// answered (or stalled unaccepted); stall says the request is to be taken
// and its answer lost.
func (s *Server) admitCreate(w http.ResponseWriter, r *http.Request, to string) (now time.Time, stall, ok bool) {
	s.mu.Lock()
	now = time.Now().UTC()
	if !s.admitLocked(now) {
		s.mu.Unlock()
		writeError(w, Failure429, to)
		return now, false, false
	}
	if s.createdAt != nil {
		now = s.createdAt().UTC() // the rate limit counts on the time of day
	}
	if fail, ok := nextFailure(&s.failNext); ok {
		s.mu.Unlock()
		writeError(w, fail, to)
		return now, false, false
	}
	acceptStalled := false
	if len(s.stallNext) > 0 {
		stall, acceptStalled = true, s.stallNext[0]
		s.stallNext = s.stallNext[1:]
	}
	s.mu.Unlock()
	if stall && !acceptStalled {
		s.stall(r)
		return now, false, false
	}
	return now, stall, true
}

// stall answers nothing until the client gives up or the server closes.
func (s *Server) stall(r *http.Request) {
	s.mu.Lock()
	s.stalled++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.stalled--
		s.mu.Unlock()
	}()
	select {
	case <-r.Context().Done():
	case <-s.closing:
	}
}

// validateCreate applies the checks Twilio makes on every create request.
func validateCreate(f url.Values) (Failure, bool) {
	to, from := f.Get("To"), f.Get("From")
	switch {
	case to == "":
		return failureNoTo, true
	case from == "" && f.Get("MessagingServiceSid") == "":
		return failureNoFrom, true
	case f.Get("Body") == "" && f.Get("ContentSid") == "" && len(f["MediaUrl"]) == 0:
		return failureNoBody, true
	case utf8.RuneCountInString(f.Get("Body")) > 1600:
		return failureBodyTooLong, true
	case !validE164(to):
		return FailureInvalidNumber, true
	case from != "" && channelOf(from) != channelOf(to):
		return failureChannelPair, true
	}
	if cv := f.Get("ContentVariables"); cv != "" {
		var vars map[string]any
		if json.Unmarshal([]byte(cv), &vars) != nil {
			return failureContentVars, true
		}
	}
	return Failure{}, false
}

// apiMessage is Twilio's Message resource as JSON. Fields Twilio sends as
// null are pointers without omitempty, so the shape matches the real one.
type apiMessage struct {
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                *string           `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	SID                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

func (s *Server) messageURI(sid string) string {
	return "/" + apiVersion + "/Accounts/" + s.accountSID + "/Messages/" + sid + ".json"
}

// resourceLocked renders rec as Twilio would at this moment: date_sent is
// null until the message has been sent, error_code until it failed.
func (s *Server) resourceLocked(rec *record) apiMessage {
	m := rec.msg
	created := m.DateCreated.Format(twilioDate)
	uri := s.messageURI(m.SID)
	a := apiMessage{
		AccountSID:      s.accountSID,
		APIVersion:      apiVersion,
		Body:            m.Body,
		DateCreated:     created,
		DateUpdated:     created,
		Direction:       "outbound-api",
		NumMedia:        strconv.Itoa(len(m.MediaURLs)),
		NumSegments:     strconv.Itoa(m.NumSegments),
		PriceUnit:       "USD",
		SID:             m.SID,
		Status:          m.Status,
		SubresourceURIs: map[string]string{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
		To:              m.To,
		URI:             uri,
	}
	if m.From != "" {
		a.From = &m.From
	}
	if m.MessagingServiceSID != "" {
		a.MessagingServiceSID = &m.MessagingServiceSID
	}
	switch m.Status {
	case "queued", "accepted", "scheduled", "sending", "canceled":
	default:
		a.DateSent = &created
	}
	if m.ErrorCode != 0 {
		code := m.ErrorCode
		a.ErrorCode = &code
	}
	return a
}

func (s *Server) fetchMessage(w http.ResponseWriter, r *http.Request, sid string) {
	if s.fetchRefused(w) {
		return
	}
	s.mu.Lock()
	rec, ok := s.bySID[sid]
	var body apiMessage
	if ok {
		body = s.resourceLocked(rec)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound(r.URL.Path), "")
		return
	}
	writeJSON(w, http.StatusOK, body)
}
