package main

// Every request the end-to-end tests send to a harness, and every answer,
// is held against docs/openapi.yaml (issue 15 item 2): the file is the
// contract, and a field or a status it does not name fails the test that
// made the request.
//
// How: TestMain wraps http.DefaultTransport in harnessTransport. Every client
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
	"os"
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
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// loadContract reads docs/openapi.yaml once per test binary, checks it is
// a valid OpenAPI document, closes its answers' objects (closeAnswers) and
// builds a router for it.
func loadContract() (*openapi3.T, routers.Router, error) {
	contract.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(openapiPath)
		if err != nil {
			contract.err = fmt.Errorf("load %s: %w", openapiPath, err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			contract.err = fmt.Errorf("%s is not a valid OpenAPI document: %w", openapiPath, err)
			return
		}
		closeAnswers(doc)
		// The file's server is `nabij serve`'s default address; a harness
		// listens elsewhere. Paths are matched whatever the host.
		doc.Servers = openapi3.Servers{{URL: "/"}}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			contract.err = fmt.Errorf("route %s: %w", openapiPath, err)
			return
		}
		contract.doc, contract.router = doc, router
	})
	return contract.doc, contract.router, contract.err
}

// closeAnswers makes every object schema reachable from an answer refuse
// properties it does not name (additionalProperties: false), unless the
// file says otherwise for it (a map such as `target`, which states its
// additionalProperties). This is what "no field the file does not name"
// means, checked by the validator: kin-openapi has no option for it.
//
// The members of an allOf are left open (each would refuse the others'
// fields), but what they name is closed in turn.
func closeAnswers(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef, close bool)
	walk = func(ref *openapi3.SchemaRef, close bool) {
		if ref == nil || ref.Value == nil {
			return
		}
		s := ref.Value
		if seen[s] {
			return
		}
		seen[s] = true
		object := len(s.Properties) > 0 || (s.Type != nil && s.Type.Is(openapi3.TypeObject))
		if close && object && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
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

func init() {
	// Answers nabij gives besides JSON: a backup (a bbolt file), the
	// Prometheus text format. Their bodies are not checked, their status and
	// content type are.
	openapi3filter.RegisterBodyDecoder("application/x-bbolt", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/gzip", openapi3filter.FileBodyDecoder)
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
	router routers.Router
	// report is told every difference, in one readable line.
	report func(msg string)
	// requests is false where a test sends invalid requests on purpose:
	// then only the answers are checked.
	requests bool
	next     http.RoundTripper
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
	route, params, routeErr := c.router.FindRoute(req)
	var input *openapi3filter.RequestValidationInput
	if routeErr != nil {
		if c.requests {
			c.report(fmt.Sprintf("OpenAPI: %s: the file has no such operation: %v", where, routeErr))
		}
	} else {
		input = &openapi3filter.RequestValidationInput{
			Request:    cloneWithBody(req, reqBody),
			PathParams: params,
			Route:      route,
			Options: &openapi3filter.Options{
				AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
				MultiError:         true,
			},
		}
		if c.requests {
			if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
				c.report(fmt.Sprintf("OpenAPI: request %s does not match the file: %s", where, oneLine(err)))
			}
		}
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil || input == nil {
		if err == nil && !c.requests {
			// An operation the file lacks, sent on purpose: its answer
			// must still be one the file knows for such a path.
			c.checkStrayAnswer(where, resp)
		}
		return resp, err
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		// Cut short (a test that reads a body slowly on purpose): the
		// status is still checked.
		body = nil
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			ExcludeResponseBody:   readErr != nil,
			MultiError:            true,
		},
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.report(fmt.Sprintf("OpenAPI: answer %d to %s does not match the file: %s (body %.300s)",
			resp.StatusCode, where, oneLine(err), body))
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// checkStrayAnswer checks the answer to a request the file has no
// operation for (a wrong method, an unknown path): it must be a documented
// routing error (404 or 405) in the Error shape.
func (c *contractCheck) checkStrayAnswer(where string, resp *http.Response) {
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		return // answered by the routes the file describes, or a redirect
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	doc, _, _ := loadContract()
	errSchema := doc.Components.Schemas["Error"]
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		c.report(fmt.Sprintf("OpenAPI: answer %d to %s is not JSON: %.200s", resp.StatusCode, where, body))
		return
	}
	if err := errSchema.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		c.report(fmt.Sprintf("OpenAPI: answer %d to %s is not an Error: %s", resp.StatusCode, where, oneLine(err)))
	}
}

func cloneWithBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return r
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

// harnesses maps a running harness's address (host:port, main and metrics)
// to the check of the test that started it.
var harnesses sync.Map // string → *contractCheck

// harnessTransport sends a request to a harness through its test's check.
// Registered on http.DefaultTransport for "http" (TestMain), it declines any
// other request (http.ErrSkipAltProtocol), which the default transport then
// sends itself.
type harnessTransport struct{}

// RoundTrip implements http.RoundTripper.
func (harnessTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if c, ok := harnesses.Load(req.URL.Host); ok {
		return c.(*contractCheck).RoundTrip(req)
	}
	return nil, http.ErrSkipAltProtocol
}

// sendsInvalidRequests are the tests that send invalid requests on purpose
// (bad JSON, oversized or slow bodies, forged webhooks, every route with
// every role and wrong methods): only their answers are checked, for their
// statuses and the error shape must be documented all the same.
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
}

// checkAgainstContract registers a harness's addresses so that every
// request to them is checked for t, until t ends.
func checkAgainstContract(t *testing.T, addrs ...string) {
	t.Helper()
	_, router, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	top, _, _ := strings.Cut(t.Name(), "/")
	c := &contractCheck{
		router:   router,
		report:   func(msg string) { t.Error(msg) },
		requests: !sendsInvalidRequests[top],
		next:     baseTransport,
	}
	for _, a := range addrs {
		harnesses.Store(a, c)
	}
	t.Cleanup(func() {
		for _, a := range addrs {
			harnesses.CompareAndDelete(a, c)
		}
	})
}

// baseTransport sends the checked requests: a clone of the default
// transport made before TestMain registered harnessTransport on it.
var baseTransport http.RoundTripper

// TestMain puts every request the tests send with the default transport
// (http.DefaultClient, http.Get, any client without a Transport of its
// own, http.DefaultTransport.RoundTrip) through harnessTransport. The
// default transport stays an *http.Transport: the Twilio client and its
// stand-in clone it (and their clones send unchecked: the stand-in's own
// callbacks to nabij are not the tests' requests).
func TestMain(m *testing.M) {
	def := http.DefaultTransport.(*http.Transport)
	baseTransport = def.Clone()
	def.RegisterProtocol("http", harnessTransport{})
	os.Exit(m.Run())
}
