package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/netip"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// limiterKeys is how many addresses (or link tokens) a limiter remembers:
// the least recently seen is forgotten first, so a flood of new addresses
// forgets the flood, not the one that is being limited right now.
const limiterKeys = 10000

// keyedLimiter is a token bucket per key in a bounded LRU.
type keyedLimiter struct {
	every time.Duration
	burst int
	cache *lru.Cache[string, *rate.Limiter]
}

func newKeyedLimiter(every time.Duration, burst int) *keyedLimiter {
	c, err := lru.New[string, *rate.Limiter](limiterKeys)
	if err != nil {
		panic(err) // only for a size below one
	}
	return &keyedLimiter{every: every, burst: burst, cache: c}
}

func (l *keyedLimiter) get(key string) *rate.Limiter {
	if lim, ok := l.cache.Get(key); ok {
		return lim
	}
	lim := rate.NewLimiter(rate.Every(l.every), l.burst)
	// Two first requests at once may both make one; either is right.
	if prev, ok, _ := l.cache.PeekOrAdd(key, lim); ok {
		return prev
	}
	return lim
}

// allow takes a token for key.
func (l *keyedLimiter) allow(key string) bool { return l.get(key).Allow() }

// spent reports whether key has no token left, without taking one.
func (l *keyedLimiter) spent(key string) bool { return l.get(key).Tokens() < 1 }

// signinLimiter limits refused sign-in attempts per client address and per link
// token: junk from one address does not stop a colleague at another, and
// one link is not tried without end from many addresses. It also limits
// wrong bearer tokens per address. Its zero value is ready.
type signinLimiter struct {
	once      sync.Once
	perIP     *keyedLimiter
	perToken  *keyedLimiter
	badTokens *keyedLimiter
	// oidcStarts limits sign-ins begun at the school's provider per
	// address, so that one client cannot fill the sign-ins under way
	// (oidcMaxPending) and keep colleagues from starting theirs. A whole
	// school behind one address signs in at 08:30: 60 at once, then one a
	// second, lets every mentor in.
	oidcStarts *keyedLimiter
}

func (l *signinLimiter) init() {
	l.once.Do(func() {
		l.perIP = newKeyedLimiter(6*time.Second, 5) // 5 at once, then 10 a minute
		l.perToken = newKeyedLimiter(time.Minute, 5)
		l.badTokens = newKeyedLimiter(3*time.Second, 20) // 20 at once, then one every 3 s
		l.oidcStarts = newKeyedLimiter(time.Second, 60)
	})
}

// addressKey is what the limits count a client by: its IPv4 address, or
// its IPv6 address's /64, the network one household, school or server
// gets (an IPv6 client picks any of its 2^64 addresses at will).
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

func (l *signinLimiter) allow(ip, token string) bool {
	l.init()
	if !l.perIP.allow(addressKey(ip)) {
		return false
	}
	sum := sha256.Sum256([]byte(token)) // the link itself is not kept
	return l.perToken.allow(hex.EncodeToString(sum[:16]))
}

// allowOIDCStart takes a token for a sign-in begun from ip.
func (l *signinLimiter) allowOIDCStart(ip string) bool {
	l.init()
	return l.oidcStarts.allow(addressKey(ip))
}

// tokenBlocked reports whether ip has used up its wrong bearer tokens; a
// right token is never slowed, only wrong ones count (badToken).
func (l *signinLimiter) tokenBlocked(ip string) bool {
	l.init()
	return l.badTokens.spent(addressKey(ip))
}

func (l *signinLimiter) badToken(ip string) {
	l.init()
	l.badTokens.allow(addressKey(ip))
}

// IPExtractor is where a request's client address is read: the peer's
// address, or, when the peer is one of the trusted proxies, the last
// address in X-Forwarded-For that is not a trusted proxy. Without trusted
// proxies a client's own X-Forwarded-For is never believed.
func IPExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
