package vectorstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeEmbeddings serves /v1/embeddings: input i of a request gets the vector
// [len(input), i+1, 0...] of dims entries (not normalised), listed in reverse
// order, as a gateway might.
type fakeEmbeddings struct {
	mu       sync.Mutex
	requests []embeddingsRequest
	auth     []string
	dims     int
	fail     []int // statuses to answer first, in order
}

func (f *fakeEmbeddings) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
		http.Error(w, `{"error":{"message":"no route"}}`, http.StatusNotFound)
		return
	}
	if len(f.fail) > 0 {
		status := f.fail[0]
		f.fail = f.fail[1:]
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, `{"error":{"message":"status %d"}}`, status)
		return
	}
	var req embeddingsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.requests = append(f.requests, req)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	dims := f.dims
	if req.Dimensions > 0 {
		dims = req.Dimensions
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	var data []item
	tokens := 0
	for i := len(req.Input) - 1; i >= 0; i-- {
		v := make([]float32, dims)
		v[0] = float32(len(req.Input[i]))
		v[1] = float32(i + 1)
		data = append(data, item{"embedding", i, v})
		tokens += len(req.Input[i])
	}
	usage := map[string]int{"prompt_tokens": tokens, "total_tokens": tokens} // a token per byte
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model, "usage": usage})
}

func TestOpenAIEmbedder(t *testing.T) {
	fake := &fakeEmbeddings{dims: 1536}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e, err := NewOpenAIEmbedder("text-embedding-3-small", &OpenAIEmbedderOptions{
		BaseURL: srv.URL + "/v1/", APIKey: "sk-test", Dimensions: 4, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID() != "openai:text-embedding-3-small:4" || e.Dims() != 4 {
		t.Errorf("ID %q Dims %d", e.ID(), e.Dims())
	}
	texts := []string{"a", "bb", "ccc", "", "eeeee", "ffffff", "ggggggg"}
	vecs, err := e.Embed(t.Context(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.requests) != 3 {
		t.Fatalf("%d requests, want 3 batches of at most 3", len(fake.requests))
	}
	var inputs [][]string
	for _, r := range fake.requests {
		inputs = append(inputs, r.Input)
		if r.Model != "text-embedding-3-small" || r.Dimensions != 4 || r.EncodingFormat != "float" {
			t.Errorf("request %+v", r)
		}
	}
	if diff := cmp.Diff([][]string{{"a", "bb", "ccc"}, {" ", "eeeee", "ffffff"}, {"ggggggg"}}, inputs); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if fake.auth[0] != "Bearer sk-test" {
		t.Errorf("Authorization %q", fake.auth[0])
	}
	for i, v := range vecs {
		pos := i%3 + 1
		l := float64(len(texts[i]))
		if texts[i] == "" {
			l = 1
		}
		n := math.Hypot(l, float64(pos))
		want := []float32{float32(l / n), float32(float64(pos) / n), 0, 0}
		if diff := cmp.Diff(want, v, cmp.Comparer(func(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-6 })); diff != "" {
			t.Errorf("vector %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestOpenAIEmbedderEnvAndNativeDims(t *testing.T) {
	fake := &fakeEmbeddings{dims: 1536}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	t.Setenv("OPENAI_BASE_URL", srv.URL+"/v1")
	t.Setenv("OPENAI_API_KEY", "sk-env")
	e, err := NewOpenAIEmbedder("text-embedding-3-small", nil)
	if err != nil {
		t.Fatal(err)
	}
	vecs, err := e.Embed(t.Context(), []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs[0]) != 1536 || fake.auth[0] != "Bearer sk-env" || fake.requests[0].Dimensions != 0 {
		t.Errorf("dims %d, auth %q, dimensions sent %d", len(vecs[0]), fake.auth[0], fake.requests[0].Dimensions)
	}
	if _, err := NewOpenAIEmbedder("nomic-embed-text", nil); err == nil || !strings.Contains(err.Error(), "set Dimensions") {
		t.Errorf("unknown model without Dimensions: %v", err)
	}
}

func TestOpenAIEmbedderErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
		status  int
	}{
		{"openai error", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`))
		}, "HTTP 401: Incorrect API key provided", 401},
		{"gateway error", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(403)
			_, _ = w.Write([]byte(`{"error":"invalid api key"}`))
		}, "HTTP 403: invalid api key", 403},
		{"html error", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`<html>not here</html>`))
		}, "HTTP 404: <html>not here</html>", 404},
		{"ignored dimensions", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[1,2,3]}]}`))
		}, "returned 3 dimensions, want 8", 0},
		{"bad json", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"data":`))
		}, "decoding the response (HTTP 200)", 0},
		{"missing vectors", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"data":[]}`))
		}, "0 vectors for 1 inputs", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			e, err := NewOpenAIEmbedder("m", &OpenAIEmbedderOptions{BaseURL: srv.URL, Dimensions: 8, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Embed(t.Context(), []string{"x"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			var ee *EmbeddingError
			if tt.status != 0 && (!errors.As(err, &ee) || ee.StatusCode != tt.status) {
				t.Errorf("error %v is not an EmbeddingError with status %d", err, tt.status)
			}
		})
	}
}

func TestOpenAIEmbedderRetries(t *testing.T) {
	fake := &fakeEmbeddings{dims: 4, fail: []int{503, 429}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e, err := NewOpenAIEmbedder("m", &OpenAIEmbedderOptions{BaseURL: srv.URL + "/v1", Dimensions: 4})
	if err != nil {
		t.Fatal(err)
	}
	e.retryBase = time.Millisecond
	if _, err := e.Embed(t.Context(), []string{"x"}); err != nil {
		t.Fatalf("after two retryable failures: %v", err)
	}
	fake.fail = []int{500, 500, 500}
	if _, err := e.Embed(t.Context(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("after three failures: %v", err)
	}
	fake.fail = []int{400}
	fake.requests = nil
	if _, err := e.Embed(t.Context(), []string{"x"}); err == nil || len(fake.fail) != 0 || len(fake.requests) != 0 {
		t.Errorf("400 retried or accepted: %v", err)
	}
}
