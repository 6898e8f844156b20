package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentloop/agentloop/tools"
)

// DefaultConnectTimeout bounds connecting to a server (starting it and the
// initialize handshake) when [Options].ConnectTimeout is zero.
const DefaultConnectTimeout = 30 * time.Second

// ErrClosed is returned by a [Server] used after Close.
var ErrClosed = errors.New("mcp: server closed")

// Options configure a [Server]. A nil *Options and zero fields mean the
// documented defaults.
type Options struct {
	// Prefix is put before each tool's name to make the names of several
	// servers' tools unique (default: the server's name and "_", as in
	// "fs_read_file"); the server is called with the tool's own name.
	Prefix string
	// NoPrefix leaves the tools' names as the server gives them (made
	// valid for the API all the same).
	NoPrefix bool
	// Allow, when not empty, lists the tools (by the server's names) the
	// model may use; the others are left out.
	Allow []string
	// Block lists tools (by the server's names) left out.
	Block []string
	// Approval decides which calls of the server's tools need a person's
	// approval (see [ApprovalFunc] and [AskAlways], [AskUnlessReadOnly],
	// [AskIfDestructive], [AskFor]); nil: none on the server's account.
	Approval ApprovalFunc
	// Timeout bounds each call of a tool; zero means the runner's
	// (runner.Options.ToolTimeout).
	Timeout time.Duration
	// ConnectTimeout bounds connecting (default [DefaultConnectTimeout]).
	ConnectTimeout time.Duration
	// Trusted takes the server's annotations at their word: a tool it
	// marks read-only or idempotent is [tools.Idempotent], so that a call
	// cut short by a lost connection is sent again once, and a run
	// resumed after a crash runs it again. Tools of servers that are not
	// trusted are never sent twice.
	Trusted bool
	// Logger receives debug logs (connections, reconnections, list
	// changes); nil means silent.
	Logger *slog.Logger
}

// Server is a connection to one MCP server and the source of its tools:
// it implements [tools.Toolset], so it goes in an agent's Toolsets, and
// [Server.Tools] lists them for other uses.
//
// It connects on first use (or when [Server.Connect] is called), lists the
// server's tools (every page) and keeps the list until the server says it
// changed (notifications/tools/list_changed) or the connection is made
// again. When the connection dies (a stdio server that exited or was
// killed, an HTTP session the server no longer knows), the call that finds
// it dead connects again: a call the server never received is sent then;
// a call that was under way when the connection died is not sent twice
// (unless the tool is idempotent on a [Options].Trusted server), and the
// model is told its outcome is unknown.
//
// A Server is safe for concurrent use. Close ends the connection, and with
// it the stdio server process and every goroutine the Server started.
type Server struct {
	name   string
	t      Transport
	o      Options
	prefix string
	client *mcpsdk.Client
	log    *slog.Logger

	// sem serializes connecting; held while dialing.
	sem chan struct{}

	mu     sync.Mutex
	closed bool
	cur    *conn
	gen    int // connections made
	// The tool list: stale when the server said it changed.
	listed bool
	stale  bool
	list   []tools.Tool
	byName map[string]*tool // the wrappers, reused while unchanged
}

// New returns a Server for the MCP server reached by t, named name in tool
// name prefixes, logs, spans and errors (1 to 64 letters, digits, '_' and
// '-'). It starts nothing: the connection is made on first use.
func New(name string, t Transport, opts *Options) (*Server, error) {
	if err := tools.CheckName(name); err != nil || len(name) > 64 {
		return nil, fmt.Errorf("mcp: server name %q: use 1 to 64 letters, digits, '_' and '-'", name)
	}
	if t == nil {
		return nil, fmt.Errorf("mcp: server %s: nil transport", name)
	}
	s := &Server{name: name, t: t, sem: make(chan struct{}, 1)}
	if opts != nil {
		s.o = *opts
	}
	if s.o.ConnectTimeout <= 0 {
		s.o.ConnectTimeout = DefaultConnectTimeout
	}
	switch {
	case s.o.NoPrefix:
	case s.o.Prefix != "":
		s.prefix = s.o.Prefix
	default:
		s.prefix = name + "_"
	}
	if s.prefix != "" {
		if err := tools.CheckName(s.prefix); err != nil {
			return nil, fmt.Errorf("mcp: server %s: prefix %q: %w", name, s.prefix, err)
		}
	}
	s.log = s.o.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.client = mcpsdk.NewClient(&mcpsdk.Implementation{Name: "agentloop", Version: version()}, &mcpsdk.ClientOptions{
		// No roots, sampling or elicitation: a tools client.
		Capabilities:           &mcpsdk.ClientCapabilities{},
		ToolListChangedHandler: s.listChanged,
		Logger:                 s.o.Logger,
	})
	return s, nil
}

// version is the version of this module in the running binary.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	const path = "github.com/agentloop/agentloop"
	if bi.Main.Path == path && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "dev"
}

// Name returns the server's name.
func (s *Server) Name() string { return s.name }

// listChanged marks the tool list stale: the next Tools lists again.
func (s *Server) listChanged(context.Context, *mcpsdk.ToolListChangedRequest) {
	s.mu.Lock()
	s.stale = true
	s.mu.Unlock()
	s.log.Debug("mcp: the server's tool list changed", "server", s.name)
}

// conn is one connection to the server.
type conn struct {
	sess      *mcpsdk.ClientSession
	gen       int
	transport string // network.transport
	host      string // the HTTP server's host[:port]
	stderr    func() string
	// rejected reports that the HTTP server no longer knows the session.
	rejected func() bool
	// release frees what the transport holds once the session ended.
	release func()
	// done is closed when the session ended, err then says why.
	done chan struct{}
	err  error
	// broken is set when a call found the connection unusable.
	mu     sync.Mutex
	broken error
}

// dead returns why the connection cannot be used, or nil.
func (c *conn) dead() error {
	select {
	case <-c.done:
		if c.err != nil {
			return c.err
		}
		return mcpsdk.ErrConnectionClosed
	default:
	}
	if c.rejected != nil && c.rejected() {
		return mcpsdk.ErrSessionMissing
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.broken
}

func (c *conn) breakWith(err error) {
	c.mu.Lock()
	if c.broken == nil {
		c.broken = err
	}
	c.mu.Unlock()
}

// close ends the session and waits for its watcher.
func (c *conn) close() {
	_ = c.sess.Close() // the exit status of a server we stopped says nothing
	<-c.done
	if c.release != nil {
		c.release()
	}
}

// describe adds the server's last stderr lines to err, when there are any.
func (c *conn) describe(err error) error {
	if c == nil || c.stderr == nil {
		return err
	}
	if tail := c.stderr(); tail != "" {
		return fmt.Errorf("%w (server stderr: %s)", err, clipTail(tail, 600))
	}
	return err
}

// clipTail keeps the last n bytes of s on a rune boundary.
func clipTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	for i := 0; i < len(s) && i < 4; i++ {
		if s[i]&0xC0 != 0x80 {
			return "…" + s[i:]
		}
	}
	return "…" + s
}

// Connect connects to the server now, if it is not connected, rather than
// on first use; it reports why it cannot.
func (s *Server) Connect(ctx context.Context) error {
	_, _, err := s.session(ctx)
	return err
}

// session returns a live connection, connecting when there is none or the
// one there is died; reconnected gives the reason the one before ended,
// when this call replaced it.
func (s *Server) session(ctx context.Context) (c *conn, reconnected error, err error) {
	s.mu.Lock()
	c, closed := s.cur, s.closed
	s.mu.Unlock()
	if closed {
		return nil, nil, ErrClosed
	}
	if c != nil && c.dead() == nil {
		return c, nil, nil
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("mcp server %s: connecting: %w", s.name, context.Cause(ctx))
	}
	defer func() { <-s.sem }()
	s.mu.Lock()
	c, closed = s.cur, s.closed
	s.mu.Unlock()
	if closed {
		return nil, nil, ErrClosed
	}
	if c != nil {
		why := c.dead()
		if why == nil {
			return c, nil, nil // another call connected meanwhile
		}
		c.close()
		reconnected = c.describe(why)
		s.log.DebugContext(ctx, "mcp: connecting again", "server", s.name, "reason", reconnected)
	}
	c, err = s.dial(ctx)
	if err != nil {
		return nil, reconnected, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.close()
		return nil, nil, ErrClosed
	}
	s.cur = c
	// A server that started again may offer other tools.
	s.stale = s.stale || reconnected != nil
	s.mu.Unlock()
	return c, reconnected, nil
}

// dial makes a new connection, bounded by ConnectTimeout.
func (s *Server) dial(ctx context.Context) (*conn, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, s.o.ConnectTimeout,
		fmt.Errorf("mcp server %s: no answer to initialize within %v", s.name, s.o.ConnectTimeout))
	defer cancel()
	t, err := s.t.Dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("mcp server %s: %w", s.name, err)
	}
	c := &conn{done: make(chan struct{}), transport: "pipe"}
	switch t := t.(type) {
	case *stdioTransport:
		c.stderr = t.stderr
	case *httpTransport:
		c.rejected, c.release = t.sessionRejected, t.release
	}
	if h, ok := s.t.(*HTTP); ok {
		c.transport = "tcp"
		c.host = hostOf(h.URL)
	}
	sess, err := s.client.Connect(ctx, t, nil)
	if err != nil {
		if c.release != nil {
			c.release()
		}
		if cause := context.Cause(ctx); ctx.Err() != nil && cause != nil {
			err = fmt.Errorf("%w: %w", cause, err)
		}
		return nil, c.describe(fmt.Errorf("mcp server %s: connecting: %w", s.name, err))
	}
	c.sess = sess
	s.mu.Lock()
	s.gen++
	c.gen = s.gen
	s.mu.Unlock()
	// The watcher notices a server that went away; it ends when the
	// session does, and close waits for it.
	go func() {
		c.err = sess.Wait()
		close(c.done)
	}()
	s.log.DebugContext(ctx, "mcp: connected", "server", s.name, "session", sess.ID(),
		"protocol", sess.InitializeResult().ProtocolVersion, "connection", c.gen)
	return c, nil
}

// Tools lists the server's tools as agentloop tools, connecting first if
// needed: every page, filtered by Allow and Block, named with the prefix,
// sorted by name. The list is kept until the server says it changed or a
// new connection is made; a session the server forgot is made again once.
func (s *Server) Tools(ctx context.Context) ([]tools.Tool, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if s.listed && !s.stale {
		list := s.list
		s.mu.Unlock()
		return list, nil
	}
	s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		c, _, err := s.session(ctx)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.stale = false // a change announced while listing lists again
		s.mu.Unlock()
		var got []*mcpsdk.Tool
		for t, err := range c.sess.Tools(ctx, nil) {
			if err != nil {
				if attempt == 0 && ctx.Err() == nil && (errors.Is(err, mcpsdk.ErrSessionMissing) || errors.Is(err, mcpsdk.ErrConnectionClosed)) {
					c.breakWith(err)
					got = nil
					break
				}
				return nil, c.describe(fmt.Errorf("mcp server %s: listing tools: %w", s.name, err))
			}
			got = append(got, t)
		}
		if got == nil && c.dead() != nil && attempt == 0 {
			continue // connect again, once
		}
		return s.setList(got)
	}
}

// setList wraps the listed tools, reusing the wrappers of unchanged ones.
func (s *Server) setList(got []*mcpsdk.Tool) ([]tools.Tool, error) {
	var kept []*mcpsdk.Tool
	for _, t := range got {
		if len(s.o.Allow) > 0 && !slices.Contains(s.o.Allow, t.Name) {
			continue
		}
		if slices.Contains(s.o.Block, t.Name) {
			continue
		}
		kept = append(kept, t)
	}
	names := exposedNames(s.prefix, kept)
	s.mu.Lock()
	defer s.mu.Unlock()
	byName := make(map[string]*tool, len(kept))
	list := make([]tools.Tool, 0, len(kept))
	for i, t := range kept {
		w, err := s.wrap(t, names[i], s.byName[t.Name])
		if err != nil {
			return nil, err
		}
		byName[t.Name] = w
		list = append(list, w)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].(*tool).exposed < list[j].(*tool).exposed })
	s.list, s.byName, s.listed = list, byName, true
	return list, nil
}

// exposedNames returns the name the model calls each tool by: the prefix
// and the tool's name, with every byte the API does not allow replaced by
// '_', at most 128 bytes long, and unique (a clash or a cut adds a short
// hash of the server's name).
func exposedNames(prefix string, list []*mcpsdk.Tool) []string {
	out := make([]string, len(list))
	seen := map[string]bool{}
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return list[order[a]].Name < list[order[b]].Name })
	for _, i := range order {
		name := prefix + sanitize(list[i].Name)
		if len(name) > 128 || seen[name] {
			sum := sha256.Sum256([]byte(list[i].Name))
			suffix := "_" + hex.EncodeToString(sum[:4])
			name = name[:min(len(name), 128-len(suffix))] + suffix
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

// sanitize replaces the bytes a tool name may not hold with '_'.
func sanitize(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "tool"
	}
	return string(b)
}

// Close ends the connection (a stdio server is asked to exit, then
// killed, with its process group) and waits for what the Server started.
// The Server cannot be used afterwards.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	// Wait for a connection being made, then end the current one.
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	s.mu.Lock()
	c := s.cur
	s.cur = nil
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}

// hostOf returns the host[:port] of a URL.
func hostOf(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		raw = raw[i+3:]
	}
	if i := strings.IndexAny(raw, "/?#"); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// schemaOf returns the JSON of a schema the go-sdk decoded, or nil.
func schemaOf(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	return b
}
