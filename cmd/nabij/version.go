package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nabij-isk/nabij/store"
)

// buildVersion is what this binary is: the module's version, the commit it
// was built from (with "-dirty" when the tree had changes) and when that
// commit was made, from the build information Go embeds.
func buildVersion() (version, revision, at string) {
	version, revision, at = "(devel)", "unknown", ""
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version, revision, at
	}
	if info.Main.Version != "" {
		version = info.Main.Version
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty {
		revision += "-dirty"
	}
	return version, revision, at
}

// versionCmd is `nabij version`: the build, and the store schema it writes.
func versionCmd(stdout io.Writer) int {
	version, revision, at := buildVersion()
	fmt.Fprintf(stdout, "nabij %s, commit %s", version, revision)
	if at != "" {
		fmt.Fprintf(stdout, " (%s)", at)
	}
	fmt.Fprintf(stdout, ", store schema %d\n", store.SchemaVersion)
	return 0
}

// registerBuildInfo exports the build as a constant 1 with labels, as
// Prometheus's own exporters do.
func registerBuildInfo(reg prometheus.Registerer) {
	version, revision, _ := buildVersion()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "nabij_build_info",
		Help:        "The build of nabij running: its version, commit and the store schema it writes (always 1).",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "schema": fmt.Sprint(store.SchemaVersion)},
	})
	g.Set(1)
	reg.MustRegister(g)
}
