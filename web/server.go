// Package web is nabij's HTTP face: the JSON API of API.md, the Twilio
// webhooks, health and metrics. Handlers are thin: they read the request,
// call the Service, and map domain errors to HTTP in one place.
package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// Service is what the handlers need of nabij.
type Service interface {
	Authenticate(ctx context.Context, token string) (school.User, bool, error)
	CreateUser(ctx context.Context, name string, role school.Role, classes []string) (school.User, string, error)
	CreateReviewer(ctx context.Context, name, language string) (school.User, string, error)
	ReplaceRoster(ctx context.Context, r *school.Roster) error
	PreviewRosterImport(ctx context.Context, u school.User, file io.ReaderAt, size int64) (*app.RosterImport, error)
	ApplyRosterImport(ctx context.Context, u school.User, id string) (*school.Roster, error)
	Roster(ctx context.Context, u school.User) (*school.Roster, error)
	RecordList(ctx context.Context, u school.User, class string, date school.Date, absences []school.Absence) (*app.ListResult, error)
	List(ctx context.Context, u school.User, class string, date school.Date) (*school.AbsenceList, error)
	Messages(ctx context.Context, u school.User, f app.MessageFilter) ([]*alerts.Message, error)
	DeliveryStatus(ctx context.Context, providerID, status string, code int) error
	Inbound(ctx context.Context, in store.Inbound) error
	casework        // web/escalations.go
	calendarService // web/calendar.go
	calls           // the call webhooks: web/calls.go
	phoneRecording  // recording a message by phone: web/phonerec.go

	// The staff pages.
	Today() school.Date
	SignIn(ctx context.Context, link string) (string, school.User, error)
	SignInOnThisDevice(ctx context.Context, link string) (string, school.User, error)
	SignInWithLogin(ctx context.Context, login string) (string, school.User, error)
	SessionUser(ctx context.Context, session string) (school.User, bool, error)
	SignOut(ctx context.Context, session string) error
	SignInLink(ctx context.Context, userID string) (string, time.Time, error)
	Users(ctx context.Context) ([]school.User, error)
	userAdmin    // taking access away: web/users.go
	staffScreens // web/screens.go

	// Review by the school's own speakers.
	translationReview // web/review.go
	recordingAdmin    // the school's recordings: web/recordings.go
}

// Config is the web layer's settings.
type Config struct {
	// AdminToken, when set, is a bearer token with the admin role (bootstrap).
	AdminToken string
	// PublicURL is the base URL Twilio calls; signatures are checked over it.
	PublicURL string
	// TwilioAuthToken signs Twilio's webhooks; without it they are refused.
	TwilioAuthToken string
	// TwilioAccountSID is nabij's Twilio account: a webhook naming another
	// is refused.
	TwilioAccountSID string
	// MetricsOnMain serves /metrics on the main address, behind the admin
	// role; otherwise it is not there (it has an address of its own).
	MetricsOnMain bool
	// SecureCookies marks every cookie Secure: off only when nabij listens
	// on loopback and its public URL is plain http (a laptop, the tests).
	SecureCookies bool
	// Health checks the store answers: without it nabij is unavailable
	// (503, out of rotation).
	Health func() error
	// Degraded are the parts that can fail while nabij still serves (the
	// store's writes, the provider's account): while one fails, /healthz
	// says "degraded" and why, and stays 200 so that lists are still taken.
	Degraded   []HealthCheck
	Catalog    Catalog // the catalog in force (a *translations.Live in the service)
	SchoolName string
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// (NABIJ_TRUSTED_PROXIES); without them the peer is the client.
	TrustedProxies []*net.IPNet
	// Location is the school's time zone: the audit log's times are in it.
	Location *time.Location
	// Audit records a staff request; AuditLog reads the records.
	Audit    func(e store.AuditEntry) error
	AuditLog func(from, to time.Time, user string, limit int) ([]store.AuditEntry, error)
	// Backup writes a consistent copy of the store; nil where the store
	// has backups of its own (PostgreSQL: pg_dump), and the backup route
	// says so.
	Backup func(w io.Writer) (int64, error)
	// Settings are the settings in force, secrets masked, for the admin page.
	Settings [][2]string
	Registry *prometheus.Registry
	Log      *slog.Logger
	// OIDC is sign-in with the school's own accounts; off without an issuer.
	OIDC OIDCConfig
}

// New builds the echo server with every route.
func New(svc Service, cfg Config) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	h := &handlers{svc: svc, cfg: cfg, log: cfg.Log, oidc: newOIDCClient(cfg.OIDC)}
	e.HTTPErrorHandler = h.errorHandler
	e.IPExtractor = IPExtractor(cfg.TrustedProxies)
	e.Pre(h.securityHeaders)
	e.Use(middleware.Recover())
	e.Use(h.logRequests)
	e.Use(middleware.BodyLimit("16M"))

	e.GET("/healthz", h.healthz)
	e.GET("/livez", h.livez)
	if cfg.MetricsOnMain {
		e.GET("/metrics", MetricsHandler(cfg.Registry), h.authenticate, requireRole(school.RoleAdmin))
	}

	api := e.Group("/api/v1", h.authenticate, h.audited, refuseReviewer)
	api.POST("/users", h.createUser, requireRole(school.RoleAdmin))
	api.PUT("/roster", h.putRoster, requireRole(school.RoleAdmin))
	api.GET("/roster", h.getRoster)
	api.POST("/roster/imports", h.postRosterImport, requireRole(school.RoleAdmin))
	api.POST("/roster/imports/:id/apply", h.applyRosterImport, requireRole(school.RoleAdmin))
	api.PUT("/classes/:class/absences/:date", h.putList)
	api.GET("/classes/:class/absences/:date", h.getList)
	api.GET("/messages", h.messages)
	api.GET("/escalations", h.escalations, requireRole(school.RoleCoordinator))
	api.POST("/escalations/:id", h.escalationAction, requireRole(school.RoleCoordinator))
	api.GET("/escalations/:id/melding", h.melding, requireRole(school.RoleCoordinator))
	api.GET("/tasks", h.tasks)
	api.GET("/digest", h.digest, requireRole(school.RoleCoordinator))
	api.GET("/inbox", h.inbox)
	api.GET("/reach", h.reach, requireRole(school.RoleCoordinator))
	api.GET("/calendar", h.calendar, requireRole(school.RoleCoordinator, school.RoleAdmin))
	api.PUT("/calendar/closed/:date", h.closeDay, requireRole(school.RoleCoordinator, school.RoleAdmin))
	api.DELETE("/calendar/closed/:date", h.reopenDay, requireRole(school.RoleCoordinator, school.RoleAdmin))
	api.GET("/translations", h.languages)
	api.GET("/translations/:lang/preview", h.preview)

	api.PUT("/contacts/:contact/channel", h.setContactChannel, requireRole(school.RoleCoordinator, school.RoleAdmin))
	api.GET("/users", h.listUsers, requireRole(school.RoleAdmin))
	api.GET("/admin/backup", h.backup, requireRole(school.RoleAdmin))
	api.GET("/admin/audit", h.auditLog, requireRole(school.RoleAdmin))
	api.POST("/users/:id/link", h.userLink, requireRole(school.RoleAdmin))
	h.userRoutes(api)
	api.GET("/translations/:lang/file", h.translationFile, requireRole(school.RoleAdmin))
	h.recordingRoutes(api)
	e.GET("/media/voice/:token", h.media) // Twilio fetches a recording: the token is the key

	h.pageRoutes(e)
	h.oidcRoutes(e)
	h.apiDocsRoutes(e)

	hooks := e.Group("/webhooks/twilio", h.verifyTwilio)
	hooks.POST("/status", h.twilioStatus)
	hooks.POST("/inbound", h.twilioInbound)
	h.callRoutes(hooks)
	h.phoneRecordingRoutes(api, hooks)
	return e
}

type handlers struct {
	svc     Service
	cfg     Config
	log     *slog.Logger
	signins signinLimiter
	oidc    *oidcClient
}

// livez says the process serves, whatever the store: a liveness probe's,
// which must not restart nabij while its database is down (/healthz is
// the readiness probe's).
func (h *handlers) livez(c echo.Context) error {
	return c.JSON(http.StatusOK, healthView{Status: "alive"})
}

func (h *handlers) healthz(c echo.Context) error {
	if err := h.cfg.Health(); err != nil {
		h.log.Error("health check failed", "err", err)
		return c.JSON(http.StatusServiceUnavailable, healthView{Status: "unavailable"})
	}
	v := healthView{Status: "ok", Warnings: h.svc.CalendarWarnings()}
	for _, d := range h.cfg.Degraded {
		if err := d.Check(); err != nil {
			v.Status = "degraded"
			v.Problems = append(v.Problems, healthProblem{Part: d.Part, Error: err.Error()})
		}
	}
	// A warning or a degraded part is no outage: the service stays in
	// rotation, and says so.
	return c.JSON(http.StatusOK, v)
}

// HealthCheck is one part that can fail while nabij still serves.
type HealthCheck struct {
	Part  string       // "store", "sending"
	Check func() error // nil while the part works
}

type healthView struct {
	Status   string          `json:"status"`
	Problems []healthProblem `json:"problems,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
}

type healthProblem struct {
	Part  string `json:"part"`
	Error string `json:"error"`
}

// logRequests logs method, route, status and duration: ids only, since
// routes carry class ids and dates but never names or numbers.
func (h *handlers) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		h.log.Info("request", "method", c.Request().Method, "route", c.Path(),
			"status", c.Response().Status, "ms", time.Since(start).Milliseconds())
		return nil
	}
}

// MetricsHandler serves the registry in Prometheus' format.
func MetricsHandler(reg *prometheus.Registry) echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}

// contentSecurityPolicy allows nabij's own files only. The melding's one
// inline <style> is allowed by its hash; no page has an inline script. One
// page has a policy of its own, relaxed for its renderer: /api/docs
// (apiDocsPolicy, apidocs.go).
var contentSecurityPolicy = "default-src 'self'; style-src 'self' " + inlineStyleHashes() +
	"; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// inlineStyleHashes are the CSP hashes of the templates' <style> blocks.
func inlineStyleHashes() string {
	var out []string
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		raw, _ := fs.ReadFile(templateFS, f)
		rest := string(raw)
		for {
			_, after, ok := strings.Cut(rest, "<style>")
			if !ok {
				break
			}
			css, tail, _ := strings.Cut(after, "</style>")
			sum := sha256.Sum256([]byte(css))
			out = append(out, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
			rest = tail
		}
	}
	return strings.Join(out, " ")
}

// securityHeaders sets, on every answer (API, pages, errors, 404s), the
// headers that keep it out of frames, caches and other sites' reach, and
// marks every cookie Secure when nabij is reached over TLS. They are set
// just before the status is written, over whatever a handler set.
func (h *handlers) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	hsts := strings.HasPrefix(h.cfg.PublicURL, "https://")
	return func(c echo.Context) error {
		res := c.Response()
		static := strings.HasPrefix(c.Request().URL.Path, "/static/")
		res.Before(func() {
			hd := res.Header()
			csp := contentSecurityPolicy
			if own, ok := c.Get(cspKey).(string); ok {
				csp = own // one page's own, stated where it is set (apidocs.go)
			}
			hd.Set("Content-Security-Policy", csp)
			hd.Set("X-Content-Type-Options", "nosniff")
			hd.Set("Referrer-Policy", "no-referrer")
			hd.Set("X-Frame-Options", "DENY")
			if own, ok := c.Get(cacheKey).(string); ok {
				hd.Set("Cache-Control", own) // a recording's media link (recordings.go)
			} else if !static {
				// Every API answer and every page may carry pupil data.
				hd.Set("Cache-Control", "no-store")
			}
			if hsts {
				hd.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			if h.cfg.SecureCookies {
				cookies := hd["Set-Cookie"]
				for i, ck := range cookies {
					if !hasSecure(ck) {
						cookies[i] = ck + "; Secure"
					}
				}
			}
		})
		return next(c)
	}
}

func hasSecure(cookie string) bool {
	for _, attr := range strings.Split(cookie, ";")[1:] {
		if strings.EqualFold(strings.TrimSpace(attr), "Secure") {
			return true
		}
	}
	return false
}

// backup streams a consistent copy of the live store. The server's write
// timeout is for answers, not for a store of many MB on a slow line: the
// backup gets an hour.
func (h *handlers) backup(c echo.Context) error {
	if h.cfg.Backup == nil {
		return &apiError{http.StatusConflict, "conflict", "the store is in PostgreSQL: back it up with pg_dump (README, Backups)", nil}
	}
	if err := http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(time.Hour)); err != nil {
		h.log.Warn("backup: the write deadline could not be extended", "err", err)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/octet-stream")
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="nabij-`+time.Now().UTC().Format("20060102-150405")+`.db"`)
	c.Response().WriteHeader(http.StatusOK)
	n, err := h.cfg.Backup(c.Response())
	if err != nil {
		h.log.Error("backup failed", "err", err)
		return nil // the status is out; the client sees a short file, which does not read back
	}
	h.log.Info("backup taken", "bytes", n, "by", user(c).ID)
	return nil
}
