package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/nabij-isk/nabij/alerts"
)

// channelVoice is the channel of a message that is a phone call.
const channelVoice = "voice"

// Settings of every call nabij places.
const (
	// callTimeout is how long the phone rings (seconds) before Twilio gives
	// up with no-answer.
	callTimeout = 30
	// callTimeLimit ends a call after three minutes, whatever happens.
	callTimeLimit = 180
	// machineDetection lets a voicemail take the message after its beep.
	machineDetection = "DetectMessageEnd"
)

// callEvents are the progress events Twilio posts to a call's status URL.
var callEvents = []string{"initiated", "ringing", "answered", "completed"}

// sendCall places a call for out: Twilio rings out.To from VoiceFrom, and
// when answered (by a person, or by voicemail after its beep) fetches the
// TwiML at VoiceURL/<out.ID> by POST. The receipt's ProviderID is the
// call's SID (CA…) and its status sent: the call is queued; how it went
// comes to VoiceURL/<out.ID>/status.
func (s *Sender) sendCall(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, error) {
	if s.cfg.VoiceFrom == "" || s.cfg.VoiceURL == "" {
		return alerts.Receipt{}, &alerts.SendError{Message: "voice calls are not configured (NABIJ_TWILIO_VOICE_FROM, and NABIJ_PUBLIC_URL for the call's webhooks)"}
	}
	params := &api.CreateCallParams{}
	params.SetTo(out.To)
	params.SetFrom(s.cfg.VoiceFrom)
	call := strings.TrimSuffix(s.cfg.VoiceURL, "/") + "/" + url.PathEscape(out.ID)
	params.SetUrl(call)
	params.SetMethod("POST")
	// The progress of each call comes to a URL of its own: nabij knows the
	// message from the path, even before it has recorded the call's SID.
	params.SetStatusCallback(call + "/status")
	params.SetStatusCallbackMethod("POST")
	params.SetStatusCallbackEvent(callEvents)
	params.SetMachineDetection(machineDetection)
	params.SetTimeout(callTimeout)
	params.SetTimeLimit(callTimeLimit)
	// twilio-go takes no context; the client's timeout bounds the call.
	if err := ctx.Err(); err != nil {
		return alerts.Receipt{}, err
	}
	c, err := s.api.CreateCall(params)
	if err != nil {
		return alerts.Receipt{}, classify(err)
	}
	if c.Sid == nil {
		return alerts.Receipt{}, errors.New("twilio: answer without a call sid")
	}
	return receiptOfCall(c), nil
}

// receiptOfCall reads a call as a receipt: sent while Twilio has it queued,
// ringing, in progress or completed; failed when it ended busy, unanswered,
// failed or canceled. Its Call says which, and who answered: a call found
// by a lookup is settled by it as by its status callback.
func receiptOfCall(c *api.ApiV2010Call) alerts.Receipt {
	r := alerts.Receipt{ProviderID: *c.Sid, Status: alerts.StatusSent, Call: &alerts.CallReceipt{}}
	if c.Status != nil {
		r.Call.Status = *c.Status
		switch *c.Status {
		case "busy", "no-answer", "failed", "canceled":
			r.Status = alerts.StatusFailed
		}
	}
	if c.AnsweredBy != nil {
		r.Call.AnsweredBy = *c.AnsweredBy
	}
	if c.Duration != nil {
		r.Call.Seconds, _ = strconv.Atoi(*c.Duration)
	}
	return r
}

// lookupCall searches Twilio's calls for out: an outbound call to the same
// number created since nabij claimed out (less a minute for clock skew).
// A call has no body to compare, so the number and the time are the match:
// the earliest such call is out's. The list is not filtered on StartTime,
// which a call still queued does not have yet.
func (s *Sender) lookupCall(ctx context.Context, out alerts.Outgoing) (alerts.Receipt, bool, error) {
	if err := ctx.Err(); err != nil {
		return alerts.Receipt{}, false, err
	}
	params := &api.ListCallParams{}
	params.SetTo(out.To)
	params.SetPageSize(50)
	params.SetLimit(200)
	calls, err := s.api.ListCall(params)
	if err != nil {
		return alerts.Receipt{}, false, classify(err)
	}
	var match *api.ApiV2010Call
	for i := range calls {
		c := &calls[i]
		if c.Sid == nil || c.Direction == nil || *c.Direction != "outbound-api" || c.DateCreated == nil {
			continue
		}
		created, err := time.Parse(time.RFC1123Z, *c.DateCreated)
		if err != nil || created.Before(out.Claimed.Add(-time.Minute)) || s.after(created, out) {
			continue
		}
		if skip, err := out.Skip(*c.Sid); err != nil {
			return alerts.Receipt{}, false, err
		} else if skip {
			continue
		}
		match = c // newest first: the last match is the earliest
	}
	if match == nil {
		return alerts.Receipt{}, false, nil
	}
	return receiptOfCall(match), true, nil
}

// PlaceRecordingCall calls an admin's phone to record a school's message:
// Twilio fetches the TwiML at RecordURL/<token> (which says what to speak
// and records it). No answering-machine detection: the admin answers.
func (s *Sender) PlaceRecordingCall(ctx context.Context, to, token string) (string, error) {
	if s.cfg.VoiceFrom == "" || s.cfg.RecordURL == "" {
		return "", &alerts.SendError{Message: "voice calls are not configured (NABIJ_TWILIO_VOICE_FROM, and NABIJ_PUBLIC_URL for the call's webhooks)"}
	}
	params := &api.CreateCallParams{}
	params.SetTo(to)
	params.SetFrom(s.cfg.VoiceFrom)
	params.SetUrl(strings.TrimSuffix(s.cfg.RecordURL, "/") + "/" + url.PathEscape(token))
	params.SetMethod("POST")
	params.SetTimeout(callTimeout)
	params.SetTimeLimit(callTimeLimit)
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c, err := s.api.CreateCall(params)
	if err != nil {
		return "", classify(err)
	}
	if c.Sid == nil {
		return "", errors.New("twilio: answer without a call sid")
	}
	return *c.Sid, nil
}

// maxRecording is the most nabij reads of a recording from Twilio: the
// check refuses anything over app.MaxRecordingSize anyway.
const maxRecording = 16 << 20

// FetchRecording reads a recording Twilio made (its RecordingUrl, as WAV),
// with the account's credentials. Only a recording of this account on
// Twilio's API host (or the configured API URL's) is fetched: the URL
// comes in a signed webhook, and still never sends the credentials
// elsewhere.
func (s *Sender) FetchRecording(ctx context.Context, recordingURL string) ([]byte, error) {
	u, err := url.Parse(recordingURL)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("twilio: recording URL %q is not a URL", recordingURL)
	}
	base, _ := url.Parse(s.cfg.APIURL)
	if u.Host != "api.twilio.com" && (base == nil || u.Host != base.Host) {
		return nil, fmt.Errorf("twilio: a recording on host %q, not Twilio's API", u.Host)
	}
	prefix := "/2010-04-01/Accounts/" + s.cfg.AccountSID + "/Recordings/"
	if !strings.HasPrefix(u.Path, prefix) || strings.Contains(strings.TrimPrefix(u.Path, prefix), "/") {
		return nil, fmt.Errorf("twilio: %q is not a recording of this account", u.Path)
	}
	// The client sends every request to the configured API URL
	// (rewriteHost), so only the path is taken from the URL.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, DefaultAPIURL+u.Path+".wav", nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(s.cfg.AccountSID, s.cfg.AuthToken)
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("twilio: fetch recording: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("twilio: fetch recording: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRecording+1))
	if err != nil {
		return nil, fmt.Errorf("twilio: fetch recording: %w", err)
	}
	if len(data) > maxRecording {
		return nil, fmt.Errorf("twilio: the recording is larger than %d MB", maxRecording>>20)
	}
	return data, nil
}
