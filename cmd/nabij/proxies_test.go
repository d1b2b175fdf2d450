package main

import (
	"strings"
	"testing"
)

func TestTrustedProxiesSetting(t *testing.T) {
	t.Parallel()
	nets, err := parseTrustedProxies(" 10.0.0.0/8, 192.0.2.1 ,2001:db8::/32,")
	if err != nil || len(nets) != 3 || nets[1].String() != "192.0.2.1/32" {
		t.Errorf("parse: %v %v", nets, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0"} {
		_, err := loadConfig(func(k string) string {
			if k == "NABIJ_TRUSTED_PROXIES" {
				return bad
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), "NABIJ_TRUSTED_PROXIES") {
			t.Errorf("NABIJ_TRUSTED_PROXIES=%q: %v", bad, err)
		}
	}
}
