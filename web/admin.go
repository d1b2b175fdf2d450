package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/translations"
)

type adminView struct {
	Users     []school.User
	Languages []translations.Language // a reviewer's language is one of them
	Settings  [][2]string
	Link      string
	LinkFor   string
	// Token is a user's new API token, shown this once.
	Token    string
	TokenFor string
	Import   *importView
	Voice    voiceSection // web/recordings.go
}

type importView struct {
	Token     string
	Errors    []rowProblem
	Changes   rosterimport.Changes
	Rows      int
	LongNames []string
}

// rowProblem is a bad row of a roster file as the admin page shows it: in
// the user's language, or in English (the API's words) where the staff
// pages' catalogue has no words for it.
type rowProblem struct {
	Row     int
	Column  string
	Text    string
	English bool
}

// sayProblem is a problem (school.Problem) in the page's language lang
// (loc): the catalogue's "problem_" + its id, filled with its arguments;
// english, the API's words, when the problem has no id or the catalogue no
// words for it (then it reports whether that is another language than the
// page's).
func sayProblem(loc *i18n.Localizer, lang string, p *school.Problem, english string) (string, bool) {
	if p != nil {
		if s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "problem_" + p.ID, TemplateData: p.Args}); err == nil {
			return s, false
		}
	}
	return english, lang != "en"
}

// lang is the page's language for c.
func (h *handlers) lang(c echo.Context) string {
	_, lang := h.localizer(c)
	return lang
}

// sayDetails is a refusal's details in the page's language (sayProblem),
// joined; english reports whether any is the API's English on a page in
// another language.
func (h *handlers) sayDetails(c echo.Context, details []school.FieldError) (msg string, english bool) {
	loc, lang := h.localizer(c)
	msgs := make([]string, 0, len(details))
	for _, d := range details {
		text, en := sayProblem(loc, lang, d.Problem, d.Message)
		msgs = append(msgs, text)
		english = english || en
	}
	return strings.Join(msgs, "; "), english
}

func (h *handlers) adminView(c echo.Context) (*adminView, error) {
	users, err := h.svc.Users(c.Request().Context())
	if err != nil {
		return nil, err
	}
	if loc := h.cfg.Location; loc != nil { // the school's clock, as every page shows times
		for i := range users {
			for _, t := range []**time.Time{&users[i].LastSignIn, &users[i].LastAPIUse} {
				if *t != nil {
					local := (*t).In(loc)
					*t = &local
				}
			}
		}
	}
	voice, err := h.svc.VoiceCoverage(c.Request().Context())
	if err != nil {
		return nil, err
	}
	return &adminView{Users: users, Settings: h.cfg.Settings, Languages: h.cfg.Catalog.Languages(),
		Voice: voiceSection{Languages: voice}}, nil
}

func (h *handlers) adminPage(c echo.Context) error {
	v, err := h.adminView(c)
	if err != nil {
		return h.pageError(c, err)
	}
	flash := ""
	if students, classes, ok := twoCounts(c.QueryParam("applied")); ok {
		flash = h.say(c, "admin_applied", map[string]any{"Students": students, "Classes": classes})
	}
	if c.QueryParam("recorded") != "" {
		flash = h.say(c, "voice_kept", nil)
	}
	if c.QueryParam("calling") != "" {
		flash = h.say(c, "voice_calling", nil)
	}
	return h.render(c, http.StatusOK, "admin.html", v, flash)
}

// rosterUpload reads a roster file (a nabij CSV or a OneRoster zip) and
// shows what would change, or every bad row; nothing is applied yet.
func (h *handlers) rosterUpload(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return h.pageError(c, &apiError{http.StatusBadRequest, "no_file", "choose a CSV file or a OneRoster zip", nil})
	}
	f, err := fh.Open()
	if err != nil {
		return h.pageError(c, err)
	}
	defer f.Close()
	imp, err := h.svc.PreviewRosterImport(c.Request().Context(), user(c), f, fh.Size)
	if err != nil {
		return h.pageError(c, rosterImportError(err))
	}
	v, err := h.adminView(c)
	if err != nil {
		return h.pageError(c, err)
	}
	v.Import = &importView{Token: imp.ID, Changes: imp.Changes, Rows: imp.Rows, LongNames: imp.LongNames}
	loc, lang := h.localizer(c)
	for _, e := range imp.Errors {
		text, english := sayProblem(loc, lang, e.Problem, e.Message)
		v.Import.Errors = append(v.Import.Errors, rowProblem{Row: e.Row, Column: e.Column, Text: text, English: english})
	}
	h.log.Info("roster file previewed", "format", imp.Format, "rows", imp.Rows, "errors", len(imp.Errors), "by", user(c).ID)
	return h.render(c, http.StatusOK, "admin.html", v, "")
}

func (h *handlers) rosterApply(c echo.Context) error {
	r, err := h.svc.ApplyRosterImport(c.Request().Context(), user(c), c.FormValue("import"))
	if err != nil {
		return h.pageError(c, rosterImportError(err))
	}
	h.log.Info("roster replaced from a file", "students", len(r.Students), "classes", len(r.Classes), "by", user(c).ID)
	return c.Redirect(http.StatusSeeOther, "/admin?applied="+strconv.Itoa(len(r.Students))+"-"+strconv.Itoa(len(r.Classes)))
}

func (h *handlers) adminCreateUser(c echo.Context) error {
	var classes []string
	for _, cl := range strings.Split(c.FormValue("classes"), ",") {
		if cl = strings.TrimSpace(cl); cl != "" {
			classes = append(classes, cl)
		}
	}
	email := strings.TrimSpace(c.FormValue("email"))
	if email != "" {
		if err := h.svc.CheckEmail(c.Request().Context(), email); err != nil {
			return h.pageError(c, err)
		}
	}
	u, _, err := h.newUser(c, c.FormValue("name"), school.Role(c.FormValue("role")), classes, c.FormValue("language"))
	if err != nil {
		return h.pageError(c, err)
	}
	h.log.Info("user created from the admin page", "user", u.ID, "role", u.Role, "by", user(c).ID)
	if email != "" {
		if _, err := h.svc.SetEmail(c.Request().Context(), u.ID, email); err != nil {
			// Made, but without the e-mail (taken meanwhile, a full disk):
			// the page says so, not that nothing changed.
			h.log.Error("the e-mail of a user just made was not stored", "user", u.ID, "err", err)
			return h.adminDone(c, nil, h.say(c, "admin_user_made_without_email", map[string]any{"Name": u.Name}), nil)
		}
	}
	return h.linkFor(c, u.ID, u.Name)
}

func (h *handlers) adminLink(c echo.Context) error { return h.linkFor(c, c.Param("id"), "") }

// linkFor shows the admin page with a new sign-in link for user id; made
// names the user just made (then a link that cannot be made says so, not
// that nothing changed).
func (h *handlers) linkFor(c echo.Context, id, made string) error {
	token, _, err := h.svc.SignInLink(c.Request().Context(), id)
	if err != nil && made != "" {
		h.log.Error("the sign-in link of a user just made was not made", "user", id, "err", err)
		return h.adminDone(c, nil, h.say(c, "admin_user_made_without_link", map[string]any{"Name": made}), nil)
	}
	if err != nil {
		return h.pageError(c, err)
	}
	show := func(v *adminView) {
		v.LinkFor = made
		if made == "" {
			v.LinkFor = id // the page that names users could not be read
		}
		for _, u := range v.Users {
			if u.ID == id {
				v.LinkFor = u.Name
			}
		}
		v.Link = h.linkURL(c, token)
	}
	v, err := h.adminView(c)
	if err != nil {
		return h.adminAfterAChange(c, err, "", show)
	}
	show(v)
	return h.render(c, http.StatusOK, "admin.html", v, "")
}

// linkURL is the sign-in link as the staff member opens it.
func (h *handlers) linkURL(c echo.Context, token string) string {
	base := h.cfg.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return strings.TrimSuffix(base, "/") + "/signin/" + token
}

func (h *handlers) listUsers(c echo.Context) error {
	users, err := h.svc.Users(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewAll(users, viewUser))
}

func (h *handlers) userLink(c echo.Context) error {
	token, expires, err := h.svc.SignInLink(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	h.log.Info("sign-in link made", "user", c.Param("id"), "by", user(c).ID)
	return c.JSON(http.StatusCreated, signInLinkView{URL: h.linkURL(c, token), ExpiresAt: expires})
}
