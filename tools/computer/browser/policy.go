package browser

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// policy is the allow/block list of document hosts.
type policy struct {
	allow, block []string // lower-case hosts, with an optional ":port"
}

func newPolicy(allow, block []string) policy {
	norm := func(list []string) []string {
		var out []string
		for _, d := range list {
			d = strings.ToLower(strings.TrimSpace(d))
			d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
			d = strings.TrimSuffix(strings.TrimPrefix(d, "*."), "/")
			d = strings.TrimPrefix(d, ".")
			if d != "" {
				out = append(out, d)
			}
		}
		return out
	}
	return policy{allow: norm(allow), block: norm(block)}
}

func (p policy) active() bool { return len(p.allow) > 0 || len(p.block) > 0 }

// check returns nil when a document may be loaded from rawURL, or an error
// naming the rule that refuses it. URLs without a host (about:, data:,
// blob:, chrome-error:) are allowed: they load nothing from the network.
func (p policy) check(rawURL string) error {
	if !p.active() {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%w: unparsable URL %q", ErrBlocked, rawURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "ftp" {
		return nil
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	for _, d := range p.block {
		if matchHost(d, host, port) {
			return fmt.Errorf("%w: %s is on the block list (%s)", ErrBlocked, host, d)
		}
	}
	if len(p.allow) == 0 {
		return nil
	}
	for _, d := range p.allow {
		if matchHost(d, host, port) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not on the allow list", ErrBlocked, host)
}

// matchHost reports whether rule (a host, or host:port) matches host and
// port: the same host or a subdomain of it, and the same port when the rule
// names one.
func matchHost(rule, host, port string) bool {
	rh, rp := rule, ""
	if h, p, err := net.SplitHostPort(rule); err == nil {
		rh, rp = h, p
	}
	rh = strings.Trim(rh, "[]")
	if rp != "" && rp != port {
		return false
	}
	return host == rh || strings.HasSuffix(host, "."+rh)
}
