// Package keyguard keeps an API key to the server it was given for. It
// decides whether a base URL may carry a key (https, or plain HTTP to a
// loopback host, or plain HTTP anywhere after an explicit opt-in), and it
// gives HTTP clients a redirect policy that never lets a request carrying
// the key leave its origin: net/http itself drops the Authorization header
// only for another host, not for another port of the same host, a scheme
// downgrade (https to http) or a subdomain, and it forwards custom headers
// (such as Azure's api-key) everywhere.
//
// It uses the standard library only, so that package responses can use it.
package keyguard

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// ErrInsecureHTTP is wrapped by the error for a plain-HTTP base URL whose
// host is not loopback, when the caller did not opt in.
var ErrInsecureHTTP = errors.New("plain HTTP to a host that is not loopback")

// ErrRedirect is wrapped by the error of a request that a server redirected
// to another origin (another scheme, host or port).
var ErrRedirect = errors.New("redirect to another origin refused")

// CheckBaseURL returns nil when requests carrying a key may be sent to
// base: an https URL, an http URL whose host is loopback ([Loopback]), or
// any http URL when allowInsecure is set. For another http URL it returns
// an error wrapping [ErrInsecureHTTP] that names the URL (without its
// password); callers add what to do about it. Other schemes and URLs that
// do not parse are left to the request to fail on.
func CheckBaseURL(base string, allowInsecure bool) error {
	if allowInsecure {
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || !strings.EqualFold(u.Scheme, "http") || Loopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("base URL %s is %w: the API key and the requests would cross the network in clear text", u.Redacted(), ErrInsecureHTTP)
}

// Loopback reports whether host, without a port, names this machine for
// sure: "localhost" or an address of 127.0.0.0/8 or ::1 (IPv4-mapped and
// with a zone included). Other names, even ones ending in ".localhost", are
// not trusted, since a resolver may send them to DNS.
func Loopback(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return a.WithZone("").Unmap().IsLoopback()
}

// SameOrigin reports whether a and b have the same scheme, host and port,
// a missing port being the scheme's default one.
func SameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// maxRedirects is net/http's own limit, kept when the caller's client has no
// CheckRedirect.
const maxRedirects = 10

// Client returns the client to send requests carrying a key with, and
// whether the caller owns its transport (and should close its idle
// connections when done).
//
// When hc is nil, it is a new client with a clone of http.DefaultTransport
// (proxy settings from the environment, HTTP/2) and the given overall
// timeout (zero for none); own is true unless http.DefaultTransport was
// replaced by another type, which is then used as is.
//
// Otherwise it is a shallow copy of hc, which shares its transport, jar and
// timeout and is never modified; own is false.
//
// Either way, a redirect goes through hc's own CheckRedirect first (or
// net/http's limit of 10 redirects); one that it lets through to another
// origin than the first request's (see [SameOrigin]) is refused, before
// anything is sent there, with an error wrapping [ErrRedirect].
func Client(hc *http.Client, timeout time.Duration) (c *http.Client, own bool) {
	if hc == nil {
		c = &http.Client{Timeout: timeout}
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			c.Transport, own = t.Clone(), true
		}
	} else {
		cp := *hc
		c = &cp
	}
	c.CheckRedirect = checkRedirect(c.CheckRedirect)
	return c, own
}

// checkRedirect adds the same-origin rule to next (nil for net/http's
// default policy).
func checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if next != nil {
			if err := next(req, via); err != nil {
				return err // http.ErrUseLastResponse included: nothing is sent
			}
		} else if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if len(via) > 0 && !SameOrigin(via[0].URL, req.URL) {
			return fmt.Errorf("%w: from %s to %s (the API key is sent to %s only; set the base URL to the address redirected to)",
				ErrRedirect, origin(via[len(via)-1].URL), origin(req.URL), origin(via[0].URL))
		}
		return nil
	}
}

// origin is "scheme://host:port" of u: no user, path or query, which might
// carry a secret.
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + u.Host
}
