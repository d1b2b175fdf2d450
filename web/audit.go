package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/store"
)

// audited records, after each staff request, who did what to which ids:
// every read of pupils' data and every change. Names never enter the log;
// the ids in the route and the student and date filters do.
func (h *handlers) audited(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if h.cfg.Audit == nil {
			return err
		}
		u := user(c)
		if u.ID == "" {
			return err // not signed in: nothing was read
		}
		status := c.Response().Status
		if err != nil {
			status, _ = h.describe(err, c)
		}
		target := map[string]string{}
		for i, name := range c.ParamNames() {
			if name != "token" {
				target[name] = c.ParamValues()[i]
			}
		}
		for _, q := range []string{"student", "date", "class", "status", "from", "to"} {
			if v := c.QueryParam(q); v != "" {
				target[q] = v
			}
		}
		loc := h.cfg.Location
		if loc == nil {
			loc = time.UTC
		}
		e := store.AuditEntry{At: time.Now().In(loc), User: u.ID, Role: string(u.Role),
			Action: c.Request().Method + " " + c.Path(), Target: target, Status: status}
		if aerr := h.cfg.Audit(e); aerr != nil {
			h.log.Error("audit log write failed", "user", u.ID, "err", aerr)
		}
		return err
	}
}

func (h *handlers) auditLog(c echo.Context) error {
	parse := func(name string, def time.Time) (time.Time, error) {
		v := c.QueryParam(name)
		if v == "" {
			return def, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return t, badRequest("%s: a date (YYYY-MM-DD) or an RFC 3339 time", name)
		}
		if name == "to" {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
		return t, nil
	}
	from, err := parse("from", time.Now().Add(-7*24*time.Hour))
	if err != nil {
		return err
	}
	to, err := parse("to", time.Now())
	if err != nil {
		return err
	}
	limit := 1000
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 100000 {
			return badRequest("limit: 1 to 100000")
		}
	}
	entries, err := h.cfg.AuditLog(from, to, strings.TrimSpace(c.QueryParam("user")), limit)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []store.AuditEntry{}
	}
	return c.JSON(http.StatusOK, entries)
}
