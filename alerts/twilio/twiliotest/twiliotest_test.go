package twiliotest_test

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "secrettoken0123456789"
	from  = "+3197010000001"
	to    = "+31612345678"
	wa    = "whatsapp:+31612345678"
	waFr  = "whatsapp:+3197010000001"
)

var smsSID = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

// rewrite sends every request to the stand-in: twilio-go hard-codes
// https://api.twilio.com and has no base-URL setting.
type rewrite struct{ target *url.URL }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rw.target.Scheme, rw.target.Host, ""
	return http.DefaultTransport.RoundTrip(r)
}

func newServer(t *testing.T) *twiliotest.Server {
	t.Helper()
	s := twiliotest.NewServer(sid, token)
	t.Cleanup(s.Close)
	return s
}

// restClient is a real twilio-go client talking to s with the given
// credentials.
func restClient(t *testing.T, s *twiliotest.Server, user, pass string) *twilio.RestClient {
	t.Helper()
	target, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{
		Credentials: client.NewCredentials(user, pass),
		HTTPClient:  &http.Client{Transport: rewrite{target}},
	}
	c.SetAccountSid(user)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
}

func send(rc *twilio.RestClient, p *openapi.CreateMessageParams) (*openapi.ApiV2010Message, error) {
	return rc.Api.CreateMessage(p)
}

func sms(toNum, body string) *openapi.CreateMessageParams {
	return (&openapi.CreateMessageParams{}).SetTo(toNum).SetFrom(from).SetBody(body)
}

// restError asserts err is a *client.TwilioRestError with status and code.
func restError(t *testing.T, err error, status, code int) *client.TwilioRestError {
	t.Helper()
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v (%T), want *client.TwilioRestError", err, err)
	}
	if te.Status != status || te.Code != code {
		t.Fatalf("error = status %d code %d, want %d/%d (%s)", te.Status, te.Code, status, code, te.Message)
	}
	if te.MoreInfo != "https://www.twilio.com/docs/errors/"+strconv.Itoa(code) {
		t.Errorf("more_info = %q", te.MoreInfo)
	}
	return te
}

func TestCreateMessageThroughTwilioGo(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	before := time.Now().Add(-time.Second)

	m, err := send(rc, sms(to, "Brand gemeld: lokaal 2.14").SetValidityPeriod(600))
	if err != nil {
		t.Fatal(err)
	}
	if m.Sid == nil || !smsSID.MatchString(*m.Sid) {
		t.Fatalf("sid = %v", m.Sid)
	}
	checks := map[string][2]*string{
		"status":       {m.Status, ptr("queued")},
		"to":           {m.To, ptr(to)},
		"from":         {m.From, ptr(from)},
		"body":         {m.Body, ptr("Brand gemeld: lokaal 2.14")},
		"account_sid":  {m.AccountSid, ptr(sid)},
		"direction":    {m.Direction, ptr("outbound-api")},
		"api_version":  {m.ApiVersion, ptr("2010-04-01")},
		"num_segments": {m.NumSegments, ptr("1")},
		"uri":          {m.Uri, ptr("/2010-04-01/Accounts/" + sid + "/Messages/" + *m.Sid + ".json")},
	}
	for name, c := range checks {
		if c[0] == nil || *c[0] != *c[1] {
			t.Errorf("%s = %v, want %q", name, deref(c[0]), *c[1])
		}
	}
	if m.DateSent != nil || m.ErrorCode != nil || m.ErrorMessage != nil || m.Price != nil || m.MessagingServiceSid != nil {
		t.Errorf("want null date_sent/error_code/error_message/price/messaging_service_sid, got %v %v %v %v %v",
			m.DateSent, m.ErrorCode, m.ErrorMessage, m.Price, m.MessagingServiceSid)
	}
	created, err := time.Parse("Mon, 02 Jan 2006 15:04:05 -0700", deref(m.DateCreated))
	if err != nil || created.Before(before.Truncate(time.Second)) || created.After(time.Now()) {
		t.Errorf("date_created = %q (%v)", deref(m.DateCreated), err)
	}
	if got := deref(m.DateCreated); got[len(got)-5:] != "+0000" {
		t.Errorf("date_created zone = %q, want +0000", got)
	}

	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].SID != *m.Sid || msgs[0].Channel != "sms" || msgs[0].ValidityPeriod != 600 || msgs[0].From != from {
		t.Fatalf("Messages() = %+v", msgs)
	}
	if s.Requests() != 1 {
		t.Errorf("Requests() = %d", s.Requests())
	}
}

func TestCreateWithMessagingServiceAndWhatsAppTemplate(t *testing.T) {
	s := newServer(t)
	s.SetAutoCallbacks(false)
	rc := restClient(t, s, sid, token)
	mg := "MG0123456789abcdef0123456789abcdef"

	m, err := send(rc, (&openapi.CreateMessageParams{}).SetTo(wa).SetMessagingServiceSid(mg).
		SetContentSid("HX0123456789abcdef0123456789abcdef").SetContentVariables(`{"1":"lokaal 2.14"}`))
	if err != nil {
		t.Fatal(err)
	}
	if deref(m.Status) != "accepted" || m.From != nil || deref(m.MessagingServiceSid) != mg {
		t.Errorf("status %q from %v mss %q, want accepted/null/%s", deref(m.Status), m.From, deref(m.MessagingServiceSid), mg)
	}
	got, _ := s.Message(*m.Sid)
	if got.Channel != "whatsapp" || got.ContentSID == "" || got.ContentVariables != `{"1":"lokaal 2.14"}` {
		t.Errorf("recorded %+v", got)
	}

	_, err = send(rc, (&openapi.CreateMessageParams{}).SetTo(wa).SetMessagingServiceSid(mg).
		SetContentSid("HX0123456789abcdef0123456789abcdef").SetContentVariables(`{"1":`))
	restError(t, err, 400, 21656)
}

func TestValidationErrorsAreTwilios(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	cases := []struct {
		name string
		p    *openapi.CreateMessageParams
		code int
	}{
		{"no To", (&openapi.CreateMessageParams{}).SetFrom(from).SetBody("x"), 21604},
		{"no From", (&openapi.CreateMessageParams{}).SetTo(to).SetBody("x"), 21603},
		{"no Body", (&openapi.CreateMessageParams{}).SetTo(to).SetFrom(from), 21619},
		{"not E.164", sms("0612345678", "x"), 21211},
		{"channel mismatch", sms(wa, "x"), 21910},
	}
	for _, c := range cases {
		_, err := send(rc, c.p)
		te := restError(t, err, 400, c.code)
		if c.code == 21211 && te.Message != "The 'To' number 0612345678 is not a valid phone number." {
			t.Errorf("%s: message %q", c.name, te.Message)
		}
	}
	if n := len(s.Messages()); n != 0 || s.Requests() != len(cases) {
		t.Errorf("Messages %d Requests %d, want 0 and %d", n, s.Requests(), len(cases))
	}
}

func TestScriptedNumberFailures(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	s.FailTo(to, twiliotest.FailureInvalidNumber)
	s.FailTo("+31687654321", twiliotest.FailureUnsubscribed)

	for range 2 { // FailTo is sticky
		_, err := send(rc, sms(to, "x"))
		te := restError(t, err, 400, 21211)
		if te.Message != "The 'To' number "+to+" is not a valid phone number." {
			t.Errorf("message %q", te.Message)
		}
	}
	_, err := send(rc, sms("+31687654321", "x"))
	restError(t, err, 400, 21610)
	if _, err := send(rc, sms("+31611111111", "x")); err != nil {
		t.Fatalf("other number: %v", err)
	}
	s.ClearFailures()
	if _, err := send(rc, sms(to, "x")); err != nil {
		t.Fatalf("after ClearFailures: %v", err)
	}
	if len(s.Messages()) != 2 || s.Requests() != 5 {
		t.Errorf("Messages %d Requests %d, want 2 and 5", len(s.Messages()), s.Requests())
	}
}

func TestFailNextQueues(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	s.FailNext(1, twiliotest.Failure500)
	s.FailNext(1, twiliotest.Failure503)
	s.FailNext(1, twiliotest.FailureNotMobile)

	_, err := send(rc, sms(to, "x"))
	restError(t, err, 500, 20500)
	_, err = send(rc, sms(to, "x"))
	restError(t, err, 503, 20503)
	_, err = send(rc, sms(to, "x"))
	restError(t, err, 400, 21614)
	if _, err := send(rc, sms(to, "x")); err != nil {
		t.Fatal(err)
	}
	if len(s.Messages()) != 1 || s.Requests() != 4 {
		t.Errorf("Messages %d Requests %d", len(s.Messages()), s.Requests())
	}
}

func TestRateLimit429(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	s.SetRateLimit(2)
	for i := range 2 {
		if _, err := send(rc, sms(to, "x")); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := send(rc, sms(to, "x"))
	restError(t, err, 429, 20429)
	time.Sleep(1100 * time.Millisecond)
	if _, err := send(rc, sms(to, "x")); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if len(s.Messages()) != 3 || s.Requests() != 4 {
		t.Errorf("Messages %d Requests %d, want 3 and 4", len(s.Messages()), s.Requests())
	}
}

func TestBadCredentials401(t *testing.T) {
	s := newServer(t)
	_, err := send(restClient(t, s, sid, "wrongtoken"), sms(to, "x"))
	restError(t, err, 401, 20003)
	// Right credentials, but the path names another account.
	rc := restClient(t, s, sid, token)
	_, err = rc.Api.CreateMessage(sms(to, "x").SetPathAccountSid("AC00000000000000000000000000000000"))
	restError(t, err, 401, 20003)
	if len(s.Messages()) != 0 || s.Requests() != 2 {
		t.Errorf("Messages %d Requests %d", len(s.Messages()), s.Requests())
	}
}

func TestListAndFetchThroughTwilioGo(t *testing.T) {
	s := newServer(t)
	s.SetAutoCallbacks(false)
	rc := restClient(t, s, sid, token)
	var sids []string
	for _, n := range []string{to, "+31699999999", to} {
		m, err := send(rc, sms(n, "hi "+n))
		if err != nil {
			t.Fatal(err)
		}
		sids = append(sids, *m.Sid)
	}

	got, err := rc.Api.ListMessage((&openapi.ListMessageParams{}).SetTo(to))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || *got[0].Sid != sids[2] || *got[1].Sid != sids[0] {
		t.Fatalf("list To=%s: %d messages, want newest first %v", to, len(got), sids)
	}
	// PageSize 1 forces twilio-go to follow next_page_uri twice.
	all, err := rc.Api.ListMessage((&openapi.ListMessageParams{}).SetPageSize(1))
	if err != nil || len(all) != 3 || *all[2].Sid != sids[0] {
		t.Fatalf("paged list: %d, %v", len(all), err)
	}
	today := time.Now().UTC()
	for _, c := range []struct {
		p    *openapi.ListMessageParams
		want int
	}{
		{(&openapi.ListMessageParams{}).SetDateSent(today), 3},
		{(&openapi.ListMessageParams{}).SetDateSent(today.AddDate(0, 0, -1)), 0},
		{(&openapi.ListMessageParams{}).SetDateSent(today.AddDate(0, 0, 1)), 0},
		{(&openapi.ListMessageParams{}).SetDateSentBefore(today.AddDate(0, 0, -1)), 0},
		{(&openapi.ListMessageParams{}).SetDateSentAfter(today.Add(-time.Minute)), 3},
		{(&openapi.ListMessageParams{}).SetDateSentAfter(today.Add(time.Hour)), 0},
		{(&openapi.ListMessageParams{}).SetFrom("+3100000"), 0},
	} {
		got, err := rc.Api.ListMessage(c.p)
		if err != nil || len(got) != c.want {
			t.Errorf("list %+v: %d messages (%v), want %d", c.p, len(got), err, c.want)
		}
	}

	f, err := rc.Api.FetchMessage(sids[1], nil)
	if err != nil || deref(f.To) != "+31699999999" || deref(f.Body) != "hi +31699999999" {
		t.Fatalf("fetch: %+v %v", f, err)
	}
	_, err = rc.Api.FetchMessage("SM00000000000000000000000000000000", nil)
	restError(t, err, 404, 20404)
}

func TestListShape(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	if _, err := send(rc, sms(to, "x")); err != nil {
		t.Fatal(err)
	}
	page, err := rc.Api.PageMessage((&openapi.ListMessageParams{}).SetPageSize(20), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if page.PageSize != 20 || page.Page != 0 || page.Start != 0 || page.End != 0 || page.NextPageUri != nil ||
		page.PreviousPageUri != nil || len(page.Messages) != 1 || page.FirstPageUri == "" || page.Uri == "" {
		t.Errorf("page = %+v", page)
	}
}

func TestSegments(t *testing.T) {
	s := newServer(t)
	rc := restClient(t, s, sid, token)
	long := make([]byte, 307)
	for i := range long {
		long[i] = 'a'
	}
	for body, want := range map[string]string{string(long): "3", string(long[:161]): "2", string(long[:160]): "1", "€" + string(long[:158]): "1", "🔥" + string(long[:68]): "1", "🔥" + string(long[:69]): "2"} {
		m, err := send(rc, sms(to, body))
		if err != nil || deref(m.NumSegments) != want {
			t.Errorf("body of %d bytes: num_segments %q, want %s (%v)", len(body), deref(m.NumSegments), want, err)
		}
	}
}

func ptr(s string) *string { return &s }

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
