package twiliotest

import "net/http"

// Failing as Twilio fails, on demand: refused creates (429, 5xx, 21211,
// 21610, 63016 and the rest), a delivery that fails later, refused lists
// and fetches, creates left unanswered, a refused account.

// FailNext makes the next n create requests (of a message or a call)
// answer f, whatever their To.
// FailNext queues up: FailNext(1, Failure500); FailNext(1, Failure503) fails
// the next request with 500 and the one after with 503.
func (s *Server) FailNext(n int, f Failure) { s.queue(&s.failNext, n, f) }

// queue adds n times f to the failures q.
func (s *Server) queue(q *[]Failure, n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		*q = append(*q, f)
	}
}

// nextFailure takes the first of the failures q; the caller holds s.mu.
func nextFailure(q *[]Failure) (Failure, bool) {
	if len(*q) == 0 {
		return Failure{}, false
	}
	f := (*q)[0]
	*q = (*q)[1:]
	return f, true
}

// refuseNext answers w with the first of the failures q, if there is one,
// and reports whether it did.
func (s *Server) refuseNext(w http.ResponseWriter, q *[]Failure) bool {
	s.mu.Lock()
	fail, ok := nextFailure(q)
	s.mu.Unlock()
	if ok {
		writeError(w, fail, "")
	}
	return ok
}

// FailTo makes every create request whose To equals to (exactly, so
// "whatsapp:+31..." and "+31..." are different) answer f until
// ClearFailures. It applies after parameter validation.
func (s *Server) FailTo(to string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failTo[to] = f
}

// FailDeliveryTo makes messages to to be accepted (201) but then fail
// delivery: the status callbacks end in status ("failed" or "undelivered")
// with ErrorCode code, e.g. 63016 for a WhatsApp freeform message outside
// the 24-hour window. "undelivered" is preceded by "sent", as with Twilio;
// "failed" means the message never left Twilio, so it comes alone.
func (s *Server) FailDeliveryTo(to string, status string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failDelivery[to] = deliveryFailure{status: status, code: code}
}

// FailOnCreateTo makes create requests to to answer 201 with the message
// already in status ("failed" or "undelivered") and error_code code, as
// Twilio does when it refuses a message it has taken (a WhatsApp freeform
// message outside the 24-hour window, say). The automatic callback then
// reports the same status once.
func (s *Server) FailOnCreateTo(to string, status string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCreate[to] = deliveryFailure{status: status, code: code}
}

// FailListNext makes the next n list requests (GET Messages.json or
// Calls.json, the lookup of a message or call whose send ended without an
// answer) answer f.
func (s *Server) FailListNext(n int, f Failure) { s.queue(&s.failList, n, f) }

// FailFetchNext makes the next n fetch requests (GET Messages/{SM}.json or
// Calls/{CA}.json, the status check of a message whose callback may have
// been lost) answer f.
func (s *Server) FailFetchNext(n int, f Failure) { s.queue(&s.failFetch, n, f) }

// FetchRequests counts every fetch request received (of a message or a
// call), including those refused.
func (s *Server) FetchRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetchRequests
}

// fetchRefused counts a fetch request and answers it with the next of
// FailFetchNext's failures, reporting whether it did.
func (s *Server) fetchRefused(w http.ResponseWriter) bool {
	s.mu.Lock()
	s.fetchRequests++
	s.mu.Unlock()
	return s.refuseNext(w, &s.failFetch)
}

// ListRequests counts every list request received, including those refused.
func (s *Server) ListRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listRequests
}

// StallNext makes the next n create requests get no answer until the client
// gives up (its timeout) or the server closes: a send that ends without an
// answer. With accept the message is taken first (Twilio has it, only its
// answer is lost); without, it is not.
func (s *Server) StallNext(n int, accept bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.stallNext = append(s.stallNext, accept)
	}
}

// Stalled is how many create requests StallNext holds without an answer
// now.
func (s *Server) Stalled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stalled
}

// RefuseAccount makes every request (create, list, fetch) answer f, as
// Twilio answers a refused account: FailureAuth (401, 20003: wrong
// credentials), FailureSuspended (401, 20005). RefuseAccount(Failure{}) or
// ClearFailures accepts the account again.
func (s *Server) RefuseAccount(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusal = nil
	if f.HTTPStatus != 0 {
		s.refusal = &f
	}
}

// ClearFailures removes every scripted failure (FailNext, FailTo,
// FailDeliveryTo, FailOnCreateTo, FailListNext, FailFetchNext, StallNext,
// RefuseAccount).
// It does not change the rate limit.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = nil
	s.failTo = map[string]Failure{}
	s.failDelivery = map[string]deliveryFailure{}
	s.failCreate = map[string]deliveryFailure{}
	s.failList = nil
	s.failFetch = nil
	s.stallNext = nil
	s.refusal = nil
}
