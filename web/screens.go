package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
)

// staffScreens is what the roll call, the board and a pupil's page show.
type staffScreens interface {
	RollCall(ctx context.Context, u school.User, class string) (*app.RollCall, error)
	Board(ctx context.Context) (*app.Board, error)
	Pupil(ctx context.Context, id string) (*app.PupilPage, error)
	TaskDone(ctx context.Context, u school.User, id string) error
}

func (h *handlers) rollCallPage(c echo.Context) error {
	if u := user(c); u.Role == school.RoleAdmin {
		return c.Redirect(http.StatusSeeOther, "/admin")
	}
	rc, err := h.svc.RollCall(c.Request().Context(), user(c), c.QueryParam("class"))
	if err != nil {
		return h.pageError(c, err)
	}
	flash := ""
	if recorded, alerts, ok := twoCounts(c.QueryParam("saved")); ok {
		flash = h.say(c, "rollcall_saved", map[string]any{"Recorded": recorded, "Alerts": alerts})
	}
	return h.render(c, http.StatusOK, "rollcall.html", rc, flash)
}

// postRollCall reads the roll-call form: for each pupil a kind (present,
// absent, late with minutes, sick) and sends the whole list.
func (h *handlers) postRollCall(c echo.Context) error {
	class := c.Param("class")
	if err := limitBody(c, maxListBody); err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return badRequest("unreadable form: %v", err)
	}
	var absences []school.Absence
	for _, id := range form["student"] {
		kind := form.Get("kind-" + id)
		switch school.AbsenceKind(kind) {
		case "", "present":
			continue
		case school.Late:
			minutes, err := strconv.Atoi(form.Get("minutes-" + id))
			if err != nil {
				minutes = 0 // Validate names the field
			}
			absences = append(absences, school.Absence{Student: id, Kind: school.Late, Minutes: minutes})
		case school.Excused:
			absences = append(absences, school.Absence{Student: id, Kind: school.Excused, Reason: form.Get("reason-" + id)})
		default:
			absences = append(absences, school.Absence{Student: id, Kind: school.AbsenceKind(kind)})
		}
	}
	if absences == nil {
		absences = []school.Absence{}
	}
	res, err := h.svc.RecordList(c.Request().Context(), user(c), class, h.svc.Today(), absences)
	if err != nil {
		return h.pageError(c, err)
	}
	h.log.Info("absence list recorded from the page", "class", class, "entries", res.Recorded, "alerts", len(res.Alerts), "by", user(c).ID)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/?class=%s&saved=%d-%d", class, res.Recorded, len(res.Alerts)))
}

func (h *handlers) boardPage(c echo.Context) error {
	b, err := h.svc.Board(c.Request().Context())
	if err != nil {
		return h.pageError(c, err)
	}
	// The flash names what was just done by its id: an id only, so that a
	// link cannot make the board say what its sender wants.
	flash := ""
	if id := c.QueryParam("done"); id != "" && school.ValidID(id) {
		flash = id + " ✓"
	}
	return h.renderRefreshing(c, "board.html", b, flash, 60)
}

func (h *handlers) escalationForm(c echo.Context) error {
	e, err := h.svc.ActOnEscalation(c.Request().Context(), user(c), c.Param("id"), c.FormValue("action"), c.FormValue("note"))
	if err != nil {
		return h.pageError(c, err)
	}
	h.log.Info("escalation action from the board", "escalation", e.ID, "status", e.Status, "by", user(c).ID)
	return c.Redirect(http.StatusSeeOther, "/board?done="+e.ID)
}

func (h *handlers) taskDone(c echo.Context) error {
	if err := h.svc.TaskDone(c.Request().Context(), user(c), c.Param("id")); err != nil {
		return h.pageError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/board")
}

func (h *handlers) meldingPage(c echo.Context) error {
	d, err := h.svc.Melding(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return h.pageError(c, err)
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return pages.ExecuteTemplate(c.Response(), "melding.html", d)
}

func (h *handlers) pupilPage(c echo.Context) error {
	p, err := h.svc.Pupil(c.Request().Context(), c.Param("id"))
	if err != nil {
		return h.pageError(c, err)
	}
	return h.render(c, http.StatusOK, "pupil.html", p, "")
}

// pageError shows a domain error as a page, with the status the API would give.
func (h *handlers) pageError(c echo.Context, err error) error {
	status, detail := h.describe(err, c)
	msg := detail.Message
	switch status {
	case http.StatusForbidden:
		msg = h.say(c, "forbidden", nil)
	case http.StatusNotFound:
		msg = h.say(c, "not_found", nil)
	}
	for _, d := range detail.Details {
		msg += " · " + d.Field + ": " + d.Message
	}
	return h.render(c, status, "error.html", msg, "")
}

func (h *handlers) renderRefreshing(c echo.Context, name string, data any, flash string, seconds int) error {
	c.Set("refresh", seconds)
	return h.render(c, http.StatusOK, name, data, flash)
}
