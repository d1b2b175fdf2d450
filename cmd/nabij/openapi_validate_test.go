package main

// Every request the end-to-end tests send to a harness, and every answer,
// is held against docs/openapi.yaml (issue 15 item 2): the file is the
// contract, and a field or a status it does not name fails the test that
// made the request.
//
// How: TestMain (main_test.go) wraps http.DefaultTransport in harnessTransport. Every client
// the tests use (http.DefaultClient, http.Get, the staff pages' and OIDC's
// clients with a cookie jar, http.DefaultTransport.RoundTrip itself) goes
// through it, so none can skip the check. A request to the address of a
// running harness (startHarnessWith registers it) is validated with the
// harness's test; requests elsewhere (the Twilio stand-in, the OIDC provider)
// pass untouched.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// openapiPath is the contract, from this package's directory.
const openapiPath = "../../docs/openapi.yaml"

var contract struct {
	once sync.Once
	// requests are checked against the file as written, answers against
	// the file with their objects closed (closeAnswers): a schema may be
	// shared by both, and nabij ignores fields it does not know on the way
	// in, but sends none the file does not name.
	requests, answers routers.Router
	doc               *openapi3.T // as written
	// requestBodies and answerBodies check JSON bodies, compiled once
	// (openapi_body_test.go).
	requestBodies, answerBodies jsonBodies
	err                         error
}

// loadContract reads docs/openapi.yaml once per test binary, checks it is
// a valid OpenAPI document and builds the routers that check requests
// (the file as written) and answers (closed).
func loadContract() (requests, answers routers.Router, err error) {
	contract.once.Do(func() {
		load := func(close bool) (*openapi3.T, routers.Router, jsonBodies, error) {
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromFile(openapiPath)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("load %s: %w", openapiPath, err)
			}
			if err := doc.Validate(loader.Context); err != nil {
				return nil, nil, nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", openapiPath, err)
			}
			if close {
				closeAnswers(doc)
			}
			// The file's server is `nabij serve`'s default address; a
			// harness listens elsewhere. Paths are matched whatever the host.
			doc.Servers = openapi3.Servers{{URL: "/"}}
			router, err := gorillamux.NewRouter(doc)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("route %s: %w", openapiPath, err)
			}
			bodies, err := compileJSONBodies(doc)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", openapiPath, err)
			}
			return doc, router, bodies, nil
		}
		contract.doc, contract.requests, contract.requestBodies, contract.err = load(false)
		if contract.err == nil {
			_, contract.answers, contract.answerBodies, contract.err = load(true)
		}
	})
	return contract.requests, contract.answers, contract.err
}

// closeAnswers makes every object schema with properties reachable from an
// answer refuse properties it does not name (additionalProperties: false), unless the
// file says otherwise for it (a map such as `target`, which states its
// additionalProperties). This is what "no field the file does not name"
// means, checked by the validator: kin-openapi has no option for it.
//
// An allOf of objects is merged into one object with all their properties,
// which is closed (each member closed would refuse the others' fields);
// the members themselves are left as they are.
func closeAnswers(doc *openapi3.T) {
	var seen map[*openapi3.Schema]bool
	var visit func(s *openapi3.Schema, close bool)
	var walk func(ref *openapi3.SchemaRef, close bool)
	walk = func(ref *openapi3.SchemaRef, close bool) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		visit(s, close)
		for _, p := range s.Properties {
			walk(p, true)
		}
		walk(s.Items, true)
		walk(s.AdditionalProperties.Schema, true)
		for _, o := range s.OneOf {
			walk(o, true)
		}
		for _, o := range s.AnyOf {
			walk(o, true)
		}
		for _, o := range s.AllOf {
			walk(o, false)
		}
	}
	answers := func() {
		seen = map[*openapi3.Schema]bool{}
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				for _, res := range op.Responses.Map() {
					if res.Value == nil {
						continue
					}
					for _, mt := range res.Value.Content {
						walk(mt.Schema, true)
					}
				}
			}
		}
	}
	// First the allOfs merged, while their members are as written; then
	// every object closed.
	visit = func(s *openapi3.Schema, close bool) {
		if close && len(s.AllOf) > 0 {
			mergeAllOf(s)
		}
	}
	answers()
	visit = func(s *openapi3.Schema, close bool) {
		// An object without properties ({type: object}) is any object.
		if close && len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
	}
	answers()
}

// mergeAllOf makes s, an allOf of objects with properties, one object with
// their properties and their required ones. An allOf of anything else is
// left as it is (and open).
func mergeAllOf(s *openapi3.Schema) {
	props := openapi3.Schemas{}
	var required []string
	for _, m := range s.AllOf {
		if m.Value == nil || len(m.Value.Properties) == 0 || m.Value.AdditionalProperties.Has != nil ||
			m.Value.AdditionalProperties.Schema != nil {
			return
		}
		for k, v := range m.Value.Properties {
			props[k] = v
		}
		required = append(required, m.Value.Required...)
	}
	for k, v := range s.Properties {
		props[k] = v
	}
	s.Properties, s.Required, s.AllOf = props, append(s.Required, required...), nil
	s.Type = &openapi3.Types{openapi3.TypeObject}
}

func init() {
	// Answers nabij gives besides JSON and YAML: the reference page and a
	// melding draft (HTML), a translation file (TOML), TwiML to Twilio (XML).
	// Their status and content type are checked; their bodies are read as
	// plain text.
	for _, ct := range []string{"text/html", "application/toml", "text/xml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// inContract reports whether a path is one the file describes: its header
// claims /api/… (the JSON API, the file itself and its reference page),
// /webhooks/…, /healthz and /metrics. The staff pages are HTML for
// browsers and are not described (TestOpenAPIMatchesTheRoutes lists them).
func inContract(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/webhooks/") ||
		path == "/healthz" || path == "/metrics"
}

// contractCheck validates requests and answers against the contract and
// reports what is wrong.
type contractCheck struct {
	requests, answers routers.Router // from loadContract
	// report is told every difference, in one readable line.
	report func(msg string)
	// invalidOnPurpose is true for a test that sends requests the file
	// refuses, on purpose (sendsInvalidRequests): such a request is not
	// reported when nabij refuses it too (a 4xx), only when nabij accepts
	// it. Its answer is checked all the same.
	invalidOnPurpose bool
	next             http.RoundTripper
}

// RoundTrip sends req through c.next, checking the request before and the
// answer after.
func (c *contractCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	if !inContract(req.URL.Path) {
		return c.next.RoundTrip(req)
	}
	where := req.Method + " " + req.URL.Path
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
	}
	var refused string // why the file refuses the request, if it does
	route, params, err := c.requests.FindRoute(req)
	if err != nil {
		refused = fmt.Sprintf("the file has no such operation (%v)", err)
	} else {
		in := &openapi3filter.RequestValidationInput{
			Request:    cloneWithBody(req, reqBody),
			PathParams: params,
			Route:      route,
			Options: &openapi3filter.Options{
				AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
				// The file says nabij ignores readOnly fields on the way in
				// (a list read and put back as it is).
				ExcludeReadOnlyValidations: true,
				MultiError:                 true,
			},
		}
		in.Options.WithCustomSchemaErrorFunc(schemaError)
		// A JSON body is checked by its compiled schema, the rest of the
		// request by kin-openapi.
		var bodyRefused []string
		if limit := bodyLimit(req.Method, route.Path); len(reqBody) > limit {
			// The file says such a body is refused with 413 before it is
			// read: it is not decoded here either.
			in.Options.ExcludeRequestBody = true
			bodyRefused = append(bodyRefused, fmt.Sprintf("the body of %d bytes is over the file's limit for it (%d bytes)", len(reqBody), limit))
		} else if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil && len(reqBody) > 0 {
			ct := req.Header.Get("Content-Type")
			if mt := rb.Value.Content.Get(ct); mt != nil && isJSON(ct) {
				why, checked := contract.requestBodies.check(mt.Schema, reqBody)
				in.Options.ExcludeRequestBody = checked
				if why != "" {
					bodyRefused = append(bodyRefused, "request body "+why)
				}
			}
		}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			bodyRefused = append([]string{oneLine(err)}, bodyRefused...)
		}
		refused = strings.Join(bodyRefused, "; ")
	}
	if refused != "" && !c.invalidOnPurpose {
		c.report(fmt.Sprintf("OpenAPI: request %s does not match the file: %s", where, refused))
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if refused != "" && c.invalidOnPurpose && resp.StatusCode < 400 {
		c.report(fmt.Sprintf("OpenAPI: nabij answered %d to %s, which the file refuses: %s", resp.StatusCode, where, refused))
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		// Cut short (a test that stops the server, say): the status is
		// still checked.
		body = nil
	}
	route, params, err = c.answers.FindRoute(req)
	if err != nil {
		c.checkStrayAnswer(where, resp.StatusCode, body)
		return resp, nil
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			ExcludeResponseBody:   readErr != nil, // or a JSON body, checked by its compiled schema
			MultiError:            true,
		},
	}
	out.Options.WithCustomSchemaErrorFunc(schemaError)
	// A JSON body is checked by its compiled schema, the rest of the
	// answer by kin-openapi (which looks the answer up as here).
	answer := route.Operation.Responses.Status(resp.StatusCode)
	if answer == nil {
		answer = route.Operation.Responses.Default()
	}
	if ct := resp.Header.Get("Content-Type"); answer != nil && answer.Value != nil && readErr == nil && isJSON(ct) {
		if mt := answer.Value.Content.Get(ct); mt != nil {
			why, checked := contract.answerBodies.check(mt.Schema, body)
			out.Options.ExcludeResponseBody = checked
			if why != "" {
				c.report(fmt.Sprintf("OpenAPI: answer %d to %s does not match the file: %s (body %.300s)",
					resp.StatusCode, where, why, bytes.TrimSpace(body)))
			}
		}
	}
	if route.Operation.Responses.Status(resp.StatusCode) == nil && !byDefault[resp.StatusCode] && resp.StatusCode < 500 {
		c.report(fmt.Sprintf("OpenAPI: answer %d to %s: the file does not list %d for it (its `default` is for %s)",
			resp.StatusCode, where, resp.StatusCode, "5xx, 405, 413 and 429"))
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.report(fmt.Sprintf("OpenAPI: answer %d to %s does not match the file: %s (body %.300s)",
			resp.StatusCode, where, oneLine(err), bytes.TrimSpace(body)))
	}
	return resp, nil
}

// bodyLimit is the largest request body the file allows an operation:
// an absence list 256 KB, anything else 16 MB.
func bodyLimit(method, path string) int {
	if method == http.MethodPut && path == "/api/v1/classes/{class}/absences/{date}" {
		return 256 << 10
	}
	return 16 << 20
}

// byDefault are the statuses below 500 an operation's `default` answer
// stands for, as the file's `Unexpected` says: any other must be listed.
var byDefault = map[int]bool{http.StatusMethodNotAllowed: true, http.StatusRequestEntityTooLarge: true,
	http.StatusTooManyRequests: true}

// checkStrayAnswer checks the answer to a request the file has no
// operation for (a wrong method, an unknown path): it must be a routing
// error (404 or 405), or a refusal before routing (401, 403), in the file's
// Error shape.
func (c *contractCheck) checkStrayAnswer(where string, status int, body []byte) {
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
	case http.StatusUnauthorized, http.StatusForbidden:
		// Refused before routing: an /api/v1 call without a token, a
		// webhook without Twilio's signature (the file's conventions).
	default:
		c.report(fmt.Sprintf("OpenAPI: answer %d to %s, an operation the file does not have: want 401, 403, 404 or 405", status, where))
		return
	}
	errSchema := contract.doc.Components.Schemas["Error"]
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		c.report(fmt.Sprintf("OpenAPI: answer %d to %s is not JSON: %.200s", status, where, body))
		return
	}
	if err := errSchema.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		c.report(fmt.Sprintf("OpenAPI: answer %d to %s is not an Error: %s", status, where, oneLine(err)))
	}
}

func cloneWithBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return r
}

// schemaError says where in the body a value fails and why, the value
// included, without the validator's dump of the whole schema.
func schemaError(err *openapi3.SchemaError) string {
	v, _ := json.Marshal(err.Value)
	return fmt.Sprintf("at /%s: %s (value %.120s)", strings.Join(err.JSONPointer(), "/"), err.Reason, v)
}

// oneLine folds a validator's error, which may span lines, into one.
func oneLine(err error) string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		parts := make([]string, 0, len(me))
		for _, e := range me {
			parts = append(parts, oneLine(e))
		}
		return strings.Join(parts, "; ")
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// sendsInvalidRequests are the tests that send requests the file refuses,
// on purpose (bad JSON, wrong types and values, missing fields, oversized
// or slow bodies, forged webhooks, every route with every role, wrong
// methods), to see nabij refuse them. For them a refused request is not
// reported as long as nabij refuses it too (contractCheck); every answer is
// checked as for any test.
var sendsInvalidRequests = map[string]bool{
	// hardening_test.go
	"TestListBodyAndEntriesAreBounded":      true,
	"TestErrorDetailsAreCapped":             true,
	"TestMentorLearnsNothingOfOtherClasses": true,
	"TestCSRFTokenIsAlwaysChecked":          true,
	"TestLargeFormIsRefused":                true,
	"TestChunkedListIsCutAtTheLimit":        true,
	// webhooks_security_test.go
	"TestWebhookFloodAnsweredFast":      true,
	"TestWebhookFieldsChecked":          true,
	"TestSlowHeadersCutOff":             true,
	"TestSecurityHeadersOnEveryAnswer":  true,
	"TestBackupOutlivesTheWriteTimeout": true,
	"TestSlowBodyCutOff":                true,
	// routes_test.go
	"TestEveryRouteWithEveryRole": true,
	// Tests of refusals elsewhere: a bad date, kind, gender, action, a
	// reason too long, a missing field or parameter, a wrong type, an
	// unknown path.
	"TestAuthAndErrorShape":                         true, // api_test.go
	"TestBadRosterNamesEveryFieldAndChangesNothing": true, // api_test.go
	"TestADayClosedAfterTheFact":                    true, // calendar_test.go
	"TestAGirlIsShe":                                true, // replies_test.go
	"TestListsLeadToExplainedEscalations":           true, // escalations_test.go
	"TestMorningListReachesFamilies":                true, // morning_test.go
	"TestOutageLosesNothingAndSendsNothingTwice":    true, // outage_test.go
	"TestReviewerSeesOnlyTheReviewPage":             true, // review_test.go
	"TestTakingAccessAway":                          true, // access_test.go
}

// checkAgainstContract registers a harness's addresses so that every
// request to them is checked for t, until t ends. The requests go through
// a transport of the harness's own (a clone of the default one): closing
// its idle connections before nabij stops (closeIdle) lets the server's
// Shutdown return at once — a connection the transport dialled and never
// used counts as active for five seconds (net/http's StateNew rule).
func checkAgainstContract(t *testing.T, addrs ...string) (closeIdle func()) {
	t.Helper()
	requests, answers, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	top, _, _ := strings.Cut(t.Name(), "/")
	c := &contractCheck{
		requests:         requests,
		answers:          answers,
		report:           func(msg string) { t.Error(msg) },
		invalidOnPurpose: sendsInvalidRequests[top],
		next:             baseTransport.(*http.Transport).Clone(),
	}
	for _, a := range addrs {
		harnesses.Store(a, c)
	}
	closeIdle = c.next.(*http.Transport).CloseIdleConnections
	t.Cleanup(func() {
		for _, a := range addrs {
			harnesses.CompareAndDelete(a, c)
		}
		closeIdle()
	})
	return closeIdle
}
