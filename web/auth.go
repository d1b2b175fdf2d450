package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/school"
)

const userKey = "nabij.user"

// authenticate reads the bearer token: 401 when it is missing or unknown.
func (h *handlers) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		auth := c.Request().Header.Get("Authorization")
		// The scheme is case-insensitive (RFC 9110).
		scheme, token, ok := strings.Cut(strings.TrimSpace(auth), " ")
		ok = ok && strings.EqualFold(scheme, "Bearer")
		token = strings.TrimSpace(token)
		if !ok || token == "" {
			return &apiError{http.StatusUnauthorized, "unauthorized", "an Authorization: Bearer <token> header is required", nil}
		}
		// Wrong tokens are limited per address: a token is not guessed,
		// and a client that has used up its wrong tokens is not even
		// checked (a right token from it waits too, a few seconds).
		ip := c.RealIP()
		if h.signins.tokenBlocked(ip) {
			return &apiError{http.StatusTooManyRequests, "too_many_requests", "too many wrong tokens from this address; wait a little", nil}
		}
		if h.cfg.AdminToken != "" && equalSecrets(token, h.cfg.AdminToken) {
			c.Set(userKey, school.User{ID: "admin", Name: "bootstrap admin", Role: school.RoleAdmin})
			return next(c)
		}
		u, found, err := h.svc.Authenticate(c.Request().Context(), token)
		if err != nil {
			return err
		}
		if !found {
			h.signins.badToken(ip)
			return &apiError{http.StatusUnauthorized, "unauthorized", "the token is not valid", nil}
		}
		c.Set(userKey, u)
		return next(c)
	}
}

// equalSecrets compares in constant time, over hashes so that the length of
// the secret does not leak either.
func equalSecrets(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

func user(c echo.Context) school.User {
	u, _ := c.Get(userKey).(school.User)
	return u
}

// requireRole lets through only users with one of roles: 403 otherwise.
func requireRole(roles ...school.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := user(c)
			for _, r := range roles {
				if u.Role == r {
					return next(c)
				}
			}
			return &apiError{http.StatusForbidden, "forbidden", "this needs the role " + string(roles[0]), nil}
		}
	}
}
