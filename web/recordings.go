package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/voice"
)

// The school's recordings of its call messages: the admin page's "Voice
// messages" section, the API's /recordings, and the media links Twilio
// fetches a recording at (/media/voice/{token}: no sign-in, the token is
// the key; a bad or expired one is a 404, the same for every one).

// recordingAdmin is what the recording handlers need of nabij.
type recordingAdmin interface {
	UploadRecording(ctx context.Context, admin school.User, lang string, kind voice.Kind, spokenBy string, r io.Reader) (voice.Recording, error)
	Recordings(ctx context.Context) ([]voice.Recording, error)
	RecordingAudio(ctx context.Context, id string) (voice.Recording, []byte, error)
	DeleteRecording(ctx context.Context, admin school.User, id string) error
	VoiceCoverage(ctx context.Context) ([]app.LanguageVoice, error)
	MediaAudio(ctx context.Context, token string) (voice.Recording, []byte, time.Time, error)
}

// recordingRoutes adds the API's recordings (admins only).
func (h *handlers) recordingRoutes(api *echo.Group) {
	admin := requireRole(school.RoleAdmin)
	api.GET("/recordings", h.listRecordings, admin)
	api.POST("/recordings", h.postRecording, admin)
	api.GET("/recordings/:id/audio", h.recordingAudio, admin)
	api.DELETE("/recordings/:id", h.deleteRecording, admin)
}

// recordingPageRoutes adds the admin page's recording forms and playback.
func (h *handlers) recordingPageRoutes(g *echo.Group) {
	admin := h.pageRole(school.RoleAdmin)
	g.POST("/admin/recordings", h.adminUploadRecording, admin)
	g.GET("/admin/recordings/:id/audio", h.recordingAudio, admin)
	g.POST("/admin/recordings/:id/delete", h.adminDeleteRecording, admin)
	g.POST("/admin/recordings/call", h.adminRecordByPhone, admin)
}

// recordingView is a recording as the API shows it (never its audio).
type recordingView struct {
	ID          string     `json:"id"`
	Language    string     `json:"language"`
	Kind        voice.Kind `json:"kind"`
	SpokenBy    string     `json:"spoken_by"`
	Format      string     `json:"format"`
	ContentType string     `json:"content_type"`
	Seconds     float64    `json:"seconds"`
	Size        int64      `json:"size"`
	Source      string     `json:"source"`
	UploadedBy  string     `json:"uploaded_by"`
	UploadedAt  time.Time  `json:"uploaded_at"`
}

func viewRecording(r voice.Recording) recordingView {
	return recordingView{ID: r.ID, Language: r.Language, Kind: r.Kind, SpokenBy: r.SpokenBy, Format: r.Format,
		ContentType: r.ContentType, Seconds: r.Duration.Seconds(), Size: r.Size, Source: r.Source,
		UploadedBy: r.UploadedBy, UploadedAt: r.UploadedAt}
}

// recordingsView is GET /recordings: the recordings, and per language of
// the catalog what a call uses for each message.
type recordingsView struct {
	Recordings []recordingView `json:"recordings"`
	Languages  []voiceLangView `json:"languages"`
}

// voiceLangView is what calls in one language use.
type voiceLangView struct {
	Language string          `json:"language"`
	Name     string          `json:"name"`
	Messages []voiceKindView `json:"messages"`
}

// voiceKindView is what calls use for one message: "recording" (which,
// spoken by whom), "speech" (the engine's voice), or "none".
type voiceKindView struct {
	Kind      voice.Kind `json:"kind"`
	Use       voice.Use  `json:"use"`
	Recording string     `json:"recording,omitempty"`
	SpokenBy  string     `json:"spoken_by,omitempty"`
	Voice     string     `json:"voice,omitempty"`
}

func viewLanguageVoice(l app.LanguageVoice) voiceLangView {
	v := voiceLangView{Language: l.Language.Tag, Name: l.Language.EnglishName, Messages: []voiceKindView{}}
	for _, k := range l.Kinds {
		v.Messages = append(v.Messages, voiceKindView{Kind: k.Kind, Use: k.Source.Use, Recording: k.Source.Recording,
			SpokenBy: k.Source.SpokenBy, Voice: k.Source.Speech.Voice})
	}
	return v
}

func (h *handlers) listRecordings(c echo.Context) error {
	ctx := c.Request().Context()
	recs, err := h.svc.Recordings(ctx)
	if err != nil {
		return err
	}
	cov, err := h.svc.VoiceCoverage(ctx)
	if err != nil {
		return err
	}
	out := recordingsView{Recordings: viewAll(recs, viewRecording), Languages: viewAll(cov, viewLanguageVoice)}
	if out.Recordings == nil {
		out.Recordings = []recordingView{}
	}
	return c.JSON(http.StatusOK, out)
}

// upload reads the recording form (language, kind, spoken_by, file) and
// hands it to the use case.
func (h *handlers) upload(c echo.Context) (voice.Recording, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return voice.Recording{}, &school.ValidationError{Details: []school.FieldError{{Field: "file", Message: "choose an MP3 or WAV file"}}}
	}
	f, err := fh.Open()
	if err != nil {
		return voice.Recording{}, err
	}
	defer f.Close()
	return h.svc.UploadRecording(c.Request().Context(), user(c), c.FormValue("language"), voice.Kind(c.FormValue("kind")), c.FormValue("spoken_by"), f)
}

func (h *handlers) postRecording(c echo.Context) error {
	rec, err := h.upload(c)
	if err != nil {
		return err
	}
	h.log.Info("recording kept", "recording", rec.ID, "language", rec.Language, "kind", rec.Kind, "by", user(c).ID)
	return c.JSON(http.StatusCreated, viewRecording(rec))
}

func (h *handlers) deleteRecording(c echo.Context) error {
	if err := h.svc.DeleteRecording(c.Request().Context(), user(c), c.Param("id")); err != nil {
		return err
	}
	h.log.Info("recording deleted", "recording", c.Param("id"), "by", user(c).ID)
	return c.NoContent(http.StatusNoContent)
}

// recordingAudio plays a recording to an admin (the page's <audio>, the
// API): its bytes with its content type, ranges answered as a player asks.
func (h *handlers) recordingAudio(c echo.Context) error {
	rec, audio, err := h.svc.RecordingAudio(c.Request().Context(), c.Param("id"))
	if err != nil {
		if errors.Is(err, school.ErrNotFound) && !strings.HasPrefix(c.Path(), "/api/") {
			return h.pageError(c, err)
		}
		return err
	}
	serveAudio(c, rec, audio)
	return nil
}

// serveAudio writes a recording's audio, ranges and all (http.ServeContent).
func serveAudio(c echo.Context, rec voice.Recording, audio []byte) {
	c.Response().Header().Set(echo.HeaderContentType, rec.ContentType)
	http.ServeContent(c.Response(), c.Request(), "", rec.UploadedAt, bytes.NewReader(audio))
}

// cacheKey holds, for one answer, its own Cache-Control in place of the
// no-store every other answer gets (securityHeaders).
const cacheKey = "cache-control"

// media serves a recording to Twilio at its media link, without sign-in:
// the token names the recording and when the link ends, signed. A token
// that is malformed, forged or expired, or names a recording gone, is one
// and the same 404: there is nothing to learn from it. The answer
// may be kept privately until the link ends, never longer.
func (h *handlers) media(c echo.Context) error {
	rec, audio, expires, err := h.svc.MediaAudio(c.Request().Context(), c.Param("token"))
	if errors.Is(err, school.ErrNotFound) {
		h.log.Info("media link refused")
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	age := int(time.Until(expires).Seconds())
	if age < 0 {
		age = 0
	}
	c.Set(cacheKey, "private, max-age="+strconv.Itoa(age))
	h.log.Info("recording fetched by its media link", "recording", rec.ID)
	serveAudio(c, rec, audio)
	return nil
}

// voiceSection is the admin page's "Voice messages": per language and
// message what a call uses, with a form to upload each.
type voiceSection struct {
	Languages []app.LanguageVoice
	// Refused is the upload just refused, shown beside its form.
	Refused *voiceRefusal
}

// voiceRefusal is an upload refused: its row and why.
type voiceRefusal struct {
	Language string
	Kind     voice.Kind
	Message  string
	English  bool // Message is the API's English on a page in another language
}

func (h *handlers) adminUploadRecording(c echo.Context) error {
	rec, err := h.upload(c)
	var ve *school.ValidationError
	if errors.As(err, &ve) {
		v, verr := h.adminView(c)
		if verr != nil {
			return h.pageError(c, verr)
		}
		msg, english := h.sayDetails(c, ve.Details)
		v.Voice.Refused = &voiceRefusal{Language: c.FormValue("language"), Kind: voice.Kind(c.FormValue("kind")), Message: msg, English: english}
		h.log.Info("recording refused", "language", v.Voice.Refused.Language, "kind", v.Voice.Refused.Kind, "by", user(c).ID)
		return h.render(c, http.StatusUnprocessableEntity, "admin.html", v, "")
	}
	if err != nil {
		return h.pageError(c, err)
	}
	h.log.Info("recording kept", "recording", rec.ID, "language", rec.Language, "kind", rec.Kind, "by", user(c).ID)
	return c.Redirect(http.StatusSeeOther, "/admin?recorded="+rec.ID+"#voice")
}

func (h *handlers) adminDeleteRecording(c echo.Context) error {
	if err := h.svc.DeleteRecording(c.Request().Context(), user(c), c.Param("id")); err != nil {
		return h.pageError(c, err)
	}
	h.log.Info("recording deleted", "recording", c.Param("id"), "by", user(c).ID)
	return c.Redirect(http.StatusSeeOther, "/admin#voice")
}
