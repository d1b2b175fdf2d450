package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/nabij-isk/nabij/store"
)

// migrateCmd is `nabij migrate [--from DIR|FILE] [--to URL]`: the bbolt
// store (the data folder, or a backup file) copied into an empty
// PostgreSQL database, both sides counted, and what moved said. The
// service must be stopped (it holds the file), or a backup used. The URL
// comes from --to or NABIJ_DATABASE_URL (which keeps the password off the
// command line); it is never printed.
func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the data folder or a backup file (default: NABIJ_DATA)")
	to := fs.String("to", "", "the PostgreSQL database, postgres://user:password@host:5432/db (default: NABIJ_DATABASE_URL)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: nabij migrate [--from DIR|FILE] [--to URL]")
		return 2
	}
	l, err := newLayers(getenv, nil, "")
	if err != nil {
		fmt.Fprintln(stderr, "nabij migrate:", err)
		return 2
	}
	cfg, err := loadConfig(l.get)
	if err == nil {
		err = l.unreadableSecrets()
	}
	if err != nil {
		fmt.Fprintln(stderr, "nabij migrate:", err)
		return 2
	}
	if *from == "" {
		*from = cfg.DataDir
	}
	if *to == "" {
		*to = cfg.DatabaseURL
	}
	if *to == "" {
		fmt.Fprintln(stderr, "nabij migrate: no database: give --to postgres://… or set NABIJ_DATABASE_URL")
		return 2
	}
	file := *from
	if info, err := os.Stat(file); err == nil && info.IsDir() {
		file = filepath.Join(file, store.FileName)
	}
	if _, err := os.Stat(file); err != nil {
		fmt.Fprintf(stderr, "nabij migrate: no store at %s: %v\n", file, err)
		return 1
	}
	src, err := store.OpenFileReadOnly(file)
	if err != nil {
		fmt.Fprintln(stderr, "nabij migrate:", err)
		return 1
	}
	defer src.Close()
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	dst, err := store.OpenPostgres(octx, *to)
	cancel()
	if err != nil {
		fmt.Fprintln(stderr, "nabij migrate:", err)
		return 1
	}
	defer dst.Close()
	start := time.Now()
	copied, err := src.CopyToPostgres(ctx, dst)
	switch {
	case err != nil && copied.Committed:
		fmt.Fprintln(stderr, "nabij migrate: the copy is in the database, but it did not check out:", err)
		fmt.Fprintln(stderr, "do not start nabij on it: empty the database (drop and create it) and run nabij migrate again; the source is unchanged")
		return 1
	case err != nil:
		fmt.Fprintln(stderr, "nabij migrate: nothing was copied:", err)
		return 1
	}
	total := 0
	for _, n := range copied.Keys {
		total += n
	}
	fmt.Fprintf(stdout, "copied %s (schema %d) into PostgreSQL in %s: %d classes, %d pupils, %d staff, %d lists, %d messages, %d cases, %d audit entries; %d keys in %d buckets, each bucket counted on both sides and equal\n",
		file, copied.SchemaVersion, time.Since(start).Round(time.Millisecond),
		copied.Count("classes"), copied.Count("students"), copied.Count("users"), copied.Count("lists"),
		copied.Count("messages"), copied.Count("escalations"), copied.Count("audit"), total, len(copied.Keys))
	fmt.Fprintln(stdout, "start nabij with NABIJ_DATABASE_URL set to the same database; keep the bbolt folder until you have checked it")
	return 0
}
