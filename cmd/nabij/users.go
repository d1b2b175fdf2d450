package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// usersCmd is `nabij users link NAME` and `nabij users list`: it asks the
// running service (the store is the service's while it runs) with the
// admin token.
func usersCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("users", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running nabij (default: http:// + NABIJ_ADDR)")
	if len(args) == 0 || (args[0] != "link" && args[0] != "list") {
		fmt.Fprintln(stderr, "usage: nabij users list | nabij users link NAME [--url URL]   (needs NABIJ_ADMIN_TOKEN)")
		return 2
	}
	sub := args[0]
	flags, words := splitFlags(args[1:])
	if err := fs.Parse(flags); err != nil {
		return 2
	}
	token := getenv("NABIJ_ADMIN_TOKEN")
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
	call := func(method, path string, out any) error {
		req, err := http.NewRequest(method, strings.TrimSuffix(*base, "/")+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("is nabij running at %s? %w", *base, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(body)))
		}
		return json.Unmarshal(body, out)
	}
	var users []struct {
		ID, Name, Role string
		Classes        []string
	}
	if err := call("GET", "/api/v1/users", &users); err != nil {
		fmt.Fprintln(stderr, "nabij users:", err)
		return 1
	}
	if sub == "list" {
		for _, u := range users {
			fmt.Fprintf(stdout, "%-6s %-12s %-30s %s\n", u.ID, u.Role, u.Name, strings.Join(u.Classes, ","))
		}
		return 0
	}
	name := strings.Join(words, " ")
	var match []string
	for _, u := range users {
		if strings.EqualFold(u.Name, name) || u.ID == name {
			match = append(match, u.ID)
		}
	}
	if len(match) != 1 {
		fmt.Fprintf(stderr, "nabij users link: %d users match %q; give the exact name or the id (nabij users list)\n", len(match), name)
		return 1
	}
	var link struct {
		URL     string    `json:"url"`
		Expires time.Time `json:"expires_at"`
	}
	if err := call("POST", "/api/v1/users/"+match[0]+"/link", &link); err != nil {
		fmt.Fprintln(stderr, "nabij users link:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n(one use, valid until %s)\n", link.URL, link.Expires.Format("2006-01-02 15:04"))
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
		{"NABIJ_HOLD", cfg.Hold.String()},
		{"NABIJ_VALIDITY", cfg.Validity.String()},
		{"NABIJ_SEND_FROM / UNTIL", cfg.SendFrom.Format("15:04") + " – " + cfg.SendUntil.Format("15:04")},
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
