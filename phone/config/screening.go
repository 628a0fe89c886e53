package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// Defaults of the call-screening limits.
const (
	DefaultMaxCalls  = 8
	DefaultRateLimit = 50
	DefaultMaxSetups = 64
)

// keyError is a validation error for one key, placed in the file by Validate.
type keyError struct{ key, msg string }

// validateLimits checks max_calls and rate_limit and fills their defaults; rateLimitSet says
// whether the file has the key (rate_limit = 0 is "off", so absent and 0 differ).
func (c *Config) validateLimits(rateLimitSet bool) *keyError {
	if c.MaxCalls == 0 {
		c.MaxCalls = DefaultMaxCalls
	}
	if c.MaxCalls < 1 || c.MaxCalls > 1000 {
		return &keyError{"max_calls", fmt.Sprintf("%d is out of range 1..1000", c.MaxCalls)}
	}
	if c.MaxSetups == 0 {
		c.MaxSetups = DefaultMaxSetups
	}
	if c.MaxSetups < 1 || c.MaxSetups > 1000 {
		return &keyError{"max_setups", fmt.Sprintf("%d is out of range 1..1000", c.MaxSetups)}
	}
	// rate_limit = 0 is "off", so the default is applied only when the key is absent.
	if c.RateLimit == 0 && !rateLimitSet {
		c.RateLimit = DefaultRateLimit
	}
	if c.RateLimit < 0 || c.RateLimit > 100000 {
		return &keyError{"rate_limit", fmt.Sprintf("%d is out of range 0..100000 requests per second", c.RateLimit)}
	}
	c.limitsChecked = true
	return nil
}

// validateScreening parses accept_from and checks aliases.
func (a *Account) validateScreening() *keyError {
	a.AcceptNets = nil
	for _, s := range a.AcceptFrom {
		pfx, err := ParseCIDR(s)
		if err != nil {
			return &keyError{"accept_from", err.Error()}
		}
		a.AcceptNets = append(a.AcceptNets, pfx)
	}
	for _, al := range a.Aliases {
		if strings.ContainsAny(al, "@:; \t<>") {
			return &keyError{"aliases", fmt.Sprintf("alias %q is not a bare user part (no @, :, ; or spaces)", al)}
		}
		if al == "" && a.Registrar != "" {
			return &keyError{"aliases", `"" (calls to the bare address) is only for a direct-IP account (no registrar)`}
		}
	}
	return nil
}

// ParseCIDR parses "192.0.2.0/24", "2001:db8::/32" or a single address ("192.0.2.7").
func ParseCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("bad CIDR %q: want e.g. 192.0.2.0/24 or 2001:db8::/32", s)
		}
		return p.Masked(), nil
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad CIDR %q: want e.g. 192.0.2.0/24, 2001:db8::/32 or one address", s)
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), nil
}
