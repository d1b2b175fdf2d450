package main

import (
	"fmt"
	"net"
	"strings"
)

// ipNets are address ranges (NABIJ_TRUSTED_PROXIES).
type ipNets = []*net.IPNet

// parseTrustedProxies reads a comma-separated list of CIDRs; a bare address
// is one address (/32, /128).
func parseTrustedProxies(s string) (ipNets, error) {
	var out ipNets
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR", f)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", f)
		}
		out = append(out, n)
	}
	return out, nil
}
