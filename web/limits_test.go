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

// An IPv6 client is counted by its /64: the addresses of one network share
// one budget (a client may take any of its 2^64), an IPv4 client by its
// address, and another network has its own.
func TestIPv6AddressesOfOneNetworkShareALimit(t *testing.T) {
	var l signinLimiter
	for i := range 60 {
		if !l.allowOIDCStart(fmt.Sprintf("2001:db8:1:2::%x", i+1)) {
			t.Fatalf("start %d from the /64 refused", i+1)
		}
	}
	if l.allowOIDCStart("2001:db8:1:2:ffff:ffff:ffff:ffff") {
		t.Error("a 61st start from another address of the same /64 was let through")
	}
	if !l.allowOIDCStart("2001:db8:1:3::1") {
		t.Error("the next /64 was refused")
	}
	for range 60 {
		l.allowOIDCStart("192.0.2.1")
	}
	if !l.allowOIDCStart("192.0.2.2") {
		t.Error("an IPv4 neighbour was refused with the other's budget")
	}
	for ip, want := range map[string]string{"192.0.2.1": "192.0.2.1", "2001:db8::1": "2001:db8::/64",
		"::ffff:192.0.2.1": "::ffff:192.0.2.1", "not an address": "not an address"} {
		if got := addressKey(ip); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", ip, got, want)
		}
	}
}
