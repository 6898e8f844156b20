package vectorstore

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// echoAuth answers every request with status and a body that quotes the
// request's Authorization header, as some gateways do.
func echoAuth(status int, format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, format, r.Header.Get("Authorization"))
	}
}

// errorTexts returns the text of err and of every error it wraps.
func errorTexts(err error) []string {
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

// TestOpenAIEmbedderRedactsKey makes the endpoint put the key in every
// place an error can come from: neither the error nor anything it wraps
// may hold the key, or its first 8 bytes.
func TestOpenAIEmbedderRedactsKey(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"JSON error echoing the header", echoAuth(401, `{"error":{"message":"invalid token (Authorization: %s)","type":"new_api_error"}}`),
			"HTTP 401: invalid token (Authorization: Bearer [redacted])"},
		{"gateway string error", echoAuth(403, `{"error":"key %s is disabled"}`), "HTTP 403: key Bearer [redacted] is disabled"},
		{"text body dumping the headers", echoAuth(502, "upstream failed\nAuthorization: %s\nX-Trace: 1"), "HTTP 502: upstream failed"},
		{"key across the 300-byte cut", echoAuth(400, strings.Repeat("a", 280)+" %s"), "HTTP 400: aaa"},
		{"retried 5xx", echoAuth(500, `{"message":"echo %s"}`), "HTTP 500: echo Bearer [redacted]"},
		{"body that does not decode", echoAuth(200, `{"data":[{"index":0,"embedding":"%s"}]}`), "decoding the response (HTTP 200)"},
		{"transport error quoting a redirect's URL", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.RawQuery == "" {
				key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				http.Redirect(w, r, r.URL.Path+"?api-key="+key, http.StatusTemporaryRedirect)
				return
			}
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		}, "api-key=[redacted]"},
	}
	for _, key := range []string{"sk-proj-0123456789abcdefghij", "gw-7f3a9c2e1b5d4a60"} {
		for _, tt := range tests {
			t.Run(key[:2]+"/"+tt.name, func(t *testing.T) {
				srv := httptest.NewServer(tt.handler)
				defer srv.Close()
				e, err := NewOpenAIEmbedder("m", &OpenAIEmbedderOptions{BaseURL: srv.URL + "/v1", APIKey: key, Dimensions: 4, MaxRetries: 1})
				if err != nil {
					t.Fatal(err)
				}
				defer e.Close()
				e.retryBase = time.Millisecond
				_, err = e.Embed(t.Context(), []string{"x"})
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want %q", err, tt.want)
				}
				for _, s := range errorTexts(err) {
					if strings.Contains(s, key[:8]) {
						t.Errorf("the key is in %q", s)
					}
				}
			})
		}
	}
}

// keyServer answers /v1/embeddings with 4-dimension vectors and records
// the Authorization header and client address of each request.
type keyServer struct {
	*httptest.Server
	mu          sync.Mutex
	auth, addrs []string
}

func startKeyServer(t *testing.T, tls bool) *keyServer {
	t.Helper()
	s := &keyServer{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.addrs = append(s.addrs, r.RemoteAddr)
		s.mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"data":[{"index":0,"embedding":[1,0,0,0]}]}`)
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *keyServer) seen() (auth, addrs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...), append([]string(nil), s.addrs...)
}

// TestOpenAIEmbedderRedirects checks that a redirect to another origin
// fails before the key is sent there, and is not retried, with the
// embedder's own client and with the caller's; a redirect within the
// origin is followed.
func TestOpenAIEmbedderRedirects(t *testing.T) {
	const key = "sk-secret-0123456789"
	tests := []struct {
		name          string
		fromTLS, same bool
		ownHTTP       bool
	}{
		{name: "another port, own client", ownHTTP: true},
		{name: "another port, caller's client"},
		{name: "https to http, caller's client", fromTLS: true},
		{name: "same origin, caller's client", fromTLS: true, same: true},
		{name: "same origin, own client", same: true, ownHTTP: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := startKeyServer(t, tt.same && tt.fromTLS)
			from := target.Server
			var hits atomic.Int32
			redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				to := target.URL
				if tt.same {
					to = ""
				}
				http.Redirect(w, r, to+"/v2/embeddings", http.StatusTemporaryRedirect)
			})
			if tt.same {
				inner := target.Config.Handler
				target.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v1/embeddings" {
						redirect(w, r)
						return
					}
					inner.ServeHTTP(w, r)
				})
			} else {
				if tt.fromTLS {
					from = httptest.NewTLSServer(redirect)
				} else {
					from = httptest.NewServer(redirect)
				}
				defer from.Close()
			}
			opts := &OpenAIEmbedderOptions{BaseURL: from.URL + "/v1", APIKey: key, Dimensions: 4}
			if !tt.ownHTTP {
				opts.HTTPClient = from.Client()
			}
			e, err := NewOpenAIEmbedder("m", opts)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			e.retryBase = time.Millisecond
			_, err = e.Embed(t.Context(), []string{"x"})
			auth, _ := target.seen()
			if tt.same {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"Bearer " + key}, auth); diff != "" {
					t.Errorf("Authorization at the target (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "redirect to another origin refused") {
				t.Fatalf("error %v, want a refused redirect", err)
			}
			if len(auth) != 0 || hits.Load() != 1 {
				t.Errorf("the other origin received %q; %d requests to the first", auth, hits.Load())
			}
		})
	}
}

// dialTo returns a client whose connections all go to srv, whatever the
// URL's host.
func dialTo(srv *httptest.Server) *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}}}
}

func TestOpenAIEmbedderInsecureBaseURL(t *testing.T) {
	tests := []struct {
		base, env string
		allow     bool
		wantErr   bool
	}{
		{base: "http://gateway.test/v1", wantErr: true},
		{env: "http://192.168.1.20:4000/v1", wantErr: true},
		{base: "http://gateway.test/v1", allow: true},
		{base: "http://localhost:11434/v1"},
		{base: "http://127.0.0.1:4000/v1"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s%s allow=%v", tt.base, tt.env, tt.allow), func(t *testing.T) {
			srv := startKeyServer(t, false)
			t.Setenv("OPENAI_BASE_URL", tt.env)
			hc := dialTo(srv.Server)
			defer hc.CloseIdleConnections()
			e, err := NewOpenAIEmbedder("m", &OpenAIEmbedderOptions{BaseURL: tt.base, APIKey: "k", Dimensions: 4,
				AllowInsecureHTTP: tt.allow, HTTPClient: hc})
			if tt.wantErr {
				want := "vectorstore: openai embedder: base URL " + tt.base + tt.env +
					" is plain HTTP to a host that is not loopback: the API key and the requests would cross the network in clear text; use https, or set AllowInsecureHTTP"
				if err == nil || err.Error() != want {
					t.Errorf("error %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Embed(t.Context(), []string{"x"}); err != nil {
				t.Fatal(err)
			}
			if auth, _ := srv.seen(); !cmp.Equal(auth, []string{"Bearer k"}) {
				t.Errorf("requests %q", auth)
			}
		})
	}
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

// TestOpenAIEmbedderClose checks that Close ends the keep-alive
// connections of the embedder's own transport, and their goroutines, and
// leaves a caller's client alone.
func TestOpenAIEmbedderClose(t *testing.T) {
	srv := startKeyServer(t, false)
	waitFor := func(cond func() bool) bool {
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				return false
			}
		}
		return true
	}
	embed := func(e *OpenAIEmbedder) {
		t.Helper()
		if _, err := e.Embed(t.Context(), []string{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	// Connections of earlier tests close with their servers and clients;
	// wait for their goroutines to end, so that the count is this test's.
	if !waitFor(func() bool { return idleConns() == 0 }) {
		t.Fatalf("%d connection goroutines left by earlier tests", idleConns())
	}
	own, err := NewOpenAIEmbedder("m", &OpenAIEmbedderOptions{BaseURL: srv.URL + "/v1", APIKey: "k", Dimensions: 4})
	if err != nil {
		t.Fatal(err)
	}
	embed(own)
	if n := idleConns(); n != 1 {
		t.Fatalf("%d connection goroutines after a request, want 1", n)
	}
	if err := own.Close(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return idleConns() == 0 }) {
		t.Errorf("%d connection goroutines after Close, want 0", idleConns())
	}
	embed(own) // still usable, on a new connection
	own.Close()

	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	theirs, err := NewOpenAIEmbedder("m", &OpenAIEmbedderOptions{BaseURL: srv.URL + "/v1", APIKey: "k", Dimensions: 4, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	embed(theirs)
	theirs.Close()
	embed(theirs) // on the same connection

	if _, addrs := srv.seen(); len(addrs) != 4 || addrs[0] == addrs[1] || addrs[2] != addrs[3] {
		t.Errorf("client addresses %q: want a new connection after Close of the own client, the same one for the caller's", addrs)
	}
}
