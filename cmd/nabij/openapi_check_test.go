package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestContractCheckReportsWhatTheFileDoesNotName holds the validator itself
// to account (issue 15 item 4): against a tiny handler standing in for
// nabij, an answer with a field docs/openapi.yaml does not name, a status it
// does not list, and a request it does not describe are reported, each in a
// line naming method, path and status; a documented answer is not.
func TestContractCheckReportsWhatTheFileDoesNotName(t *testing.T) {
	t.Parallel()
	requests, answers, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	stand := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("answer") {
		case "extra":
			w.Write([]byte(`{"status":"ok","pupil_name":"Amanuel T."}`))
		case "teapot":
			w.WriteHeader(http.StatusTeapot)
			w.Write([]byte(`{"status":"ok"}`))
		case "conflict":
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"error":{"code":"conflict","message":"no"}}`))
		case "wrong-type":
			w.Write([]byte(`{"status":7}`))
		default:
			w.Write([]byte(`{"status":"ok","warnings":["no calendar for 2027"]}`))
		}
	}))
	defer stand.Close()

	for _, tc := range []struct {
		name, method, query string   // query: or a path and query, from "/"
		onPurpose           bool     // the test sends invalid requests on purpose
		want                []string // each in one of the reports; none if empty
		body                string   // a JSON request body, if any
	}{
		{"documented", "GET", "", false, nil, ""},
		{"undocumented field", "GET", "answer=extra", false, []string{"answer 200 to GET /healthz", "pupil_name"}, ""},
		{"unlisted status", "GET", "answer=teapot", false, []string{"answer 418 to GET /healthz", "418"}, ""},
		{"wrong type", "GET", "answer=wrong-type", false, []string{"answer 200 to GET /healthz", "status"}, ""},
		// GET /api/v1/messages has a `default` answer (an Error): it stands
		// for 5xx, 405, 413 and 429 only, not for a 409 the file does not list.
		{"status only by default", "GET", "/api/v1/messages?answer=conflict", false, []string{"answer 409 to GET /api/v1/messages: the file does not list 409"}, ""},
		{"undescribed request", "DELETE", "", false, []string{"request DELETE /healthz", "no such operation", "answer 200 to DELETE /healthz"}, ""},
		// A test that sends invalid requests on purpose: their answers are
		// held to the file all the same, and nabij must refuse them.
		{"answer of an invalid request", "GET", "answer=extra", true, []string{"pupil_name"}, ""},
		{"invalid request accepted", "DELETE", "", true, []string{"nabij answered 200 to DELETE /healthz, which the file refuses"}, ""},
		// JSON bodies are checked by their compiled schemas
		// (openapi_body_test.go): a value deep in a request's body, and a
		// field missing in it.
		{"wrong value in a request body", "PUT", "/api/v1/classes/1A/absences/2026-11-30", false,
			[]string{"request PUT /api/v1/classes/1A/absences/2026-11-30", "/absences/0/kind", "asleep"},
			`{"absences":[{"student":"5001","kind":"asleep"}]}`},
		{"field missing in a request body", "PUT", "/api/v1/classes/1A/absences/2026-11-30", false,
			[]string{"request PUT /api/v1/classes/1A/absences/2026-11-30", "absences"}, `{"absentees":[]}`},
		// A body over the file's limit for it (a list: 256 KB) is one the
		// file says nabij refuses, unread.
		{"body over the limit", "PUT", "/api/v1/classes/1A/absences/2026-11-30", false,
			[]string{"request PUT /api/v1/classes/1A/absences/2026-11-30", "over the file's limit for it (262144 bytes)"},
			`{"absences":[` + strings.Repeat(`{"student":"5001","kind":"absent"},`, 8000) + `{"student":"5001","kind":"absent"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reports []string
			c := &contractCheck{requests: requests, answers: answers, invalidOnPurpose: tc.onPurpose, next: baseTransport,
				report: func(msg string) { reports = append(reports, msg) }}
			target := "/healthz?" + tc.query
			if strings.HasPrefix(tc.query, "/") {
				target = tc.query // a path of its own
			}
			req, err := http.NewRequest(tc.method, stand.URL+target, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := (&http.Client{Transport: c}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if len(tc.want) == 0 {
				if len(reports) > 0 {
					t.Errorf("a documented exchange was reported: %q", reports)
				}
				return
			}
			all := strings.Join(reports, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("the reports %q do not say %q", reports, w)
				}
			}
		})
	}
}
