// Package twilio is nabij's Sender for Twilio's Programmable Messaging (SMS
// and WhatsApp) and Voice (a call, voice.go), on twilio-go, with a
// configurable API base URL.
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/nabij-isk/nabij/alerts"
)

// DefaultAPIURL is Twilio's REST API.
const DefaultAPIURL = "https://api.twilio.com"

// Config is what the sender needs to reach Twilio.
// DefaultTimeout is how long a request to Twilio may take, unless
// Config.Timeout says otherwise.
const DefaultTimeout = 15 * time.Second

type Config struct {
	AccountSID string
	AuthToken  string
	// MessagingServiceSID, when set, sends SMS through the Messaging Service;
	// otherwise From is the SMS sender.
	MessagingServiceSID string
	From                string
	WhatsAppFrom        string // E.164, without the "whatsapp:" prefix
	// APIURL replaces https://api.twilio.com (tests, regional proxies).
	APIURL string
	// StatusCallback is the URL Twilio posts delivery statuses to.
	StatusCallback string
	Timeout        time.Duration

	// VoiceFrom is the number calls are made from (E.164); without it a
	// voice message is refused. VoiceURL is where a call's webhooks are:
	// Twilio fetches its TwiML at VoiceURL + "/" + the message's id and
	// posts its progress to that + "/status".
	VoiceFrom string
	VoiceURL  string
	// RecordURL is where a call that records a school's message fetches
	// its TwiML: RecordURL + "/" + the session's token.
	RecordURL string
}

// maxConns is how many idle connections to Twilio are kept: more than
// nabij's largest number of dispatcher workers.
const maxConns = 256

// Sender sends through Twilio.
type Sender struct {
	cfg  Config
	api  *api.ApiService
	http *http.Client // to the API's host (rewriteHost), with the account's credentials added where asked
}

// New makes a Sender. It refuses a configuration Twilio would refuse.
func New(cfg Config) (*Sender, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, errors.New("twilio: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are both required")
	}
	if cfg.MessagingServiceSID == "" && cfg.From == "" {
		return nil, errors.New("twilio: set NABIJ_TWILIO_MESSAGING_SERVICE_SID or NABIJ_TWILIO_FROM to send SMS")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	base, err := url.Parse(cfg.APIURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("twilio: API URL %q is not an absolute URL", cfg.APIURL)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	// The dispatcher's workers send at once: keep a connection for each
	// (the default keeps 2 per host and dials the rest anew).
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = maxConns
	httpClient := &http.Client{
		Timeout: cfg.Timeout,
		// twilio-go builds its URLs on api.twilio.com; this sends them to base.
		Transport: &rewriteHost{base: base, next: transport},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	c := &client.Client{Credentials: client.NewCredentials(cfg.AccountSID, cfg.AuthToken), HTTPClient: httpClient}
	c.SetAccountSid(cfg.AccountSID)
	// Only the 2010 API (messages and calls): twilio.NewRestClient would
	// link all of Twilio's sixty services into the binary for nothing.
	return &Sender{cfg: cfg, api: api.NewApiServiceWithClient(c), http: httpClient}, nil
}

type rewriteHost struct {
	base *url.URL
	next http.RoundTripper
}

func (r *rewriteHost) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme = r.base.Scheme
	req.URL.Host = r.base.Host
	req.URL.Path = strings.TrimSuffix(r.base.Path, "/") + req.URL.Path
	req.Host = r.base.Host
	return r.next.RoundTrip(req)
}

// Send creates the message at Twilio; a voice message (Channel "voice") is
// a call (sendCall).
func (s *Sender) Send(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, error) {
	if out.Channel == channelVoice {
		return s.sendCall(ctx, out)
	}
	params := &api.CreateMessageParams{}
	if out.ContentSID != "" {
		// An approved WhatsApp template, through the Messaging Service.
		params.SetContentSid(out.ContentSID)
		if out.ContentVariables != "" {
			params.SetContentVariables(out.ContentVariables)
		}
	} else {
		params.SetBody(out.Body)
	}
	if s.cfg.StatusCallback != "" {
		params.SetStatusCallback(s.cfg.StatusCallback)
	}
	if out.ValidFor > 0 {
		// Twilio drops the message from its queue after this, rather than
		// deliver a morning's alert in the evening.
		params.SetValidityPeriod(int(min(max(out.ValidFor.Seconds(), 1), 36000)))
	}
	switch out.Channel {
	case "whatsapp":
		if s.cfg.WhatsAppFrom == "" && s.cfg.MessagingServiceSID == "" {
			return alerts.Receipt{}, &alerts.SendError{Message: "WhatsApp is not configured (NABIJ_TWILIO_WHATSAPP_FROM)", Code: 63007}
		}
		params.SetTo("whatsapp:" + out.To)
		if s.cfg.MessagingServiceSID != "" && (out.ContentSID != "" || s.cfg.WhatsAppFrom == "") {
			params.SetMessagingServiceSid(s.cfg.MessagingServiceSID)
		} else {
			params.SetFrom("whatsapp:" + s.cfg.WhatsAppFrom)
		}
	default:
		params.SetTo(out.To)
		if s.cfg.MessagingServiceSID != "" {
			params.SetMessagingServiceSid(s.cfg.MessagingServiceSID)
		} else {
			params.SetFrom(s.cfg.From)
		}
	}
	// twilio-go takes no context; the client's timeout bounds the call.
	if err := ctx.Err(); err != nil {
		return alerts.Receipt{}, err
	}
	msg, err := s.api.CreateMessage(params)
	if err != nil {
		return alerts.Receipt{}, classify(err)
	}
	if msg.Sid == nil {
		return alerts.Receipt{}, errors.New("twilio: answer without a message sid")
	}
	return receiptOf(msg), nil
}

// receiptOf reads Twilio's answer to an accepted message. It is usually
// "queued" or "accepted", which nabij records as sent (handed over); a
// message Twilio took and failed at once says "failed" or "undelivered"
// with its error code, and is recorded so, with no callback to wait for.
func receiptOf(msg *api.ApiV2010Message) alerts.Receipt {
	r := alerts.Receipt{ProviderID: *msg.Sid, Status: alerts.StatusSent}
	if msg.Status == nil {
		return r
	}
	if st, ok := alerts.ProviderStatus(*msg.Status); ok && (st == alerts.StatusFailed || st == alerts.StatusUndelivered) {
		r.Status = st
		if msg.ErrorCode != nil {
			r.Code = *msg.ErrorCode
		}
	}
	return r
}

// finalCodes are refusals that will not change by trying again.
var finalCodes = map[int]bool{
	21211: true, // invalid 'To' number
	21610: true, // the contact replied STOP
	21614: true, // not a mobile number
	21408: true, // region not enabled
	21612: true, // cannot route to this number
	// Calls:
	13224: true, // invalid number to call
	21215: true, // geo permissions do not allow calling this country
	21217: true, // the number does not appear to be valid
	21205: true, // the call's Url is not a valid URL
	21212: true, // invalid From (the voice number)
}

func classify(err error) error {
	var re *client.TwilioRestError
	if errors.As(err, &re) {
		retry := re.Status == http.StatusTooManyRequests || re.Status >= 500
		if finalCodes[re.Code] {
			retry = false
		}
		return &alerts.SendError{Code: re.Code, HTTPStatus: re.Status, Retryable: retry, Message: re.Message}
	}
	return fmt.Errorf("twilio: %w", err)
}

// Lookup searches Twilio's message log for out: a message to the same
// number, created since nabij claimed out for sending (less a minute for
// clock skew), with the same body (or, for a WhatsApp template, whose body
// Twilio fills in, the earliest one). It is asked before a message whose
// last send ended without an answer is sent again. The same body on an
// earlier day ("we miss Amanuel today") is older than the claim. A voice
// message is looked up in the calls (lookupCall).
func (s *Sender) Lookup(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, bool, error) {
	if out.Channel == channelVoice {
		return s.lookupCall(ctx, out)
	}
	if err := ctx.Err(); err != nil {
		return alerts.Receipt{}, false, err
	}
	to := out.To
	if out.Channel == "whatsapp" {
		to = "whatsapp:" + out.To
	}
	// Not filtered on DateSent: a message Twilio accepted but still queues has
	// none yet, and must be found all the same.
	params := &api.ListMessageParams{}
	params.SetTo(to)
	params.SetPageSize(50)
	params.SetLimit(200)
	msgs, err := s.api.ListMessage(params)
	if err != nil {
		return alerts.Receipt{}, false, classify(err)
	}
	var match *api.ApiV2010Message
	for i := range msgs {
		m := &msgs[i]
		if m.Sid == nil || (m.Direction != nil && *m.Direction != "outbound-api") {
			continue
		}
		if m.DateCreated != nil {
			if created, err := time.Parse(time.RFC1123Z, *m.DateCreated); err == nil && (created.Before(out.Claimed.Add(-time.Minute)) || s.after(created, out)) {
				continue
			}
		}
		if out.ContentSID == "" && (m.Body == nil || *m.Body != out.Body) {
			continue
		}
		if skip, err := out.Skip(*m.Sid); err != nil {
			return alerts.Receipt{}, false, err
		} else if skip {
			continue
		}
		match = m // newest first: the last match is the earliest
	}
	if match == nil {
		return alerts.Receipt{}, false, nil
	}
	return receiptOf(match), true, nil
}

// SettleTime is how long after a request left without an answer Twilio may
// still come to have what it asked for (dispatch.Settler): as long again
// as nabij waits for an answer (NABIJ_TWILIO_TIMEOUT). A heuristic: Twilio
// promises no bound, and a create it acts on later still than this, or a
// list later still to show it, is placed twice.
func (s *Sender) SettleTime() time.Duration { return s.cfg.Timeout }

// after reports whether Twilio made a resource at created after nabij
// could have sent out (Outgoing.Until): a request begun before Until is
// answered within the timeout, and a minute is left for clock skew.
func (s *Sender) after(created time.Time, out alerts.Outgoing) bool {
	return !out.Until.IsZero() && created.After(out.Until.Add(s.cfg.Timeout+time.Minute))
}

// Fetch asks Twilio where the message or call with providerID stands now
// (GET …/Messages/{Sid}.json, …/Calls/{Sid}.json): asked for one still
// "sent" a while after it went, whose status callback may have found nabij
// down (dispatch.Fetcher). A text's receipt carries Twilio's status as a
// callback would (queued, accepted and sending say sent); a call's is
// receiptOfCall's, settled as a lookup's.
func (s *Sender) Fetch(ctx context.Context, channel, providerID string) (alerts.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return alerts.Receipt{}, err
	}
	if channel == channelVoice {
		c, err := s.api.FetchCall(providerID, &api.FetchCallParams{})
		if err != nil {
			return alerts.Receipt{}, classify(err)
		}
		return receiptOfCall(c), nil
	}
	msg, err := s.api.FetchMessage(providerID, &api.FetchMessageParams{})
	if err != nil {
		return alerts.Receipt{}, classify(err)
	}
	r := alerts.Receipt{ProviderID: providerID, Status: alerts.StatusSent}
	if msg.Status != nil {
		if st, ok := alerts.ProviderStatus(*msg.Status); ok {
			r.Status = st
		}
	}
	if msg.ErrorCode != nil {
		r.Code = *msg.ErrorCode
	}
	return r, nil
}
