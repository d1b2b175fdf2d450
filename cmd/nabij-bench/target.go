package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

const (
	accountSID = "AC00000000000000000000000000000b01"
	authToken  = "benchauthtoken0001"
	adminToken = "bench-admin-token-not-a-secret-0123456789"
)

// target is one running nabij: a child process, or (-profile) in-process.
type target struct {
	url  string
	pid  int // the child's pid; 0 when in-process
	data string
	stop func() error
}

// moduleRoot is the folder of the module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// buildNabij builds ./cmd/nabij of the module at root into dir.
func buildNabij(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "nabij")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/nabij")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/nabij: %v\n%s", err, out)
	}
	return bin, nil
}

// loopbackAddr is a free port on 127.0.0.1.
func loopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// serviceEnv is the environment of a bench nabij: loopback only, Twilio
// pointed at the stand-in, the clock on a school morning; extra overrides.
func serviceEnv(addr, data string, tw *twiliotest.Server, extra map[string]string) map[string]string {
	env := map[string]string{
		"NABIJ_ADDR":                 addr,
		"NABIJ_DATA":                 data,
		"NABIJ_ADMIN_TOKEN":          adminToken,
		"NABIJ_PUBLIC_URL":           "http://" + addr,
		"NABIJ_CLOCK":                clockStart,
		"NABIJ_REGION":               region,
		"NABIJ_SCHOOL_NAME":          "ISK Bench",
		"TWILIO_ACCOUNT_SID":         accountSID,
		"TWILIO_AUTH_TOKEN":          authToken,
		"NABIJ_TWILIO_FROM":          "+3197010000001",
		"NABIJ_TWILIO_WHATSAPP_FROM": "+3197010000002",
		"NABIJ_TWILIO_API_URL":       tw.URL(),
		// /metrics on the service's own address, behind the admin token:
		// the bench reads the store's counters there (scrapeGroups).
		"NABIJ_METRICS_ADDR": "main",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// startChild runs bin serve with env (and nothing of the bench's own
// environment but PATH, HOME and TMPDIR), logging to logFile, and waits for
// /healthz.
func startChild(ctx context.Context, bin, logFile string, env map[string]string) (*target, error) {
	logs, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		logs.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t := &target{url: "http://" + env["NABIJ_ADDR"], pid: cmd.Process.Pid, data: env["NABIJ_DATA"]}
	t.stop = func() error {
		defer logs.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("nabij did not stop within 20 s of SIGTERM; killed")
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(t.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return t, nil
			}
		}
		select {
		case err := <-exited:
			raw, _ := os.ReadFile(logFile)
			return nil, fmt.Errorf("nabij exited at start (%v):\n%s", err, tail(raw, 2000))
		case <-ctx.Done():
			t.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.stop()
			return nil, errors.New("nabij did not answer /healthz within 30 s")
		}
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// memory is what /proc/<pid>/status says of a process's memory, in bytes.
// VmRSS is RssAnon (the Go heap, stacks) plus RssFile (mapped file pages:
// the binary and bbolt's mmap of its data file, which the kernel can drop).
type memory struct{ rss, hwm, anon, file int64 }

func (m memory) String() string {
	return fmt.Sprintf("VmRSS %s (anon %s + file %s), VmHWM %s", mb(m.rss), mb(m.anon), mb(m.file), mb(m.hwm))
}

// procStatus reads pid's memory figures.
func procStatus(pid int) (memory, error) {
	var m memory
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	defer f.Close()
	fields := map[string]*int64{"VmRSS": &m.rss, "VmHWM": &m.hwm, "RssAnon": &m.anon, "RssFile": &m.file}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		dst, want := fields[key]
		if !ok || !want {
			continue
		}
		parts := strings.Fields(val) // "123456 kB"
		if len(parts) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(parts[0], 10, 64)
		*dst = kb * 1024
	}
	return m, sc.Err()
}

// api is a JSON client of one nabij.
type api struct {
	base   string
	client *http.Client
}

func newHTTPClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil, // loopback only, never through a proxy
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        conns * 2,
			MaxIdleConnsPerHost: conns * 2,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// do sends body (raw JSON, or nil) and decodes a JSON answer into out.
func (a *api) do(method, path, token string, body []byte, out any) (int, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, tail(data, 300))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// setup loads the roster (unless the store has it) and makes a coordinator and the mentors (mentor m
// teaches sch.mentorClasses(m)); it returns the coordinator's token and the
// mentors' tokens, and how long the roster PUT took.
func setup(a *api, sch *benchSchool, roster bool) (coord string, mentorTokens []string, rosterTook time.Duration, err error) {
	if roster {
		start := time.Now()
		if _, err := a.do("PUT", "/api/v1/roster", adminToken, sch.rosterJSON(), nil); err != nil {
			return "", nil, 0, err
		}
		rosterTook = time.Since(start)
	}
	user := func(name, role string, classes []string) (string, error) {
		body, _ := json.Marshal(map[string]any{"name": name, "role": role, "classes": classes})
		var res struct{ Token string }
		if _, err := a.do("POST", "/api/v1/users", adminToken, body, &res); err != nil {
			return "", err
		}
		return res.Token, nil
	}
	if coord, err = user("C. Bench", "coordinator", nil); err != nil {
		return "", nil, 0, err
	}
	for m := range mentors {
		classes := sch.mentorClasses(m)
		if len(classes) == 0 {
			mentorTokens = append(mentorTokens, coord)
			continue
		}
		tok, err := user(fmt.Sprintf("Mentor %02d", m), "mentor", classes)
		if err != nil {
			return "", nil, 0, err
		}
		mentorTokens = append(mentorTokens, tok)
	}
	return coord, mentorTokens, rosterTook, nil
}

// alertRef is one alert of a PUT's answer.
type alertRef struct {
	Message string `json:"message"`
	Student string `json:"student"`
	Contact string `json:"contact"`
	Channel string `json:"channel"`
}

type listAnswer struct {
	Recorded int        `json:"recorded"`
	Alerts   []alertRef `json:"alerts"`
}

// putMeta is what the bench keeps of one list PUT to time its alerts.
type putMeta struct {
	sent, returned time.Time
	alerts         []alertRef
}

func listPath(class, date string) string {
	return "/api/v1/classes/" + class + "/absences/" + date
}

// cpuSeconds is the CPU time (user + system) a process has used: the
// child's from /proc/<pid>/stat, or, for pid 0, the bench's own (client
// and stand-in) from getrusage.
func cpuSeconds(pid int) float64 {
	if pid == 0 {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces) start after ") ";
	// utime and stime are fields 14 and 15, in clock ticks (100 a second
	// on Linux).
	_, rest, ok := strings.Cut(string(raw), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}
