package web

import (
	"net/http"
	"strings"
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
	// Language is the one language a reviewer reviews.
	Language string `json:"language"`
	// Email is their login with the school's own accounts (optional,
	// unique).
	Email string `json:"email"`
}

func (h *handlers) createUser(c echo.Context) error {
	var req createUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Email) != "" {
		if err := h.svc.CheckEmail(c.Request().Context(), req.Email); err != nil {
			return err
		}
	}
	u, token, err := h.newUser(c, req.Name, req.Role, req.Classes, req.Language)
	if err != nil {
		return err
	}
	if strings.TrimSpace(req.Email) != "" {
		if u, err = h.svc.SetEmail(c.Request().Context(), u.ID, req.Email); err != nil {
			return err
		}
	}
	h.log.Info("user created", "user", u.ID, "role", u.Role, "by", user(c).ID)
	classes := u.Classes
	if classes == nil {
		classes = []string{}
	}
	return c.JSON(http.StatusCreated, userCreatedView{ID: u.ID, Name: u.Name, Role: u.Role, Classes: classes, Token: token,
		Language: u.Language, Email: u.Email})
}

// newUser makes a staff member, or a reviewer of one language: a language
// is for a reviewer only, and a reviewer has no classes.
func (h *handlers) newUser(c echo.Context, name string, role school.Role, classes []string, language string) (school.User, string, error) {
	if role != school.RoleReviewer {
		if strings.TrimSpace(language) != "" {
			return school.User{}, "", &school.ValidationError{Details: []school.FieldError{{Field: "language", Message: "only a reviewer has a language"}}}
		}
		return h.svc.CreateUser(c.Request().Context(), name, role, classes)
	}
	if len(classes) > 0 {
		return school.User{}, "", &school.ValidationError{Details: []school.FieldError{{Field: "classes", Message: "a reviewer has no classes"}}}
	}
	return h.svc.CreateReviewer(c.Request().Context(), name, language)
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
	return c.JSON(http.StatusOK, rosterCountsView{Classes: len(r.Classes), Students: len(r.Students), HousingUnits: len(r.HousingUnits)})
}

func (h *handlers) getRoster(c echo.Context) error {
	r, err := h.svc.Roster(c.Request().Context(), user(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewRoster(r))
}

type listRequest struct {
	Absences []school.Absence `json:"absences"`
}

func (h *handlers) putList(c echo.Context) error {
	if err := limitBody(c, maxListBody); err != nil {
		return err
	}
	var req listRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Absences == nil {
		return badRequest(`the body needs "absences": a list, empty when no one is absent`)
	}
	date, err := dateParam("date", c.Param("date"))
	if err != nil {
		return err
	}
	res, err := h.svc.RecordList(c.Request().Context(), user(c), c.Param("class"), date, req.Absences)
	if err != nil {
		return err
	}
	h.log.Info("absence list recorded", "class", res.Class, "date", res.Date, "entries", res.Recorded, "alerts", len(res.Alerts), "by", user(c).ID)
	return c.JSON(http.StatusOK, viewListResult(res))
}

func (h *handlers) getList(c echo.Context) error {
	date, err := dateParam("date", c.Param("date"))
	if err != nil {
		return err
	}
	l, err := h.svc.List(c.Request().Context(), user(c), c.Param("class"), date)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewList(l))
}

// messageView is a message as API.md shows it: no phone number, which staff
// read in the roster.
type messageView struct {
	ID               string         `json:"id"`
	Student          string         `json:"student"`
	Students         []string       `json:"students"`
	Late             []string       `json:"late,omitempty"`
	Contact          string         `json:"contact"`
	Channel          school.Channel `json:"channel"`
	Language         string         `json:"language"`
	LanguageFallback bool           `json:"language_fallback"`
	Template         string         `json:"template"`
	Body             string         `json:"body"`
	BackTranslation  string         `json:"back_translation"`
	Direction        string         `json:"direction"`
	Translation      string         `json:"translation_review"`
	ReviewedBy       string         `json:"translation_reviewed_by,omitempty"`
	ReviewedOn       string         `json:"translation_reviewed_on,omitempty"`
	Note             string         `json:"note,omitempty"`
	Status           alerts.Status  `json:"status"`
	ErrorCode        *int           `json:"error_code"`
	FallbackFor      string         `json:"fallback_for,omitempty"`
	Call             *callView      `json:"call,omitempty"`
	RetryOf          string         `json:"retry_of,omitempty"`
	Date             school.Date    `json:"date"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

func viewMessage(m *alerts.Message) messageView {
	v := messageView{ID: m.ID, Students: m.Students, Late: m.Late, Contact: m.Contact, Channel: m.Channel,
		Language: m.Language, LanguageFallback: m.LanguageFallback, Template: m.Template, Body: m.Body,
		BackTranslation: m.Back, Direction: m.Direction, Translation: m.Review, ReviewedBy: m.ReviewedBy, ReviewedOn: m.ReviewedOn, Note: m.Note,
		Status: m.Status, FallbackFor: m.FallbackFor, Date: m.Date, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	if len(m.Students) > 0 {
		v.Student = m.Students[0]
	}
	if m.ErrorCode != 0 {
		code := m.ErrorCode
		v.ErrorCode = &code
	}
	if m.Call != nil {
		v.Call = &callView{Try: m.Call.Try, Outcome: m.Call.Outcome, AnsweredBy: m.Call.AnsweredBy, Keys: m.Call.Keys,
			Seconds: m.Call.Seconds}
	}
	v.RetryOf = m.RetryOf
	return v
}

// callView is what happened on a phone call (channel voice).
type callView struct {
	Try        int    `json:"try"`
	Outcome    string `json:"outcome,omitempty"`
	AnsweredBy string `json:"answered_by,omitempty"`
	Keys       string `json:"keys,omitempty"`
	Seconds    int    `json:"seconds,omitempty"`
}

func (h *handlers) messages(c echo.Context) error {
	date, err := optionalDate("date", c.QueryParam("date"))
	if err != nil {
		return err
	}
	msgs, err := h.svc.Messages(c.Request().Context(), user(c), app.MessageFilter{Date: date, Student: c.QueryParam("student")})
	if err != nil {
		return err
	}
	out := make([]messageView, len(msgs))
	for i, m := range msgs {
		out[i] = viewMessage(m)
	}
	return c.JSON(http.StatusOK, out)
}
