package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// Transport reaches an MCP server. Dial returns the go-sdk transport of one
// new connection: a [Server] dials once to connect, and again each time the
// connection before died (a stdio server that exited, an HTTP session the
// server forgot). [Stdio] and [HTTP] are the usual ones; [TransportFunc]
// takes any go-sdk transport, such as an in-memory one in tests.
type Transport interface {
	Dial(ctx context.Context) (mcpsdk.Transport, error)
}

// TransportFunc is a [Transport] as a function.
type TransportFunc func(ctx context.Context) (mcpsdk.Transport, error)

// Dial returns f(ctx).
func (f TransportFunc) Dial(ctx context.Context) (mcpsdk.Transport, error) { return f(ctx) }

// DefaultTerminateDuration is how long closing a stdio server waits for it
// to exit after closing its stdin, then again after SIGTERM, before it is
// killed, when [Stdio].TerminateDuration is zero.
const DefaultTerminateDuration = 2 * time.Second

// stderrTail is how much of a stdio server's stderr is kept for errors.
const stderrTail = 4 << 10

// Stdio starts a command and speaks MCP with it over its stdin and stdout
// (the stdio transport). Each connection starts the command anew. On unix
// the command runs in a process group of its own, which closing the
// connection ends whole: no child of the server outlives it.
type Stdio struct {
	// Command is the program to run (looked up in PATH), such as "npx".
	Command string
	// Args are its arguments.
	Args []string
	// Env is added to the environment the command inherits (KEY=VALUE).
	Env []string
	// Dir is its working directory; empty means the current one.
	Dir string
	// Stderr, when set, receives what the server writes on its stderr.
	// The last 4 KiB are kept anyway and quoted in connection errors.
	Stderr io.Writer
	// TerminateDuration is how long closing the connection waits for the
	// server to exit after closing its stdin, and again after SIGTERM,
	// before killing it (default [DefaultTerminateDuration]).
	TerminateDuration time.Duration
}

// Dial returns a transport that starts the command when the connection is
// made.
func (s *Stdio) Dial(context.Context) (mcpsdk.Transport, error) {
	if s.Command == "" {
		return nil, errors.New("mcp: stdio: no command")
	}
	cmd := exec.Command(s.Command, s.Args...)
	if len(s.Env) > 0 {
		cmd.Env = append(os.Environ(), s.Env...)
	}
	cmd.Dir = s.Dir
	tail := &tailBuffer{max: stderrTail}
	cmd.Stderr = tail
	if s.Stderr != nil {
		cmd.Stderr = io.MultiWriter(tail, s.Stderr)
	}
	// A grandchild holding stderr open must not hold Close up.
	cmd.WaitDelay = time.Second
	setProcessGroup(cmd)
	td := s.TerminateDuration
	if td <= 0 {
		td = DefaultTerminateDuration
	}
	return &stdioTransport{inner: &mcpsdk.CommandTransport{Command: cmd, TerminateDuration: td}, cmd: cmd, tail: tail}, nil
}

// String returns the command line.
func (s *Stdio) String() string { return strings.Join(append([]string{s.Command}, s.Args...), " ") }

// stdioTransport starts the command, and ends its process group when the
// connection closes.
type stdioTransport struct {
	inner *mcpsdk.CommandTransport
	cmd   *exec.Cmd
	tail  *tailBuffer
}

func (t *stdioTransport) Connect(ctx context.Context) (mcpsdk.Connection, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", t.cmd.Path, err)
	}
	return &stdioConn{Connection: c, cmd: t.cmd}, nil
}

// stderr returns the last lines the server wrote on its stderr.
func (t *stdioTransport) stderr() string { return t.tail.String() }

// stdioConn closes the connection the go-sdk way (stdin closed, then
// SIGTERM, then SIGKILL) and then kills what is left of the process group.
type stdioConn struct {
	mcpsdk.Connection
	cmd  *exec.Cmd
	once sync.Once
	err  error
}

func (c *stdioConn) Close() error {
	c.once.Do(func() {
		c.err = c.Connection.Close()
		killGroup(c.cmd)
	})
	return c.err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// String returns the kept bytes, trimmed, starting at a line when the
// start was cut.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.b)
	if len(t.b) == t.max {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

// HTTP speaks MCP with a server over the streamable HTTP transport. Each
// connection is a new MCP session.
//
// Header is sent with every request to the server's origin (its scheme,
// host and port), and never with a request a redirect sent elsewhere. The
// trace context of each call is injected into its requests' headers.
type HTTP struct {
	// URL is the server's endpoint, such as "https://example.com/mcp".
	URL string
	// Header is added to every request to the URL's origin, such as an
	// Authorization header.
	Header http.Header
	// Client sends the requests; nil means a client of the connection's
	// own (with a transport like http.DefaultTransport, whose idle
	// connections close with the connection). Its Transport is wrapped,
	// not changed.
	Client *http.Client
	// Propagator injects the trace context into the requests' headers;
	// nil means otel.GetTextMapPropagator() (a no-op unless the program
	// installed one).
	Propagator propagation.TextMapPropagator
	// MaxRetries bounds the go-sdk's attempts to reconnect a broken
	// stream of one session (its default, 5, when zero; negative: none).
	MaxRetries int
}

// Dial returns a streamable HTTP transport to the URL.
func (h *HTTP) Dial(context.Context) (mcpsdk.Transport, error) {
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mcp: %q is not an http(s) URL", h.URL)
	}
	var client http.Client
	var own *http.Transport
	if h.Client != nil {
		client = *h.Client
	}
	base := client.Transport
	if base == nil {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			own = dt.Clone()
			base = own
		} else {
			base = http.DefaultTransport
		}
	}
	prop := h.Propagator
	if prop == nil {
		prop = otel.GetTextMapPropagator()
	}
	ht := &headerTransport{base: base, header: h.Header.Clone(), scheme: u.Scheme, host: u.Host, prop: prop}
	client.Transport = ht
	return &httpTransport{StreamableClientTransport: &mcpsdk.StreamableClientTransport{Endpoint: h.URL, HTTPClient: &client,
		MaxRetries: h.MaxRetries}, ht: ht, own: own}, nil
}

// httpTransport is a streamable HTTP transport whose requests tell when the
// server no longer knows the session.
type httpTransport struct {
	*mcpsdk.StreamableClientTransport
	ht  *headerTransport
	own *http.Transport // nil when the caller gave the client
}

// release closes the idle connections of a transport of our own, and
// with them their goroutines.
func (t *httpTransport) release() {
	if t.own != nil {
		t.own.CloseIdleConnections()
	}
}

// sessionRejected reports whether the server answered a request of the
// session with 404 (as the protocol says) or 400 (as some servers do): it
// no longer knows the session, so it did not run what was sent in it.
func (t *httpTransport) sessionRejected() bool { return t.ht.rejected.Load() }

// String returns the URL.
func (h *HTTP) String() string { return h.URL }

// headerTransport adds the headers to requests to one origin, and the
// trace context to every request.
type headerTransport struct {
	base         http.RoundTripper
	header       http.Header
	scheme, host string
	prop         propagation.TextMapPropagator
	rejected     atomic.Bool
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.URL.Scheme == t.scheme && r.URL.Host == t.host {
		for k, vs := range t.header {
			r.Header.Del(k)
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
	}
	t.prop.Inject(r.Context(), propagation.HeaderCarrier(r.Header))
	resp, err := t.base.RoundTrip(r)
	if err == nil && r.Header.Get("Mcp-Session-Id") != "" &&
		(resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusBadRequest) {
		t.rejected.Store(true)
	}
	return resp, err
}
