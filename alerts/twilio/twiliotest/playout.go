package twiliotest

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxFetches caps the TwiML documents one call may request: a Redirect or
// action that loops ends the call with error 14106, as Twilio's document
// retrieval limit does.
const maxFetches = 20

// maxTwiML is the largest TwiML document Twilio reads (64 kB).
const maxTwiML = 64 << 10

// playOut is a call's life after its 201, on a callback goroutine: the
// status callbacks, and when it is answered its TwiML, walked verb by verb.
// It stops, dropping what is left, when the server closes.
func (s *Server) playOut(rec *callRecord) {
	defer s.wg.Done()
	outcome := or(rec.script.Outcome, CallHuman)
	if !s.advance(rec, "queued") {
		s.end(rec, "canceled", 0)
		return
	}
	if !s.postEvent(rec, "initiated", "initiated", 0) {
		return
	}
	if outcome == CallFailed {
		s.end(rec, "failed", 0)
		return
	}
	if !s.advance(rec, "ringing") {
		s.end(rec, "canceled", 0)
		return
	}
	if !s.postEvent(rec, "ringing", "ringing", 0) {
		return
	}
	if hold := rec.script.Hold; hold != nil {
		select {
		case <-hold:
		case <-rec.stop:
		case <-s.closing:
			s.markDone(rec)
			return
		}
	}
	if outcome == CallBusy || outcome == CallNoAnswer {
		if !s.advance(rec, "ringing") {
			outcome = "canceled"
		}
		s.end(rec, outcome, 0)
		return
	}
	if !s.advance(rec, "in-progress") {
		s.end(rec, "canceled", 0)
		return
	}
	answered := time.Now()
	s.mu.Lock()
	if rec.call.MachineDetection != "" {
		rec.call.AnsweredBy = "human"
		if outcome == CallMachine {
			rec.call.AnsweredBy = CallMachine
		}
	}
	s.mu.Unlock()
	if !s.postEvent(rec, "answered", "in-progress", 0) {
		return
	}
	s.walk(rec)
	secs := int((time.Since(answered) + time.Second - 1) / time.Second)
	s.end(rec, "completed", max(secs, 1))
}

// advance moves the call to status unless it was canceled meanwhile.
func (s *Server) advance(rec *callRecord, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.call.Status == "canceled" {
		return false
	}
	rec.call.Status = status
	s.notifyLocked()
	return true
}

// end gives the call its final status and posts the "completed" event.
func (s *Server) end(rec *callRecord, status string, duration int) {
	s.mu.Lock()
	rec.call.Status = status
	rec.call.Duration = duration
	s.notifyLocked()
	s.mu.Unlock()
	s.postEvent(rec, "completed", status, duration)
	s.markDone(rec)
}

func (s *Server) markDone(rec *callRecord) {
	s.mu.Lock()
	rec.call.Done = true
	s.notifyLocked()
	s.mu.Unlock()
}

// postEvent posts a status callback for event, if the call asked for it
// ("completed" is always posted when there is a StatusCallback), signed
// as Twilio signs it. It reports false, having marked the call done, when
// the server is closing.
func (s *Server) postEvent(rec *callRecord, event, callStatus string, duration int) bool {
	select {
	case <-s.closing:
		s.markDone(rec)
		return false
	default:
	}
	s.mu.Lock()
	c := rec.call
	s.mu.Unlock()
	if c.StatusCallback == "" || (event != "completed" && !slices.Contains(c.StatusCallbackEvents, event)) {
		return true
	}
	p := s.callParams(c)
	p.Set("CallStatus", callStatus)
	p.Set("CallbackSource", "call-progress-events")
	p.Set("SequenceNumber", strconv.Itoa(len(c.Events)))
	p.Set("Timestamp", time.Now().UTC().Format(twilioDate))
	if event == "completed" {
		p.Set("CallDuration", strconv.Itoa(duration))
	}
	if c.AnsweredBy == "" {
		p.Del("AnsweredBy")
	}
	ev := CallEvent{Event: event, CallStatus: callStatus, URL: c.StatusCallback, Params: p}
	resp, sig, err := s.webhook(c.StatusCallbackMethod, c.StatusCallback, p)
	ev.Signature, ev.Err = sig, err
	if resp != nil {
		ev.HTTPStatus = resp.StatusCode
	}
	s.mu.Lock()
	rec.call.Events = append(rec.call.Events, ev)
	s.notifyLocked()
	s.mu.Unlock()
	return true
}

// callParams are the fields Twilio posts with every request about a call.
func (s *Server) callParams(c Call) url.Values {
	p := url.Values{}
	p.Set("AccountSid", s.accountSID)
	p.Set("CallSid", c.SID)
	p.Set("From", c.From)
	p.Set("To", c.To)
	p.Set("Direction", "outbound-api")
	p.Set("ApiVersion", apiVersion)
	if c.MachineDetection != "" && c.AnsweredBy != "" {
		p.Set("AnsweredBy", c.AnsweredBy)
	}
	return p
}

// webhook makes a signed request to the service as Twilio does: a POST
// with the form signed with its URL, or a GET with the params in the query
// and the full URL signed. The answer's body is already read into memory,
// as post does (a GET's up to one byte more than the largest TwiML).
func (s *Server) webhook(method, target string, p url.Values) (*http.Response, string, error) {
	if method == http.MethodGet {
		u, err := url.Parse(target)
		if err != nil {
			return nil, "", err
		}
		q := u.Query()
		for k, vs := range p {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		sig := Sign(s.authToken, u.String(), nil)
		req, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, sig, err
		}
		req.Header.Set("X-Twilio-Signature", sig)
		req.Header.Set("User-Agent", "TwilioProxy/1.1")
		resp, err := s.webhooks.Do(req)
		if err != nil {
			return nil, sig, err
		}
		// As post does: the body read, the connection released.
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxTwiML+1))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, sig, err
	}
	sig := Sign(s.authToken, target, p)
	resp, err := s.post(target, p, sig)
	return resp, sig, err
}

// callErr records an error of the call.
func (s *Server) callErr(rec *callRecord, code int, target, format string, a ...any) {
	s.mu.Lock()
	rec.call.Errors = append(rec.call.Errors, CallError{Code: code, URL: target, Message: fmt.Sprintf(format, a...)})
	s.notifyLocked()
	s.mu.Unlock()
}

// fetchTwiML requests a TwiML document for the call with extra params
// (Digits, a recording's). ok is false when the call ends here: the
// document could not be had or is not valid TwiML (recorded as an error),
// the fetch limit was reached, or the server is closing.
func (s *Server) fetchTwiML(rec *callRecord, method, target string, extra url.Values) (verbs []node, docURL string, ok bool) {
	select {
	case <-s.closing:
		return nil, "", false
	default:
	}
	s.mu.Lock()
	if rec.call.Fetches >= maxFetches {
		s.mu.Unlock()
		s.callErr(rec, 14106, target, "document retrieval limit reached: %d TwiML documents (a Redirect or action loop?)", maxFetches)
		return nil, "", false
	}
	rec.call.Fetches++
	c := rec.call
	s.mu.Unlock()

	p := s.callParams(c)
	p.Set("CallStatus", "in-progress")
	for k, vs := range extra {
		p[k] = vs
	}
	resp, sig, err := s.webhook(method, target, p)
	req := CallRequest{URL: target, Method: method, Params: p, Signature: sig}
	if resp != nil {
		req.HTTPStatus = resp.StatusCode
	}
	s.mu.Lock()
	rec.call.Requests = append(rec.call.Requests, req)
	s.mu.Unlock()
	if err != nil {
		s.callErr(rec, 11205, target, "HTTP connection failure: %v", err)
		return nil, "", false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTwiML+1))
	switch {
	case resp.StatusCode != http.StatusOK:
		s.callErr(rec, 11200, target, "HTTP retrieval failure: %s", resp.Status)
		return nil, "", false
	case err != nil:
		s.callErr(rec, 11200, target, "HTTP retrieval failure: %v", err)
		return nil, "", false
	case len(body) > maxTwiML:
		s.callErr(rec, 11750, target, "TwiML response body too large")
		return nil, "", false
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/xml" && mt != "application/xml" {
		s.callErr(rec, 12300, target, "invalid Content-Type %q", resp.Header.Get("Content-Type"))
		return nil, "", false
	}
	verbs, err = parseTwiML(body)
	if err != nil {
		te := err.(*twimlError)
		s.callErr(rec, te.code, target, "%s", te.msg)
		return nil, "", false
	}
	return verbs, target, true
}

// walk plays the call's TwiML from its Url until the call ends.
func (s *Server) walk(rec *callRecord) {
	s.mu.Lock()
	c := rec.call
	s.mu.Unlock()
	verbs, docURL, ok := s.fetchTwiML(rec, c.Method, c.URL, nil)
	for ok {
		verbs, docURL, ok = s.run(rec, verbs, docURL)
	}
}

// run plays one document's verbs in order. It returns the next document
// when a verb hands the call on (a Gather with a key, a Record's action, a
// Redirect), or ok false when the call ends.
func (s *Server) run(rec *callRecord, verbs []node, docURL string) ([]node, string, bool) {
	for _, v := range verbs {
		s.mu.Lock()
		hangup := rec.hangup
		s.mu.Unlock()
		if hangup {
			return nil, "", false
		}
		switch v.name {
		case "Say", "Play":
			s.play(rec, v, false)
		case "Gather":
			for _, ch := range v.children {
				if ch.name != "Pause" {
					s.play(rec, ch, true)
				}
			}
			key := s.nextKey(rec)
			if key == "" && v.attr("actionOnEmptyResult") != "true" {
				continue // Twilio goes on with the next verb
			}
			return s.fetchTwiML(rec, or(v.attr("method"), http.MethodPost), resolve(docURL, v.attr("action")), url.Values{"Digits": {key}})
		case "Record":
			next, u, ok, recorded := s.record(rec, v, docURL)
			if recorded {
				return next, u, ok
			}
		case "Redirect":
			return s.fetchTwiML(rec, or(v.attr("method"), http.MethodPost), resolve(docURL, v.text), nil)
		case "Hangup", "Reject":
			return nil, "", false
		}
	}
	return nil, "", false
}

// resolve is ref against the document's URL; an empty ref is the document.
func resolve(docURL, ref string) string {
	base, err := url.Parse(docURL)
	if err != nil || ref == "" {
		return docURL
	}
	u, err := base.Parse(ref)
	if err != nil {
		return docURL
	}
	return u.String()
}

// nextKey is the scripted key for the call's next <Gather>: none for a
// machine.
func (s *Server) nextKey(rec *callRecord) string {
	i := rec.gathers
	rec.gathers++
	if rec.script.Outcome == CallMachine || i >= len(rec.script.Keys) {
		return ""
	}
	key := rec.script.Keys[i]
	if key != "" {
		s.mu.Lock()
		rec.call.Keys = append(rec.call.Keys, key)
		s.notifyLocked()
		s.mu.Unlock()
	}
	return key
}

// play records a <Say> or <Play>; a Play's audio is fetched as Twilio
// fetches it (a GET, no auth) and must answer 200 with an audio type, or it
// is an error (11200) and skipped.
func (s *Server) play(rec *callRecord, v node, inGather bool) {
	loop, _ := strconv.Atoi(v.attr("loop"))
	p := Played{Verb: v.name, Loop: loop, InGather: inGather}
	if v.name == "Say" {
		p.Text, p.Language, p.Voice = v.text, v.attr("language"), v.attr("voice")
	} else {
		p.URL = v.text
		p.Fetched = s.fetchAudio(rec, v.text)
	}
	s.mu.Lock()
	rec.call.Played = append(rec.call.Played, p)
	s.notifyLocked()
	s.mu.Unlock()
}

// audioTypes are the content types of <Play> the stand-in accepts.
var audioTypes = []string{"audio/mpeg", "audio/wav", "audio/wave", "audio/x-wav"}

func (s *Server) fetchAudio(rec *callRecord, target string) bool {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		s.callErr(rec, 11200, target, "Play: %v", err)
		return false
	}
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := s.webhooks.Do(req)
	if err != nil {
		s.callErr(rec, 11200, target, "Play: HTTP retrieval failure: %v", err)
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case resp.StatusCode != http.StatusOK:
		s.callErr(rec, 11200, target, "Play: HTTP retrieval failure: %s", resp.Status)
		return false
	case !slices.Contains(audioTypes, mt):
		s.callErr(rec, 12300, target, "Play: invalid Content-Type %q", resp.Header.Get("Content-Type"))
		return false
	}
	return true
}

// recording is one recording a <Record> made, served at its RecordingUrl.
type recording struct {
	audio       []byte
	contentType string
}

// record plays a <Record> with the call's next scripted recording. With
// none, nothing was said: recorded is false and the call goes on with the
// next verb. Otherwise the recording is stored, its status callback posted
// when asked, and the action requested with RecordingUrl,
// RecordingDuration, RecordingSid and Digits; the action's answer is
// played unless the caller hung up.
func (s *Server) record(rec *callRecord, v node, docURL string) (verbs []node, next string, ok, recorded bool) {
	i := rec.records
	rec.records++
	if rec.script.Outcome == CallMachine || i >= len(rec.script.Recordings) {
		return nil, "", false, false
	}
	r := rec.script.Recordings[i]
	sid := newSID("RE")
	recURL := s.ts.URL + "/" + apiVersion + "/Accounts/" + s.accountSID + "/Recordings/" + sid
	s.mu.Lock()
	s.recordings[sid] = &recording{audio: r.Audio, contentType: or(r.ContentType, "audio/x-wav")}
	c := rec.call
	s.mu.Unlock()
	digits := or(r.Digits, "hangup")
	fields := url.Values{"RecordingUrl": {recURL}, "RecordingSid": {sid}, "RecordingDuration": {strconv.Itoa(r.Duration)}}
	if cb := v.attr("recordingStatusCallback"); cb != "" {
		p := s.callParams(c)
		for k, vs := range fields {
			p[k] = vs
		}
		p.Set("RecordingStatus", "completed")
		p.Set("RecordingChannels", "1")
		p.Set("RecordingSource", "RecordVerb")
		target := resolve(docURL, cb)
		method := or(v.attr("recordingStatusCallbackMethod"), http.MethodPost)
		resp, sig, err := s.webhook(method, target, p)
		req := CallRequest{URL: target, Method: method, Params: p, Signature: sig}
		if err == nil {
			req.HTTPStatus = resp.StatusCode
			resp.Body.Close()
		}
		s.mu.Lock()
		rec.call.Requests = append(rec.call.Requests, req)
		s.mu.Unlock()
	}
	fields.Set("Digits", digits)
	verbs, next, ok = s.fetchTwiML(rec, or(v.attr("method"), http.MethodPost), resolve(docURL, v.attr("action")), fields)
	if digits == "hangup" {
		return nil, "", false, true
	}
	return verbs, next, ok, true
}

// serveRecording implements GET .../Recordings/{RE}[.mp3|.wav]: the audio
// a <Record> took, as recorded (the stand-in does not convert it).
func (s *Server) serveRecording(w http.ResponseWriter, r *http.Request, name string) {
	sid := strings.TrimSuffix(strings.TrimSuffix(name, ".mp3"), ".wav")
	s.mu.Lock()
	rc, ok := s.recordings[sid]
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound(r.URL.Path), "")
		return
	}
	w.Header().Set("Content-Type", rc.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(rc.audio)))
	_, _ = w.Write(rc.audio)
}
