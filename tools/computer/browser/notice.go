package browser

import (
	"net/url"
	"strings"
	"sync"
)

// board collects what the model is to be told beside the next screenshot
// (see [Browser.Notices]). It outlives a session: a browser that died
// leaves a notice for its successor's first screenshot.
type board struct {
	mu       sync.Mutex
	notices  []string
	refusals map[string]string // requests refused besides documents: host[:port] → why
	order    []string          // of refusals' keys
}

// maxRefusedHosts is how many refused hosts a notice names, and
// maxNotices how many notices wait for the model at most: a board nobody
// reads (a Browser used without the computer tool) stays small.
const (
	maxRefusedHosts = 8
	maxNotices      = 32
)

// notice adds a sentence for the model.
func (b *board) notice(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.notices) == maxNotices {
		b.notices = append(b.notices[:0], b.notices[1:]...)
	}
	b.notices = append(b.notices, s)
}

// refused notes a request the domain policy refused, other than a page's
// document (those fail their action).
func (b *board) refused(hostPort string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refusals == nil {
		b.refusals = map[string]string{}
	}
	if _, ok := b.refusals[hostPort]; ok || len(b.order) > maxRefusedHosts {
		return
	}
	b.refusals[hostPort] = strings.TrimPrefix(err.Error(), ErrBlocked.Error()+": ")
	b.order = append(b.order, hostPort)
}

// take returns the notices, the refused requests last, and forgets them.
func (b *board) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.notices
	b.notices = nil
	if len(b.order) > 0 {
		var hosts []string
		for i, h := range b.order {
			if i == maxRefusedHosts {
				hosts = append(hosts, "and more")
				break
			}
			hosts = append(hosts, h+" ("+b.refusals[h]+")")
		}
		out = append(out, "The domain policy refused connections the page tried to make, so they failed: "+strings.Join(hosts, "; ")+".")
		b.refusals, b.order = nil, nil
	}
	return out
}

// hostOf returns the host[:port] of a URL, or the URL itself.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}

// clipText shortens a page's text (a dialog's message) for the model.
func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
