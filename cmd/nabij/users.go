package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// usersCmd is `nabij users list`, `link`, `disable`, `enable`, `rotate`,
// `revoke-links` and `classes`: it asks the running service (the store is
// the service's while it runs) with the admin token, so that every change
// is checked and audited there as an admin's request. A stopped service
// has to be started first: nothing here writes the store behind its back.
func usersCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("users", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running nabij (default: http:// + NABIJ_ADDR)")
	subs := map[string]bool{"list": true, "link": true, "disable": true, "enable": true, "rotate": true, "revoke-links": true, "classes": true}
	if len(args) == 0 || !subs[args[0]] {
		fmt.Fprintln(stderr, `usage: nabij users list
       nabij users link|disable|enable|rotate|revoke-links NAME|ID
       nabij users classes NAME|ID 1A,1B
       [--url URL]   (needs NABIJ_ADMIN_TOKEN; the service must be running)`)
		return 2
	}
	sub := args[0]
	flags, words := splitFlags(args[1:])
	if err := fs.Parse(flags); err != nil {
		return 2
	}
	var classes []string
	if sub == "classes" {
		if len(words) < 2 {
			fmt.Fprintln(stderr, "usage: nabij users classes NAME|ID 1A,1B")
			return 2
		}
		for _, c := range strings.Split(words[len(words)-1], ",") {
			if c = strings.TrimSpace(c); c != "" {
				classes = append(classes, c)
			}
		}
		words = words[:len(words)-1]
	}
	// The token and address as serve reads them: the environment, a
	// token file (NABIJ_ADMIN_TOKEN_FILE, as systemd's credentials give
	// it), the config file (NABIJ_CONFIG).
	l, err := newLayers(getenv, nil, "")
	if err != nil {
		fmt.Fprintln(stderr, "nabij users:", err)
		return 2
	}
	getenv = l.get
	token := getenv("NABIJ_ADMIN_TOKEN")
	if err := l.unreadableSecrets(); err != nil {
		fmt.Fprintln(stderr, "nabij users:", err)
		return 2
	}
	if token == "" {
		fmt.Fprintln(stderr, "nabij users: set NABIJ_ADMIN_TOKEN to the service's admin token")
		return 2
	}
	if *base == "" {
		addr := getenv("NABIJ_ADDR")
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		*base = "http://" + addr
	}
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path string, in, out any) error {
		var body io.Reader
		if in != nil {
			raw, err := json.Marshal(in)
			if err != nil {
				return err
			}
			body = bytes.NewReader(raw)
		}
		req, err := http.NewRequest(method, strings.TrimSuffix(*base, "/")+path, body)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("is nabij running at %s? %w", *base, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
		}
		return json.Unmarshal(raw, out)
	}
	type userJSON struct {
		ID, Name, Role string
		Classes        []string
		Disabled       bool
		LastSignIn     *time.Time `json:"last_sign_in"`
		LastAPIUse     *time.Time `json:"last_api_use"`
	}
	var users []userJSON
	if err := call("GET", "/api/v1/users", nil, &users); err != nil {
		fmt.Fprintln(stderr, "nabij users:", err)
		return 1
	}
	if sub == "list" {
		for _, u := range users {
			state, last := "enabled", "never"
			if u.Disabled {
				state = "DISABLED"
			}
			api := "never"
			if u.LastSignIn != nil {
				last = u.LastSignIn.Format("2006-01-02 15:04")
			}
			if u.LastAPIUse != nil {
				api = u.LastAPIUse.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(stdout, "%-6s %-12s %-8s signed in %-16s API %-16s %-30s %s\n", u.ID, u.Role, state, last, api, u.Name, strings.Join(u.Classes, ","))
		}
		return 0
	}
	name := strings.Join(words, " ")
	var match []userJSON
	for _, u := range users {
		if strings.EqualFold(u.Name, name) || u.ID == name {
			match = append(match, u)
		}
	}
	if len(match) != 1 {
		fmt.Fprintf(stderr, "nabij users %s: %d users match %q; give the exact name or the id (nabij users list)\n", sub, len(match), name)
		return 1
	}
	u := match[0]
	fail := func(err error) int {
		fmt.Fprintf(stderr, "nabij users %s: %v\n", sub, err)
		return 1
	}
	switch sub {
	case "link":
		var link struct {
			URL     string    `json:"url"`
			Expires time.Time `json:"expires_at"`
		}
		if err := call("POST", "/api/v1/users/"+u.ID+"/link", nil, &link); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s\n(one use, valid until %s)\n", link.URL, link.Expires.Format("2006-01-02 15:04"))
	case "disable", "enable":
		var out userJSON
		if err := call("POST", "/api/v1/users/"+u.ID+"/"+sub, nil, &out); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s %sd\n", u.ID, sub)
	case "rotate":
		var out struct{ Token string }
		if err := call("POST", "/api/v1/users/"+u.ID+"/token", nil, &out); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s\n(the new API token of %s, shown only now; the old one no longer works)\n", out.Token, u.ID)
	case "revoke-links":
		var out struct{ Revoked int }
		if err := call("DELETE", "/api/v1/users/"+u.ID+"/links", nil, &out); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s: %d unused sign-in links revoked\n", u.ID, out.Revoked)
	case "classes":
		var out userJSON
		if err := call("PUT", "/api/v1/users/"+u.ID+"/classes", map[string][]string{"classes": classes}, &out); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s: classes %s\n", u.ID, strings.Join(out.Classes, ","))
	}
	return 0
}

// settingsView lists the settings in force for the admin page, secrets masked.
func settingsView(cfg *config) [][2]string {
	mask := func(s string) string {
		if s == "" {
			return "—"
		}
		return "•••• (set)"
	}
	orDash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	return [][2]string{
		{"NABIJ_SCHOOL_NAME", cfg.SchoolName},
		{"NABIJ_TIMEZONE", cfg.Location.String()},
		{"NABIJ_REGION", string(cfg.Region)},
		{"NABIJ_OPEN_ON", orDash(strings.Join(cfg.OpenOn, ", "))},
		{"NABIJ_TRUSTED_PROXIES", orDash(proxiesText(cfg.TrustedProxies))},
		{"NABIJ_METRICS_ADDR", orDash(cfg.MetricsAddr)},
		{"NABIJ_OIDC_ISSUER", orDash(cfg.OIDC.Issuer)},
		{"NABIJ_OIDC_CLIENT_ID", orDash(cfg.OIDC.ClientID)},
		{"NABIJ_OIDC_CLIENT_SECRET", mask(cfg.OIDC.ClientSecret)},
		{"NABIJ_OIDC_CLAIM", orDash(cfg.OIDC.Claim)},
		{"NABIJ_HOLD", cfg.Hold.String()},
		{"NABIJ_VALIDITY", cfg.Validity.String()},
		{"NABIJ_SEND_FROM / UNTIL", cfg.SendFrom.Format("15:04") + " – " + cfg.SendUntil.Format("15:04")},
		{"NABIJ_ALERT_UNTIL", fmt.Sprintf("%02d:%02d", int(cfg.Settings.AlertUntil.Hours()), int(cfg.Settings.AlertUntil.Minutes())%60)},
		{"NABIJ_RATE", fmt.Sprint(cfg.RatePerSec)},
		{"NABIJ_PROTOCOL", orDash(cfg.ProtocolFile)},
		{"NABIJ_PUBLIC_URL", orDash(cfg.PublicURL)},
		{"TWILIO_ACCOUNT_SID", mask(cfg.Twilio.AccountSID)},
		{"TWILIO_AUTH_TOKEN", mask(cfg.Twilio.AuthToken)},
		{"NABIJ_ADMIN_TOKEN", mask(cfg.AdminToken)},
	}
}

// splitFlags lets flags come after the words too (`nabij backup FILE --url
// U`): it puts them first for the flag package. Every flag here takes a value.
func splitFlags(args []string) (flags, words []string) {
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			flags = append(flags, args[i])
			if !strings.Contains(args[i], "=") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		words = append(words, args[i])
	}
	return flags, words
}

// proxiesText writes the trusted proxies as the setting does.
func proxiesText(nets ipNets) string {
	out := make([]string, len(nets))
	for i, n := range nets {
		out[i] = n.String()
	}
	return strings.Join(out, ",")
}
