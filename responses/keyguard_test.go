package responses_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/google/go-cmp/cmp"
)

// keyServer answers POST …/responses with responseJSON and records the
// credentials each request carried.
type keyServer struct {
	*httptest.Server
	mu    sync.Mutex
	auth  []string // "Authorization|Api-Key" of each request
	addrs []string // the client address of each request
}

func (s *keyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.auth = append(s.auth, r.Header.Get("Authorization")+"|"+r.Header.Get("Api-Key"))
	s.addrs = append(s.addrs, r.RemoteAddr)
	s.mu.Unlock()
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, responseJSON)
}

func (s *keyServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

func startKeyServer(t *testing.T, tls bool) *keyServer {
	t.Helper()
	s := &keyServer{}
	if tls {
		s.Server = httptest.NewTLSServer(s)
	} else {
		s.Server = httptest.NewServer(s)
	}
	t.Cleanup(s.Close)
	return s
}

// redirector answers every request with a 307 to target+path.
func redirector(t *testing.T, tls bool, target string) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestNetHTTPForwardsKeyOnRedirect shows what the redirect policy is for:
// net/http alone sends the Authorization header (and any custom header)
// to another port of the same host, and from https to plain http.
func TestNetHTTPForwardsKeyOnRedirect(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			target := startKeyServer(t, false)
			from := redirector(t, tls, target.URL)
			req, _ := http.NewRequest(http.MethodPost, from.URL+"/v1/responses", strings.NewReader("{}"))
			req.Header.Set("Authorization", "Bearer sk-secret-0123456789")
			req.Header.Set("Api-Key", "azure-secret")
			resp, err := from.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if diff := cmp.Diff([]string{"Bearer sk-secret-0123456789|azure-secret"}, target.seen()); diff != "" {
				t.Errorf("net/http no longer forwards the key (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRedirectKeepsKey sends requests whose server redirects them: to
// another origin they fail, unsent and not retried; within the origin they
// are followed with the key.
func TestRedirectKeepsKey(t *testing.T) {
	const key = "sk-secret-0123456789"
	tests := []struct {
		name    string
		fromTLS bool // the base URL is https
		ownHTTP bool // Options.HTTPClient is nil
		stream  bool
		same    bool // the redirect stays on the origin
	}{
		{name: "another port, own client", ownHTTP: true},
		{name: "another port, own client, stream", ownHTTP: true, stream: true},
		{name: "another port, caller's client"},
		{name: "https to http, caller's client", fromTLS: true},
		{name: "https to http, caller's client, stream", fromTLS: true, stream: true},
		{name: "same origin, own client", ownHTTP: true, same: true},
		{name: "same origin, caller's client, stream", fromTLS: true, same: true, stream: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := startKeyServer(t, tt.fromTLS && tt.same)
			var from *httptest.Server
			if tt.same {
				// A redirect from /v1/responses to /v2/responses on the
				// target itself.
				mux := http.NewServeMux()
				mux.HandleFunc("/v1/responses", func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "/v2/responses", http.StatusTemporaryRedirect)
				})
				mux.Handle("/v2/responses", target)
				target.Config.Handler = mux
				from = target.Server
			} else {
				from = redirector(t, tt.fromTLS, target.URL)
			}
			opts := &responses.Options{BaseURL: from.URL + "/v1", APIKey: key, RetryBaseDelay: time.Millisecond,
				Header: http.Header{"Api-Key": {"azure-secret"}}}
			var retries int
			opts.OnRetry = func(context.Context, responses.RetryInfo) { retries++ }
			if !tt.ownHTTP {
				opts.HTTPClient = from.Client()
			}
			c := responses.NewClient(opts)
			defer c.Close()
			req := &responses.Request{Model: "m", Input: responses.InputText("hi")}
			var err error
			if tt.stream {
				_, err = responses.Collect(c.Stream(t.Context(), req))
			} else {
				_, err = c.Create(t.Context(), req)
			}
			if tt.same {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"Bearer " + key + "|azure-secret"}, target.seen()); diff != "" {
					t.Errorf("credentials at the target (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "redirect to another origin refused") {
				t.Fatalf("error %v, want a refused redirect", err)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("the error holds the key: %v", err)
			}
			if got := target.seen(); len(got) != 0 {
				t.Errorf("the other origin received %q", got)
			}
			if retries != 0 {
				t.Errorf("%d retries of a refused redirect", retries)
			}
		})
	}
}

// dialTo returns a client whose connections all go to srv, whatever the
// URL's host, so that any base URL can be tried for real.
func dialTo(srv *httptest.Server) *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}}}
}

// TestInsecureBaseURL checks that a plain-HTTP base URL to a host that is
// not loopback needs Options.AllowInsecureHTTP, and that the request fails
// before anything is sent.
func TestInsecureBaseURL(t *testing.T) {
	tests := []struct {
		base, env string
		allow     bool
		wantErr   bool
	}{
		{base: "http://gateway.test/v1", wantErr: true},
		{base: "http://10.1.2.3:4000/v1", wantErr: true},
		{env: "http://gateway.test/v1", wantErr: true},
		{base: "http://gateway.test/v1", allow: true},
		{env: "http://gateway.test/v1", allow: true},
		{base: "http://localhost:4000/v1"},
		{base: "http://127.0.0.9/v1"},
		{base: "http://[::1]:8080/v1"},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s%s allow=%v stream=%v", tt.base, tt.env, tt.allow, stream), func(t *testing.T) {
				srv := startKeyServer(t, false)
				t.Setenv("OPENAI_BASE_URL", tt.env)
				hc := dialTo(srv.Server)
				defer hc.CloseIdleConnections()
				c := responses.NewClient(&responses.Options{BaseURL: tt.base, APIKey: "k", AllowInsecureHTTP: tt.allow,
					HTTPClient: hc, RetryBaseDelay: time.Millisecond})
				req := &responses.Request{Model: "m", Input: responses.InputText("hi")}
				var err error
				if stream {
					_, err = responses.Collect(c.Stream(t.Context(), req))
				} else {
					_, err = c.Create(t.Context(), req)
				}
				if !tt.wantErr {
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff([]string{"Bearer k|"}, srv.seen()); diff != "" {
						t.Errorf("requests (-want +got):\n%s", diff)
					}
					return
				}
				want := "responses: base URL http://" + strings.TrimPrefix(tt.base+tt.env, "http://") +
					" is plain HTTP to a host that is not loopback: the API key and the requests would cross the network in clear text; use https, or set Options.AllowInsecureHTTP"
				if err == nil || err.Error() != want {
					t.Errorf("error %v\nwant %s", err, want)
				}
				if got := srv.seen(); len(got) != 0 {
					t.Errorf("sent %d requests", len(got))
				}
			})
		}
	}
}

// TestTransportErrorRedacted follows a redirect within the origin to a URL
// holding the key, where the connection is cut: the transport error quotes
// that URL, and neither the error nor what OnRetry sees may hold the key.
func TestTransportErrorRedacted(t *testing.T) {
	const key = "gw-7f3a9c2e1b5d"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery == "" {
			http.Redirect(w, r, r.URL.Path+"?api-key="+key, http.StatusTemporaryRedirect)
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	var retried []string
	c := responses.NewClient(&responses.Options{BaseURL: srv.URL + "/v1", APIKey: key, MaxRetries: 1, RetryBaseDelay: time.Millisecond,
		OnRetry: func(_ context.Context, info responses.RetryInfo) { retried = append(retried, info.Err.Error()) }})
	defer c.Close()
	for _, stream := range []bool{false, true} {
		retried = nil
		var err error
		req := &responses.Request{Model: "m", Input: responses.InputText("hi")}
		if stream {
			_, err = responses.Collect(c.Stream(t.Context(), req))
		} else {
			_, err = c.Create(t.Context(), req)
		}
		if err == nil {
			t.Fatal("no error")
		}
		texts := append(chainTexts(err), retried...)
		if !strings.Contains(err.Error(), "api-key=[redacted]") || len(retried) != 1 {
			t.Errorf("stream=%v: error %q, %d retries", stream, err, len(retried))
		}
		for _, s := range texts {
			if strings.Contains(s, key) {
				t.Errorf("stream=%v: the key is in %q", stream, s)
			}
		}
	}
}

// chainTexts returns the text of err and of every error it wraps.
func chainTexts(err error) []string {
	var out []string
	for todo := []error{err}; len(todo) > 0; {
		e := todo[0]
		todo = todo[1:]
		if e == nil {
			continue
		}
		out = append(out, e.Error())
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			todo = append(todo, u.Unwrap())
		case interface{ Unwrap() []error }:
			todo = append(todo, u.Unwrap()...)
		}
	}
	return out
}

// idleConns counts the goroutines that read keep-alive connections of
// HTTP clients, in this process.
func idleConns() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "net/http.(*persistConn).readLoop")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// waitFor polls cond for up to 5 seconds.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// TestClose checks that Close ends the keep-alive connections of the
// client's own transport, and their goroutines, and leaves a caller's
// client alone.
func TestClose(t *testing.T) {
	srv := startKeyServer(t, false)
	// Connections of earlier tests close with their servers and clients;
	// wait for their goroutines to end, so that the count is this test's.
	if !waitFor(func() bool { return idleConns() == 0 }) {
		t.Fatalf("%d connection goroutines left by earlier tests", idleConns())
	}
	create := func(c *responses.Client) {
		t.Helper()
		if _, err := c.Create(t.Context(), &responses.Request{Model: "m", Input: responses.InputText("hi")}); err != nil {
			t.Fatal(err)
		}
	}

	own := responses.NewClient(&responses.Options{BaseURL: srv.URL + "/v1", APIKey: "k"})
	create(own)
	if n := idleConns(); n != 1 {
		t.Fatalf("%d connection goroutines after a request, want 1", n)
	}
	if err := own.Close(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return idleConns() == 0 }) {
		t.Errorf("%d connection goroutines after Close, want 0", idleConns())
	}
	create(own) // still usable, on a new connection
	own.Close()

	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	theirs := responses.NewClient(&responses.Options{BaseURL: srv.URL + "/v1", APIKey: "k", HTTPClient: hc})
	create(theirs)
	theirs.Close()
	create(theirs) // on the same connection

	srv.mu.Lock()
	addrs := srv.addrs
	srv.mu.Unlock()
	if len(addrs) != 4 || addrs[0] == addrs[1] || addrs[2] != addrs[3] {
		t.Errorf("client addresses %q: want a new connection after Close of the own client, the same one for the caller's", addrs)
	}
}
