package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/internal/genai"
)

// maxSeen is how many pages seen working a session remembers.
const maxSeen = 8

// sawWorking records u, the URL of the current page the model is shown, as
// a page to open again when a later one crashes.
func (s *session) sawWorking(u string) {
	tb := s.tabs[len(s.tabs)-1]
	if tb.crashed() {
		return
	}
	if pu, err := url.Parse(u); err != nil || pu.Scheme != "http" && pu.Scheme != "https" {
		return
	}
	s.seen = slices.DeleteFunc(s.seen, func(v string) bool { return v == u })
	s.seen = append(s.seen, u)
	if len(s.seen) > maxSeen {
		s.seen = s.seen[1:]
	}
}

// recoverPage replaces tb, the current tab, whose page crashed or stopped
// responding (why is ErrCrashed or ErrUnresponsive), with a new tab at the
// last page seen working, else the start URL, else about:blank: the first
// of them that loads without crashing or hanging in turn. It returns what
// the model must be told. byAction says the failure came during one of the
// model's actions (a button that starts a script that never ends): then
// the page itself is not to blame for it.
func (s *session) recoverPage(ctx context.Context, tb *tab, why error, byAction bool) (string, error) {
	s.ev.Lock()
	failed := tb.url
	s.ev.Unlock()
	if failed != "" && tb.reopened && !byAction {
		// A page opened again in place of a failed one fails again, by
		// itself: after twice, it is not opened again.
		s.failures[failed]++
	}
	if errors.Is(why, ErrUnresponsive) {
		// Stop the script that holds the page, so that closing it is
		// quick. A page out of memory is as slow to answer until it
		// crashes: a crash that follows at once is what it was.
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		_, _ = cdp.Call(tctx, tb.t, runtime.TerminateExecution, cdp.Empty{})
		cancel()
		select {
		case <-tb.alive.Done():
		case <-time.After(300 * time.Millisecond):
		}
		if tb.crashed() {
			why = ErrCrashed
		}
	}
	where := ""
	for _, u := range s.reopenCandidates(failed) {
		var err error
		if tb, err = s.replaceTab(ctx, tb); err != nil {
			return "", err
		}
		tb.reopened = true
		err = s.navigate(ctx, u)
		if errors.Is(err, ErrUnresponsive) || errors.Is(err, errCrashed) || tb.crashed() {
			s.failures[u]++
			s.logf("browser: the page failed again where it was opened", "url", u, "error", err)
			continue
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		where = u
		break
	}
	if where == "" {
		if _, err := s.replaceTab(ctx, tb); err != nil {
			return "", err
		}
	}

	reason, what := "crash", "crashed (its renderer ran out of memory or failed)"
	if errors.Is(why, ErrUnresponsive) {
		reason = "unresponsive"
		what = fmt.Sprintf("stopped responding (it did not answer for %v: a script that does not end, say)", s.o.HangTimeout)
	}
	page := "The page"
	if failed != "" {
		page = "The page at " + failed
	}
	msg := fmt.Sprintf("%s %s, so it was closed and a new page was opened at %s: what the old page held and had not saved (form input, scroll position) is gone.",
		page, what, orBlank(where))
	attrs := []attribute.KeyValue{genai.KeyBrowserRecoveryReason.String(reason)}
	if h := hostname(failed); h != "" {
		attrs = append(attrs, genai.KeyURLDomain.String(h))
	}
	if h := hostname(where); h != "" {
		attrs = append(attrs, genai.KeyBrowserRecoveredDomain.String(h))
	}
	trace.SpanFromContext(ctx).AddEvent(genai.EventBrowserRecovered, trace.WithAttributes(attrs...))
	if s.o.Logger != nil {
		s.o.Logger.Warn("browser: a page "+reason+"; a new one was opened", "url", failed, "reopened", where)
	}
	return msg, nil
}

// reopenCandidates are the URLs a page that failed at failed is opened
// again at, in order: the last page seen working other than failed (a page
// that crashes as it loads would crash again), then the start URL, unless
// a page failed there twice already.
func (s *session) reopenCandidates(failed string) []string {
	var out []string
	for i := len(s.seen) - 1; i >= 0; i-- {
		if u := s.seen[i]; u != failed && s.failures[u] < 2 {
			out = append(out, u)
			break
		}
	}
	if u := s.o.StartURL; u != "" && s.failures[u] < 2 && !slices.Contains(out, u) {
		out = append(out, u)
	}
	return out
}

// replaceTab opens a new tab, closes old and puts the new tab in its place
// (the browser is never without a page), and returns the new tab.
func (s *session) replaceTab(ctx context.Context, old *tab) (*tab, error) {
	if err := s.openTab(ctx, ""); err != nil {
		return nil, err
	}
	tb := s.tabs[len(s.tabs)-1]
	if _, err := cdp.Call(ctx, s.browser, target.CloseTarget, target.CloseTargetParams{TargetID: old.id}); err != nil {
		s.logf("browser could not close a tab", "target", old.id, "error", err)
	}
	old.kill(errClosed)
	if old.ctx != s.root { // the root holds the browser: it ends with close
		old.cancel()
	}
	s.tabs = slices.DeleteFunc(s.tabs, func(t *tab) bool { return t == old })
	return tb, nil
}

// hostname returns the host of a URL, without its port, or "".
func hostname(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
