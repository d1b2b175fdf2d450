package web

import (
	"fmt"
	"net"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// The limiter is bounded, and a flood of new addresses forgets the flood:
// an address limited and still trying stays limited.
func TestSigninLimiterIsABoundedLRU(t *testing.T) {
	var l signinLimiter
	for l.allow("198.51.100.1", "x") {
	}
	for i := range 3 * limiterKeys {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255), "y")
		if i%1000 == 0 && l.allow("198.51.100.1", "x") {
			t.Fatalf("the limited address was let through after %d others", i)
		}
	}
	if n := l.perIP.cache.Len(); n > limiterKeys {
		t.Errorf("the limiter holds %d addresses", n)
	}
}

func TestIPExtractor(t *testing.T) {
	_, proxy, _ := net.ParseCIDR("10.0.0.0/8")
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.1.2.3:4000"
	req.Header.Set(echo.HeaderXForwardedFor, "192.0.2.9, 198.51.100.7")
	if got := IPExtractor([]*net.IPNet{proxy})(req); got != "198.51.100.7" {
		t.Errorf("behind a trusted proxy: %q, want the address the proxy saw", got)
	}
	req.RemoteAddr = "203.0.113.5:4000"
	if got := IPExtractor([]*net.IPNet{proxy})(req); got != "203.0.113.5" {
		t.Errorf("from an untrusted peer: %q, want the peer", got)
	}
	req.RemoteAddr = "127.0.0.1:4000"
	if got := IPExtractor(nil)(req); got != "127.0.0.1" {
		t.Errorf("without trusted proxies: %q, want the peer", got)
	}
}
