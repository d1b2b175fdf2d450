package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// simulate replays stored history through a protocol file and prints, per
// pupil, what would have fired and why.
func simulate(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "first day of the period (YYYY-MM-DD), required")
	to := fs.String("to", "", "last day of the period (YYYY-MM-DD), required")
	file := fs.String("protocol", "", "protocol file to try (default: NABIJ_PROTOCOL, else the embedded default)")
	data := fs.String("data", "", "data directory (default: NABIJ_DATA, else ./nabij-data/); the service must be stopped, or use a backup")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "nabij:", err)
		return 2
	}
	first, err1 := school.ParseDate(*from)
	last, err2 := school.ParseDate(*to)
	if err1 != nil || err2 != nil || last.Before(first) {
		fmt.Fprintln(stderr, "nabij simulate: give --from and --to as YYYY-MM-DD, from before to")
		return 2
	}
	if *file == "" {
		*file = cfg.ProtocolFile
	}
	if *data == "" {
		*data = cfg.DataDir
	}
	proto := protocol.Default()
	name := "the embedded default protocol"
	if *file != "" {
		raw, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintln(stderr, "nabij simulate:", err)
			return 1
		}
		if proto, err = protocol.Parse(raw); err != nil {
			fmt.Fprintf(stderr, "nabij simulate: %s: %v\n", *file, err)
			return 1
		}
		name = *file
	}
	cal, err := cfg.Calendar()
	if err != nil {
		fmt.Fprintln(stderr, "nabij simulate:", err)
		return 2
	}
	st, err := store.OpenReadOnly(*data)
	if err != nil {
		fmt.Fprintln(stderr, "nabij simulate:", err)
		return 1
	}
	defer st.Close()
	results, err := app.Simulate(st, proto, cal, first, last)
	if err != nil {
		fmt.Fprintln(stderr, "nabij simulate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Simulation of %s over %s to %s (as if no case had been opened before).\n", name, first, last)
	perRule := map[string]int{}
	for _, r := range results {
		fmt.Fprintf(stdout, "\npupil %s (class %s)\n", r.Student, r.Class)
		for _, f := range r.Findings {
			mark := " "
			if f.Opened {
				mark = "="
			}
			fmt.Fprintf(stdout, "  %s %s  %-18s %-20s %s\n", mark, f.ThresholdDay, f.Level, f.Rule, f.Reason)
			perRule[f.Rule]++
		}
	}
	rules := make([]string, 0, len(perRule))
	for r := range perRule {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	fmt.Fprintf(stdout, "\n%d pupils would have had cases. By rule:\n", len(results))
	for _, r := range rules {
		fmt.Fprintf(stdout, "  %-22s %d\n", r, perRule[r])
	}
	fmt.Fprintln(stdout, "(= the protocol in use opened this case too)")
	return 0
}
