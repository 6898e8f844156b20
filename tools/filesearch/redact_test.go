package filesearch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

// leakyEmbedder fails with an error that quotes a request's headers, as a
// careless embedder might.
type leakyEmbedder struct{}

func (leakyEmbedder) ID() string { return "hash:v1:64" }
func (leakyEmbedder) Dims() int  { return 64 }
func (leakyEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	return nil, errors.New("embeddings: 401 for Authorization: Bearer sk-proj-leaked0123456789, api_key=gw-also-leaked")
}

// TestRunRedactsKey runs the tool through the runner with an embedder that
// fails with the key in its error: the function_call_output the model
// reads, and the run's tool events, must not hold it.
func TestRunRedactsKey(t *testing.T) {
	const key = "gw-7f3a9c2e1b5d4a60"
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":{"message":"token not allowed here (Authorization: %s)"}}`, r.Header.Get("Authorization"))
	}))
	defer gateway.Close()
	openai, err := vectorstore.NewOpenAIEmbedder("m", &vectorstore.OpenAIEmbedderOptions{BaseURL: gateway.URL + "/v1",
		APIKey: key, Dimensions: 64, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer openai.Close()

	tests := []struct {
		name    string
		emb     vectorstore.Embedder
		secrets []string // must not reach the model
		want    string   // the model reads it
	}{
		{"openai embedder, key echoed by the gateway", openai, []string{key},
			"Error: filesearch: embedding the queries: vectorstore: embeddings: HTTP 401: token not allowed here (Authorization: Bearer [redacted])"},
		{"embedder leaking credentials", leakyEmbedder{}, []string{"sk-proj-leaked", "gw-also-leaked"},
			"Error: filesearch: embedding the queries: embeddings: 401 for Authorization: Bearer [redacted], api_key=[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newTool(t, newStore(t, nil), &filesearch.Options{Embedder: tt.emb})
			srv := responsestest.Start(t,
				responsestest.Reply(responsestest.FunctionCall("call_fs", "file_search", `{"queries":["refunds"]}`)),
				responsestest.Reply(responsestest.Message("The search failed.")),
			)
			client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
			defer client.Close()
			a := &agent.Agent{Name: "docs", Model: "gpt-5-mini", Tools: []tools.Tool{fs}}
			var seen []string
			for ev, err := range runner.New(client, nil).Stream(t.Context(), a, runner.Text("refunds?")) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == runner.EventToolFinished {
					seen = append(seen, ev.Err.Error(), ev.Output.Output.String())
				}
			}
			out := outputs(srv.Requests()[1].Request)["call_fs"]
			if out != tt.want {
				t.Errorf("the model read %q\nwant %q", out, tt.want)
			}
			for _, s := range append(seen, out) {
				for _, secret := range tt.secrets {
					if strings.Contains(s, secret) {
						t.Errorf("%q holds %q", s, secret)
					}
				}
			}
		})
	}
}
