package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/nabij-isk/nabij/internal/pgtest"
)

// stores gives each nabij child and each ceiling a store of its own: a
// bbolt folder under the temp dir (NABIJ_DATA), or, with -store postgres,
// a new database in the bench's throwaway PostgreSQL cluster
// (internal/pgtest, durable: fsync on, as a school's server runs), whose
// URL the child gets as NABIJ_DATABASE_URL.
type stores struct {
	kind storeKind
	pg   *pgtest.Cluster
	n    int
}

// startStores starts the PostgreSQL cluster when kind is postgres.
func startStores(ctx context.Context, kind storeKind) (*stores, error) {
	s := &stores{kind: kind}
	if kind != storePostgres {
		return s, nil
	}
	c, err := pgtest.Start(ctx, pgtest.Options{Durable: true})
	if err != nil {
		return nil, fmt.Errorf("-store postgres: %w", err)
	}
	s.pg = c
	return s, nil
}

func (s *stores) stop() {
	if s.pg != nil {
		s.pg.Stop()
	}
}

// clusterDir is the PostgreSQL cluster's folder (its socket's), "" for
// bbolt.
func (s *stores) clusterDir() string {
	if s.pg == nil {
		return ""
	}
	u, err := url.Parse(s.pg.URL("postgres"))
	if err != nil {
		return ""
	}
	return u.Query().Get("host")
}

// database is a new empty database's URL, "" for bbolt.
func (s *stores) database(ctx context.Context, name string) (string, error) {
	if s.pg == nil {
		return "", nil
	}
	s.n++
	return s.pg.CreateDatabase(ctx, fmt.Sprintf("bench_%s_%d", strings.ReplaceAll(name, "-", "_"), s.n))
}

// childStore puts the child's store in env: with PostgreSQL a new database
// (unless env names one already, as the year's does).
func (s *stores) childStore(ctx context.Context, env map[string]string, name string) error {
	if s.pg == nil || env["NABIJ_DATABASE_URL"] != "" {
		return nil
	}
	u, err := s.database(ctx, name)
	if err != nil {
		return err
	}
	env["NABIJ_DATABASE_URL"] = u
	return nil
}

// checkChildStore makes sure a child given NABIJ_DATABASE_URL keeps its
// store there: its tables exist and hold the store's first keys. A nabij
// that does not read the variable would run on bbolt, and its figures would
// be reported as PostgreSQL's.
func (s *stores) checkChildStore(ctx context.Context, env map[string]string) error {
	u := env["NABIJ_DATABASE_URL"]
	if s.pg == nil || u == "" {
		return nil
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM kv").Scan(&n); err != nil || n == 0 {
		return errors.Join(errors.New("nabij was given NABIJ_DATABASE_URL and did not keep its store there (does cmd/nabij at this commit read it?): no PostgreSQL figure is measured"), err)
	}
	return nil
}

// startNabij starts a nabij child on its own store (childStore), and checks
// it is there.
func startNabij(ctx context.Context, o options, bin, logFile string, env map[string]string, name string) (*target, error) {
	if err := o.stores.childStore(ctx, env, name); err != nil {
		return nil, err
	}
	tg, err := startChild(ctx, bin, logFile, env)
	if err != nil {
		return nil, err
	}
	if err := o.stores.checkChildStore(ctx, env); err != nil {
		tg.stop()
		return nil, err
	}
	return tg, nil
}
