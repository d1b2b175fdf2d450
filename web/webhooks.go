package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/client"

	"github.com/nabij-isk/nabij/store"
)

// Twilio's webhooks are a few KB with a few dozen fields. Anything larger
// is refused before it is parsed or its signature computed: twilio-go's
// validator builds its string quadratically, so a 10 MB form with
// thousands of fields cost tens of seconds of CPU before the 403.
const (
	maxWebhookBody   = 64 << 10
	maxWebhookFields = 100
)

var (
	messageSIDPattern = regexp.MustCompile(`^(SM|MM)[0-9a-f]{32}$`)
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
	errorCodePattern  = regexp.MustCompile(`^[0-9]{1,6}$`)
	// A phone number in E.164, with the WhatsApp prefix when it is one.
	phonePattern = regexp.MustCompile(`^(whatsapp:)?\+[1-9][0-9]{6,14}$`)
	// A sender on a status callback may also be a short code or an
	// alphanumeric sender ID.
	senderPattern = regexp.MustCompile(`^((whatsapp:)?\+[1-9][0-9]{6,14}|[0-9]{3,8}|[A-Za-z0-9 ]{1,11})$`)
)

// messageStatuses are the MessageStatus values Twilio reports.
var messageStatuses = map[string]bool{
	"accepted": true, "scheduled": true, "canceled": true, "queued": true, "sending": true, "sent": true,
	"failed": true, "delivered": true, "undelivered": true, "receiving": true, "received": true,
	"read": true, "partially_delivered": true,
}

// verifyTwilio lets through only requests signed with the Twilio auth token
// over the full URL Twilio called (NABIJ_PUBLIC_URL + path and query) and the
// posted form, from nabij's own Twilio account. The body is read with a
// limit and its fields counted before anything is parsed: too large is 413,
// too many fields 400; a missing or wrong signature or another account is
// 403. Nothing is changed by a refusal.
func (h *handlers) verifyTwilio(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		forbidden := &apiError{http.StatusForbidden, "forbidden", "the Twilio signature is missing or wrong", nil}
		req := c.Request()
		sig := req.Header.Get("X-Twilio-Signature")
		if h.cfg.TwilioAuthToken == "" || h.cfg.PublicURL == "" || sig == "" {
			return forbidden
		}
		tooLarge := &apiError{http.StatusRequestEntityTooLarge, "too_large", "a Twilio webhook is at most 64 KB", nil}
		if req.ContentLength > maxWebhookBody {
			h.log.Warn("twilio webhook refused: body too large", "route", c.Path(), "bytes", req.ContentLength)
			return tooLarge
		}
		if ct := req.Header.Get(echo.HeaderContentType); !strings.HasPrefix(strings.ToLower(ct), echo.MIMEApplicationForm) {
			return &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "a Twilio webhook is a form (application/x-www-form-urlencoded)", nil}
		}
		raw, err := io.ReadAll(io.LimitReader(req.Body, maxWebhookBody+1))
		if err != nil {
			return badRequest("the body could not be read")
		}
		if len(raw) > maxWebhookBody {
			h.log.Warn("twilio webhook refused: body too large", "route", c.Path(), "bytes_read", len(raw))
			return tooLarge
		}
		if n := bytes.Count(raw, []byte("&")) + 1; n > maxWebhookFields {
			h.log.Warn("twilio webhook refused: too many fields", "route", c.Path(), "fields", n)
			return badRequest("a Twilio webhook has at most %d fields", maxWebhookFields)
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return forbidden
		}
		// The handlers read the form already parsed; the query stays out
		// of it (Twilio signs the POSTed fields only).
		req.Body = io.NopCloser(bytes.NewReader(raw))
		req.PostForm, req.Form = form, form
		params := make(map[string]string, len(form))
		for k, v := range form {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		fullURL := strings.TrimSuffix(h.cfg.PublicURL, "/") + req.URL.RequestURI()
		validator := client.NewRequestValidator(h.cfg.TwilioAuthToken)
		if !validator.Validate(fullURL, params, sig) {
			h.log.Warn("twilio webhook refused: bad signature", "route", c.Path())
			return forbidden
		}
		// Twilio's signature joins keys and values without separators, so a
		// signed form can be re-cut into other fields: every field nabij
		// reads is checked for its shape before anything is stored.
		account := form.Get("AccountSid")
		if !accountSIDPattern.MatchString(account) {
			h.log.Warn("twilio webhook refused: malformed field", "route", c.Path(), "field", "AccountSid")
			return badRequest("AccountSid is missing or malformed")
		}
		if h.cfg.TwilioAccountSID == "" || !equalSecrets(account, h.cfg.TwilioAccountSID) {
			h.log.Warn("twilio webhook refused: another account", "route", c.Path())
			return &apiError{http.StatusForbidden, "forbidden", "the webhook is not from nabij's Twilio account", nil}
		}
		return next(c)
	}
}

// checkWebhookForm checks the fields every webhook carries: MessageSid
// (required), SmsSid and SmsMessageSid (when present). The first problem
// is a 400 naming the field, never its value.
func (h *handlers) checkWebhookForm(c echo.Context, checks map[string]func(string) bool, required ...string) error {
	form := c.Request().PostForm
	for _, name := range required {
		if form.Get(name) == "" {
			h.log.Warn("twilio webhook refused: field missing", "route", c.Path(), "field", name)
			return badRequest("%s is required", name)
		}
	}
	for name, ok := range checks {
		vals, present := form[name]
		if !present {
			continue
		}
		if len(vals) != 1 || !ok(vals[0]) {
			h.log.Warn("twilio webhook refused: malformed field", "route", c.Path(), "field", name)
			return badRequest("%s is malformed", name)
		}
	}
	return nil
}

var sidChecks = map[string]func(string) bool{
	"MessageSid":    messageSIDPattern.MatchString,
	"SmsSid":        messageSIDPattern.MatchString,
	"SmsMessageSid": messageSIDPattern.MatchString,
}

func withChecks(extra map[string]func(string) bool) map[string]func(string) bool {
	out := map[string]func(string) bool{}
	for k, v := range sidChecks {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

var statusChecks = withChecks(map[string]func(string) bool{
	"MessageStatus": func(s string) bool { return messageStatuses[s] },
	"SmsStatus":     func(s string) bool { return messageStatuses[s] },
	"ErrorCode":     errorCodePattern.MatchString,
	"From":          senderPattern.MatchString,
	"To":            phonePattern.MatchString,
})

var inboundChecks = withChecks(map[string]func(string) bool{
	"From": phonePattern.MatchString,
	"To":   phonePattern.MatchString,
})

func (h *handlers) twilioStatus(c echo.Context) error {
	if err := h.checkWebhookForm(c, statusChecks, "MessageSid", "MessageStatus"); err != nil {
		return err
	}
	form := c.Request().PostForm
	sid, status := form.Get("MessageSid"), form.Get("MessageStatus")
	code, _ := strconv.Atoi(form.Get("ErrorCode"))
	if err := h.svc.DeliveryStatus(c.Request().Context(), sid, status, code); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

func (h *handlers) twilioInbound(c echo.Context) error {
	if err := h.checkWebhookForm(c, inboundChecks, "MessageSid", "From", "To"); err != nil {
		return err
	}
	form := c.Request().PostForm
	from, channel := form.Get("From"), "sms"
	if rest, ok := strings.CutPrefix(from, "whatsapp:"); ok {
		from, channel = rest, "whatsapp"
	}
	in := store.Inbound{
		ProviderID: form.Get("MessageSid"),
		From:       from,
		To:         strings.TrimPrefix(form.Get("To"), "whatsapp:"),
		Channel:    channel,
		Body:       form.Get("Body"),
	}
	if err := h.svc.Inbound(c.Request().Context(), in); err != nil {
		return err
	}
	h.log.Info("inbound message kept", "provider_id", in.ProviderID, "channel", channel)
	// An empty TwiML answer: nabij replies, if at all, through the API.
	return c.Blob(http.StatusOK, "text/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><Response></Response>`))
}
