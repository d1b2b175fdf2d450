package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/client"

	"github.com/nabij-isk/nabij/store"
)

// verifyTwilio lets through only requests signed with the Twilio auth token
// over the full URL Twilio called (NABIJ_PUBLIC_URL + path and query) and the
// posted form. Anything else is 403 and changes nothing.
func (h *handlers) verifyTwilio(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		forbidden := &apiError{http.StatusForbidden, "forbidden", "the Twilio signature is missing or wrong", nil}
		sig := c.Request().Header.Get("X-Twilio-Signature")
		if h.cfg.TwilioAuthToken == "" || h.cfg.PublicURL == "" || sig == "" {
			return forbidden
		}
		// Twilio signs the POSTed fields only; the query is part of the URL.
		if err := c.Request().ParseForm(); err != nil {
			return forbidden
		}
		params := make(map[string]string, len(c.Request().PostForm))
		for k, v := range c.Request().PostForm {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		fullURL := strings.TrimSuffix(h.cfg.PublicURL, "/") + c.Request().URL.RequestURI()
		validator := client.NewRequestValidator(h.cfg.TwilioAuthToken)
		if !validator.Validate(fullURL, params, sig) {
			h.log.Warn("twilio webhook refused: bad signature", "route", c.Path())
			return forbidden
		}
		return next(c)
	}
}

func (h *handlers) twilioStatus(c echo.Context) error {
	sid := c.FormValue("MessageSid")
	status := c.FormValue("MessageStatus")
	if sid == "" || status == "" {
		return badRequest("MessageSid and MessageStatus are required")
	}
	code, _ := strconv.Atoi(c.FormValue("ErrorCode"))
	if err := h.svc.DeliveryStatus(c.Request().Context(), sid, status, code); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

func (h *handlers) twilioInbound(c echo.Context) error {
	from, channel := c.FormValue("From"), "sms"
	if rest, ok := strings.CutPrefix(from, "whatsapp:"); ok {
		from, channel = rest, "whatsapp"
	}
	in := store.Inbound{
		ProviderID: c.FormValue("MessageSid"),
		From:       from,
		To:         strings.TrimPrefix(c.FormValue("To"), "whatsapp:"),
		Channel:    channel,
		Body:       c.FormValue("Body"),
	}
	if err := h.svc.Inbound(c.Request().Context(), in); err != nil {
		return err
	}
	h.log.Info("inbound message kept", "provider_id", in.ProviderID, "channel", channel)
	// An empty TwiML answer: nabij replies, if at all, through the API.
	return c.Blob(http.StatusOK, "text/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><Response></Response>`))
}
