// Command nabij is the absence-alert service of an ISK: `nabij serve` runs
// it, `nabij serve --demo` runs it with a demo school.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // Europe/Amsterdam on machines without a zoneinfo database
)

// gcPercent is nabij's default GOGC. Its live heap is small (tens of MB)
// and a morning's burst allocates fast: at Go's default of 100 the collector
// took about a quarter of nabij's CPU in nabij-bench measurement 4; at 200 it
// takes half that, for about 6 MB more resident memory (measurement 5).
// GOGC in the environment wins.
const gcPercent = 200

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `nabij — absence alerts for ISKs

Usage:
  nabij serve [--demo] [--config FILE] [--addr ADDR] [--data DIR]
                         run the service (settings: config file < environment < flags; see README)
  nabij simulate --from YYYY-MM-DD --to YYYY-MM-DD [--protocol FILE] [--data DIR]
                         replay stored history through a protocol file: what would have fired, and why
  nabij protocol test FILE CASEBOOK-DIR
                         play a casebook (scenarios and the cases they must open) through a protocol file
  nabij protocol show    print the embedded default protocol
  nabij version          the build (version, commit) and the store schema it writes
  nabij backup FILE      a consistent copy of the store, while the service runs
  nabij restore FILE [--force]
                         put a backup in place (the service stopped); refuses a newer store without --force;
                         the messages that waited in it are looked up at Twilio before they are sent
  nabij restore --after-pg-restore
                         the same for a PostgreSQL database pg_restore has just filled (NABIJ_DATABASE_URL)
  nabij migrate [--from DIR|FILE] [--to URL]
                         copy the bbolt store (NABIJ_DATA, or a backup) into an empty PostgreSQL database
                         (--to, else NABIJ_DATABASE_URL), count both sides, and say what moved
  nabij config check [FILE]
                         validate a config file (with the environment) and print the settings in force
  nabij translations check [--data DIR]
                         every language: keys, plurals, placeholders, SMS segments, review state, and what a
                         call uses (VOICE: the school's recordings in DIR's store, the speech engine, or none)
  nabij translations export LANG [--data DIR]
                         the school's own wording of LANG (its reviewers' corrections) as the language's TOML file
  nabij users list | link | disable | enable | rotate | revoke-links NAME|ID
  nabij users classes NAME|ID 1A,1B
                         staff of the running service: list shows last sign-in and who is disabled; link makes a
                         one-time sign-in link; disable takes every session, token and link away at once; rotate
                         makes a new API token; revoke-links drops unused links; classes changes a mentor's classes
  nabij roster import FILE [--apply]
                         a school's export (a nabij CSV or a OneRoster zip) through the running service: shows
                         who arrives, leaves and changes, or every bad row; --apply puts it in place
  nabij help             this text
`

// run is the whole program, so that tests run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "simulate":
		return simulate(args[1:], getenv, stdout, stderr)
	case "protocol":
		return protocolCmd(args[1:], stdout, stderr)
	case "users":
		return usersCmd(args[1:], getenv, stdout, stderr)
	case "roster":
		return rosterCmd(args[1:], getenv, stdout, stderr)
	case "translations":
		if len(args) > 1 && args[1] == "export" {
			return translationsExport(args[2:], getenv, stdout, stderr)
		}
		return translationsCmd(args[1:], stdout, stderr)
	case "config":
		return configCmd(args[1:], getenv, stdout, stderr)
	case "backup":
		return backupCmd(args[1:], getenv, stdout, stderr)
	case "restore":
		return restoreCmd(args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version":
		return versionCmd(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "nabij: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
