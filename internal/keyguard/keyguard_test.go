package keyguard

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		base     string
		allow    bool
		insecure bool
	}{
		{"https://api.openai.com/v1", false, false},
		{"https://gateway.example:8443/v1", false, false},
		{"http://127.0.0.1:4000/v1", false, false},
		{"http://127.1.2.3/v1", false, false},
		{"http://localhost:11434/v1", false, false},
		{"http://LOCALHOST./v1", false, false},
		{"http://[::1]:8080/v1", false, false},
		{"http://[::ffff:127.0.0.1]/v1", false, false},
		{"HTTP://gateway.lan/v1", false, true},
		{"http://gateway.lan:4000/v1", false, true},
		{"http://gateway.lan:4000/v1", true, false},
		{"http://10.0.0.5/v1", false, true},
		{"http://[::2]/v1", false, true},
		{"http://api.localhost/v1", false, true},
		{"http://localhost.evil.example/v1", false, true},
		{"http://127.0.0.1.nip.io/v1", false, true},
		{"ftp://gateway.lan/v1", false, false}, // the request fails on it
		{"::not a url", false, false},
	}
	for _, tt := range tests {
		err := CheckBaseURL(tt.base, tt.allow)
		if got := errors.Is(err, ErrInsecureHTTP); got != tt.insecure || (err != nil) != tt.insecure {
			t.Errorf("CheckBaseURL(%q, %v) = %v, want insecure %v", tt.base, tt.allow, err, tt.insecure)
		}
	}
}

func TestCheckBaseURLHidesPassword(t *testing.T) {
	err := CheckBaseURL("http://user:hunter22@gateway.lan/v1", false)
	if err == nil {
		t.Fatal("no error")
	}
	if got, want := err.Error(), "base URL http://user:xxxxx@gateway.lan/v1 is plain HTTP to a host that is not loopback: the API key and the requests would cross the network in clear text"; got != want {
		t.Errorf("error %q\nwant %q", got, want)
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://h/v1/responses", "https://h/v2/other?x=1", true},
		{"https://h/v1", "https://H:443/v1", true},
		{"http://h/v1", "http://h:80/v1", true},
		{"https://h/v1", "http://h/v1", false},
		{"http://h/v1", "https://h/v1", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8081/", false},
		{"https://h/", "https://evil.h/", false},
		{"https://h/", "https://h.evil/", false},
		{"http://[::1]:80/", "http://[::1]/", true},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := SameOrigin(a, b); got != tt.want {
			t.Errorf("SameOrigin(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestClientRedirects sends a request through Client to a server that
// redirects it, within its origin or to another port of the host, with
// and without a CheckRedirect of the caller's.
func TestClientRedirects(t *testing.T) {
	var targetHits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
	}))
	defer target.Close()
	from := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, target.URL+"/", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/done", http.StatusTemporaryRedirect)
		}
	}))
	defer from.Close()
	errMine := errors.New("mine")
	tests := []struct {
		name     string
		hc       *http.Client
		path     string
		wantErr  error
		wantCode int
	}{
		{"own client, another port", nil, "/away", ErrRedirect, 0},
		{"caller's client, another port", &http.Client{}, "/away", ErrRedirect, 0},
		{"caller's ErrUseLastResponse", &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			"/away", nil, http.StatusTemporaryRedirect},
		{"caller's error first", &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errMine }}, "/away", errMine, 0},
		{"caller's policy allows, another port", &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }},
			"/away", ErrRedirect, 0},
		{"own client, same origin", nil, "/here", nil, http.StatusOK},
		{"caller's client, same origin", &http.Client{}, "/here", nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targetHits.Store(0)
			var before uintptr
			if tt.hc != nil {
				before = reflect.ValueOf(tt.hc.CheckRedirect).Pointer()
			}
			c, own := Client(tt.hc, 0)
			defer c.CloseIdleConnections()
			if own != (tt.hc == nil) || c == tt.hc {
				t.Errorf("own = %v, same client %v", own, c == tt.hc)
			}
			if tt.hc != nil && reflect.ValueOf(tt.hc.CheckRedirect).Pointer() != before {
				t.Error("the caller's client was modified")
			}
			resp, err := c.Post(from.URL+tt.path, "application/json", strings.NewReader("{}"))
			code := 0
			if err == nil {
				code = resp.StatusCode
				resp.Body.Close()
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) || code != tt.wantCode {
				t.Errorf("err %v, status %d; want %v, %d", err, code, tt.wantErr, tt.wantCode)
			}
			if targetHits.Load() != 0 {
				t.Error("the other origin received the request")
			}
		})
	}
}
