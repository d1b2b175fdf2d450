package main

import (
	"fmt"
	"io"
	"sort"
)

// configCmd is `nabij config check [FILE]`: it reads the file and the
// environment as `serve` would, refuses what serve would refuse (exit 1,
// where serve exits 2: a check that fails, not a service to keep stopped),
// and prints every setting in force, defaults too, with where it came
// from, secrets masked.
func configCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" || len(args) > 2 {
		fmt.Fprintln(stderr, "usage: nabij config check [FILE]")
		return 2
	}
	file := ""
	if len(args) == 2 {
		file = args[1]
	}
	l, err := newLayers(getenv, nil, file)
	if err != nil {
		fmt.Fprintln(stderr, "nabij config:", err)
		return 1
	}
	cfg, err := loadConfig(l.get)
	if err != nil {
		fmt.Fprintln(stderr, "nabij config:", err)
		return 1
	}
	names := append([]string(nil), settingNames...)
	sort.Strings(names)
	for _, n := range names {
		v := l.get(n)
		src := l.source[n]
		if v == "" && src == "" {
			src, v = "default", cfg.defaults[n]
		}
		if secretNames[n] && v != "" && src != "default" {
			v = "•••• (set)"
		}
		if v == "" {
			v = "— (not set)"
		}
		fmt.Fprintf(stdout, "%-36s %-28s %s\n", n, v, src)
	}
	if err := l.unreadableSecrets(); err != nil {
		fmt.Fprintln(stderr, "nabij config:", err)
		return 1
	}
	fmt.Fprintln(stdout, "The configuration is valid.")
	return 0
}
