package web

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/twiml"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/translations"
	"github.com/nabij-isk/nabij/voice"
)

// phoneRecording is what recording a message by phone needs
// (app/phonerec.go).
type phoneRecording interface {
	RecordByPhone(ctx context.Context, admin school.User, lang string, kind voice.Kind, spokenBy, phone string) (app.PhoneRecording, error)
	RecordingPrompt(token string) (app.PhoneRecording, bool)
	PhoneRecordingDone(ctx context.Context, token, recordingURL string) (voice.Recording, error)
}

var (
	recordingSIDPattern = regexp.MustCompile(`^RE[0-9a-f]{32}$`)
	// tokenPattern is a session token's shape: 32 bytes, base64url.
	tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
)

var recordChecks = map[string]func(string) bool{
	"CallSid":           callSIDPattern.MatchString,
	"RecordingSid":      recordingSIDPattern.MatchString,
	"RecordingDuration": secondsPattern.MatchString,
	"Digits":            func(s string) bool { return s == "hangup" || digitsPattern.MatchString(s) },
	"RecordingUrl":      func(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") },
}

// kindSpoken is how the recording call names each message, in Dutch.
var kindSpoken = map[voice.Kind]string{
	voice.KindAbsent: "afwezig", voice.KindLate: "te laat", voice.KindApology: "excuses", voice.KindThanks: "bedankt",
}

// phoneRecordingRoutes are the API's ask and the recording call's two
// webhooks (signed by Twilio, in hooks); the admin page's form is with the
// page routes (recordingPageRoutes).
func (h *handlers) phoneRecordingRoutes(api, hooks *echo.Group) {
	api.POST("/recordings/calls", h.apiRecordByPhone, requireRole(school.RoleAdmin))
	hooks.POST("/record/:token", h.recordPrompt)
	hooks.POST("/record/:token/done", h.recordDone)
}

type recordByPhoneRequest struct {
	Language string     `json:"language"`
	Kind     voice.Kind `json:"kind"`
	SpokenBy string     `json:"spoken_by"`
	Phone    string     `json:"phone"`
}

// phoneRecordingView is a recording call asked for.
type phoneRecordingView struct {
	ID       string     `json:"id"`
	Language string     `json:"language"`
	Kind     voice.Kind `json:"kind"`
	Status   string     `json:"status"`
}

func (h *handlers) apiRecordByPhone(c echo.Context) error {
	var req recordByPhoneRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	rec, err := h.svc.RecordByPhone(c.Request().Context(), user(c), req.Language, req.Kind, req.SpokenBy, req.Phone)
	if errors.Is(err, app.ErrNoRecordingCalls) {
		return &apiError{http.StatusConflict, "conflict", app.ErrNoRecordingCalls.Error(), nil}
	}
	if err != nil {
		return err
	}
	h.log.Info("recording call placed", "session", rec.ID, "language", rec.Language, "kind", rec.Kind, "by", user(c).ID)
	return c.JSON(http.StatusAccepted, phoneRecordingView{ID: rec.ID, Language: rec.Language, Kind: rec.Kind, Status: "calling"})
}

func (h *handlers) adminRecordByPhone(c echo.Context) error {
	rec, err := h.svc.RecordByPhone(c.Request().Context(), user(c), c.FormValue("language"),
		voice.Kind(c.FormValue("kind")), c.FormValue("spoken_by"), c.FormValue("phone"))
	var ve *school.ValidationError
	if errors.As(err, &ve) || errors.Is(err, app.ErrNoRecordingCalls) {
		v, verr := h.adminView(c)
		if verr != nil {
			return h.pageError(c, verr)
		}
		msg, english := err.Error(), h.lang(c) != "en"
		if ve != nil {
			msg, english = h.sayDetails(c, ve.Details)
		}
		v.Voice.Refused = &voiceRefusal{Language: c.FormValue("language"), Kind: voice.Kind(c.FormValue("kind")), Message: msg, English: english}
		return h.render(c, http.StatusUnprocessableEntity, "admin.html", v, "")
	}
	if err != nil {
		return h.pageError(c, err)
	}
	h.log.Info("recording call placed", "session", rec.ID, "language", rec.Language, "kind", rec.Kind, "by", user(c).ID)
	return c.Redirect(http.StatusSeeOther, "/admin?calling="+rec.ID+"#voice")
}

// recordPrompt answers the recording call's TwiML: what to speak, in
// Dutch, then <Record> up to 90 seconds, ended by #.
func (h *handlers) recordPrompt(c echo.Context) error {
	token := c.Param("token")
	if !tokenPattern.MatchString(token) {
		return errNoSuchCall
	}
	if err := h.checkWebhookForm(c, recordChecks, "CallSid"); err != nil {
		return err
	}
	rec, ok := h.svc.RecordingPrompt(token)
	if !ok {
		return errNoSuchCall
	}
	lang := rec.Language
	if l, ok := h.catalogLanguage(rec.Language); ok {
		lang = l.EnglishName
	}
	nl := voice.Speakers["nl"]
	base := strings.TrimSuffix(h.cfg.PublicURL, "/") + "/webhooks/twilio/record/" + token
	verbs := []twiml.Element{
		&twiml.VoiceSay{Language: nl.Language, Voice: nl.Voice,
			Message: "Dit is nabij. Spreek na de piep het bericht " + kindSpoken[rec.Kind] + " in, in het " + lang +
				". Druk op hekje als u klaar bent."},
		&twiml.VoiceRecord{Action: base + "/done", Method: http.MethodPost, MaxLength: "90", FinishOnKey: "#",
			PlayBeep: "true", Trim: "trim-silence"},
		&twiml.VoiceSay{Language: nl.Language, Voice: nl.Voice, Message: "Er is niets opgenomen. Tot ziens."},
		&twiml.VoiceHangup{},
	}
	h.log.Info("recording call answered", "session", rec.ID)
	return h.writeTwiML(c, verbs)
}

// recordDone keeps what Twilio recorded, and tells the admin whether it
// was kept or why not.
func (h *handlers) recordDone(c echo.Context) error {
	token := c.Param("token")
	if !tokenPattern.MatchString(token) {
		return errNoSuchCall
	}
	if err := h.checkWebhookForm(c, recordChecks, "CallSid", "RecordingUrl"); err != nil {
		return err
	}
	rec, err := h.svc.PhoneRecordingDone(c.Request().Context(), token, c.Request().PostForm.Get("RecordingUrl"))
	nl := voice.Speakers["nl"]
	var ve *school.ValidationError
	switch {
	case errors.Is(err, school.ErrNotFound):
		return errNoSuchCall
	case errors.As(err, &ve):
		msgs := make([]string, 0, len(ve.Details))
		for _, d := range ve.Details {
			msgs = append(msgs, d.Message)
		}
		h.log.Info("phone recording refused", "call", c.Request().PostForm.Get("CallSid"))
		en := voice.Speakers["en"]
		return h.writeTwiML(c, []twiml.Element{
			&twiml.VoiceSay{Language: nl.Language, Voice: nl.Voice, Message: "De opname is niet bewaard. De reden, in het Engels:"},
			&twiml.VoiceSay{Language: en.Language, Voice: en.Voice, Message: strings.Join(msgs, ". ")},
			&twiml.VoiceSay{Language: nl.Language, Voice: nl.Voice, Message: "Probeer het opnieuw vanaf de beheerpagina. Tot ziens."},
			&twiml.VoiceHangup{},
		})
	case err != nil:
		return err
	}
	h.log.Info("phone recording kept", "recording", rec.ID, "language", rec.Language, "kind", rec.Kind)
	return h.writeTwiML(c, []twiml.Element{
		&twiml.VoiceSay{Language: nl.Language, Voice: nl.Voice, Message: "Opgenomen en bewaard. Dank u wel, tot ziens."},
		&twiml.VoiceHangup{},
	})
}

func (h *handlers) writeTwiML(c echo.Context, verbs []twiml.Element) error {
	doc, err := twiml.Voice(verbs)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/xml", []byte(doc))
}

// catalogLanguage is a language of the catalog in force, if one is set.
func (h *handlers) catalogLanguage(tag string) (translations.Language, bool) {
	if h.cfg.Catalog == nil {
		return translations.Language{}, false
	}
	return h.cfg.Catalog.Language(tag)
}
