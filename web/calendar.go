package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// calendarService is the school's calendar: shown, a day closed or
// reopened, and its warnings (also on /healthz).
type calendarService interface {
	CalendarView(ctx context.Context) (*app.CalendarView, error)
	CloseDay(ctx context.Context, u school.User, date school.Date, reason string, reopen bool) (*store.ClosedDay, error)
	CalendarWarnings() []string
}

func (h *handlers) calendar(c echo.Context) error {
	v, err := h.svc.CalendarView(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewCalendar(v))
}

type closeDayRequest struct {
	Reason string `json:"reason"`
}

// closeDay marks a day closed after the fact: PUT, so that doing it twice
// changes nothing (but the reason).
func (h *handlers) closeDay(c echo.Context) error {
	var req closeDayRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	date, err := dateParam("date", c.Param("date"))
	if err != nil {
		return err
	}
	d, err := h.svc.CloseDay(c.Request().Context(), user(c), date, req.Reason, false)
	if err != nil {
		return err
	}
	h.log.Info("day closed", "date", d.Date.String(), "by", user(c).ID)
	return c.JSON(http.StatusOK, viewClosedDay(*d))
}

func (h *handlers) reopenDay(c echo.Context) error {
	date, err := dateParam("date", c.Param("date"))
	if err != nil {
		return err
	}
	d, err := h.svc.CloseDay(c.Request().Context(), user(c), date, "", true)
	if err != nil {
		return err
	}
	h.log.Info("day reopened", "date", d.Date.String(), "by", user(c).ID)
	return c.JSON(http.StatusOK, viewClosedDay(*d))
}
