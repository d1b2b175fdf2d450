package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/nabij-isk/nabij/alerts/twilio"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/web"
)

// config is every setting of `nabij serve`, read from the environment.
type config struct {
	Addr    string
	DataDir string
	// DatabaseURL, when set, is the PostgreSQL database of the store
	// (NABIJ_DATABASE_URL); DataDir is then not used.
	DatabaseURL string
	AdminToken  string
	PublicURL   string
	SchoolName  string
	Location    *time.Location
	// ClockStart, when set, is where the service's clock starts (NABIJ_CLOCK).
	ClockStart   time.Time
	Hold         time.Duration
	Validity     time.Duration
	SendFrom     time.Time
	SendUntil    time.Time
	Templates    map[string]map[string]string
	RetryFirst   time.Duration
	RatePerSec   float64
	Workers      int
	ProtocolFile string
	Protocol     *protocol.Protocol // the protocol file's, or the default
	Twilio       twilio.Config
	LogFormat    string
	Region       school.Region
	FreeDays     []school.Period
	// OpenOn are the optional national days (goede vrijdag, bevrijdingsdag)
	// the school is open on (NABIJ_OPEN_ON).
	OpenOn []string
	// now, when set, is the clock: a test's, to play days one by one.
	now       func() time.Time
	SweepAt   time.Time
	Settings  app.Settings
	Retention app.Retention
	PurgeAt   time.Time
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client (NABIJ_TRUSTED_PROXIES); none: the peer is the client.
	TrustedProxies ipNets
	// MetricsAddr is where /metrics is served, apart from the staff's
	// address; "main" serves it on NABIJ_ADDR behind the admin token.
	MetricsAddr string
	// OIDC is sign-in with the school's own accounts (NABIJ_OIDC_*); off
	// without an issuer.
	OIDC web.OIDCConfig
	// Timeouts are the HTTP server's; tests shorten them.
	Timeouts httpTimeouts
	// defaults are the values settings take when nothing sets them, by
	// environment name (for `config check`); the README says what a
	// setting without one does when it is not set.
	defaults map[string]string
	// listener, when set, is the socket the API listens on instead of
	// listening on Addr itself: one systemd passed in (socket activation),
	// or a test's, open before the server is made so that no other
	// process can take its port.
	listener net.Listener
}

// httpTimeouts bound how long a client may hold a connection: a slow
// client (slowloris) is cut off instead of holding a goroutine and a
// socket for ever.
type httpTimeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

var defaultTimeouts = httpTimeouts{ReadHeader: 10 * time.Second, Read: time.Minute, Write: 2 * time.Minute, Idle: 2 * time.Minute}

// minAdminToken is the shortest NABIJ_ADMIN_TOKEN nabij accepts: 32 bytes,
// what `openssl rand -base64 32` gives and more.
const minAdminToken = 32

func loadConfig(getenv func(string) string) (*config, error) {
	defaults := map[string]string{}
	env := func(key, def string) string {
		if def != "" {
			defaults[key] = def
		}
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := &config{
		Addr:         env("NABIJ_ADDR", "127.0.0.1:8080"),
		DataDir:      env("NABIJ_DATA", "./nabij-data/"),
		DatabaseURL:  getenv("NABIJ_DATABASE_URL"),
		AdminToken:   getenv("NABIJ_ADMIN_TOKEN"),
		PublicURL:    strings.TrimSuffix(env("NABIJ_PUBLIC_URL", ""), "/"),
		SchoolName:   env("NABIJ_SCHOOL_NAME", "ISK"),
		ProtocolFile: env("NABIJ_PROTOCOL", ""),
		LogFormat:    env("NABIJ_LOG_FORMAT", "text"),
		Region:       school.Region(env("NABIJ_REGION", "midden")),
		MetricsAddr:  env("NABIJ_METRICS_ADDR", "127.0.0.1:9464"),
		Timeouts:     defaultTimeouts,
		OIDC: web.OIDCConfig{
			Issuer:       strings.TrimSpace(getenv("NABIJ_OIDC_ISSUER")),
			ClientID:     strings.TrimSpace(getenv("NABIJ_OIDC_CLIENT_ID")),
			ClientSecret: getenv("NABIJ_OIDC_CLIENT_SECRET"),
			Claim:        env("NABIJ_OIDC_CLAIM", "email"),
		},
		Settings: app.Settings{
			Address:      env("NABIJ_SCHOOL_ADDRESS", ""),
			ContactPhone: env("NABIJ_CONTACT_PHONE", ""),
			ContactEmail: env("NABIJ_CONTACT_EMAIL", ""),
		},
		Twilio: twilio.Config{
			AccountSID:          getenv("TWILIO_ACCOUNT_SID"),
			AuthToken:           getenv("TWILIO_AUTH_TOKEN"),
			MessagingServiceSID: getenv("NABIJ_TWILIO_MESSAGING_SERVICE_SID"),
			From:                getenv("NABIJ_TWILIO_FROM"),
			WhatsAppFrom:        strings.TrimPrefix(getenv("NABIJ_TWILIO_WHATSAPP_FROM"), "whatsapp:"),
			VoiceFrom:           getenv("NABIJ_TWILIO_VOICE_FROM"),
			APIURL:              env("NABIJ_TWILIO_API_URL", twilio.DefaultAPIURL),
		},
	}
	c.defaults = defaults
	var errs []string
	var err error
	if c.Location, err = time.LoadLocation(env("NABIJ_TIMEZONE", "Europe/Amsterdam")); err != nil {
		errs = append(errs, fmt.Sprintf("NABIJ_TIMEZONE: %v", err))
	}
	if raw := getenv("NABIJ_CLOCK"); raw != "" {
		if c.ClockStart, err = time.Parse(time.RFC3339, raw); err != nil {
			errs = append(errs, fmt.Sprintf("NABIJ_CLOCK=%q: want an RFC 3339 time such as 2026-12-01T08:40:00+01:00", raw))
		}
	}
	if c.Hold, err = time.ParseDuration(env("NABIJ_HOLD", "2m")); err != nil || c.Hold < 0 {
		errs = append(errs, fmt.Sprintf("NABIJ_HOLD=%q: want a duration such as 2m or 30s", getenv("NABIJ_HOLD")))
	}
	if c.Twilio.Timeout, err = time.ParseDuration(env("NABIJ_TWILIO_TIMEOUT", twilio.DefaultTimeout.String())); err != nil || c.Twilio.Timeout <= 0 || c.Twilio.Timeout > 2*time.Minute {
		errs = append(errs, fmt.Sprintf("NABIJ_TWILIO_TIMEOUT=%q: want how long a request to Twilio may take, such as 15s (at most 2m)", getenv("NABIJ_TWILIO_TIMEOUT")))
	}
	if c.Validity, err = time.ParseDuration(env("NABIJ_VALIDITY", "4h")); err != nil || c.Validity <= 0 {
		errs = append(errs, fmt.Sprintf("NABIJ_VALIDITY=%q: want how long an alert may still go out, such as 4h", getenv("NABIJ_VALIDITY")))
	}
	c.SendFrom, err = time.Parse("15:04", env("NABIJ_SEND_FROM", "07:00"))
	if err != nil {
		errs = append(errs, fmt.Sprintf("NABIJ_SEND_FROM=%q: want a time such as 07:00", getenv("NABIJ_SEND_FROM")))
	}
	c.SendUntil, err = time.Parse("15:04", env("NABIJ_SEND_UNTIL", "21:00"))
	if err != nil || !c.SendUntil.After(c.SendFrom) {
		errs = append(errs, fmt.Sprintf("NABIJ_SEND_UNTIL=%q: want a time after NABIJ_SEND_FROM, such as 21:00", getenv("NABIJ_SEND_UNTIL")))
	}
	// The school's protocol file is read here, so that config check
	// refuses what serve would (and serve exits 2, which its unit does
	// not restart). (Found by an operator's review: serve read it later,
	// exited 1 and was restarted every 5 s.)
	c.Protocol = protocol.Default()
	if c.ProtocolFile != "" {
		if raw, err := os.ReadFile(c.ProtocolFile); err != nil {
			errs = append(errs, fmt.Sprintf("NABIJ_PROTOCOL: %v", err))
		} else if c.Protocol, err = protocol.Parse(raw); err != nil {
			errs = append(errs, fmt.Sprintf("NABIJ_PROTOCOL %s: %v", c.ProtocolFile, err))
		}
	}
	if file := getenv("NABIJ_WHATSAPP_TEMPLATES"); file != "" {
		if c.Templates, err = loadTemplates(file); err != nil {
			errs = append(errs, fmt.Sprintf("NABIJ_WHATSAPP_TEMPLATES: %v", err))
		}
	}
	if c.RetryFirst, err = time.ParseDuration(env("NABIJ_RETRY_BACKOFF", "2s")); err != nil || c.RetryFirst <= 0 {
		errs = append(errs, fmt.Sprintf("NABIJ_RETRY_BACKOFF=%q: want the first retry's delay, such as 2s", getenv("NABIJ_RETRY_BACKOFF")))
	}
	if c.RatePerSec, err = strconv.ParseFloat(env("NABIJ_RATE", "10"), 64); err != nil || c.RatePerSec < 0 {
		errs = append(errs, fmt.Sprintf("NABIJ_RATE=%q: want messages per second, 0 for no limit", getenv("NABIJ_RATE")))
	}
	if c.Workers, err = strconv.Atoi(env("NABIJ_WORKERS", "4")); err != nil || c.Workers < 1 || c.Workers > 256 {
		errs = append(errs, fmt.Sprintf("NABIJ_WORKERS=%q: want a number from 1 to 256", getenv("NABIJ_WORKERS")))
	}
	if _, err := school.NationalHolidays(c.Region); err != nil {
		errs = append(errs, fmt.Sprintf("NABIJ_REGION: %v", err))
	}
	if c.FreeDays, err = parseFreeDays(getenv("NABIJ_FREE_DAYS")); err != nil {
		errs = append(errs, fmt.Sprintf("NABIJ_FREE_DAYS: %v", err))
	}
	for _, name := range strings.Split(getenv("NABIJ_OPEN_ON"), ",") {
		if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
			c.OpenOn = append(c.OpenOn, name)
		}
	}
	if _, err := school.NewCalendar(c.Region, c.OpenOn, nil); err != nil && len(c.OpenOn) > 0 {
		errs = append(errs, fmt.Sprintf("NABIJ_OPEN_ON: %v", err))
	}
	if until, err := time.Parse("15:04", env("NABIJ_ALERT_UNTIL", "12:00")); err != nil || until.Hour() == 0 && until.Minute() == 0 {
		errs = append(errs, fmt.Sprintf("NABIJ_ALERT_UNTIL=%q: want the time of day same-morning alerts end, such as 12:00", getenv("NABIJ_ALERT_UNTIL")))
	} else {
		c.Settings.AlertUntil = time.Duration(until.Hour())*time.Hour + time.Duration(until.Minute())*time.Minute
	}
	if c.SweepAt, err = time.Parse("15:04", env("NABIJ_SWEEP_AT", "17:00")); err != nil {
		errs = append(errs, fmt.Sprintf("NABIJ_SWEEP_AT=%q: want a time such as 17:00", getenv("NABIJ_SWEEP_AT")))
	}
	if c.Retention.Years, err = strconv.Atoi(env("NABIJ_RETENTION_YEARS", "5")); err != nil || c.Retention.Years < 1 {
		errs = append(errs, fmt.Sprintf("NABIJ_RETENTION_YEARS=%q: want whole years after a pupil leaves, at least 1", getenv("NABIJ_RETENTION_YEARS")))
	}
	if c.Retention.BodyDays, err = strconv.Atoi(env("NABIJ_BODY_RETENTION_DAYS", "365")); err != nil || c.Retention.BodyDays < 1 {
		errs = append(errs, fmt.Sprintf("NABIJ_BODY_RETENTION_DAYS=%q: want days to keep message texts, at least 1", getenv("NABIJ_BODY_RETENTION_DAYS")))
	}
	if c.PurgeAt, err = time.Parse("15:04", env("NABIJ_PURGE_AT", "02:30")); err != nil {
		errs = append(errs, fmt.Sprintf("NABIJ_PURGE_AT=%q: want a time such as 02:30", getenv("NABIJ_PURGE_AT")))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Sprintf("NABIJ_LOG_FORMAT=%q: want text or json", c.LogFormat))
	}
	if c.TrustedProxies, err = parseTrustedProxies(getenv("NABIJ_TRUSTED_PROXIES")); err != nil {
		errs = append(errs, fmt.Sprintf("NABIJ_TRUSTED_PROXIES: %v", err))
	}
	if c.AdminToken != "" && len(c.AdminToken) < minAdminToken {
		// The token's value is never printed, only its length.
		errs = append(errs, fmt.Sprintf("NABIJ_ADMIN_TOKEN: %d bytes; want at least %d, such as $(openssl rand -base64 32)", len(c.AdminToken), minAdminToken))
	}
	if c.OIDC.Issuer != "" {
		if u, err := url.Parse(c.OIDC.Issuer); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) || u.Host == "" {
			errs = append(errs, fmt.Sprintf("NABIJ_OIDC_ISSUER=%q: want the provider's https URL, such as https://login.microsoftonline.com/<tenant-id>/v2.0", c.OIDC.Issuer))
		}
		if c.OIDC.ClientID == "" {
			errs = append(errs, "NABIJ_OIDC_CLIENT_ID: required with NABIJ_OIDC_ISSUER")
		}
		if c.PublicURL == "" {
			errs = append(errs, "NABIJ_PUBLIC_URL: required with NABIJ_OIDC_ISSUER (the redirect URL is NABIJ_PUBLIC_URL/auth/oidc/callback)")
		}
		c.OIDC.RedirectURL = c.PublicURL + "/auth/oidc/callback"
	}
	if c.MetricsAddr != "main" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Sprintf("NABIJ_METRICS_ADDR=%q: want host:port such as 127.0.0.1:9464, or main (on NABIJ_ADDR, behind the admin token)", c.MetricsAddr))
		}
	}
	if c.twilioEnabled() && c.PublicURL == "" {
		errs = append(errs, "NABIJ_PUBLIC_URL is required with Twilio: status callbacks and signatures use it")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	c.Settings.SchoolName = c.SchoolName
	if c.PublicURL != "" {
		c.Twilio.StatusCallback = c.PublicURL + "/webhooks/twilio/status"
		c.Twilio.VoiceURL = c.PublicURL + "/webhooks/twilio/voice"
		c.Twilio.RecordURL = c.PublicURL + "/webhooks/twilio/record"
	}
	return c, nil
}

func (c *config) twilioEnabled() bool {
	return c.Twilio.AccountSID != "" || c.Twilio.AuthToken != ""
}

// clock returns the service's clock: real time, or real time running on
// from NABIJ_CLOCK.
func (c *config) clock() func() time.Time {
	if c.now != nil {
		return c.now
	}
	if c.ClockStart.IsZero() {
		return time.Now
	}
	offset := time.Until(c.ClockStart)
	return func() time.Time { return time.Now().Add(offset) }
}

// Calendar is the school's calendar: its region's national holidays, less
// the optional days it is open on, with its own free days.
func (c *config) Calendar() (*school.Calendar, error) {
	return school.NewCalendar(c.Region, c.OpenOn, c.FreeDays)
}

// parseFreeDays reads the school's own days off: "2026-11-25,2027-02-08..2027-02-09".
func parseFreeDays(raw string) ([]school.Period, error) {
	var out []school.Period
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		first, last, isRange := strings.Cut(part, "..")
		if !isRange {
			last = first
		}
		a, err := school.ParseDate(first)
		if err != nil {
			return nil, err
		}
		b, err := school.ParseDate(last)
		if err != nil {
			return nil, err
		}
		if b.Before(a) {
			return nil, fmt.Errorf("%s: the range ends before it starts", part)
		}
		out = append(out, school.Period{Name: "vrije dag van de school", First: a, Last: b})
	}
	return out, nil
}

// loadTemplates reads the approved WhatsApp templates: a TOML table per
// message (alert_absent, apology, …) mapping languages to Twilio ContentSids.
func loadTemplates(file string) (map[string]map[string]string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var t map[string]map[string]string
	if _, err := toml.Decode(string(raw), &t); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for key, langs := range t {
		for lang, sid := range langs {
			if !strings.HasPrefix(sid, "HX") {
				return nil, fmt.Errorf("%s: %s.%s = %q: a Twilio ContentSid starts with HX", file, key, lang, sid)
			}
		}
	}
	return t, nil
}

// secureCookies is whether cookies are marked Secure: always, unless nabij
// listens on loopback and is reached over plain http (a laptop, a test).
func (c *config) secureCookies() bool {
	if strings.HasPrefix(c.PublicURL, "https://") {
		return true
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return true
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// isLoopbackHost is localhost or a loopback address: the one place a plain
// http issuer is allowed (a test's provider).
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
