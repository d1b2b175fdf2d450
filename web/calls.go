package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/twiml"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
)

// calls is what the call webhooks need: a call's life as Twilio tells it
// (app/calls.go).
type calls interface {
	CallScript(ctx context.Context, id, callSID, answeredBy string) (app.CallScript, error)
	CallKey(ctx context.Context, id, callSID, digits string) (app.CallScript, error)
	CallStatus(ctx context.Context, id, callSID, status, answeredBy string, seconds int) error
	SetContactChannel(ctx context.Context, u school.User, contactID string, ch school.Channel) (*app.ChannelChange, error)
}

var (
	callSIDPattern = regexp.MustCompile(`^CA[0-9a-f]{32}$`)
	// digitsPattern is what a <Gather> posts: keys, at most a few.
	digitsPattern  = regexp.MustCompile(`^[0-9*#]{0,20}$`)
	secondsPattern = regexp.MustCompile(`^[0-9]{1,6}$`)
	// messageIDPattern is the shape of nabij's message ids in a webhook's path.
	messageIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// answeredBy are the AnsweredBy values of Twilio's answering-machine
// detection.
var answeredBy = map[string]bool{
	"human": true, "machine_start": true, "machine_end_beep": true, "machine_end_silence": true,
	"machine_end_other": true, "fax": true, "unknown": true,
}

var callChecks = map[string]func(string) bool{
	"CallSid":      callSIDPattern.MatchString,
	"CallStatus":   func(s string) bool { return alerts.CallStatuses[s] },
	"AnsweredBy":   func(s string) bool { return answeredBy[s] },
	"Digits":       digitsPattern.MatchString,
	"CallDuration": secondsPattern.MatchString,
	"From":         phonePattern.MatchString,
	"To":           phonePattern.MatchString,
}

// callRoutes are the webhooks of a call, each signed by Twilio and about
// one message: the TwiML fetched when the call is answered, the key
// pressed, the call's progress.
func (h *handlers) callRoutes(hooks *echo.Group) {
	hooks.POST("/voice/:message", h.callAnswered)
	hooks.POST("/voice/:message/gather", h.callGathered)
	hooks.POST("/voice/:message/status", h.callProgress)
}

// callForm checks a call webhook's path and fields; it returns the message
// id and the call's sid.
func (h *handlers) callForm(c echo.Context, required ...string) (id, sid string, err error) {
	id = c.Param("message")
	if !messageIDPattern.MatchString(id) {
		return "", "", errNoSuchCall
	}
	if err := h.checkWebhookForm(c, callChecks, append([]string{"CallSid"}, required...)...); err != nil {
		return "", "", err
	}
	return id, c.Request().PostForm.Get("CallSid"), nil
}

// callAnswered answers Twilio's fetch of what to say on an answered call.
func (h *handlers) callAnswered(c echo.Context) error {
	id, sid, err := h.callForm(c)
	if err != nil {
		return err
	}
	script, err := h.svc.CallScript(c.Request().Context(), id, sid, c.Request().PostForm.Get("AnsweredBy"))
	if err != nil {
		return callError(err)
	}
	h.log.Info("call answered", "message", id, "call", sid, "asks_keys", script.AskKeys)
	return h.twiml(c, script, id)
}

// callGathered handles the key the family pressed.
func (h *handlers) callGathered(c echo.Context) error {
	id, sid, err := h.callForm(c)
	if err != nil {
		return err
	}
	digits := c.Request().PostForm.Get("Digits")
	script, err := h.svc.CallKey(c.Request().Context(), id, sid, digits)
	if err != nil {
		return callError(err)
	}
	h.log.Info("call key", "message", id, "call", sid, "keys", len(digits))
	return h.twiml(c, script, id)
}

// callProgress applies Twilio's report of the call's progress and end.
func (h *handlers) callProgress(c echo.Context) error {
	id, sid, err := h.callForm(c, "CallStatus")
	if err != nil {
		return err
	}
	form := c.Request().PostForm
	seconds, _ := strconv.Atoi(form.Get("CallDuration"))
	if err := h.svc.CallStatus(c.Request().Context(), id, sid, form.Get("CallStatus"), form.Get("AnsweredBy"), seconds); err != nil {
		return callError(err)
	}
	return c.NoContent(http.StatusOK)
}

// errNoSuchCall is the answer to a webhook about a call nabij does not know.
var errNoSuchCall = &apiError{http.StatusNotFound, "not_found", "no such call", nil}

// callError maps a webhook about another call than the message's to 404:
// nothing was changed.
func callError(err error) error {
	if errors.Is(err, app.ErrNotThisCall) {
		return errNoSuchCall
	}
	return err
}

// twiml writes what the call says as TwiML (twilio-go's twiml package):
// the message — the school's recording (<Play>, at its signed, expiring
// link) or the speech engine (<Say> in the language's voice) — in a
// <Gather> for one key when the family is asked for one, said twice when
// no key comes; then the call hangs up. Nothing to say is a hang-up.
func (h *handlers) twiml(c echo.Context, script app.CallScript, id string) error {
	var verbs []twiml.Element
	lineOf := func(line app.CallLine) twiml.Element {
		if line.Play != "" {
			return &twiml.VoicePlay{Url: strings.TrimSuffix(h.cfg.PublicURL, "/") + line.Play}
		}
		if line.Say == "" {
			return nil
		}
		return &twiml.VoiceSay{Message: line.Say, Language: line.Speech.Language, Voice: line.Speech.Voice}
	}
	line := lineOf(script.Line)
	switch {
	case line == nil:
	case script.AskKeys:
		gather := func() twiml.Element {
			return &twiml.VoiceGather{Input: "dtmf", NumDigits: "1", Timeout: "6", Method: http.MethodPost,
				Action:        strings.TrimSuffix(h.cfg.PublicURL, "/") + "/webhooks/twilio/voice/" + id + "/gather",
				InnerElements: []twiml.Element{lineOf(script.Line)}}
		}
		verbs = append(verbs, gather(), gather())
	default:
		verbs = append(verbs, line)
	}
	verbs = append(verbs, &twiml.VoiceHangup{})
	doc, err := twiml.Voice(verbs)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/xml", []byte(doc))
}

type contactChannelRequest struct {
	Channel school.Channel `json:"channel"`
}

// contactChannelView is the answer to a change of a contact's channel.
type contactChannelView struct {
	Contact string         `json:"contact"`
	Channel school.Channel `json:"channel"`
	// Calls are the calls made at once: today's unanswered texts to the
	// contact, again as a call.
	Calls []string `json:"calls"`
}

// setContactChannel changes how a contact is reached (PUT, idempotent).
func (h *handlers) setContactChannel(c echo.Context) error {
	var req contactChannelRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Channel == "" {
		return &apiError{http.StatusUnprocessableEntity, "invalid", "channel is required",
			[]school.FieldError{{Field: "channel", Message: "required: sms, whatsapp or voice"}}}
	}
	ch, err := h.svc.SetContactChannel(c.Request().Context(), user(c), c.Param("contact"), req.Channel)
	if err != nil {
		return err
	}
	h.logChannel(c, ch)
	return c.JSON(http.StatusOK, contactChannelView{Contact: ch.Contact, Channel: ch.Channel, Calls: append([]string{}, ch.Calls...)})
}

// callContactPage asks before the board's "did not read it" changes how a
// contact is reached: who the contact is, their number, and every pupil
// whose alerts reach them (a KWE's shared phone stands for all its
// pupils). (Found by a review: one tap, no word, switched a KWE's phone to
// calls for good; what it did was said only in a tooltip.)
func (h *handlers) callContactPage(c echo.Context) error {
	card, err := h.svc.Contact(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return h.pageError(c, err)
	}
	return h.render(c, http.StatusOK, "call.html", card, "")
}

// callContact is the board's "did not read it", confirmed: the contact is
// called from now on, and today's unanswered text is made a call now.
func (h *handlers) callContact(c echo.Context) error {
	ch, err := h.svc.SetContactChannel(c.Request().Context(), user(c), c.Param("id"), school.ChannelVoice)
	if err != nil {
		return h.pageError(c, err)
	}
	h.logChannel(c, ch)
	return c.Redirect(http.StatusSeeOther, "/board?called="+ch.Contact)
}

// contactChannelForm sets how a contact is reached from a pupil's page
// (the way back from "call from now on"), then shows that page again.
func (h *handlers) contactChannelForm(c echo.Context) error {
	pupil := c.FormValue("pupil")
	if !school.ValidID(pupil) {
		return badRequest("pupil: want the pupil's id")
	}
	ch, err := h.svc.SetContactChannel(c.Request().Context(), user(c), c.Param("id"), school.Channel(c.FormValue("channel")))
	if err != nil {
		return h.pageError(c, err)
	}
	h.logChannel(c, ch)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/pupils/%s?channel=%s", pupil, ch.Contact))
}

// logChannel logs a contact's channel changed (ids only).
func (h *handlers) logChannel(c echo.Context, ch *app.ChannelChange) {
	h.log.Info("contact channel changed", "contact", ch.Contact, "channel", ch.Channel, "calls", len(ch.Calls), "by", user(c).ID)
}
