package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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
}

type importView struct {
	Token   string
	Errors  []rosterimport.RowError
	Changes rosterimport.Changes
	Rows    int
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
	return &adminView{Users: users, Settings: h.cfg.Settings, Languages: h.cfg.Catalog.Languages()}, nil
}

func (h *handlers) adminPage(c echo.Context) error {
	v, err := h.adminView(c)
	if err != nil {
		return h.pageError(c, err)
	}
	flash := ""
	if students, classes, ok := strings.Cut(c.QueryParam("applied"), "-"); ok {
		flash = h.say(c, "admin_applied", map[string]any{"Students": students, "Classes": classes})
	}
	return h.render(c, http.StatusOK, "admin.html", v, flash)
}

// rosterUpload reads a CSV export and shows what would change, or every
// bad row; nothing is applied yet.
func (h *handlers) rosterUpload(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return h.pageError(c, badRequest("choose a CSV file"))
	}
	f, err := fh.Open()
	if err != nil {
		return h.pageError(c, err)
	}
	defer f.Close()
	res, err := rosterimport.ParseCSV(f, h.svc.Today())
	if err != nil {
		return h.pageError(c, badRequest("%v", err))
	}
	v, err := h.adminView(c)
	if err != nil {
		return h.pageError(c, err)
	}
	v.Import = &importView{Errors: res.Errors, Rows: res.Rows}
	if len(res.Errors) == 0 {
		old, err := h.svc.Roster(c.Request().Context(), user(c))
		if err != nil {
			return h.pageError(c, err)
		}
		keepPGNs(old, res.Roster)
		v.Import.Changes = rosterimport.Diff(old, res.Roster)
		// The preview waits in the store, not in memory, until applied or expired.
		if v.Import.Token, err = h.svc.KeepRosterPreview(c.Request().Context(), user(c), res.Roster); err != nil {
			return h.pageError(c, err)
		}
	}
	h.log.Info("roster file previewed", "rows", res.Rows, "errors", len(res.Errors), "by", user(c).ID)
	return h.render(c, http.StatusOK, "admin.html", v, "")
}

func (h *handlers) rosterApply(c echo.Context) error {
	r, ok, err := h.svc.TakeRosterPreview(c.Request().Context(), user(c), c.FormValue("import"))
	if err != nil {
		return h.pageError(c, err)
	}
	if !ok {
		return h.pageError(c, badRequest("the preview is gone (it lasts 15 minutes): upload the file again"))
	}
	if err := h.svc.ReplaceRoster(c.Request().Context(), r); err != nil {
		return h.pageError(c, err)
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
	if email != "" {
		if _, err := h.svc.SetEmail(c.Request().Context(), u.ID, email); err != nil {
			return h.pageError(c, err)
		}
	}
	h.log.Info("user created from the admin page", "user", u.ID, "role", u.Role, "by", user(c).ID)
	c.SetParamNames("id")
	c.SetParamValues(u.ID)
	return h.adminLink(c)
}

func (h *handlers) adminLink(c echo.Context) error {
	id := c.Param("id")
	token, _, err := h.svc.SignInLink(c.Request().Context(), id)
	if err != nil {
		return h.pageError(c, err)
	}
	v, err := h.adminView(c)
	if err != nil {
		return h.pageError(c, err)
	}
	for _, u := range v.Users {
		if u.ID == id {
			v.LinkFor = u.Name
		}
	}
	v.Link = h.linkURL(c, token)
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

// keepPGNs carries each pupil's PGN over from the roster in use: school
// exports carry no PGN, and a DUO melding needs it.
func keepPGNs(old, next *school.Roster) {
	pgn := map[string]string{}
	for _, s := range old.Students {
		pgn[s.ID] = s.PGN
	}
	for i := range next.Students {
		if next.Students[i].PGN == "" {
			next.Students[i].PGN = pgn[next.Students[i].ID]
		}
	}
}
