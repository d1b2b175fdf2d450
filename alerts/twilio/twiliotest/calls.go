package twiliotest

import (
	"net/url"
	"slices"
	"sync"
	"time"
)

// Outcomes of a call, as ScriptCall sets them.
const (
	// CallHuman: a person answers (the default) and presses the scripted keys.
	CallHuman = "human"
	// CallMachine: voicemail answers. With MachineDetection=DetectMessageEnd
	// the call's AnsweredBy is "machine_end_beep" and the TwiML is fetched
	// and played all the same (after the beep); no key is pressed.
	CallMachine = "machine_end_beep"
	// CallBusy, CallNoAnswer and CallFailed end the call without an answer:
	// no TwiML is fetched and the final status callback says so.
	CallBusy     = "busy"
	CallNoAnswer = "no-answer"
	CallFailed   = "failed"
)

// CallScript is what happens when the stand-in calls a number.
type CallScript struct {
	// Outcome is one of CallHuman (when empty), CallMachine, CallBusy,
	// CallNoAnswer, CallFailed.
	Outcome string
	// Keys are what a person presses, one entry per <Gather> in the order
	// the call meets them; "" presses nothing (the gather times out). A
	// gather beyond the list gets nothing either.
	Keys []string
	// Recordings are what a person says, one per <Record> in order; a
	// <Record> beyond the list records silence (Twilio then skips the
	// action and goes on with the next verb).
	Recordings []Recording
	// Hold, when set, keeps the call ringing until it is closed or the call
	// is canceled (POST Calls/{CA}.json Status=canceled): a test's moment to
	// cancel a call that has not been answered.
	Hold <-chan struct{}
}

// Recording is what a person says to a <Record>.
type Recording struct {
	Audio       []byte
	ContentType string // of Audio; "audio/x-wav" when empty
	Duration    int    // seconds, reported as RecordingDuration
	// Digits is the key that ended the recording ("#"); empty means the
	// caller hung up, which Twilio reports as Digits "hangup" and after which
	// the action's answer is not played.
	Digits string
}

// ScriptCall sets what happens on calls to to (E.164) from now on.
func (s *Server) ScriptCall(to string, script CallScript) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[to] = script
}

// Call is what the stand-in recorded of one accepted call: what was asked
// for, what it posted and fetched, what was played and pressed.
type Call struct {
	SID                  string
	To, From             string
	URL, Method          string // the TwiML of the call; Method GET or POST
	StatusCallback       string
	StatusCallbackMethod string
	StatusCallbackEvents []string // as asked; "completed" is always posted
	MachineDetection     string
	Timeout, TimeLimit   int // seconds; 0 when not given
	// Status follows the call: queued, ringing, in-progress, then completed,
	// busy, no-answer, failed or canceled.
	Status      string
	AnsweredBy  string // "human" or "machine_end_beep" when MachineDetection was asked
	Duration    int    // seconds of the answered call
	DateCreated time.Time
	// Events are the status callbacks posted, in order.
	Events []CallEvent
	// Played is what the call heard, in order: <Say> and <Play>, also
	// those inside a <Gather>.
	Played []Played
	// Keys are the keys pressed, one per <Gather> that got any.
	Keys []string
	// Fetches counts the TwiML documents requested: the call's URL, Gather
	// and Record actions, Redirects.
	Fetches int
	// Requests are the requests made to the service for the call's TwiML
	// (Url, actions, redirects), in order.
	Requests []CallRequest
	// Errors are what Twilio's debugger would show: a TwiML document that
	// could not be fetched or is not valid TwiML ends the call (status
	// completed, as Twilio's "application error" does); a <Play> whose
	// audio could not be fetched is skipped.
	Errors []CallError
	// Done is set when nothing more will happen: the final status callback
	// has been posted (or there was no StatusCallback).
	Done bool
}

// CallEvent is one status callback posted for a call.
type CallEvent struct {
	Event      string // initiated, ringing, answered, completed
	CallStatus string
	URL        string
	Params     url.Values
	Signature  string
	HTTPStatus int   // the answer, 0 when the request itself failed
	Err        error // transport error, if any
}

// Played is one <Say> or <Play> the call heard.
type Played struct {
	Verb     string // "Say" or "Play"
	Text     string // of a Say
	Language string // of a Say
	Voice    string // of a Say
	Loop     int    // 0 when not given (Twilio's default is once)
	URL      string // of a Play, absolute
	// Fetched says a Play's audio was fetched: 200 with an audio type.
	Fetched bool
	// InGather says it was a child of a <Gather>.
	InGather bool
}

// CallRequest is one request of TwiML made for a call.
type CallRequest struct {
	URL        string
	Method     string
	Params     url.Values
	Signature  string
	HTTPStatus int
}

// CallError is an error of a call as Twilio's debugger numbers them:
// 11200 HTTP retrieval failure, 12100 document parse failure, 12200 schema
// validation (an unknown verb or attribute), 12300 invalid content type,
// 14106 document retrieval limit (a Redirect loop).
type CallError struct {
	Code    int
	Message string
	URL     string
}

// callRecord is an accepted call. call is guarded by Server.mu.
type callRecord struct {
	call   Call
	script CallScript
	// stop is closed when the call is canceled or hung up through the API.
	stop     chan struct{}
	stopOnce sync.Once
	hangup   bool // guarded by Server.mu: Status=completed on a call in progress
	// gathers and records count the <Gather>s and <Record>s met so far;
	// only the call's playout goroutine uses them.
	gathers, records int
}

// Calls returns a snapshot of every accepted call, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked()
}

func (s *Server) callsLocked() []Call {
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.call.clone()
	}
	return out
}

func (c Call) clone() Call {
	c.StatusCallbackEvents = slices.Clone(c.StatusCallbackEvents)
	c.Events = slices.Clone(c.Events)
	c.Played = slices.Clone(c.Played)
	c.Keys = slices.Clone(c.Keys)
	c.Requests = slices.Clone(c.Requests)
	c.Errors = slices.Clone(c.Errors)
	return c
}

// CallBySID returns the accepted call with the given SID.
func (s *Server) CallBySID(sid string) (Call, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.callBySID[sid]
	if !ok {
		return Call{}, false
	}
	return c.call.clone(), true
}

// WaitForCall waits until the call sid is Done or timeout passes; it
// returns the call and whether it is done.
func (s *Server) WaitForCall(sid string, timeout time.Duration) (Call, bool) {
	return waitFor(s, timeout, func() (Call, bool) {
		c, ok := s.callBySID[sid]
		if !ok {
			return Call{}, false
		}
		return c.call.clone(), c.call.Done
	})
}

// WaitForCalls waits until at least n calls were accepted and every call
// accepted is Done, or timeout passes.
func (s *Server) WaitForCalls(n int, timeout time.Duration) ([]Call, bool) {
	return waitFor(s, timeout, func() ([]Call, bool) {
		calls := s.callsLocked()
		done := len(calls) >= n
		for _, c := range calls {
			done = done && c.Done
		}
		return calls, done
	})
}

// CallRequests counts every create-call request received, including those
// refused.
func (s *Server) CallRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callRequests
}
