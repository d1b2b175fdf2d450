// Package pgtest runs a throwaway PostgreSQL server for nabij's tests and
// its bench: Debian's postgresql package (initdb and postgres from
// /usr/lib/postgresql/<version>/bin, or from PATH), a new cluster in a
// temporary folder, reachable only by its Unix socket in that folder, gone
// when it stops.
//
// initdb refuses to run as root, so as root the cluster is made and run
// as the postgres user the package creates. The server is this process's
// child (not started by pg_ctl, which detaches it): it is told to stop when
// this process dies (Pdeathsig), so a test binary killed by its timeout
// leaves no server behind.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotInstalled is returned by Start where PostgreSQL is not installed.
var ErrNotInstalled = errors.New("PostgreSQL is not installed (apt-get install postgresql)")

// Options are a cluster's settings.
type Options struct {
	// Durable keeps PostgreSQL's fsync and full-page writes on, as a
	// school's server runs (the bench). Tests leave them off: a cluster
	// that is thrown away needs no crash safety of the machine.
	Durable bool
}

// Cluster is a running throwaway server.
type Cluster struct {
	dir  string // the cluster's folder: data/, the socket, the log
	cmd  *exec.Cmd
	cred *syscall.Credential // the postgres user, when run as root
	dbs  atomic.Int64
	done chan struct{}
}

// Bin returns the folder of PostgreSQL's programs (initdb, postgres,
// pg_dump, pg_restore), or "" when it is not installed.
func Bin() string {
	// Debian keeps them out of PATH, one folder per major version.
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if path, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(path))
	}
	for _, d := range dirs {
		all := true
		for _, p := range []string{"initdb", "postgres", "pg_dump", "pg_restore"} {
			if _, err := os.Stat(filepath.Join(d, p)); err != nil {
				all = false
			}
		}
		if all {
			return d
		}
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start makes a new cluster and starts its server.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	bin := Bin()
	if bin == "" {
		return nil, ErrNotInstalled
	}
	c := &Cluster{done: make(chan struct{})}
	base := ""
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, the cluster runs as the postgres user, and there is none: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// The postgres user must reach the folder: not inside a private
		// temporary folder of root's.
		base = "/tmp"
		if info, err := os.Stat("/dev/shm"); err == nil && info.Mode()&os.ModeSticky != 0 {
			base = "/dev/shm"
		}
	}
	dir, err := os.MkdirTemp(base, "nabij-pg-")
	if err != nil {
		return nil, err
	}
	c.dir = dir
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	args := []string{"-D", data, "-k", dir, "-c", "listen_addresses=", "-c", "max_connections=200",
		"-c", "shared_buffers=64MB"}
	if !o.Durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	}
	log, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer log.Close()
	if c.cred != nil {
		log.Chown(int(c.cred.Uid), int(c.cred.Gid))
	}
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	c.cmd.Stdout, c.cmd.Stderr = log, log
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	go func() { c.cmd.Wait(); close(c.done) }()
	// Ready when it answers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return c, nil
		}
		select {
		case <-c.done:
			out, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("postgres stopped at start:\n%s", out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			c.Stop()
			return nil, fmt.Errorf("postgres did not answer within 30 s: %w", err)
		}
	}
}

// URL is the connection URL of database db in the cluster.
func (c *Cluster) URL(db string) string {
	return "postgres:///" + db + "?host=" + c.dir + "&user=postgres&sslmode=disable"
}

// CreateDatabase makes a new empty database and returns its URL; prefix
// names it (letters, digits and _ only).
func (c *Cluster) CreateDatabase(ctx context.Context, prefix string) (string, error) {
	name := fmt.Sprintf("%s_%d", strings.ToLower(prefix), c.dbs.Add(1))
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return "", fmt.Errorf("pgtest: database name %q: letters, digits and _ only", name)
		}
	}
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	// FILE_COPY (PostgreSQL 15 and later) copies template0's files, where
	// the default (WAL_LOG) writes them all through the write-ahead log:
	// 46 rather than 108 ms of CPU a database here, and a test binary makes
	// dozens. Its checkpoints cost nothing with fsync off.
	strategy := ""
	major, _, _ := strings.Cut(conn.PgConn().ParameterStatus("server_version"), ".")
	if n, _ := strconv.Atoi(major); n >= 15 {
		strategy = " STRATEGY FILE_COPY"
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"+strategy); err != nil {
		return "", err
	}
	return c.URL(name), nil
}

// Stop stops the server (fast shutdown: connections are cut) and removes
// the cluster.
func (c *Cluster) Stop() error {
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
	}
	return os.RemoveAll(c.dir)
}

// Shared is a test binary's cluster: started by the first test that needs
// one (and stopped by its TestMain), a new database for each use.
type Shared struct {
	once sync.Once
	c    *Cluster
	err  error
}

// Database makes a new empty database, named from prefix, and returns its
// URL. Without PostgreSQL the test is skipped on a developer's machine and
// fails in CI ($CI set), whose .ci/run installs it.
func (s *Shared) Database(t testing.TB, prefix string) string {
	t.Helper()
	s.once.Do(func() { s.c, s.err = Start(context.Background(), Options{}) })
	switch {
	case errors.Is(s.err, ErrNotInstalled) && os.Getenv("CI") == "":
		t.Skip(s.err)
	case s.err != nil:
		t.Fatal(s.err)
	}
	url, err := s.c.CreateDatabase(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// Stop stops the cluster, if a test started it.
func (s *Shared) Stop() {
	if s.c != nil {
		s.c.Stop()
	}
}
