package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
)

type createUserRequest struct {
	Name    string      `json:"name"`
	Role    school.Role `json:"role"`
	Classes []string    `json:"classes"`
}

func (h *handlers) createUser(c echo.Context) error {
	var req createUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u, token, err := h.svc.CreateUser(c.Request().Context(), req.Name, req.Role, req.Classes)
	if err != nil {
		return err
	}
	h.log.Info("user created", "user", u.ID, "role", u.Role, "by", user(c).ID)
	classes := u.Classes
	if classes == nil {
		classes = []string{}
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": u.ID, "name": u.Name, "role": u.Role, "classes": classes, "token": token})
}

func (h *handlers) putRoster(c echo.Context) error {
	var req rosterRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := req.roster()
	if err != nil {
		return err
	}
	if err := h.svc.ReplaceRoster(c.Request().Context(), r); err != nil {
		return err
	}
	h.log.Info("roster replaced", "classes", len(r.Classes), "students", len(r.Students), "housing_units", len(r.HousingUnits), "by", user(c).ID)
	return c.JSON(http.StatusOK, map[string]int{"classes": len(r.Classes), "students": len(r.Students), "housing_units": len(r.HousingUnits)})
}

func (h *handlers) getRoster(c echo.Context) error {
	r, err := h.svc.Roster(c.Request().Context(), user(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

type listRequest struct {
	Absences []school.Absence `json:"absences"`
}

func (h *handlers) putList(c echo.Context) error {
	var req listRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Absences == nil {
		return badRequest(`the body needs "absences": a list, empty when no one is absent`)
	}
	res, err := h.svc.RecordList(c.Request().Context(), user(c), c.Param("class"), c.Param("date"), req.Absences)
	if err != nil {
		return err
	}
	h.log.Info("absence list recorded", "class", res.Class, "date", res.Date, "entries", res.Recorded, "alerts", len(res.Alerts), "by", user(c).ID)
	return c.JSON(http.StatusOK, res)
}

func (h *handlers) getList(c echo.Context) error {
	l, err := h.svc.List(c.Request().Context(), user(c), c.Param("class"), c.Param("date"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"class": l.Class, "date": l.Date, "absences": l.Absences})
}

// messageView is a message as API.md shows it: no phone number, which staff
// read in the roster.
type messageView struct {
	ID               string         `json:"id"`
	Student          string         `json:"student"`
	Students         []string       `json:"students"`
	Contact          string         `json:"contact"`
	Channel          school.Channel `json:"channel"`
	Language         string         `json:"language"`
	LanguageFallback bool           `json:"language_fallback"`
	Template         string         `json:"template"`
	Body             string         `json:"body"`
	BackTranslation  string         `json:"back_translation"`
	Direction        string         `json:"direction"`
	Translation      string         `json:"translation_review"`
	Note             string         `json:"note,omitempty"`
	Status           alerts.Status  `json:"status"`
	ErrorCode        *int           `json:"error_code"`
	FallbackFor      string         `json:"fallback_for,omitempty"`
	Date             school.Date    `json:"date"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

func viewMessage(m *alerts.Message) messageView {
	v := messageView{ID: m.ID, Students: m.Students, Contact: m.Contact, Channel: m.Channel,
		Language: m.Language, LanguageFallback: m.LanguageFallback, Template: m.Template, Body: m.Body,
		BackTranslation: m.Back, Direction: m.Direction, Translation: m.Review, Note: m.Note,
		Status: m.Status, FallbackFor: m.FallbackFor, Date: m.Date, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	if len(m.Students) > 0 {
		v.Student = m.Students[0]
	}
	if m.ErrorCode != 0 {
		code := m.ErrorCode
		v.ErrorCode = &code
	}
	return v
}

func (h *handlers) messages(c echo.Context) error {
	msgs, err := h.svc.Messages(c.Request().Context(), user(c), app.MessageFilter{Date: c.QueryParam("date"), Student: c.QueryParam("student")})
	if err != nil {
		return err
	}
	out := make([]messageView, len(msgs))
	for i, m := range msgs {
		out[i] = viewMessage(m)
	}
	return c.JSON(http.StatusOK, out)
}
