package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/store"
)

// audited records each staff request: who did what to which ids, every
// read of pupils' data and every change. Names never enter the log; the
// ids in the route and the student and date filters do.
//
// A read (GET, HEAD) is recorded as its answer starts, with the answer's
// status, before any of its body leaves: the log promises every read is
// recorded, so a read whose entry cannot be written (the store cannot be
// written: a full disk) is refused, 503, and nothing of it is sent. A
// change is recorded after it is made; its entry failing is logged (the
// change was made, and its answer says so).
func (h *handlers) audited(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h.cfg.Audit == nil {
			return next(c)
		}
		method := c.Request().Method
		if method != http.MethodGet && method != http.MethodHead {
			err := next(c)
			status := c.Response().Status
			if err != nil {
				status, _ = h.describe(err, c)
			}
			if aerr := h.audit(c, status); aerr != nil {
				h.log.Error("audit log write failed", "user", user(c).ID, "err", aerr)
			}
			return err
		}
		resp := c.Response()
		recorded := false
		resp.Before(func() {
			if recorded {
				return
			}
			recorded = true
			if aerr := h.audit(c, resp.Status); aerr != nil {
				h.log.Error("audit log write failed: the read is refused", "user", user(c).ID, "route", c.Path(), "err", aerr)
				refuseUnrecorded(c, aerr)
			}
		})
		err := next(c)
		if err == nil && !resp.Committed && !recorded {
			// Nothing written: net/http will send an empty 200.
			recorded = true
			if aerr := h.audit(c, http.StatusOK); aerr != nil {
				h.log.Error("audit log write failed", "user", user(c).ID, "err", aerr)
			}
		}
		return err
	}
}

// audit writes the entry of c's request with status; not signed in,
// nothing was read and nothing is written.
func (h *handlers) audit(c echo.Context, status int) error {
	u := user(c)
	if u.ID == "" {
		return nil
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
	return h.cfg.Audit(store.AuditEntry{At: time.Now().In(loc), User: u.ID, Role: string(u.Role),
		Action: c.Request().Method + " " + c.Path(), Target: target, Status: status})
}

// refuseUnrecorded turns the answer just starting into a 503 that says the
// read could not be recorded; the handler's body, written after, is
// dropped. Called as the header is written, so no byte of it has left.
func refuseUnrecorded(c echo.Context, aerr error) {
	resp := c.Response()
	reason := aerr.Error()
	var we *store.WriteError
	if errors.As(aerr, &we) {
		reason = "the store could not be written: " + we.Reason()
	}
	hdr := resp.Header()
	for _, k := range []string{"Content-Length", "Content-Disposition", "Content-Encoding", "ETag", "Last-Modified", "Location"} {
		hdr.Del(k)
	}
	hdr.Set("Cache-Control", "no-store")
	var body []byte
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		hdr.Set("Content-Type", "application/json")
		body, _ = json.Marshal(errorBody{errorDetail{Code: "audit_unwritable",
			Message: "this read could not be recorded in the audit log, so it is refused (" + reason + "); nothing was shown"}})
	} else {
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		body = []byte("Dit kan nu niet worden getoond: nabij kan niet vastleggen wie het leest (" + reason + ").\n" +
			"This cannot be shown now: nabij cannot record who reads it (" + reason + ").\n")
	}
	if c.Request().Method == http.MethodHead {
		body = nil
	}
	resp.Status = http.StatusServiceUnavailable
	resp.Writer = &refusedWriter{ResponseWriter: resp.Writer, body: body}
}

// refusedWriter sends its own body after the header and drops what the
// handler writes.
type refusedWriter struct {
	http.ResponseWriter
	body []byte
}

func (w *refusedWriter) WriteHeader(code int) {
	w.ResponseWriter.WriteHeader(code)
	_, _ = w.ResponseWriter.Write(w.body)
}

func (w *refusedWriter) Write(p []byte) (int, error) { return len(p), nil }

// Unwrap lets http.ResponseController reach the connection (flushes,
// deadlines).
func (w *refusedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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
	out := viewAll(entries, viewAuditEntry)
	if out == nil {
		out = []auditEntryView{}
	}
	return c.JSON(http.StatusOK, out)
}
