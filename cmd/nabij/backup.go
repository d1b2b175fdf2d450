package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/store"
)

// backupCmd is `nabij backup FILE`: a consistent copy of the live store.
// While the service runs it holds the store, so the copy is asked of it
// (GET /api/v1/admin/backup with the admin token); otherwise the store is
// read directly.
func backupCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running nabij (default: http:// + NABIJ_ADDR)")
	flags, words := splitFlags(args)
	if err := fs.Parse(flags); err != nil || len(words) != 1 {
		fmt.Fprintln(stderr, "usage: nabij backup FILE [--url URL]")
		return 2
	}
	file := words[0]
	l, err := newLayers(getenv, nil, "")
	if err != nil {
		fmt.Fprintln(stderr, "nabij backup:", err)
		return 2
	}
	cfg, err := loadConfig(l.get)
	if err == nil {
		err = l.unreadableSecrets()
	}
	if err != nil {
		fmt.Fprintln(stderr, "nabij backup:", err)
		return 2
	}
	if cfg.DatabaseURL != "" {
		fmt.Fprintln(stderr, "nabij backup:", store.ErrPostgresBackup)
		return 2
	}
	st, err := store.OpenReadOnly(cfg.DataDir)
	if err == nil {
		defer st.Close()
		n, err := st.BackupFile(file)
		if err != nil {
			fmt.Fprintln(stderr, "nabij backup:", err)
			return 1
		}
		fmt.Fprintf(stdout, "backed up %d bytes from %s to %s\n", n, cfg.DataDir, file)
		return 0
	}
	if errors.Is(err, iofs.ErrNotExist) {
		fmt.Fprintf(stderr, "nabij backup: %v\n(the data directory is NABIJ_DATA, or data in NABIJ_CONFIG's file: give the service's, e.g. sudo NABIJ_DATA=/var/lib/nabij nabij backup FILE)\n", err)
		return 1
	}
	if !errors.Is(err, store.ErrLocked) {
		fmt.Fprintln(stderr, "nabij backup:", err)
		return 1
	}
	if *base == "" {
		*base = "http://" + cfg.Addr
	}
	n, err := downloadBackup(strings.TrimSuffix(*base, "/")+"/api/v1/admin/backup", cfg.AdminToken, file)
	if err != nil {
		fmt.Fprintln(stderr, "nabij backup: the service holds the store, and asking it failed:", err)
		return 1
	}
	fmt.Fprintf(stdout, "backed up %d bytes from the running service to %s\n", n, file)
	return 0
}

func downloadBackup(url, token, file string) (int64, error) {
	if token == "" {
		return 0, errors.New("set NABIJ_ADMIN_TOKEN (or NABIJ_ADMIN_TOKEN_FILE)")
	}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return 0, fmt.Errorf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return store.WriteBackup(file, func(w io.Writer) (int64, error) { return io.Copy(w, resp.Body) })
}

// restoreCmd is `nabij restore FILE [--force]`, with the service stopped.
func restoreCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	force := fs.Bool("force", false, "restore even over a store written after the backup")
	afterPG := false
	var rest []string
	for _, a := range args {
		switch a {
		case "--force", "-force":
			*force = true
			continue
		case "--after-pg-restore", "-after-pg-restore":
			afterPG = true
			continue
		}
		rest = append(rest, a)
	}
	if err := fs.Parse(nil); err != nil || len(rest) != 1 && !afterPG || afterPG && len(rest) != 0 {
		fmt.Fprintln(stderr, "usage: nabij restore FILE [--force]   (stop the service first)\n       nabij restore --after-pg-restore   (PostgreSQL: once pg_restore is done, before nabij starts)")
		return 2
	}
	l, err := newLayers(getenv, nil, "")
	if err != nil {
		fmt.Fprintln(stderr, "nabij restore:", err)
		return 2
	}
	cfg, err := loadConfig(l.get)
	if err == nil {
		err = l.unreadableSecrets()
	}
	if err != nil {
		fmt.Fprintln(stderr, "nabij restore:", err)
		return 2
	}
	if afterPG {
		return afterPGRestore(cfg, stdout, stderr)
	}
	if cfg.DatabaseURL != "" {
		fmt.Fprintln(stderr, "nabij restore: the store is in PostgreSQL (NABIJ_DATABASE_URL): restore a pg_dump with pg_restore, then run nabij restore --after-pg-restore; or move a bbolt backup into an empty database with nabij migrate --from FILE --to URL (README, Backups)")
		return 2
	}
	r, err := store.Restore(cfg.DataDir, rest[0], *force)
	if err != nil {
		fmt.Fprintln(stderr, "nabij restore:", err)
		if r.Kept != "" {
			fmt.Fprintf(stderr, "the store it replaced is kept as %s\n", r.Kept)
		}
		return 1
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", rest[0], cfg.DataDir)
	if r.Kept != "" {
		fmt.Fprintf(stdout, "the store it replaced is kept as %s\n", r.Kept)
	}
	sayLookedUp(stdout, r.LookedUp)
	return 0
}

// sayLookedUp tells how many of the backup's waiting messages will be
// looked up before they are sent.
func sayLookedUp(stdout io.Writer, n int) {
	if n > 0 {
		fmt.Fprintf(stdout, "%d messages were waiting to be sent in the backup: each may have gone out since, so each is looked up at Twilio before it is sent (none goes twice)\n", n)
	}
}

// afterPGRestore marks the messages a pg_restore brought back as waiting to
// be sent, so that each is looked up before it is sent (store.MarkRestored).
func afterPGRestore(cfg *config, stdout, stderr io.Writer) int {
	if cfg.DatabaseURL == "" {
		fmt.Fprintln(stderr, "nabij restore --after-pg-restore: no NABIJ_DATABASE_URL: it is for a PostgreSQL store that pg_restore has just filled")
		return 2
	}
	st, err := store.OpenPostgres(context.Background(), cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(stderr, "nabij restore --after-pg-restore:", err)
		return 1
	}
	defer st.Close()
	n, err := st.MarkRestored()
	if err != nil {
		fmt.Fprintln(stderr, "nabij restore --after-pg-restore:", err)
		return 1
	}
	fmt.Fprintln(stdout, "the restored database is ready for nabij")
	sayLookedUp(stdout, n)
	return 0
}
