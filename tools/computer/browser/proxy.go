package browser

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// proxy is a SOCKS5 server on the loopback interface that Chromium sends
// every connection through when the domain policy restricts hosts
// (--proxy-server, loopback included). Request interception (Fetch) sees
// the documents and reports them precisely, but not WebSockets: the proxy
// checks every connection's host and port, whoever makes it (pages,
// workers, service workers, WebSockets), and refuses those the policy
// refuses.
type proxy struct {
	ln      net.Listener
	pol     policy
	blocked func(hostPort string, err error)

	ctx    context.Context // ends with close: bounds the dials
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
}

// proxyHandshakeTimeout bounds a connection's SOCKS handshake, and
// proxyDialTimeout the connection to the host it asks for.
const (
	proxyHandshakeTimeout = 10 * time.Second
	proxyDialTimeout      = 30 * time.Second
)

// startProxy listens on a free loopback port and serves until close;
// blocked is called for each refused connection.
func startProxy(pol policy, blocked func(hostPort string, err error)) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("browser: the domain policy's proxy: %w", err)
	}
	p := &proxy{ln: ln, pol: pol, blocked: blocked, conns: map[net.Conn]struct{}{}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Go(p.serve)
	return p, nil
}

// addr is the proxy's host:port.
func (p *proxy) addr() string { return p.ln.Addr().String() }

// close stops the proxy, closes every connection and waits for their
// goroutines.
func (p *proxy) close() {
	p.cancel()
	_ = p.ln.Close()
	p.mu.Lock()
	p.done = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// track adds c to the connections close closes, and reports false when the
// proxy is closing (c is closed then).
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		if !p.track(c) {
			return
		}
		p.wg.Go(func() {
			defer p.untrack(c)
			p.handle(c)
		})
	}
}

// SOCKS5 (RFC 1928) constants.
const (
	socksVersion      = 5
	socksNoAuth       = 0
	socksNoAcceptable = 0xff
	socksConnect      = 1
	socksIPv4         = 1
	socksDomain       = 3
	socksIPv6         = 4

	socksSucceeded      = 0
	socksFailure        = 1
	socksNotAllowed     = 2
	socksHostUnreach    = 4
	socksCmdUnsupported = 7
	socksAddrUnsupport  = 8
)

// handle serves one SOCKS5 connection: no authentication, CONNECT only.
func (p *proxy) handle(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(proxyHandshakeTimeout))
	var head [2]byte
	if _, err := io.ReadFull(c, head[:]); err != nil || head[0] != socksVersion {
		return
	}
	methods := make([]byte, head[1])
	if _, err := io.ReadFull(c, methods); err != nil {
		return
	}
	method := byte(socksNoAcceptable)
	for _, m := range methods {
		if m == socksNoAuth {
			method = socksNoAuth
		}
	}
	if _, err := c.Write([]byte{socksVersion, method}); err != nil || method != socksNoAuth {
		return
	}
	var req [4]byte
	if _, err := io.ReadFull(c, req[:]); err != nil || req[0] != socksVersion {
		return
	}
	var host string
	switch req[3] {
	case socksIPv4, socksIPv6:
		ip := make([]byte, 4)
		if req[3] == socksIPv6 {
			ip = make([]byte, 16)
		}
		if _, err := io.ReadFull(c, ip); err != nil {
			return
		}
		host = net.IP(ip).String()
	case socksDomain:
		var n [1]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		name := make([]byte, n[0])
		if _, err := io.ReadFull(c, name); err != nil {
			return
		}
		host = string(name)
	default:
		reply(c, socksAddrUnsupport)
		return
	}
	var portBytes [2]byte
	if _, err := io.ReadFull(c, portBytes[:]); err != nil {
		return
	}
	port := strconv.Itoa(int(binary.BigEndian.Uint16(portBytes[:])))
	if req[1] != socksConnect {
		reply(c, socksCmdUnsupported)
		return
	}
	hostPort := net.JoinHostPort(host, port)
	if err := p.pol.host(host, port); err != nil {
		p.blocked(hostPort, err)
		reply(c, socksNotAllowed)
		return
	}
	dctx, cancel := context.WithTimeout(p.ctx, proxyDialTimeout)
	var d net.Dialer
	up, err := d.DialContext(dctx, "tcp", hostPort)
	cancel()
	if err != nil {
		code := byte(socksHostUnreach)
		if errors.Is(err, context.Canceled) {
			code = socksFailure
		}
		reply(c, code)
		return
	}
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	if !reply(c, socksSucceeded) {
		return
	}
	_ = c.SetDeadline(time.Time{})
	splice(c, up)
}

// reply sends a SOCKS5 reply with the given code and reports whether it
// went out.
func reply(c net.Conn, code byte) bool {
	_, err := c.Write([]byte{socksVersion, code, 0, socksIPv4, 0, 0, 0, 0, 0, 0})
	return err == nil
}

// splice copies both ways until both sides are done, passing each side's
// end on as a half close.
func splice(a, b net.Conn) {
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		} else {
			_ = dst.Close()
		}
	}
	wg.Go(func() { pipe(b, a) })
	pipe(a, b)
	wg.Wait()
}
