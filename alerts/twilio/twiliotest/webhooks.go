package twiliotest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sign computes Twilio's X-Twilio-Signature for a POST to fullURL (scheme,
// host, port, path and query exactly as requested) with form params:
// base64(HMAC-SHA1(authToken, fullURL + k1 + v1 + k2 + v2 ...)) with keys
// sorted, and a repeated key contributing once per value, values sorted.
func Sign(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		for _, v := range slices.Sorted(slices.Values(params[k])) {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// runCallbacks posts a message's automatic callbacks in order. It stops
// early, dropping the rest, when the server closes.
func (s *Server) runCallbacks(rec *record, steps []deliveryFailure) {
	defer s.wg.Done()
	for _, st := range steps {
		s.mu.Lock()
		delay := s.callbackDelay
		s.mu.Unlock()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-s.closing:
				t.Stop()
				return
			}
		} else {
			select {
			case <-s.closing:
				return
			default:
			}
		}
		_ = s.deliver(rec, st.status, st.code)
	}
}

// SendStatus moves an accepted message to status (with errorCode when
// non-zero) and posts one signed status callback for it, synchronously. It
// fails for an unknown SID or a message without StatusCallback, when the
// POST fails, or when the webhook answers other than 2xx; the attempt is
// recorded in Callbacks either way.
func (s *Server) SendStatus(sid, status string, errorCode int) error {
	s.mu.Lock()
	rec, ok := s.bySID[sid]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("twiliotest: no message %s", sid)
	}
	return s.deliver(rec, status, errorCode)
}

// deliver updates rec's status and posts the callback, if it has a
// StatusCallback. Callbacks for one message never overlap.
func (s *Server) deliver(rec *record, status string, errorCode int) error {
	rec.sendMu.Lock()
	defer rec.sendMu.Unlock()

	s.mu.Lock()
	rec.msg.Status = status
	if errorCode != 0 {
		rec.msg.ErrorCode = errorCode
	}
	m := rec.msg
	s.notifyLocked()
	s.mu.Unlock()
	if m.StatusCallback == "" {
		return fmt.Errorf("twiliotest: message %s has no StatusCallback", m.SID)
	}

	p := url.Values{}
	p.Set("MessageSid", m.SID)
	p.Set("SmsSid", m.SID)
	p.Set("AccountSid", s.accountSID)
	if m.From != "" {
		p.Set("From", m.From)
	}
	p.Set("To", m.To)
	p.Set("MessageStatus", status)
	p.Set("SmsStatus", status)
	p.Set("ApiVersion", apiVersion)
	if m.MessagingServiceSID != "" {
		p.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != 0 {
		p.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	if m.Channel == "whatsapp" {
		p.Set("ChannelPrefix", "whatsapp")
	}

	cb := Callback{SID: m.SID, Status: status, ErrorCode: errorCode, URL: m.StatusCallback,
		Params: p, Signature: Sign(s.authToken, m.StatusCallback, p)}
	resp, err := s.post(m.StatusCallback, p, cb.Signature)
	if err == nil {
		cb.HTTPStatus = resp.StatusCode
		if resp.StatusCode/100 != 2 {
			err = fmt.Errorf("twiliotest: status callback for %s answered %s", m.SID, resp.Status)
		}
	} else {
		cb.Err = err
	}

	s.mu.Lock()
	s.callbacks = append(s.callbacks, cb)
	s.notifyLocked()
	s.mu.Unlock()
	return err
}

// post sends a signed form webhook the way Twilio does. The body is read
// fully and the connection released, so callers may ignore resp.Body.
func (s *Server) post(target string, params url.Values, signature string) (*http.Response, error) {
	// Close cuts a callback short rather than wait out the client's
	// timeout: a nabij that was stopped while its socket stays open (a
	// test restarting it) accepts no connection and answers nothing.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-done:
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", signature)
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("I-Twilio-Idempotency-Token", newSID("")[:32])
	resp, err := s.webhooks.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, err
}

// SendInbound posts a signed incoming-message webhook to webhookURL, as
// Twilio does when someone texts one of the account's numbers. If from or
// to has the "whatsapp:" prefix the message is a WhatsApp one and both
// addresses carry the prefix. The returned response's body is already read
// into memory; closing it is optional.
func (s *Server) SendInbound(webhookURL, from, to, body string) (*http.Response, error) {
	channel := "sms"
	if channelOf(from) == "whatsapp" || channelOf(to) == "whatsapp" {
		channel = "whatsapp"
		from = whatsappPrefix + strings.TrimPrefix(from, whatsappPrefix)
		to = whatsappPrefix + strings.TrimPrefix(to, whatsappPrefix)
	}
	sid := newSID("SM")
	p := url.Values{}
	p.Set("MessageSid", sid)
	p.Set("SmsMessageSid", sid)
	p.Set("SmsSid", sid)
	p.Set("AccountSid", s.accountSID)
	p.Set("From", from)
	p.Set("To", to)
	p.Set("Body", body)
	p.Set("NumMedia", "0")
	p.Set("NumSegments", strconv.Itoa(numSegments(body, channel)))
	p.Set("SmsStatus", "received")
	p.Set("ApiVersion", apiVersion)
	if channel == "whatsapp" {
		// WhatsApp user ID: the sender's number without "whatsapp:+".
		p.Set("WaId", strings.TrimPrefix(from, whatsappPrefix+"+"))
	}
	return s.post(webhookURL, p, Sign(s.authToken, webhookURL, p))
}
