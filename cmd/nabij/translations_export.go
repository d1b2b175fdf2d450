package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// translationsExport is `nabij translations export LANG [--data DIR]`: the
// school's own wording of LANG (as its reviewers corrected it) as the
// language's TOML file, to bring back into the project; without one, the
// embedded file. It reads the store read-only; while the service holds
// the store it asks the service (GET /api/v1/translations/LANG/file with
// the admin token), as `nabij backup` does.
func translationsExport(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("translations export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory (overrides NABIJ_DATA)")
	base := fs.String("url", "", "the running nabij (default: http:// + NABIJ_ADDR)")
	flags, words := splitFlags(args)
	if err := fs.Parse(flags); err != nil || len(words) != 1 {
		fmt.Fprintln(stderr, "usage: nabij translations export LANG [--data DIR] [--url URL]")
		return 2
	}
	embedded, err := translations.Load()
	if err != nil {
		fmt.Fprintln(stderr, "nabij translations export:", err)
		return 1
	}
	tag, ok := embedded.Match(words[0])
	if !ok {
		var tags []string
		for _, l := range embedded.Languages() {
			tags = append(tags, l.Tag)
		}
		fmt.Fprintf(stderr, "nabij translations export: nabij has no messages in %q; one of %s\n", words[0], strings.Join(tags, ", "))
		return 2
	}
	l, err := newLayers(getenv, map[string]string{"NABIJ_DATA": *data}, "")
	if err != nil {
		fmt.Fprintln(stderr, "nabij translations export:", err)
		return 2
	}
	cfg, err := loadConfig(l.get)
	if err == nil {
		err = l.unreadableSecrets()
	}
	if err != nil {
		fmt.Fprintln(stderr, "nabij translations export:", err)
		return 2
	}
	st, err := cfg.openStoreToRead()
	switch {
	case err == nil:
		defer st.Close()
		var o *store.TranslationOverride
		if err := st.View(func(tx *store.Tx) error {
			var err error
			o, _, err = tx.TranslationOverride(tag)
			return err
		}); err != nil {
			fmt.Fprintln(stderr, "nabij translations export:", err)
			return 1
		}
		if o != nil {
			fmt.Fprint(stdout, o.TOML)
			fmt.Fprintf(stderr, "%s: the school's own wording, saved %s\n", tag, o.At.Format("2006-01-02 15:04"))
			return 0
		}
	case errors.Is(err, store.ErrLocked):
		if *base == "" {
			*base = "http://" + cfg.Addr
		}
		raw, source, err := fetchTranslationFile(strings.TrimSuffix(*base, "/")+"/api/v1/translations/"+url.PathEscape(tag)+"/file", cfg.AdminToken)
		if err != nil {
			fmt.Fprintln(stderr, "nabij translations export: the service holds the store, and asking it failed:", err)
			return 1
		}
		fmt.Fprint(stdout, string(raw))
		fmt.Fprintf(stderr, "%s: from the running service (%s)\n", tag, source)
		return 0
	default:
		// No store yet: no school wording either.
		fmt.Fprintf(stderr, "nabij translations export: %v; printing nabij's own file\n", err)
	}
	raw, err := translations.EmbeddedFile(tag)
	if err != nil {
		fmt.Fprintln(stderr, "nabij translations export:", err)
		return 1
	}
	fmt.Fprint(stdout, string(raw))
	fmt.Fprintf(stderr, "%s: the school has no wording of its own; this is nabij's file\n", tag)
	return 0
}

func fetchTranslationFile(u, token string) ([]byte, string, error) {
	if token == "" {
		return nil, "", errors.New("set NABIJ_ADMIN_TOKEN (or NABIJ_ADMIN_TOKEN_FILE)")
	}
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	source := "the school's own wording"
	if resp.Header.Get("X-Nabij-Source") != "school" {
		source = "the school has no wording of its own; nabij's file"
	}
	return body, source, nil
}
