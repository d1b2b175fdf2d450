package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// translationReview is the review of a language by the school's own
// speakers.
type translationReview interface {
	Review(ctx context.Context, u school.User) (*app.ReviewView, error)
	CorrectTranslation(ctx context.Context, u school.User, key string, forms, back map[string]string) error
	MarkReviewed(ctx context.Context, u school.User) error
	TranslationFile(ctx context.Context, lang string) (string, []byte, *store.TranslationOverride, error)
}

// Catalog is what the web layer reads of the translations: a
// *translations.Catalog, or the *translations.Live the service writes with.
type Catalog interface {
	Languages() []translations.Language
	Language(tag string) (translations.Language, bool)
	Match(tag string) (string, bool)
	Keys() []string
	IsPlural(key string) bool
	Render(tag, key string, data map[string]any, count int) (string, error)
	RenderBack(tag, key string, data map[string]any) string
	JoinNames(tag string, names []string) (string, error)
}

// refuseReviewer keeps a reviewer out of the whole API: a reviewer sees
// their language's review page and nothing else.
func refuseReviewer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if user(c).Role == school.RoleReviewer {
			return &apiError{http.StatusForbidden, "forbidden", "a reviewer uses only the review page", nil}
		}
		return next(c)
	}
}

// reviewerFence lets a reviewer open the review page and sign out, and
// nothing else: every other page answers 403 (signing in takes them to
// the review page).
func (h *handlers) reviewerFence(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if user(c).Role != school.RoleReviewer {
			return next(c)
		}
		if p := c.Path(); p == "/review" || strings.HasPrefix(p, "/review/") || p == "/signout" {
			return next(c)
		}
		return h.errorPage(c, http.StatusForbidden, h.say(c, "forbidden", nil))
	}
}

// reviewPage is a reviewer's language: every message as a phone shows it,
// beside English and the back-translation, with a form to correct it.
func (h *handlers) reviewPage(c echo.Context) error {
	v, err := h.svc.Review(c.Request().Context(), user(c))
	if err != nil {
		return h.pageError(c, err)
	}
	flash := ""
	switch c.QueryParam("saved") {
	case "":
	case "reviewed":
		flash = h.say(c, "review_marked", map[string]any{"Language": v.Language.EnglishName})
	case "same":
		flash = h.say(c, "review_unchanged", nil)
	default:
		// A message key only (alert_absent), so that a link cannot make
		// the page say what its sender wants.
		if key := c.QueryParam("saved"); school.ValidID(key) {
			flash = h.say(c, "review_saved", map[string]any{"Key": key})
		}
	}
	return h.render(c, http.StatusOK, "review.html", v, flash)
}

// reviewCorrect saves a correction of one message: each plural form
// (form-one, form-other…) and the back-translation (back-one, back-other).
// A refused correction shows the page again with the reasons beside the
// message and the texts as they were typed; nothing is kept.
func (h *handlers) reviewCorrect(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return h.pageError(c, badRequest("unreadable form: %v", err))
	}
	key := c.Param("key")
	forms, back := map[string]string{}, map[string]string{}
	for name, vals := range form {
		if len(vals) == 0 {
			continue
		}
		text := strings.ReplaceAll(vals[0], "\r\n", "\n")
		if f, ok := strings.CutPrefix(name, "form-"); ok {
			forms[f] = text
		} else if f, ok := strings.CutPrefix(name, "back-"); ok {
			back[f] = text
		}
	}
	if len(back) == 0 {
		back = nil
	}
	u := user(c)
	err = h.svc.CorrectTranslation(c.Request().Context(), u, key, forms, back)
	var refused *translations.RefusedError
	switch {
	case errors.Is(err, app.ErrUnchanged):
		return c.Redirect(http.StatusSeeOther, "/review?saved=same#msg-"+key)
	case errors.As(err, &refused):
		h.log.Info("translation correction refused", "language", u.Language, "key", key, "problems", len(refused.Problems), "by", u.ID)
		v, verr := h.svc.Review(c.Request().Context(), u)
		if verr != nil {
			return h.pageError(c, verr)
		}
		for i := range v.Messages {
			if v.Messages[i].Key == key {
				// The texts as they were typed, to correct again.
				m := &v.Messages[i]
				m.Error = refused.Problems
				for j := range m.Forms {
					m.Forms[j].Text = forms[m.Forms[j].Form]
				}
				for j := range m.Back {
					if t, ok := back[m.Back[j].Form]; ok {
						m.Back[j].Text = t
					}
				}
			}
		}
		return h.render(c, http.StatusUnprocessableEntity, "review.html", v, "")
	case err != nil:
		return h.pageError(c, err)
	}
	h.log.Info("translation corrected", "language", u.Language, "key", key, "by", u.ID)
	return c.Redirect(http.StatusSeeOther, "/review?saved="+key+"#msg-"+key)
}

// reviewDone marks the reviewer's language reviewed by them, today.
func (h *handlers) reviewDone(c echo.Context) error {
	u := user(c)
	err := h.svc.MarkReviewed(c.Request().Context(), u)
	if errors.Is(err, app.ErrUnchanged) {
		return c.Redirect(http.StatusSeeOther, "/review?saved=same")
	}
	if err != nil {
		var refused *translations.RefusedError
		if errors.As(err, &refused) {
			return h.render(c, http.StatusUnprocessableEntity, "error.html",
				problem{Message: h.say(c, "review_done_refused", nil), Detail: strings.Join(refused.Problems, "; ")}, "")
		}
		return h.pageError(c, err)
	}
	h.log.Info("translation marked reviewed", "language", u.Language, "by", u.ID)
	return c.Redirect(http.StatusSeeOther, "/review?saved=reviewed")
}

// translationFile answers the school's own file of a language (the
// embedded one when it has none) as TOML: `nabij translations export`.
func (h *handlers) translationFile(c echo.Context) error {
	tag, raw, own, err := h.svc.TranslationFile(c.Request().Context(), c.Param("lang"))
	if err != nil {
		return err
	}
	source := "embedded"
	if own != nil {
		source = "school"
		c.Response().Header().Set("Last-Modified", own.At.UTC().Format(http.TimeFormat))
	}
	c.Response().Header().Set("X-Nabij-Source", source)
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+tag+`.toml"`)
	return c.Blob(http.StatusOK, "application/toml; charset=utf-8", raw)
}
