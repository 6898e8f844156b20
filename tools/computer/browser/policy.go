package browser

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// policy is what the browser may load: the allow/block lists of hosts, and
// the URL schemes pages may be opened at.
type policy struct {
	allow, block []rule
	schemes      []string // schemes allowed beside http and https, lower case
}

// rule is one entry of a host list: a host (matching itself and its
// subdomains), and a port when the entry names one.
type rule struct {
	host, port string
}

func (r rule) String() string {
	if r.port == "" {
		return r.host
	}
	return net.JoinHostPort(r.host, r.port)
}

func newPolicy(allow, block, schemes []string) policy {
	norm := func(list []string) []rule {
		var out []rule
		for _, d := range list {
			d = strings.ToLower(strings.TrimSpace(d))
			if i := strings.Index(d, "://"); i >= 0 {
				d = d[i+3:]
			}
			d, _, _ = strings.Cut(d, "/")
			d = strings.TrimPrefix(strings.TrimPrefix(d, "*."), ".")
			if d == "" {
				continue
			}
			r := rule{host: d}
			if h, p, err := net.SplitHostPort(d); err == nil {
				r = rule{host: h, port: p}
			}
			r.host = strings.Trim(r.host, "[]")
			out = append(out, r)
		}
		return out
	}
	p := policy{allow: norm(allow), block: norm(block)}
	for _, s := range schemes {
		s = strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "://"), ":")
		if s != "" && s != "http" && s != "https" {
			p.schemes = append(p.schemes, s)
		}
	}
	return p
}

// hosts reports whether the policy restricts hosts.
func (p policy) hosts() bool { return len(p.allow) > 0 || len(p.block) > 0 }

// page returns nil when a page may be opened at rawURL: an http or https URL
// whose host the lists allow, about:blank, or a URL of a scheme
// Options.AllowSchemes names. Otherwise it returns an error wrapping
// ErrBlocked that says why. It is the check of every URL the browser is
// asked to open (the start URL, Navigate, the navigation tools) and of every
// document a page loads.
func (p policy) page(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%w: unparsable URL %q", ErrBlocked, rawURL)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "http" || scheme == "https":
		return p.request(rawURL)
	case scheme == "about" && (u.Opaque == "blank" || u.Opaque == "srcdoc"):
		return nil
	case slices.Contains(p.schemes, scheme):
		return nil
	case scheme == "":
		return fmt.Errorf("%w: %q is not an absolute URL (want http:// or https://)", ErrBlocked, rawURL)
	}
	return fmt.Errorf("%w: %s: URLs are refused (only http and https pages may be opened, unless Options.AllowSchemes names the scheme)", ErrBlocked, scheme)
}

// request returns nil when a request to rawURL may be made. URLs that reach
// no host over the network (data:, blob:, about:, chrome-error:) are
// allowed: the page holds them already. Pages cannot request file: or
// chrome: URLs (Chromium refuses), and opening them is refused by page.
func (p policy) request(rawURL string) error {
	if !p.hosts() {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%w: unparsable URL %q", ErrBlocked, rawURL)
	}
	port := u.Port()
	switch strings.ToLower(u.Scheme) {
	case "http", "ws":
		if port == "" {
			port = "80"
		}
	case "https", "wss":
		if port == "" {
			port = "443"
		}
	case "ftp":
		if port == "" {
			port = "21"
		}
	default:
		return nil
	}
	return p.host(u.Hostname(), port)
}

// host returns nil when a connection to host:port may be made, or an error
// wrapping ErrBlocked naming the rule that refuses it; the port is said
// whenever a rule of that host names one.
func (p policy) host(host, port string) error {
	if !p.hosts() {
		return nil
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	hp := net.JoinHostPort(host, port)
	for _, r := range p.block {
		if r.matches(host, port) {
			what := host
			if r.port != "" {
				what = hp
			}
			return fmt.Errorf("%w: %s is on the block list (%s)", ErrBlocked, what, r)
		}
	}
	if len(p.allow) == 0 {
		return nil
	}
	var ports []string
	for _, r := range p.allow {
		if r.matches(host, port) {
			return nil
		}
		if r.port != "" && r.matches(host, r.port) {
			ports = append(ports, r.port)
		}
	}
	if len(ports) > 0 {
		return fmt.Errorf("%w: %s is not on the allow list (%s is allowed on port %s only)", ErrBlocked, hp, host, strings.Join(ports, ", "))
	}
	return fmt.Errorf("%w: %s is not on the allow list", ErrBlocked, host)
}

// matches reports whether the rule covers host (itself or a subdomain) and
// port (any port when the rule names none).
func (r rule) matches(host, port string) bool {
	if r.port != "" && r.port != port {
		return false
	}
	return host == r.host || strings.HasSuffix(host, "."+r.host)
}
