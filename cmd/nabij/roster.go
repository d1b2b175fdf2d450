package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// rosterImport is the answer of POST /api/v1/roster/imports.
type rosterImport struct {
	ID     string `json:"id"`
	Format string `json:"format"`
	Rows   int    `json:"rows"`
	Errors []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
	Changes struct {
		NewStudents     []string `json:"new_students"`
		ChangedStudents []string `json:"changed_students"`
		RemovedStudents []string `json:"removed_students"`
		NewContacts     []string `json:"new_contacts"`
		ChangedContacts []string `json:"changed_contacts"`
		RemovedContacts []string `json:"removed_contacts"`
		NewClasses      []string `json:"new_classes"`
		RemovedClasses  []string `json:"removed_classes"`
	} `json:"changes"`
	LongNames []string `json:"long_names"`
}

// rosterCmd is `nabij roster import FILE [--apply]`: the file (a nabij CSV
// or a OneRoster zip) goes to the running service, which reads it as the
// admin page does and answers what would change, or every bad row; with
// --apply, and only when no row is bad, the service applies it. As with
// `nabij users`, every step is the service's, checked and audited there.
func rosterCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("roster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running nabij (default: http:// + NABIJ_ADDR)")
	usage := func() int {
		fmt.Fprintln(stderr, `usage: nabij roster import FILE [--apply]
       [--url URL]   (needs NABIJ_ADMIN_TOKEN; the service must be running)
FILE is a nabij CSV or a OneRoster CSV zip. Without --apply nothing changes.`)
		return 2
	}
	if len(args) == 0 || args[0] != "import" {
		return usage()
	}
	apply := false
	var rest []string
	for _, a := range args[1:] {
		if a == "--apply" || a == "-apply" {
			apply = true
			continue
		}
		rest = append(rest, a)
	}
	flags, words := splitFlags(rest)
	if err := fs.Parse(flags); err != nil || len(words) != 1 {
		return usage()
	}
	// The token and address as serve reads them: the environment, a
	// token file (NABIJ_ADMIN_TOKEN_FILE, as systemd's credentials give
	// it), the config file (NABIJ_CONFIG).
	l, err := newLayers(getenv, nil, "")
	if err != nil {
		fmt.Fprintln(stderr, "nabij roster import:", err)
		return 2
	}
	getenv = l.get
	token := getenv("NABIJ_ADMIN_TOKEN")
	if err := l.unreadableSecrets(); err != nil {
		fmt.Fprintln(stderr, "nabij roster import:", err)
		return 2
	}
	if token == "" {
		fmt.Fprintln(stderr, "nabij roster: set NABIJ_ADMIN_TOKEN to the service's admin token")
		return 2
	}
	if *base == "" {
		addr := getenv("NABIJ_ADDR")
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		*base = "http://" + addr
	}
	file, err := os.ReadFile(words[0])
	if err != nil {
		fmt.Fprintln(stderr, "nabij roster import:", err)
		return 1
	}
	client := &http.Client{Timeout: 2 * time.Minute} // a school board's whole export is read row by row
	call := func(path string, body []byte, out any) error {
		req, err := http.NewRequest("POST", strings.TrimSuffix(*base, "/")+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/octet-stream") // the service tells a CSV from a zip by its content
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("is nabij running at %s? %w", *base, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			var e struct{ Error struct{ Message string } }
			if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
				return fmt.Errorf("%d: %s", resp.StatusCode, e.Error.Message)
			}
			return fmt.Errorf("%d %s", resp.StatusCode, strings.TrimSpace(string(raw)))
		}
		return json.Unmarshal(raw, out)
	}

	var imp rosterImport
	if err := call("/api/v1/roster/imports", file, &imp); err != nil {
		fmt.Fprintln(stderr, "nabij roster import:", err)
		return 1
	}
	kind := map[string]string{"csv": "a nabij CSV", "oneroster": "a OneRoster zip"}[imp.Format]
	fmt.Fprintf(stdout, "%s: %s, %d rows\n", words[0], kind, imp.Rows)
	if len(imp.Errors) > 0 {
		fmt.Fprintf(stderr, "These %d rows must be right first; nothing was changed:\n", len(imp.Errors))
		for _, e := range imp.Errors {
			fmt.Fprintf(stderr, "  row %d, %s: %s\n", e.Row, e.Column, e.Message)
		}
		return 1
	}
	ch := imp.Changes
	fmt.Fprintln(stdout, "What changes:")
	for _, l := range []struct {
		what string
		ids  []string
	}{
		{"pupils arriving", ch.NewStudents}, {"pupils leaving", ch.RemovedStudents}, {"pupils changed", ch.ChangedStudents},
		{"contacts new", ch.NewContacts}, {"contacts changed", ch.ChangedContacts}, {"contacts removed", ch.RemovedContacts},
		{"classes new", ch.NewClasses}, {"classes removed", ch.RemovedClasses},
	} {
		fmt.Fprintf(stdout, "  %-17s %4d  %s\n", l.what, len(l.ids), strings.Join(l.ids, ", "))
	}
	if len(imp.LongNames) > 0 {
		fmt.Fprintf(stdout, "Note: names longer than 30 characters (every message about these pupils costs an SMS part more): %s\n",
			strings.Join(imp.LongNames, ", "))
	}
	if !apply {
		fmt.Fprintln(stdout, "Nothing was changed: run again with --apply to put this roster in place.")
		return 0
	}
	var sum struct{ Classes, Students, HousingUnits int }
	if err := call("/api/v1/roster/imports/"+imp.ID+"/apply", nil, &sum); err != nil {
		fmt.Fprintln(stderr, "nabij roster import --apply:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Applied: %d pupils in %d classes.\n", sum.Students, sum.Classes)
	return 0
}
