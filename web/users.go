package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/school"
)

// userAdmin is taking access away from a staff member, and changing it.
type userAdmin interface {
	DisableUser(ctx context.Context, by school.User, id string) (school.User, error)
	EnableUser(ctx context.Context, id string) (school.User, error)
	RotateToken(ctx context.Context, id string) (school.User, string, error)
	RevokeSignInLinks(ctx context.Context, id string) (int, error)
	SetClasses(ctx context.Context, id string, classes []string) (school.User, error)
	CheckEmail(ctx context.Context, email string) error
	SetEmail(ctx context.Context, id, email string) (school.User, error)
}

// userRoutes are the admin's API on one user; each is audited as every
// staff request is.
func (h *handlers) userRoutes(api *echo.Group) {
	admin := requireRole(school.RoleAdmin)
	api.POST("/users/:id/disable", h.disableUser, admin)
	api.POST("/users/:id/enable", h.enableUser, admin)
	api.POST("/users/:id/token", h.rotateToken, admin)
	api.DELETE("/users/:id/links", h.revokeLinks, admin)
	api.PUT("/users/:id/classes", h.setClasses, admin)
	api.PUT("/users/:id/email", h.setEmail, admin)
}

// adminUserRoutes are the same on the admin page, each a form behind CSRF.
func (h *handlers) adminUserRoutes(g *echo.Group) {
	admin := h.pageRole(school.RoleAdmin)
	g.POST("/admin/users/:id/disable", h.adminDisable, admin)
	g.POST("/admin/users/:id/enable", h.adminEnable, admin)
	g.POST("/admin/users/:id/token", h.adminRotate, admin)
	g.POST("/admin/users/:id/links/revoke", h.adminRevokeLinks, admin)
	g.POST("/admin/users/:id/classes", h.adminClasses, admin)
}

func (h *handlers) disableUser(c echo.Context) error {
	u, err := h.svc.DisableUser(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return err
	}
	h.log.Info("user disabled", "user", u.ID, "by", user(c).ID)
	return c.JSON(http.StatusOK, viewUser(u))
}

func (h *handlers) enableUser(c echo.Context) error {
	u, err := h.svc.EnableUser(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	h.log.Info("user enabled", "user", u.ID, "by", user(c).ID)
	return c.JSON(http.StatusOK, viewUser(u))
}

func (h *handlers) rotateToken(c echo.Context) error {
	u, token, err := h.svc.RotateToken(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	h.log.Info("user token rotated", "user", u.ID, "by", user(c).ID)
	return c.JSON(http.StatusCreated, map[string]string{"id": u.ID, "token": token})
}

func (h *handlers) revokeLinks(c echo.Context) error {
	n, err := h.svc.RevokeSignInLinks(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	h.log.Info("sign-in links revoked", "user", c.Param("id"), "links", n, "by", user(c).ID)
	return c.JSON(http.StatusOK, map[string]int{"revoked": n})
}

func (h *handlers) setClasses(c echo.Context) error {
	var req struct {
		Classes []string `json:"classes"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := h.svc.SetClasses(c.Request().Context(), c.Param("id"), req.Classes)
	if err != nil {
		return err
	}
	h.log.Info("user classes changed", "user", u.ID, "classes", len(u.Classes), "by", user(c).ID)
	return c.JSON(http.StatusOK, viewUser(u))
}

// adminDone shows the admin page again with a flash, or the refusal.
func (h *handlers) adminDone(c echo.Context, err error, flash string, change func(*adminView)) error {
	if err != nil {
		return h.pageError(c, err)
	}
	v, err := h.adminView(c)
	if err != nil {
		return h.adminAfterAChange(c, err, flash, change)
	}
	if change != nil {
		change(v)
	}
	return h.render(c, http.StatusOK, "admin.html", v, flash)
}

// adminAfterAChange answers a change made whose admin page cannot be read
// again (err): an error page would say nothing changed. What the change
// shows once (a new token, a sign-in link) is shown on the admin page
// without the rest, which says so; a change the page read again would show
// goes back to it.
func (h *handlers) adminAfterAChange(c echo.Context, err error, flash string, change func(*adminView)) error {
	h.log.Error("reading the admin page after a change", "err", err)
	if change == nil {
		return c.Redirect(http.StatusSeeOther, "/admin")
	}
	v := &adminView{}
	change(v)
	note := h.say(c, "admin_page_unread", nil)
	if flash != "" {
		note = flash + " " + note
	}
	return h.render(c, http.StatusOK, "admin.html", v, note)
}

func (h *handlers) adminDisable(c echo.Context) error {
	u, err := h.svc.DisableUser(c.Request().Context(), user(c), c.Param("id"))
	if err == nil {
		h.log.Info("user disabled from the admin page", "user", u.ID, "by", user(c).ID)
	}
	return h.adminDone(c, err, h.say(c, "admin_disabled", map[string]any{"Name": u.Name}), nil)
}

func (h *handlers) adminEnable(c echo.Context) error {
	u, err := h.svc.EnableUser(c.Request().Context(), c.Param("id"))
	if err == nil {
		h.log.Info("user enabled from the admin page", "user", u.ID, "by", user(c).ID)
	}
	return h.adminDone(c, err, h.say(c, "admin_enabled", map[string]any{"Name": u.Name}), nil)
}

func (h *handlers) adminRotate(c echo.Context) error {
	u, token, err := h.svc.RotateToken(c.Request().Context(), c.Param("id"))
	if err == nil {
		h.log.Info("user token rotated from the admin page", "user", u.ID, "by", user(c).ID)
	}
	return h.adminDone(c, err, "", func(v *adminView) { v.Token, v.TokenFor = token, u.Name })
}

func (h *handlers) adminRevokeLinks(c echo.Context) error {
	n, err := h.svc.RevokeSignInLinks(c.Request().Context(), c.Param("id"))
	if err == nil {
		h.log.Info("sign-in links revoked from the admin page", "user", c.Param("id"), "links", n, "by", user(c).ID)
	}
	return h.adminDone(c, err, h.say(c, "admin_links_revoked", map[string]any{"Count": n}), nil)
}

func (h *handlers) adminClasses(c echo.Context) error {
	var classes []string
	for _, cl := range strings.Split(c.FormValue("classes"), ",") {
		if cl = strings.TrimSpace(cl); cl != "" {
			classes = append(classes, cl)
		}
	}
	u, err := h.svc.SetClasses(c.Request().Context(), c.Param("id"), classes)
	if err == nil {
		h.log.Info("user classes changed from the admin page", "user", u.ID, "classes", len(u.Classes), "by", user(c).ID)
	}
	return h.adminDone(c, err, h.say(c, "admin_classes_set", map[string]any{"Name": u.Name, "Classes": strings.Join(u.Classes, ", ")}), nil)
}

func (h *handlers) setEmail(c echo.Context) error {
	var req struct {
		Email string `json:"email"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := h.svc.SetEmail(c.Request().Context(), c.Param("id"), req.Email)
	if err != nil {
		return err
	}
	h.log.Info("user email set", "user", u.ID, "by", user(c).ID)
	return c.JSON(http.StatusOK, viewUser(u))
}
