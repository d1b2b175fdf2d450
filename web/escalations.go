package web

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// casework is what the coordinator's API asks of nabij: cases, meldingen,
// tasks, the digest, the inbox and reach.
type casework interface {
	Escalations(ctx context.Context, f app.EscalationFilter) ([]*protocol.Escalation, error)
	ActOnEscalation(ctx context.Context, u school.User, id, action, note string) (*protocol.Escalation, error)
	Melding(ctx context.Context, u school.User, id string) (*app.MeldingDraft, error)
	Tasks(ctx context.Context, u school.User) ([]school.Task, error)
	StoredDigest(ctx context.Context, date school.Date) (*app.Digest, error)
	Inbox(ctx context.Context, u school.User, date school.Date) ([]store.Inbound, error)
	Reach(ctx context.Context, from, to school.Date) (*app.Reach, error)
}

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	// kindNL is a day's kind in the draft's Dutch.
	"kindNL": func(k school.AbsenceKind) string {
		if w, ok := app.KindNL[k]; ok {
			return w
		}
		return string(k)
	},
}).ParseFS(templateFS, "templates/*.html"))

func (h *handlers) escalations(c echo.Context) error {
	status := c.QueryParam("status")
	switch status {
	case "", "open", "acknowledged", "reported", "dismissed":
	default:
		return badRequest("status %q is not one of open, acknowledged, reported, dismissed", status)
	}
	list, err := h.svc.Escalations(c.Request().Context(), app.EscalationFilter{Status: protocol.EscalationStatus(status), Student: c.QueryParam("student"),
		Level: protocol.Level(c.QueryParam("level"))})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewAll(list, viewEscalation))
}

type actionRequest struct {
	Action string `json:"action"`
	Note   string `json:"note"`
}

func (h *handlers) escalationAction(c echo.Context) error {
	var req actionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	e, err := h.svc.ActOnEscalation(c.Request().Context(), user(c), c.Param("id"), req.Action, req.Note)
	if err != nil {
		return err
	}
	h.log.Info("escalation action", "escalation", e.ID, "action", req.Action, "status", e.Status, "by", user(c).ID)
	return c.JSON(http.StatusOK, viewEscalation(e))
}

func (h *handlers) melding(c echo.Context) error {
	d, err := h.svc.Melding(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return err
	}
	if strings.Contains(c.Request().Header.Get("Accept"), "text/html") {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(http.StatusOK)
		return pages.ExecuteTemplate(c.Response(), "melding.html", d)
	}
	return c.JSON(http.StatusOK, viewMelding(d))
}

func (h *handlers) tasks(c echo.Context) error {
	t, err := h.svc.Tasks(c.Request().Context(), user(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewAll(t, viewTask))
}

func (h *handlers) digest(c echo.Context) error {
	date, err := dateParam("date", c.QueryParam("date"))
	if err != nil {
		return err
	}
	d, err := h.svc.StoredDigest(c.Request().Context(), date)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewDigest(d))
}

func (h *handlers) inbox(c echo.Context) error {
	date, err := optionalDate("date", c.QueryParam("date"))
	if err != nil {
		return err
	}
	in, err := h.svc.Inbox(c.Request().Context(), user(c), date)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewAll(in, viewInbound))
}

func (h *handlers) reach(c echo.Context) error {
	from, to, err := periodParams(c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return err
	}
	r, err := h.svc.Reach(c.Request().Context(), from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewReach(r))
}
