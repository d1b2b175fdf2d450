package main

import (
	"fmt"
	"io"
	"os"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/protocol/casebook"
)

// protocolCmd is `nabij protocol test FILE DIR` and `nabij protocol show`.
func protocolCmd(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 1 && args[0] == "show":
		_, _ = stdout.Write(protocol.DefaultFile())
		return 0
	case len(args) == 3 && args[0] == "test":
		return protocolTest(args[1], args[2], stdout, stderr)
	default:
		fmt.Fprint(stderr, "usage: nabij protocol test FILE CASEBOOK-DIR   (FILE \"default\": the embedded protocol)\n       nabij protocol show\n")
		return 2
	}
}

// protocolTest plays every scenario of dir through the protocol file and
// prints PASS or FAIL with the differences; it exits 1 when one fails.
func protocolTest(file, dir string, stdout, stderr io.Writer) int {
	p := protocol.Default()
	if file != "default" {
		raw, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(stderr, "nabij protocol test:", err)
			return 2
		}
		if p, err = protocol.Parse(raw); err != nil {
			fmt.Fprintf(stderr, "nabij protocol test: %s: %v\n", file, err)
			return 2
		}
	}
	scenarios, err := casebook.Load(dir)
	if err != nil {
		fmt.Fprintln(stderr, "nabij protocol test:", err)
		return 2
	}
	failed := 0
	for _, s := range scenarios {
		sp, err := casebook.ProtocolFor(s, p)
		var res *casebook.Result
		if err == nil {
			res, err = casebook.Run(s, casebook.NewEngine(sp))
		}
		if err != nil {
			fmt.Fprintf(stdout, "FAIL %s: %v\n", s.File, err)
			failed++
			continue
		}
		fmt.Fprint(stdout, res.Report())
		if !res.OK() {
			failed++
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", len(scenarios)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
