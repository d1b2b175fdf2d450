package deploy

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile" // the Caddyfile adapter
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/reverseproxy"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// dbSecrets are the PostgreSQL variants' secrets besides nabij's own: the
// URL nabij connects with and the password the postgres image sets.
var dbSecrets = []string{"NABIJ_DATABASE_URL", "POSTGRES_PASSWORD"}

// notNabijSettings are variables a deploy file may give nabij's container
// that are no setting of nabij's: the Go runtime's, and the PostgreSQL
// password that postgres.env gives the replicas beside the URL holding it.
var notNabijSettings = []string{"GOMEMLIMIT", "POSTGRES_PASSWORD"}

// checkKnownSettings fails on a variable given to nabij that README.md's
// settings tables do not name: a typo would leave a default in force.
func checkKnownSettings(t *testing.T, file string, names []string) {
	t.Helper()
	known := map[string]bool{}
	for _, s := range readmeSettings(t) {
		known[s.Env] = true
	}
	for _, name := range names {
		if !known[name] && !slices.Contains(notNabijSettings, name) {
			t.Errorf("%s gives nabij %s, which README.md's settings tables do not name", file, name)
		}
	}
}

// credentialsInURL finds the password of a URL's user information.
var credentialsInURL = regexp.MustCompile(`[a-z]+://[^\s/:@]+:([^\s/@]*)@`)

// checkNoPasswordInURLs fails on a URL with a password other than a
// placeholder in a deploy file (its comments included).
func checkNoPasswordInURLs(t *testing.T, file string) {
	t.Helper()
	for _, m := range credentialsInURL.FindAllStringSubmatch(string(readFile(t, file)), -1) {
		if m[1] != "PASSWORD" && m[1] != "%s" {
			t.Errorf("%s: %q holds a password; write PASSWORD (or %%s in a printf)", file, m[0])
		}
	}
}

// loadComposePostgres loads compose.postgres.yaml with compose's own loader,
// its env files made from the examples, as `docker compose -f
// compose.postgres.yaml` would.
func loadComposePostgres(t *testing.T) *types.Project {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "deploy")
	for name, from := range map[string]string{
		"compose.postgres.yaml": "compose.postgres.yaml",
		"Caddyfile":             "Caddyfile",
		"nabij.env":             "systemd/nabij.env.example",
		"postgres.env":          "postgres.env.example",
	} {
		writeFile(t, filepath.Join(dir, name), readFile(t, from))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	project, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.postgres.yaml")}},
		Environment: types.Mapping{}, // the tester's environment must not change the result
	})
	if err != nil {
		t.Fatalf("compose.postgres.yaml: %v", err)
	}
	return project
}

// replicas are the services that run nabij's image, by name.
func replicas(p *types.Project) []types.ServiceConfig {
	var out []types.ServiceConfig
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for name := range p.Services {
			if !yield(name) {
				return
			}
		}
	}) {
		if s := p.Services[name]; s.Image == "nabij:local" {
			out = append(out, s)
		}
	}
	return out
}

func TestComposePostgres(t *testing.T) {
	p := loadComposePostgres(t)
	if p.Name == "nabij" {
		t.Error("compose.postgres.yaml: the project name is compose.yaml's; its volumes and containers would mix")
	}
	reps := replicas(p)
	if len(reps) < 2 {
		t.Fatalf("compose.postgres.yaml: want two nabij replicas, got %d", len(reps))
	}
	pg, ok := p.Services["postgres"]
	if !ok {
		t.Fatal("compose.postgres.yaml: no service postgres")
	}
	proxy, ok := p.Services["proxy"]
	if !ok {
		t.Fatal("compose.postgres.yaml: no service proxy")
	}
	if want := len(reps) + 2; len(p.Services) != want {
		t.Errorf("compose.postgres.yaml: want postgres, the replicas and the proxy (%d services), got %d", want, len(p.Services))
	}

	// Only the proxy publishes a port, on loopback: the school's TLS front
	// on the host forwards to it.
	for name, s := range p.Services {
		if name != "proxy" && len(s.Ports) > 0 {
			t.Errorf("%s publishes %+v; only the proxy has a port", name, s.Ports)
		}
	}
	if len(proxy.Ports) != 1 || proxy.Ports[0].HostIP != "127.0.0.1" || proxy.Ports[0].Published != "8080" || proxy.Ports[0].Target != 8080 {
		t.Errorf("proxy ports: want 127.0.0.1:8080:8080 only, got %+v", proxy.Ports)
	}

	// Both replicas the same image and settings, but for their names.
	first := reps[0]
	first.Name = ""
	for _, r := range reps[1:] {
		name := r.Name
		r.Name = ""
		if !reflect.DeepEqual(first, r) {
			t.Errorf("%s differs from %s in more than its name", name, reps[0].Name)
		}
	}
	s := reps[0]
	if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" || s.Build.Context != filepath.Dir(p.WorkingDir) {
		t.Errorf("replicas: want the image built as compose.yaml builds it, got %+v", s.Build)
	}
	checkHardened(t, "replicas", s)
	if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) < 20*time.Second {
		t.Errorf("replicas: stop_grace_period: want at least 20s (nabij stops within 15s), got %v", s.StopGracePeriod)
	}
	if s.Restart != types.RestartPolicyUnlessStopped {
		t.Errorf("replicas: restart: want unless-stopped, got %q", s.Restart)
	}
	// Stateless: no volume, nothing for NABIJ_DATA.
	if len(s.Volumes) > 0 {
		t.Errorf("replicas: want no volume (the store is PostgreSQL), got %+v", s.Volumes)
	}
	if _, ok := s.Environment["NABIJ_DATA"]; ok {
		t.Error("replicas: NABIJ_DATA is set, but the store is PostgreSQL")
	}
	if d, ok := s.DependsOn["postgres"]; !ok || d.Condition != types.ServiceConditionHealthy {
		t.Errorf("replicas: want depends_on postgres: service_healthy, got %+v", s.DependsOn)
	}
	envFiles := map[string]bool{}
	for _, f := range s.EnvFiles {
		envFiles[filepath.Base(f.Path)] = bool(f.Required)
	}
	if !envFiles["nabij.env"] || !envFiles["postgres.env"] {
		t.Errorf("replicas: env_file: want the required nabij.env and postgres.env, got %+v", s.EnvFiles)
	}
	checkKnownSettings(t, "compose.postgres.yaml", slices.Collect(func(yield func(string) bool) {
		for name := range s.Environment {
			if !yield(name) {
				return
			}
		}
	}))

	// Secrets come from the env files, whose examples are empty: a value
	// here was written into compose.postgres.yaml.
	for name, svc := range p.Services {
		for _, secret := range append(slices.Clone(secrets), dbSecrets...) {
			if v := svc.Environment[secret]; v != nil && *v != "" {
				t.Errorf("%s: %s is set in compose.postgres.yaml; it belongs in an env file", name, secret)
			}
		}
	}
	for _, secret := range append(slices.Clone(secrets), "NABIJ_DATABASE_URL") {
		if _, ok := s.Environment[secret]; !ok {
			t.Errorf("replicas: %s does not come from an env file", secret)
		}
	}
	if _, ok := pg.Environment["POSTGRES_PASSWORD"]; !ok {
		t.Error("postgres: POSTGRES_PASSWORD does not come from postgres.env")
	}
	for _, secret := range secrets {
		if _, ok := pg.Environment[secret]; ok {
			t.Errorf("postgres is given nabij's secret %s", secret)
		}
	}
	for _, f := range []string{"compose.postgres.yaml", "Caddyfile", "postgres.env.example"} {
		checkNoPasswordInURLs(t, f)
	}

	// PostgreSQL: a pinned major version, its data in a named volume, a
	// healthcheck with pg_isready, reachable by the replicas alone.
	if !regexp.MustCompile(`^postgres:[0-9]+$`).MatchString(pg.Image) {
		t.Errorf("postgres: image %q; want the official image at a pinned major version (postgres:17)", pg.Image)
	}
	data := false
	for _, v := range pg.Volumes {
		_, declared := p.Volumes[v.Source]
		data = data || (v.Type == types.VolumeTypeVolume && declared && v.Target == "/var/lib/postgresql/data")
	}
	if !data {
		t.Errorf("postgres: want a named volume on /var/lib/postgresql/data, got %+v", pg.Volumes)
	}
	if pg.HealthCheck == nil || len(pg.HealthCheck.Test) < 2 || pg.HealthCheck.Test[0] != "CMD" || pg.HealthCheck.Test[1] != "pg_isready" {
		t.Errorf("postgres: want a healthcheck running pg_isready, got %+v", pg.HealthCheck)
	}
	for _, net := range slices.Sorted(func(yield func(string) bool) {
		for n := range pg.Networks {
			if !yield(n) {
				return
			}
		}
	}) {
		if !p.Networks[net].Internal {
			t.Errorf("postgres is on network %s, which is not internal", net)
		}
		if _, ok := proxy.Networks[net]; ok {
			t.Errorf("the proxy shares network %s with postgres", net)
		}
		if _, ok := s.Networks[net]; !ok {
			t.Errorf("the replicas are not on postgres's network %s", net)
		}
	}

	// The proxy: the official Caddy image, its Caddyfile read-only, hardened
	// as the replicas are but for the one capability its binary needs.
	if !regexp.MustCompile(`^caddy:2\.[0-9]+$`).MatchString(proxy.Image) {
		t.Errorf("proxy: image %q; want the official caddy image at a pinned minor version", proxy.Image)
	}
	caddyfile := false
	for _, v := range proxy.Volumes {
		caddyfile = caddyfile || (v.Type == types.VolumeTypeBind && v.Source == filepath.Join(p.WorkingDir, "Caddyfile") && v.Target == "/etc/caddy/Caddyfile" && v.ReadOnly)
	}
	if !caddyfile {
		t.Errorf("proxy: want ./Caddyfile read-only on /etc/caddy/Caddyfile, got %+v", proxy.Volumes)
	}
	if !proxy.ReadOnly || !slices.Contains(proxy.SecurityOpt, "no-new-privileges:true") {
		t.Error("proxy: want read_only and no-new-privileges")
	}
	if !slices.Equal(proxy.CapDrop, []string{"ALL"}) || !slices.Equal(proxy.CapAdd, []string{"NET_BIND_SERVICE"}) {
		t.Errorf("proxy: want cap_drop ALL and only NET_BIND_SERVICE back, got %v / %v", proxy.CapDrop, proxy.CapAdd)
	}
	if len(proxy.EnvFiles) > 0 {
		t.Errorf("proxy: needs no secret, but reads %+v", proxy.EnvFiles)
	}

	// nabij believes X-Forwarded-For from the network the proxy and the
	// host's front come from, and from nothing else.
	var front string
	for net := range proxy.Networks {
		if _, ok := s.Networks[net]; ok {
			front = net
		}
	}
	n, ok := p.Networks[front]
	if !ok || len(n.Ipam.Config) != 1 {
		t.Fatalf("the proxy and the replicas share no network with one fixed subnet: %q %+v", front, n)
	}
	subnet := n.Ipam.Config[0].Subnet
	if v := s.Environment["NABIJ_TRUSTED_PROXIES"]; v == nil || *v != subnet {
		t.Errorf("replicas: NABIJ_TRUSTED_PROXIES = %v, want the front network %s", ptrValue(v), subnet)
	}

	cfg := adaptCaddyfile(t)
	if !slices.Equal(cfg.trustedProxies, []string{subnet}) {
		t.Errorf("Caddyfile: trusted_proxies %v, want the front network %s", cfg.trustedProxies, subnet)
	}
	if !slices.Equal(cfg.listen, []string{":8080"}) {
		t.Errorf("Caddyfile: listens on %v, want :8080 (the port compose.postgres.yaml publishes)", cfg.listen)
	}
	var want []string
	for _, r := range reps {
		want = append(want, r.Name+":8080")
	}
	if !slices.Equal(cfg.upstreams, want) {
		t.Errorf("Caddyfile: proxies to %v, want every replica: %v", cfg.upstreams, want)
	}
}

// caddyConfig is what the tests read of the Caddyfile, as Caddy adapts it.
type caddyConfig struct {
	listen, upstreams, trustedProxies []string
}

// adaptCaddyfile reads the Caddyfile with Caddy's own adapter (the one `caddy
// run --adapter caddyfile` uses, at the version go.mod names, which must be
// the image's): an unknown directive or option fails, as Caddy would refuse
// to start. It then checks the reverse proxy's health checks and headers.
func adaptCaddyfile(t *testing.T) caddyConfig {
	t.Helper()
	out, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt(readFile(t, "Caddyfile"), map[string]any{"filename": "Caddyfile"})
	if err != nil {
		t.Fatalf("Caddyfile: %v", err)
	}
	for _, w := range warnings {
		t.Errorf("Caddyfile: %s", w.String())
	}
	var cfg struct {
		Admin struct {
			Disabled bool `json:"disabled"`
		} `json:"admin"`
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Listen         []string `json:"listen"`
					Routes         []any    `json:"routes"`
					AutomaticHTTPS struct {
						Disable bool `json:"disable"`
					} `json:"automatic_https"`
					TrustedProxies struct {
						Source string   `json:"source"`
						Ranges []string `json:"ranges"`
					} `json:"trusted_proxies"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatalf("Caddyfile adapted: %v\n%s", err, out)
	}
	if !cfg.Admin.Disabled {
		t.Error("Caddyfile: the admin API is on; want admin off")
	}
	if len(cfg.Apps.HTTP.Servers) != 1 {
		t.Fatalf("Caddyfile: want one server, got %d", len(cfg.Apps.HTTP.Servers))
	}
	var c caddyConfig
	for _, srv := range cfg.Apps.HTTP.Servers {
		c.listen = srv.Listen
		if !srv.AutomaticHTTPS.Disable {
			t.Error("Caddyfile: automatic HTTPS is on; TLS is the school's front's")
		}
		if srv.TrustedProxies.Source == "static" {
			c.trustedProxies = srv.TrustedProxies.Ranges
		}
		handlers := reverseProxies(t, srv.Routes)
		if len(handlers) != 1 {
			t.Fatalf("Caddyfile: want one reverse_proxy, got %d", len(handlers))
		}
		h := handlers[0]
		for _, u := range h.Upstreams {
			c.upstreams = append(c.upstreams, u.Dial)
		}
		slices.Sort(c.upstreams)
		if h.HealthChecks == nil || h.HealthChecks.Active == nil || h.HealthChecks.Active.URI != "/healthz" {
			t.Errorf("Caddyfile: want active health checks on /healthz, got %+v", h.HealthChecks)
		} else if a := h.HealthChecks.Active; a.ExpectStatus != 200 || a.Interval <= 0 || a.Timeout <= 0 {
			t.Errorf("Caddyfile: health checks: want status 200, an interval and a timeout, got %+v", a)
		}
		if h.Headers != nil && h.Headers.Request != nil {
			for _, name := range h.Headers.Request.Delete {
				if strings.HasPrefix(strings.ToLower(name), "x-forwarded-") {
					t.Errorf("Caddyfile: deletes %s, which nabij reads behind NABIJ_TRUSTED_PROXIES", name)
				}
			}
		}
	}

	// The adapter is the image's minor version.
	image := loadComposePostgres(t).Services["proxy"].Image
	if v := moduleVersion(t, "github.com/caddyserver/caddy/v2"); !strings.HasPrefix(v, "v"+strings.TrimPrefix(image, "caddy:")+".") {
		t.Errorf("the Caddyfile is checked with Caddy %s, but the proxy runs %s: keep go.mod and the image on one minor version", v, image)
	}
	return c
}

// reverseProxies finds every reverse_proxy handler in a server's routes,
// inside subroutes too, decoded into Caddy's own type.
func reverseProxies(t *testing.T, v any) []reverseproxy.Handler {
	t.Helper()
	var out []reverseproxy.Handler
	switch v := v.(type) {
	case map[string]any:
		if v["handler"] == "reverse_proxy" {
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var h reverseproxy.Handler
			if err := json.Unmarshal(raw, &h); err != nil {
				t.Fatalf("Caddyfile: reverse_proxy: %v\n%s", err, raw)
			}
			return append(out, h)
		}
		for _, sub := range v {
			out = append(out, reverseProxies(t, sub)...)
		}
	case []any:
		for _, sub := range v {
			out = append(out, reverseProxies(t, sub)...)
		}
	}
	return out
}

// moduleVersion is the version go.mod requires of a module ("" if none).
func moduleVersion(t *testing.T, path string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(path) + `\s+(v\S+)`).FindSubmatch(readFile(t, "go.mod"))
	if m == nil {
		return ""
	}
	return string(m[1])
}

// The PostgreSQL env file ships the names of its secrets, never values.
func TestPostgresEnvExample(t *testing.T) {
	keys := envExampleKeys(t, "postgres.env.example")
	if want := slices.Sorted(slices.Values(dbSecrets)); !slices.Equal(keys, want) {
		t.Errorf("postgres.env.example sets %v, want %v", keys, want)
	}
	if !strings.Contains(string(readFile(t, ".gitignore")), "/postgres.env\n") {
		t.Error("deploy/.gitignore does not ignore postgres.env")
	}
}
