package web

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
)

//go:embed pages/*.html
var pageFS embed.FS

//go:embed locales/*.toml
var localeFS embed.FS

//go:embed static
var staticFS embed.FS

const (
	sessionCookie = "nabij_session"
	langCookie    = "nabij_lang"
	csrfCookie    = "nabij_csrf"
	// noteCookie carries what the roll call page says after a list is
	// saved beyond its counts (a colleague's changes kept, the alerts'
	// end): from nabij's own answer, once, never from a link.
	noteCookie = "nabij_note"
)

// uiBundle is the staff pages' own language bundle (Dutch, English):
// separate from the families' messages, which live in translations.
var uiBundle = func() *i18n.Bundle {
	b := i18n.NewBundle(language.Dutch)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, f := range []string{"locales/nl.toml", "locales/en.toml"} {
		if _, err := b.LoadMessageFileFS(localeFS, f); err != nil {
			panic("web: " + err.Error())
		}
	}
	return b
}()

// page is what every page template gets.
type page struct {
	loc   *i18n.Localizer
	Lang  string
	User  school.User
	CSRF  string
	Flash string
	Error string
	// ErrorDetail is the API's English words for Error, shown after it
	// marked as English.
	ErrorDetail string
	Data        any
	// Refresh reloads the page every so many seconds, with JavaScript
	// (app.js), unless something is being typed: the board shows replies
	// and statuses as they come. Without JavaScript the board has a link
	// to read it again (a meta refresh threw away a note being typed).
	Refresh int
	// OIDC offers sign-in with the school's own accounts.
	OIDC bool
}

func (h *handlers) localizer(c echo.Context) (*i18n.Localizer, string) {
	lang := c.QueryParam("lang")
	if lang == "nl" || lang == "en" {
		c.SetCookie(&http.Cookie{Name: h.cookie(langCookie), Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: h.secureCookies(), SameSite: http.SameSiteLaxMode})
	} else if ck, err := c.Cookie(h.cookie(langCookie)); err == nil && (ck.Value == "nl" || ck.Value == "en") {
		lang = ck.Value
	} else {
		tags, _, _ := language.ParseAcceptLanguage(c.Request().Header.Get("Accept-Language"))
		lang = "nl"
		if len(tags) > 0 {
			if base, _ := tags[0].Base(); base.String() == "en" {
				lang = "en"
			}
		}
	}
	return i18n.NewLocalizer(uiBundle, lang), lang
}

// render writes a page in the user's UI language.
func (h *handlers) render(c echo.Context, status int, name string, data any, flash string) error {
	loc, lang := h.localizer(c)
	csrf, _ := c.Get("csrf").(string)
	refresh, _ := c.Get("refresh").(int)
	problem, _ := c.Get("pageError").(string)
	detail, _ := c.Get("pageErrorDetail").(string)
	p := page{loc: loc, Lang: lang, User: user(c), CSRF: csrf, Flash: flash, Error: problem, ErrorDetail: detail, Data: data, Refresh: refresh, OIDC: h.oidc != nil}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(status)
	return pageTemplates.ExecuteTemplate(c.Response(), name, p)
}

// say is a page text in the user's UI language, for flashes and errors.
func (h *handlers) say(c echo.Context, id string, data map[string]any) string {
	loc, _ := h.localizer(c)
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// T is the page's text id in the user's language; args, when given, is
// the template data of the text.
func (p page) T(id string, args ...map[string]any) string {
	var td map[string]any
	if len(args) == 1 {
		td = args[0]
	}
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: td})
	if err != nil {
		return id
	}
	return s
}

// Label is the word for a value of the data (a status, a kind, a role, a
// channel) in the user's language: the catalogue's key group_value (a space
// in the value an underscore), or the value itself when the catalogue has no
// word for it, which TestEveryLabelInTheCatalogue keeps from happening.
func (p page) Label(group string, value any) string {
	v := strings.ReplaceAll(fmt.Sprint(value), " ", "_")
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: group + "_" + v})
	if err != nil {
		return fmt.Sprint(value)
	}
	return s
}

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"args": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"hhmm": func(t time.Time) string { return t.Format("15:04") },
	"join": strings.Join,
	"list": func(v ...string) []string { return v },
	"tel":  func(phone string) template.URL { return template.URL("tel:" + phone) },
	"eq2":  func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
	"dirOf": func(d string) string {
		if d == "rtl" {
			return "rtl"
		}
		return "auto"
	},
}).ParseFS(pageFS, "pages/*.html"))

// pageRoutes adds the staff pages: server-rendered, usable without
// JavaScript, every form protected against CSRF.
func (h *handlers) pageRoutes(e *echo.Echo) {
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup: "form:csrf", CookieName: h.cookie(csrfCookie), CookiePath: "/", CookieHTTPOnly: true,
		CookieSecure: h.secureCookies(), CookieSameSite: http.SameSiteStrictMode,
		// As long as the longest session: a roll call tab left open over a
		// weekend, on a phone that stays signed in, is still taken (found
		// by a review: the token's day was over, the taps lost).
		CookieMaxAge: csrfLifetime,
		ErrorHandler: func(err error, c echo.Context) error {
			return h.errorPage(c, http.StatusForbidden, h.say(c, "csrf_refused", nil))
		},
	})
	csrf = tokenAlways(csrf, h.uploader)
	static := echo.MustSubFS(staticFS, "static")
	e.StaticFS("/static", static)

	open := e.Group("", csrf)
	open.GET("/signin", h.signinStart)
	open.GET("/signin/:token", h.signinPage)
	open.POST("/signin", h.signin)

	g := e.Group("", csrf, h.session, h.audited, h.reviewerFence)
	g.POST("/signout", h.signout)
	g.GET("/", h.rollCallPage)
	g.POST("/rollcall/:class", h.postRollCall)
	g.GET("/board", h.boardPage, h.pageRole(school.RoleCoordinator))
	g.POST("/escalations/:id/action", h.escalationForm, h.pageRole(school.RoleCoordinator))
	g.GET("/escalations/:id/melding", h.meldingPage, h.pageRole(school.RoleCoordinator))
	g.POST("/tasks/:id/done", h.taskDone, h.pageRole(school.RoleCoordinator))
	g.GET("/contacts/:id/call", h.callContactPage, h.pageRole(school.RoleCoordinator))
	g.POST("/contacts/:id/call", h.callContact, h.pageRole(school.RoleCoordinator))
	g.POST("/contacts/:id/channel", h.contactChannelForm, h.pageRole(school.RoleCoordinator))
	g.GET("/pupils/:id", h.pupilPage, h.pageRole(school.RoleCoordinator))
	g.GET("/admin", h.adminPage, h.pageRole(school.RoleAdmin))
	g.POST("/admin/roster", h.rosterUpload, h.pageRole(school.RoleAdmin))
	g.POST("/admin/roster/apply", h.rosterApply, h.pageRole(school.RoleAdmin))
	g.POST("/admin/users", h.adminCreateUser, h.pageRole(school.RoleAdmin))
	g.POST("/admin/users/:id/link", h.adminLink, h.pageRole(school.RoleAdmin))
	h.adminUserRoutes(g)
	h.recordingPageRoutes(g)
	g.GET("/review", h.reviewPage, h.pageRole(school.RoleReviewer))
	g.POST("/review/messages/:key", h.reviewCorrect, h.pageRole(school.RoleReviewer))
	g.POST("/review/done", h.reviewDone, h.pageRole(school.RoleReviewer))
}

// uploadMemory is how much of an uploaded roster file is held in memory.
const uploadMemory = 1 << 20

// tokenAlways makes every state-changing form show its CSRF token, as the
// README promises: echo's middleware lets a POST with Sec-Fetch-Site
// same-origin (or none) through on the header alone, and a header is what
// a client other than a browser sets as it likes. A POST from another site
// is refused at once — a sibling host of the school's domain too
// (same-site), which could have planted its own CSRF cookie for nabij's
// host ("cookie tossing"); for the others the header is taken away, so
// that the token is checked. An upload is parsed to read its token, so it
// is first refused unless a signed-in admin sends it (uploader).
func tokenAlways(csrf echo.MiddlewareFunc, uploader func(echo.Context) (bool, error)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		checked := csrf(next)
		return func(c echo.Context) error {
			r := c.Request()
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
				// A safe request is given the token for its forms.
			default:
				if site := r.Header.Get(echo.HeaderSecFetchSite); site == "cross-site" || site == "same-site" {
					return echo.NewHTTPError(http.StatusForbidden, "cross-site request blocked by CSRF")
				}
				// A form is small (a class's roll call); only the roster
				// file and a recording (web/recordings.go) are large. The
				// limit is set here, before the token is read from the
				// form, which parses the body.
				if c.Path() != "/admin/roster" && c.Path() != "/admin/recordings" {
					if err := limitBody(c, maxListBody); err != nil {
						return err
					}
				} else if ok, err := uploader(c); err != nil || !ok {
					return err // refused, and answered
				} else if err := r.ParseMultipartForm(uploadMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
					// The file past its first MB waits in a temporary
					// file (removed after the request), and is read from
					// there as a stream.
					return badRequest("the upload cannot be read: %v", err)
				}
			}
			r.Header.Del(echo.HeaderSecFetchSite)
			return checked(c)
		}
	}
}

// uploader lets an upload's body be read only when a signed-in admin sends
// it (the pages' session and role checks come after the CSRF check, which
// reads the body); anyone else is answered here, as those checks answer,
// and false is returned.
func (h *handlers) uploader(c echo.Context) (bool, error) {
	if ck, err := c.Cookie(h.cookie(sessionCookie)); err == nil && ck.Value != "" {
		u, ok, err := h.svc.SessionUser(c.Request().Context(), ck.Value)
		if err != nil {
			return false, err
		}
		if ok && u.Role == school.RoleAdmin {
			return true, nil
		}
		if ok {
			return false, h.errorPage(c, http.StatusForbidden, h.say(c, "forbidden", nil))
		}
	}
	return false, h.errorPage(c, http.StatusUnauthorized, h.say(c, "signin_needed", nil))
}

// renewCSRF gives a new CSRF token at sign-in, so that a token planted
// before (a shared computer, a cookie set by a sibling site) is not the
// signed-in session's.
func (h *handlers) renewCSRF(c echo.Context) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	c.SetCookie(&http.Cookie{Name: h.cookie(csrfCookie), Value: base64.RawURLEncoding.EncodeToString(b), Path: "/", HttpOnly: true,
		Secure: h.secureCookies(), SameSite: http.SameSiteStrictMode, MaxAge: csrfLifetime})
}

// csrfLifetime is how long a CSRF token's cookie lasts, in seconds.
var csrfLifetime = int(app.StayLifetime.Seconds())

// session finds the signed-in user from the session cookie.
func (h *handlers) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(h.cookie(sessionCookie))
		if err == nil && ck.Value != "" {
			u, ok, err := h.svc.SessionUser(c.Request().Context(), ck.Value)
			if err != nil {
				return err
			}
			if ok {
				c.Set(userKey, u)
				return next(c)
			}
		}
		return h.errorPage(c, http.StatusUnauthorized, h.say(c, "signin_needed", nil))
	}
}

func (h *handlers) pageRole(roles ...school.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			for _, r := range roles {
				if user(c).Role == r {
					return next(c)
				}
			}
			return h.errorPage(c, http.StatusForbidden, h.say(c, "forbidden", nil))
		}
	}
}

func (h *handlers) signinPage(c echo.Context) error {
	return h.render(c, http.StatusOK, "signin.html", c.Param("token"), "")
}

// signin opens a session for a link. Every link is looked up (app reads it
// before it takes the write lock) and a valid one is never refused: the
// school's staff share one public address with its pupils, and a pupil's
// junk must not lock them out (found by a pen test). Only refused attempts
// count toward the limits per address and per link, which answer them
// 429 once spent; a link is 256 bits, so counting guesses is for the log.
func (h *handlers) signin(c echo.Context) error {
	signIn, lifetime := h.svc.SignIn, app.SessionLifetime
	if c.FormValue("stay") == "on" {
		signIn, lifetime = h.svc.SignInOnThisDevice, app.StayLifetime
	}
	session, u, err := signIn(c.Request().Context(), c.FormValue("token"))
	if err != nil {
		if !h.signins.allow(c.RealIP(), c.FormValue("token")) {
			h.log.Warn("sign-in limited", "route", c.Path())
			return h.errorPage(c, http.StatusTooManyRequests, h.say(c, "signin_slow", nil))
		}
		h.log.Warn("sign-in refused", "reason", err)
		return h.errorPage(c, http.StatusUnauthorized, h.say(c, "signin_bad", nil))
	}
	c.SetCookie(&http.Cookie{Name: h.cookie(sessionCookie), Value: session, Path: "/", HttpOnly: true,
		Secure: h.secureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: int(lifetime.Seconds())})
	h.renewCSRF(c)
	h.log.Info("signed in", "user", u.ID, "role", u.Role, "stay", lifetime == app.StayLifetime)
	return c.Redirect(http.StatusSeeOther, homeOf(u))
}

func homeOf(u school.User) string {
	switch u.Role {
	case school.RoleCoordinator:
		return "/board"
	case school.RoleAdmin:
		return "/admin"
	case school.RoleReviewer:
		return "/review"
	}
	return "/"
}

func (h *handlers) signout(c echo.Context) error {
	if ck, err := c.Cookie(h.cookie(sessionCookie)); err == nil {
		if err := h.svc.SignOut(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: h.cookie(sessionCookie), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secureCookies()})
	return h.render(c, http.StatusOK, "signedout.html", nil, "")
}
