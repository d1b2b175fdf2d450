package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/store"
)

// OIDCConfig is sign-in with the school's own accounts (OpenID Connect,
// issue 13): Microsoft Entra ID, Google Workspace, SURFconext. Off while
// Issuer is empty.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// Claim is the ID token's (or UserInfo's) claim matched to a nabij
	// user's email: "email" unless set.
	Claim string
	// RedirectURL is NABIJ_PUBLIC_URL + /auth/oidc/callback.
	RedirectURL string
	// Logins keeps the sign-ins under way where every replica finds them
	// (app.OIDCLogins, on PostgreSQL); nil keeps them in this process.
	Logins OIDCLogins
}

// OIDCLogins keeps sign-ins under way by their state, each taken once.
type OIDCLogins interface {
	Put(ctx context.Context, state, nonce, verifier string, expires, now time.Time) error
	Take(ctx context.Context, state string, now time.Time) (nonce, verifier string, ok bool, err error)
}

const (
	oidcCookie = "nabij_oidc"
	// oidcPendingLifetime is how long a sign-in may take at the provider.
	oidcPendingLifetime = 10 * time.Minute
	// oidcMaxPending bounds the sign-ins under way, so that a client
	// starting many cannot fill the memory.
	oidcMaxPending = 10000
)

// oidcLogin is a sign-in under way: what the callback must find again.
// It is kept here, by its state, and taken once.
type oidcLogin struct {
	nonce, verifier string
	expires         time.Time
}

type oidcClient struct {
	cfg    OIDCConfig
	client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider // found by discovery at first use
	pending  map[string]oidcLogin
}

func newOIDCClient(cfg OIDCConfig) *oidcClient {
	if cfg.Issuer == "" {
		return nil
	}
	if cfg.Claim == "" {
		cfg.Claim = "email"
	}
	return &oidcClient{cfg: cfg, client: &http.Client{Timeout: 15 * time.Second}, pending: map[string]oidcLogin{}}
}

// discover finds the provider's endpoints and keys; a failure is tried
// again at the next sign-in, so that nabij starts while the provider is
// away.
func (o *oidcClient) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	p := o.provider
	o.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, o.client), o.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.provider = p
	o.mu.Unlock()
	return p, nil
}

func (o *oidcClient) oauth2(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

// errTooManyPending is a sign-in refused because too many are under way
// (oidcMaxPending in memory; store.MaxOIDCLogins in the store).
var errTooManyPending = errors.New("too many sign-ins under way")

// put keeps a sign-in under way: errTooManyPending when too many are, or
// the store's error.
func (o *oidcClient) put(ctx context.Context, state string, l oidcLogin, now time.Time) error {
	if o.cfg.Logins != nil {
		err := o.cfg.Logins.Put(ctx, state, l.nonce, l.verifier, l.expires, now)
		if errors.Is(err, store.ErrTooManyOIDCLogins) {
			return errTooManyPending
		}
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) >= oidcMaxPending {
		for k, v := range o.pending {
			if now.After(v.expires) {
				delete(o.pending, k)
			}
		}
		if len(o.pending) >= oidcMaxPending {
			return errTooManyPending
		}
	}
	o.pending[state] = l
	return nil
}

// take hands a sign-in under way over once: a second callback with the
// same state finds nothing. An error is the store's.
func (o *oidcClient) take(ctx context.Context, state string, now time.Time) (oidcLogin, bool, error) {
	if o.cfg.Logins != nil {
		nonce, verifier, ok, err := o.cfg.Logins.Take(ctx, state, now)
		if err != nil || !ok {
			return oidcLogin{}, false, err
		}
		return oidcLogin{nonce: nonce, verifier: verifier}, true, nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	l, ok := o.pending[state]
	delete(o.pending, state)
	if !ok || now.After(l.expires) {
		return oidcLogin{}, false, nil
	}
	return l, true, nil
}

func randomString() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (h *handlers) oidcRoutes(e *echo.Echo) {
	if h.oidc == nil {
		return
	}
	e.GET("/auth/oidc/start", h.oidcStart)
	e.GET("/auth/oidc/callback", h.oidcCallback, h.audited)
}

// signinStart is the sign-in page without a link: the school's account
// when configured, else how to get a link.
func (h *handlers) signinStart(c echo.Context) error {
	return h.render(c, http.StatusOK, "signin.html", "", "")
}

func (h *handlers) oidcStart(c echo.Context) error {
	if !h.signins.allowOIDCStart(c.RealIP()) {
		h.log.Warn("oidc sign-in limited: too many started from one address")
		return h.errorPage(c, http.StatusTooManyRequests, h.say(c, "signin_slow", nil))
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 15*time.Second)
	defer cancel()
	p, err := h.oidc.discover(ctx)
	if err != nil {
		h.log.Error("oidc discovery failed", "err", err)
		return h.errorPage(c, http.StatusBadGateway, h.say(c, "signin_oidc_down", nil))
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	switch err := h.oidc.put(c.Request().Context(), state, oidcLogin{nonce: nonce, verifier: verifier, expires: time.Now().Add(oidcPendingLifetime)}, time.Now()); {
	case errors.Is(err, errTooManyPending):
		h.log.Warn("oidc sign-in limited: too many under way")
		return h.errorPage(c, http.StatusTooManyRequests, h.say(c, "signin_slow", nil))
	case err != nil:
		return fmt.Errorf("oidc sign-in start: %w", err)
	}
	c.SetCookie(&http.Cookie{Name: h.cookie(oidcCookie), Value: state, Path: "/", HttpOnly: true,
		Secure: h.secureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: int(oidcPendingLifetime.Seconds())})
	url := h.oidc.oauth2(p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	return c.Redirect(http.StatusFound, url)
}

func (h *handlers) secureCookies() bool {
	return h.cfg.SecureCookies || strings.HasPrefix(h.cfg.PublicURL, "https://")
}

// cookie is the name of one of nabij's cookies: with the __Host- prefix
// whenever cookies are Secure, so that the browser takes it only from nabij's
// own host (Secure, Path=/, no Domain): a sibling host of the school's domain
// cannot plant a session or CSRF cookie for it (cookie tossing). Without
// https (a laptop, the tests) the plain name, which a browser accepts there.
func (h *handlers) cookie(name string) string {
	if h.secureCookies() {
		return "__Host-" + name
	}
	return name
}

// oidcRefusal is why a callback gets no session, for the log (no
// personal data) and the page.
type oidcRefusal struct {
	status int
	text   string // text id of the page
	reason string
}

func (r *oidcRefusal) Error() string { return r.reason }

func (h *handlers) oidcCallback(c echo.Context) error {
	// The cookie is used once, whatever comes of it.
	c.SetCookie(&http.Cookie{Name: h.cookie(oidcCookie), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.secureCookies(), SameSite: http.SameSiteLaxMode})
	login, err := h.oidcLogin(c)
	if err != nil {
		var r *oidcRefusal
		if !errors.As(err, &r) {
			h.log.Error("oidc sign-in failed", "err", err)
			return h.errorPage(c, http.StatusBadGateway, h.say(c, "signin_oidc_down", nil))
		}
		h.log.Warn("oidc sign-in refused", "reason", r.reason)
		return h.errorPage(c, r.status, h.say(c, r.text, nil))
	}
	session, u, err := h.svc.SignInWithLogin(c.Request().Context(), login)
	switch {
	case errors.Is(err, app.ErrUnknownLogin):
		h.log.Warn("oidc sign-in refused", "reason", "no nabij user has this login")
		return h.errorPage(c, http.StatusForbidden, h.say(c, "signin_oidc_unknown", nil))
	case errors.Is(err, app.ErrUserDisabled):
		h.log.Warn("oidc sign-in refused", "reason", "user disabled")
		return h.errorPage(c, http.StatusForbidden, h.say(c, "signin_oidc_disabled", nil))
	case err != nil:
		return err
	}
	c.SetCookie(&http.Cookie{Name: h.cookie(sessionCookie), Value: session, Path: "/", HttpOnly: true,
		Secure: h.secureCookies(), SameSite: http.SameSiteLaxMode, MaxAge: int((12 * time.Hour).Seconds())})
	h.renewCSRF(c)
	c.Set(userKey, u) // for the audit record of this sign-in
	h.log.Info("signed in", "user", u.ID, "role", u.Role, "method", "oidc")
	return c.Redirect(http.StatusSeeOther, homeOf(u))
}

// oidcLogin checks the callback (state, its cookie, the code with PKCE,
// the ID token and its nonce) and returns the login the provider vouches
// for: the value of the configured claim.
func (h *handlers) oidcLogin(c echo.Context) (string, error) {
	state := c.QueryParam("state")
	ck, err := c.Cookie(h.cookie(oidcCookie))
	if state == "" || err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		// A state that is not this browser's: a forged or crossed
		// callback. The sign-in under way, if any, stays for its browser.
		return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "state does not match the browser's"}
	}
	pending, ok, err := h.oidc.take(c.Request().Context(), state, time.Now())
	if err != nil {
		return "", fmt.Errorf("the sign-in under way: %w", err)
	}
	if !ok {
		return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "state unknown, used or expired"}
	}
	if e := c.QueryParam("error"); e != "" {
		return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "the provider answered " + oneWord(e)}
	}
	code := c.QueryParam("code")
	if code == "" {
		return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "no code"}
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 15*time.Second)
	defer cancel()
	ctx = oidc.ClientContext(ctx, h.oidc.client)
	p, err := h.oidc.discover(ctx)
	if err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	conf := h.oidc.oauth2(p)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pending.verifier))
	if err != nil {
		return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "code exchange: " + oneWord(err.Error())}
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "no id_token"}
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: h.oidc.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "id_token: " + oneWord(err.Error())}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pending.nonce)) != 1 {
		return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "nonce does not match"}
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return "", err
	}
	if _, ok := claims[h.oidc.cfg.Claim]; !ok {
		// Some providers put email and the like in UserInfo only.
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "userinfo: " + oneWord(err.Error())}
		}
		if info.Subject != idt.Subject {
			return "", &oidcRefusal{http.StatusUnauthorized, "signin_oidc_bad", "userinfo is of another subject"}
		}
		claims = map[string]any{}
		if err := info.Claims(&claims); err != nil {
			return "", err
		}
	}
	login, _ := claims[h.oidc.cfg.Claim].(string)
	if strings.TrimSpace(login) == "" {
		return "", &oidcRefusal{http.StatusForbidden, "signin_oidc_unknown", "claim " + h.oidc.cfg.Claim + " missing"}
	}
	if h.oidc.cfg.Claim == "email" {
		if emailUnverified(claims["email_verified"]) {
			return "", &oidcRefusal{http.StatusForbidden, "signin_oidc_unknown", "email not verified by the provider"}
		}
	}
	return login, nil
}

// emailUnverified reports whether a provider said the email is not
// verified: false, or the string "false", as some providers send it (a
// pen test found the string taken as verified). No claim at all is not a
// refusal: many providers (Entra ID) send none.
func emailUnverified(v any) bool {
	switch v := v.(type) {
	case bool:
		return !v
	case string:
		return strings.EqualFold(strings.TrimSpace(v), "false")
	}
	return false
}

// oneWord keeps an error for the log short and free of what a provider
// may echo back.
func oneWord(s string) string {
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
