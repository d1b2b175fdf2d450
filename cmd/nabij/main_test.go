package main

// The test binary's setup: every request to a running harness goes
// through its test's contract check (openapi_validate_test.go), the
// end-to-end tests run many at once, and nabij's GC setting holds.

import (
	"flag"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
)

// TestMain puts every request the tests send with the default transport
// (http.DefaultClient, http.Get, any client without a Transport of its
// own, http.DefaultTransport.RoundTrip) through harnessTransport. The
// default transport stays an *http.Transport: the Twilio client and its
// stand-in clone it (and their clones send unchecked: the stand-in's own
// callbacks to nabij are not the tests' requests).
func TestMain(m *testing.M) {
	// The tests run nabij in this process: with nabij's own collector
	// setting (main), unless GOGC is set.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	def := http.DefaultTransport.(*http.Transport)
	baseTransport = def.Clone()
	def.RegisterProtocol("http", harnessTransport{})
	// The end-to-end tests mostly wait (for the network, a commit's fsync,
	// the stand-in, a browser): more of them run at once than -parallel's
	// default (GOMAXPROCS), unless -parallel is given. Those that measure
	// how long nabij takes do not call t.Parallel: they run alone, first.
	flag.Parse()
	parallelGiven := false
	flag.Visit(func(f *flag.Flag) { parallelGiven = parallelGiven || f.Name == "test.parallel" })
	if !parallelGiven {
		flag.Set("test.parallel", strconv.Itoa(max(8, 4*runtime.GOMAXPROCS(0))))
	}
	memory := inMemoryTempDir()
	code := m.Run()
	stopChromium()
	stopPostgres()
	if memory != "" {
		os.RemoveAll(memory)
	}
	os.Exit(code)
}

// inMemoryTempDir points TMPDIR, and so every t.TempDir and the services'
// data folders, at a new folder in /dev/shm, unless TMPDIR is set or there
// is no /dev/shm, and returns it. The end-to-end tests commit thousands of
// transactions, and each commit's fdatasync on a disk cost them a third of
// their CPU (the kernel's journal work with it) and a quarter of their
// time; a store on tmpfs runs the same code, its fsyncs returning at once.
// That a commit reaches the disk is the store package's tests' business,
// on a disk; a SIGKILL (the crash test) leaves the page cache as it is on
// either.
func inMemoryTempDir() string {
	if _, set := os.LookupEnv("TMPDIR"); set {
		return ""
	}
	dir, err := os.MkdirTemp("/dev/shm", "nabij-test-")
	if err != nil {
		return ""
	}
	os.Setenv("TMPDIR", dir)
	return dir
}

// harnesses maps a running harness's address (host:port, main and metrics)
// to the check of the test that started it.
var harnesses sync.Map // string → *contractCheck

// harnessTransport sends a request to a harness through its test's check.
// Registered on http.DefaultTransport for "http" (TestMain), it declines any
// other request (http.ErrSkipAltProtocol), which the default transport then
// sends itself.
type harnessTransport struct{}

// RoundTrip implements http.RoundTripper.
func (harnessTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if c, ok := harnesses.Load(req.URL.Host); ok {
		return c.(*contractCheck).RoundTrip(req)
	}
	return nil, http.ErrSkipAltProtocol
}

// checkedCallbacks sends the Twilio stand-in's callbacks through next,
// checking those to a running harness as its test's own requests are
// (twiliotest.Server.WrapWebhooks).
type checkedCallbacks struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (cc checkedCallbacks) RoundTrip(req *http.Request) (*http.Response, error) {
	if c, ok := harnesses.Load(req.URL.Host); ok {
		via := *c.(*contractCheck)
		via.next = cc.next
		return via.RoundTrip(req)
	}
	return cc.next.RoundTrip(req)
}

// CloseIdleConnections closes next's idle connections, as the stand-in
// does when it closes.
func (cc checkedCallbacks) CloseIdleConnections() {
	if c, ok := cc.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// baseTransport sends the checked requests: a clone of the default
// transport made before TestMain registered harnessTransport on it.
var baseTransport http.RoundTripper
