package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Details []fieldErrorView `json:"details,omitempty"`
}

// apiError is an error that already knows its HTTP answer.
type apiError struct {
	status  int
	code    string
	msg     string
	details []school.FieldError
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "bad_request", fmt.Sprintf(format, args...), nil}
}

// maxDetails is how many bad fields an answer lists: a body with a
// million bad entries gets a short answer that says how many there were.
const maxDetails = 100

// Body limits: a list is a class's pupils (a few KB); the roster and its
// file are the whole school; everything else has the server's global limit.
const (
	maxListBody   = 256 << 10
	maxRosterBody = 16 << 20
)

// limitBody refuses a body over max bytes: at once when its length is
// declared, otherwise when reading passes max (decode says 413).
func limitBody(c echo.Context, max int64) error {
	r := c.Request()
	if r.ContentLength > max {
		return tooLarge(max)
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, max)
	return nil
}

func tooLarge(max int64) error {
	return &apiError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d KB", max>>10), nil}
}

// errorHandler maps every error to API.md's one JSON error shape.
func (h *handlers) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := h.describe(err, c)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="nabij"`)
	}
	_ = c.JSON(status, errorBody{body})
}

func (h *handlers) describe(err error, c echo.Context) (int, errorDetail) {
	var ve *school.ValidationError
	var ae *apiError
	var he *echo.HTTPError
	var we *store.WriteError
	switch {
	case errors.As(err, &ve):
		if n := len(ve.Details); n > maxDetails {
			return http.StatusUnprocessableEntity, errorDetail{"invalid",
				fmt.Sprintf("the request has %d bad fields, the first %d listed; nothing was applied", n, maxDetails), viewAll(ve.Details[:maxDetails], viewFieldError)}
		}
		return http.StatusUnprocessableEntity, errorDetail{"invalid", "the request has bad fields; nothing was applied", viewAll(ve.Details, viewFieldError)}
	case errors.As(err, &ae):
		return ae.status, errorDetail{ae.code, ae.msg, viewAll(ae.details, viewFieldError)}
	case errors.Is(err, protocol.ErrTransition), errors.Is(err, school.ErrConflict):
		// The rule's own words, without the use case app wrapped them in.
		return http.StatusConflict, errorDetail{"conflict", app.Cause(err).Error(), nil}
	case errors.Is(err, school.ErrForbidden):
		return http.StatusForbidden, errorDetail{"forbidden", "your role does not allow this", nil}
	case errors.Is(err, school.ErrNotFound):
		return http.StatusNotFound, errorDetail{"not_found", notFoundMessage(err), nil}
	case errors.As(err, &we):
		// A full disk, say: the client is told, and /healthz says so too.
		h.log.Error("store write failed", "route", c.Path(), "err", err)
		return http.StatusInternalServerError, errorDetail{"store_write_failed",
			fmt.Sprintf("the store could not be written (%s); nothing was applied", we.Reason()), nil}
	case errors.As(err, &he):
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			msg = m
		}
		return he.Code, errorDetail{strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_")), msg, nil}
	}
	h.log.Error("internal error", "route", c.Path(), "err", err)
	return http.StatusInternalServerError, errorDetail{"internal", "something went wrong on our side; nothing was applied", nil}
}

// decode reads a JSON body: malformed JSON or a wrong type is a 400 that
// says where. Fields nabij does not know are ignored, so that a school's
// system that sends more than the contract still works; a typo in a field
// nabij needs shows as that field missing, a 422.
func decode(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return tooLarge(tooBig.Limit)
		case errors.Is(err, io.EOF):
			return badRequest("the request body is empty; JSON expected")
		case errors.As(err, &syn):
			return badRequest("malformed JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return &apiError{http.StatusBadRequest, "bad_request", fmt.Sprintf("field %q: expected %s, got %s", typ.Field, typ.Type, typ.Value),
				[]school.FieldError{{Field: typ.Field, Message: fmt.Sprintf("expected %s, got %s", typ.Type, typ.Value)}}}
		default:
			return badRequest("malformed JSON: %v", err)
		}
	}
	if dec.More() {
		return badRequest("malformed JSON: more than one value in the body")
	}
	return nil
}

// notFoundMessage says once what was not found ("escalation e1"), however
// the error was wrapped.
func notFoundMessage(err error) string {
	if nf, ok := errors.AsType[*school.NotFoundError](err); ok {
		return nf.What + " was not found"
	}
	return "not found"
}
