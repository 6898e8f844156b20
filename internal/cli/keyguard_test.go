package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses/responsestest"
)

// TestKeyNeverPrinted runs ingest, search and run against a gateway whose
// /v1/embeddings error echoes the Authorization header: the key must be in
// none of their outputs, nor in what the model reads.
func TestKeyNeverPrinted(t *testing.T) {
	const key = "gw-7f3a9c2e1b5d4a60"
	model := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("call_1", "file_search", `{"queries":["refund period"]}`)),
		responsestest.Reply(responsestest.Message("The search failed.")),
		responsestest.Reply(responsestest.FunctionCall("call_2", "file_search", `{"queries":["refund period"]}`)),
		responsestest.Reply(responsestest.Message("The search failed.")),
	)
	upstream, err := url.Parse(strings.TrimSuffix(model.URL(), "/v1"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", httputil.NewSingleHostReverseProxy(upstream))
	mux.HandleFunc("/v1/embeddings", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":{"message":"token has no embeddings quota (Authorization: %s)","type":"new_api_error"}}`, r.Header.Get("Authorization"))
	})
	gateway := httptest.NewServer(mux)
	defer gateway.Close()

	dir := writeDocs(t, goodDocs)
	env := map[string]string{"OPENAI_API_KEY": key, "OPENAI_BASE_URL": gateway.URL + "/v1",
		"AGENTLOOP_STORE": filepath.Join(t.TempDir(), "s.vs")}
	emb := []string{"--embed-model", "m", "--embed-dims", "4"}
	const echoed = "HTTP 401: token has no embeddings quota (Authorization: Bearer [redacted])"
	steps := []struct {
		args []string
		code int
		want string // in stdout or stderr
	}{
		{append(append([]string{"ingest"}, emb...), dir), 1, echoed},
		{append(append([]string{"search"}, emb...), "refunds"), 1, echoed},
		{append(append([]string{"run", "--tools", "file_search"}, emb...), "refunds?"), 0, "✗ file_search"},
		{append(append([]string{"run", "--json", "--tools", "file_search"}, emb...), "refunds?"), 0, echoed},
	}
	for _, s := range steps {
		r := runCLI(t, env, s.args...)
		out := r.stdout + r.stderr
		if r.code != s.code || !strings.Contains(out, s.want) {
			t.Errorf("%q: exit %d, want %d and %q in:\n%s", s.args, r.code, s.code, s.want, out)
		}
		if strings.Contains(out, key[:8]) {
			t.Errorf("%q printed the key:\n%s", s.args, out)
		}
	}
	for i, req := range model.Requests() {
		if strings.Contains(string(req.Body), key[:8]) {
			t.Errorf("request %d to the model holds the key:\n%s", i, req.Body)
		} else if i%2 == 1 && !strings.Contains(string(req.Body), echoed) {
			t.Errorf("request %d to the model lacks the tool's error:\n%s", i, req.Body)
		}
	}
}

// TestInsecureBaseURL checks that a plain-HTTP base URL to a host that is
// not loopback is refused, saying what to do, unless allowed.
func TestInsecureBaseURL(t *testing.T) {
	// 0.0.0.0 is not loopback, yet connecting to it reaches this machine:
	// port 1 refuses at once, and nothing goes on the network.
	const base = "http://0.0.0.0:1/v1"
	dir := writeDocs(t, goodDocs)
	store := filepath.Join(t.TempDir(), "s.vs")
	if r := runCLI(t, map[string]string{"AGENTLOOP_STORE": store}, "ingest", dir); r.code != 0 {
		t.Fatalf("ingest: exit %d %s", r.code, r.stderr)
	}
	emb := []string{"--embed-model", "m", "--embed-dims", "4"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"run", nil, []string{"run", "hi"}, 2, "use https, or pass --allow-insecure-http (or set AGENTLOOP_ALLOW_INSECURE_HTTP=1) if the network is trusted"},
		{"run --base-url", map[string]string{"OPENAI_BASE_URL": "https://api.openai.com/v1"}, []string{"run", "--base-url", base, "hi"}, 2, "is plain HTTP to a host that is not loopback"},
		{"run allowed by flag", nil, []string{"run", "--allow-insecure-http", "hi"}, 1, "cannot reach " + base},
		{"run allowed by env", map[string]string{"AGENTLOOP_ALLOW_INSECURE_HTTP": "1"}, []string{"run", "hi"}, 1, "cannot reach " + base},
		{"ingest", nil, append(append([]string{"ingest"}, emb...), dir), 2, "--allow-insecure-http"},
		{"search", nil, append(append([]string{"search"}, emb...), "refunds"), 2, "--allow-insecure-http"},
		{"search allowed", nil, append(append([]string{"search", "--allow-insecure-http"}, emb...), "refunds"), 1, "connection refused"},
		{"search without embeddings", nil, []string{"search", "refunds"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": base, "AGENTLOOP_STORE": store}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runCLI(t, env, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want %d and %q in %q", r.code, tt.code, tt.want, r.stderr)
			}
		})
	}
}
