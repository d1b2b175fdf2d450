package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// settingNames are every setting nabij reads, by its environment name. The
// config file uses the same names lower-cased, without NABIJ_: `hold`,
// `school_name`, `twilio_auth_token_file`.
var settingNames = []string{
	"NABIJ_ADDR", "NABIJ_DATA", "NABIJ_DATABASE_URL", "NABIJ_ADMIN_TOKEN", "NABIJ_PUBLIC_URL", "NABIJ_SCHOOL_NAME", "NABIJ_TIMEZONE",
	"NABIJ_CLOCK", "NABIJ_HOLD", "NABIJ_VALIDITY", "NABIJ_SEND_FROM", "NABIJ_SEND_UNTIL", "NABIJ_ALERT_UNTIL", "NABIJ_RATE", "NABIJ_WORKERS",
	"NABIJ_RETRY_BACKOFF", "NABIJ_PROTOCOL", "NABIJ_REGION", "NABIJ_FREE_DAYS", "NABIJ_OPEN_ON", "NABIJ_SWEEP_AT", "NABIJ_LOG_FORMAT",
	"NABIJ_SCHOOL_ADDRESS", "NABIJ_CONTACT_PHONE", "NABIJ_CONTACT_EMAIL", "NABIJ_WHATSAPP_TEMPLATES",
	"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "NABIJ_TWILIO_MESSAGING_SERVICE_SID", "NABIJ_TWILIO_FROM",
	"NABIJ_TWILIO_WHATSAPP_FROM", "NABIJ_TWILIO_VOICE_FROM", "NABIJ_TWILIO_API_URL", "NABIJ_TWILIO_TIMEOUT", "NABIJ_RETENTION_YEARS", "NABIJ_BODY_RETENTION_DAYS", "NABIJ_PURGE_AT",
	"NABIJ_TRUSTED_PROXIES",
	"NABIJ_METRICS_ADDR",
	"NABIJ_OIDC_ISSUER", "NABIJ_OIDC_CLIENT_ID", "NABIJ_OIDC_CLIENT_SECRET", "NABIJ_OIDC_CLAIM",
}

// secretNames may also be given as NAME_FILE: the path of a file holding
// the secret (systemd credentials, Kubernetes and Docker secrets).
var secretNames = map[string]bool{"NABIJ_ADMIN_TOKEN": true, "NABIJ_DATABASE_URL": true, "TWILIO_AUTH_TOKEN": true, "TWILIO_ACCOUNT_SID": true, "NABIJ_OIDC_CLIENT_SECRET": true}

func fileKey(env string) string { return strings.ToLower(strings.TrimPrefix(env, "NABIJ_")) }

// layers are where a setting comes from, strongest first: flags, the
// environment, the config file.
type layers struct {
	flags  map[string]string
	env    func(string) string
	file   map[string]string
	source map[string]string // setting → where its value came from
}

// newLayers reads the config file (--config, else NABIJ_CONFIG) if any.
// Unknown keys are refused: a typo must not leave a default silently in force.
func newLayers(getenv func(string) string, flags map[string]string, configFile string) (*layers, error) {
	l := &layers{flags: flags, env: getenv, file: map[string]string{}, source: map[string]string{}}
	if configFile == "" {
		configFile = getenv("NABIJ_CONFIG")
	}
	if configFile == "" {
		return l, nil
	}
	raw, err := os.ReadFile(configFile)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var values map[string]any
	if _, err := toml.Decode(string(raw), &values); err != nil {
		return nil, fmt.Errorf("config file %s: %w", configFile, err)
	}
	known := map[string]bool{}
	for _, n := range settingNames {
		known[fileKey(n)] = true
		if secretNames[n] {
			known[fileKey(n)+"_file"] = true
		}
	}
	var unknown []string
	for k, v := range values {
		if !known[k] {
			unknown = append(unknown, k)
			continue
		}
		l.file[k] = fmt.Sprint(v)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("config file %s: unknown settings: %s", configFile, strings.Join(unknown, ", "))
	}
	return l, nil
}

// get is the value of a setting by its environment name, from the
// strongest layer that has it; a secret may come from NAME_FILE.
func (l *layers) get(name string) string {
	if v, ok := l.flags[name]; ok && v != "" {
		l.source[name] = "flag"
		return v
	}
	if v := l.env(name); v != "" {
		l.source[name] = "environment"
		return v
	}
	if secretNames[name] {
		if path := l.env(name + "_FILE"); path != "" {
			return l.readSecret(name, path, "environment (_FILE)")
		}
	}
	if v, ok := l.file[fileKey(name)]; ok && v != "" {
		l.source[name] = "config file"
		return v
	}
	if secretNames[name] {
		if path := l.file[fileKey(name)+"_file"]; path != "" {
			return l.readSecret(name, path, "config file (_file)")
		}
	}
	return ""
}

func (l *layers) readSecret(name, path, from string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		// An unreadable secret is as if unset, and an error of the
		// configuration: unreadableSecrets names it.
		l.source[name] = "unreadable: " + path
		return ""
	}
	l.source[name] = from
	return strings.TrimSpace(string(raw))
}

// unreadableSecrets names each secret whose file could not be read among
// the settings read so far: a command that goes on without it would run on
// the defaults the secret replaces (no Twilio: every message logged and
// marked delivered; no database URL: an empty bbolt store of its own).
// (Found by an operator's review: serve started.)
func (l *layers) unreadableSecrets() error {
	var errs []error
	for _, n := range settingNames {
		if src := l.source[n]; strings.HasPrefix(src, "unreadable: ") {
			errs = append(errs, fmt.Errorf("%s: the secret file %s cannot be read", n, strings.TrimPrefix(src, "unreadable: ")))
		}
	}
	return errors.Join(errs...)
}
