package vectorstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/internal/keyguard"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// DefaultOpenAIBaseURL is the base URL used when neither
// OpenAIEmbedderOptions.BaseURL nor OPENAI_BASE_URL is set.
const DefaultOpenAIBaseURL = "https://api.openai.com/v1"

// Request limits of /v1/embeddings.
const (
	maxEmbedInputs     = 2048
	maxEmbedBatchBytes = 800_000 // ~200k tokens, under the 300k-token request limit
)

// OpenAIEmbedderOptions configures an [OpenAIEmbedder]. The zero value is
// valid.
type OpenAIEmbedderOptions struct {
	// BaseURL is the API base, ending in /v1; empty means OPENAI_BASE_URL,
	// else https://api.openai.com/v1. A plain-HTTP base URL must name a
	// loopback host (localhost, 127.0.0.0/8, ::1) unless AllowInsecureHTTP
	// is set: NewOpenAIEmbedder refuses it.
	BaseURL string
	// AllowInsecureHTTP allows a plain-HTTP BaseURL to a host that is not
	// loopback, over which the key and the texts travel in clear text.
	AllowInsecureHTTP bool
	// APIKey is sent as a Bearer token; empty means OPENAI_API_KEY. No
	// Authorization header is sent when both are empty.
	APIKey string
	// Dimensions, if > 0, is sent as `dimensions` (v3 models shorten their
	// vectors) and is the vector length expected. Zero means the model's
	// native length, known for OpenAI's models and required otherwise.
	Dimensions int
	// BatchSize is the number of inputs per request, at most 2048 (the
	// default). Batches are also cut to keep requests under ~200k tokens.
	BatchSize int
	// MaxRetries is how many times a request failing with 429, 5xx or a
	// network error is retried with exponential backoff (honouring
	// Retry-After); zero means 2, negative means never.
	MaxRetries int
	// HTTPClient sends the requests; nil means a client of the embedder's
	// own, with a clone of http.DefaultTransport and a 60 s timeout, whose
	// idle connections [OpenAIEmbedder.Close] closes.
	//
	// The embedder sends with a copy of it (sharing its transport) whose
	// redirect policy keeps the key at the base URL's origin: HTTPClient's
	// own CheckRedirect decides first, then a redirect to another scheme,
	// host or port (an https to http downgrade, another port of the same
	// host) fails the request, before anything is sent there, and is not
	// retried.
	HTTPClient *http.Client
}

// OpenAIEmbedder embeds texts with an OpenAI-compatible /v1/embeddings
// endpoint (OpenAI, Azure-compatible gateways, vLLM, Ollama, LiteLLM…). It
// L2-normalises every vector, since gateways do not always, and checks their
// length, since some ignore `dimensions`. It is safe for concurrent use;
// call [OpenAIEmbedder.Close] when done with it.
//
// Its errors never hold the API key, nor anything that looks like a
// credential ("Bearer …", "sk-…", api_key=…), even when the endpoint echoes
// the request's headers in its error body (gateways do), a transport error
// quotes a URL, or a decoding error quotes the body.
//
// When the span in the context passed to Embed is recording (a tool called
// by a traced run), each request is an "embeddings {model}" CLIENT span below
// it, from that span's provider: model, dimension count, server, the input
// tokens the endpoint reported, a "retry" event per retry and error.type on
// failure; never the texts. Otherwise nothing is traced.
type OpenAIEmbedder struct {
	model      string
	url        string
	apiKey     string
	dims       int
	sendDims   bool
	batch      int
	maxRetries int
	retryBase  time.Duration
	http       *http.Client
	ownHTTP    bool   // http's transport is the embedder's own
	host       string // server.address of the spans
	port       int    // server.port of the spans
}

var _ Embedder = (*OpenAIEmbedder)(nil)

// nativeDims are the output lengths of OpenAI's embedding models.
var nativeDims = map[string]int{
	"text-embedding-3-small": 1536,
	"text-embedding-3-large": 3072,
	"text-embedding-ada-002": 1536,
}

// NewOpenAIEmbedder returns an embedder for model. opts may be nil.
func NewOpenAIEmbedder(model string, opts *OpenAIEmbedderOptions) (*OpenAIEmbedder, error) {
	var o OpenAIEmbedderOptions
	if opts != nil {
		o = *opts
	}
	if model == "" {
		return nil, errors.New("vectorstore: openai embedder: empty model name")
	}
	e := &OpenAIEmbedder{model: model, apiKey: o.APIKey, dims: o.Dimensions, sendDims: o.Dimensions > 0,
		batch: o.BatchSize, maxRetries: o.MaxRetries, retryBase: 500 * time.Millisecond}
	if e.dims == 0 {
		e.dims = nativeDims[model]
		if e.dims == 0 {
			return nil, fmt.Errorf("vectorstore: openai embedder: unknown vector length for model %q: set Dimensions", model)
		}
	}
	if e.dims < 0 {
		return nil, fmt.Errorf("vectorstore: openai embedder: negative Dimensions %d", e.dims)
	}
	if e.batch <= 0 || e.batch > maxEmbedInputs {
		e.batch = maxEmbedInputs
	}
	switch {
	case e.maxRetries == 0:
		e.maxRetries = 2
	case e.maxRetries < 0:
		e.maxRetries = 0
	}
	base := o.BaseURL
	if base == "" {
		base = os.Getenv("OPENAI_BASE_URL")
	}
	if base == "" {
		base = DefaultOpenAIBaseURL
	}
	if err := keyguard.CheckBaseURL(base, o.AllowInsecureHTTP); err != nil {
		return nil, fmt.Errorf("vectorstore: openai embedder: %w; use https, or set AllowInsecureHTTP", err)
	}
	e.url = strings.TrimRight(base, "/") + "/embeddings"
	e.host, e.port = serverOf(e.url)
	if e.apiKey == "" {
		e.apiKey = os.Getenv("OPENAI_API_KEY")
	}
	e.http, e.ownHTTP = keyguard.Client(o.HTTPClient, 60*time.Second)
	return e, nil
}

// Close closes the idle keep-alive connections of the transport the
// embedder built for itself (OpenAIEmbedderOptions.HTTPClient nil), which
// ends the goroutines that hold them. A caller's HTTPClient is left alone:
// its owner closes it. Requests in flight are not interrupted, and an
// embedder used after Close still works, opening new connections. It
// returns nil.
func (e *OpenAIEmbedder) Close() error {
	if e.ownHTTP {
		e.http.CloseIdleConnections()
	}
	return nil
}

// ID returns "openai:<model>:<dims>". The base URL is left out so that a
// store built through a gateway can be queried directly, and back.
func (e *OpenAIEmbedder) ID() string { return fmt.Sprintf("openai:%s:%d", e.model, e.dims) }

// Dims returns the vector length.
func (e *OpenAIEmbedder) Dims() int { return e.dims }

// Embed returns one normalised vector per text, in order, sending as few
// requests as the batch limits allow. Empty texts are sent as a single
// space, which the API accepts.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); {
		end, size := start, 0
		for end < len(texts) && end-start < e.batch && (end == start || size+len(texts[end]) <= maxEmbedBatchBytes) {
			size += len(texts[end])
			end++
		}
		vecs, err := e.embedBatch(ctx, texts[start:end])
		if err != nil {
			return nil, genai.RedactError(err, e.apiKey)
		}
		out = append(out, vecs...)
		start = end
	}
	return out, nil
}

type embeddingsRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	Dimensions     int      `json:"dimensions,omitempty"`
	EncodingFormat string   `json:"encoding_format"`
}

type embeddingsResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
	Usage struct {
		PromptTokens int64 `json:"prompt_tokens"`
	} `json:"usage"`
}

// EmbeddingError is returned when the endpoint answers with an error status.
type EmbeddingError struct {
	StatusCode int
	// Message is the API's error message, or the start of the body, with
	// the API key and anything that looks like a credential redacted.
	Message string
}

// Error returns "vectorstore: embeddings: HTTP <status>: <message>".
func (e *EmbeddingError) Error() string {
	return fmt.Sprintf("vectorstore: embeddings: HTTP %d: %s", e.StatusCode, e.Message)
}

// embedBatch embeds one request's texts, inside an "embeddings {model}" span
// when the span in ctx is recording.
func (e *OpenAIEmbedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		vecs, _, err := e.embedBatchUntraced(ctx, nil, texts)
		return vecs, err
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, genai.KeyEmbeddingsDims.Int(e.dims))
	if e.host != "" {
		attrs = append(attrs, genai.KeyServerAddress.String(e.host), genai.KeyServerPort.Int(e.port))
	}
	ctx, span := genai.StartEmbeddings(ctx, genai.ProviderOpenAI, e.model, attrs...)
	vecs, tokens, err := e.embedBatchUntraced(ctx, span, texts)
	if err != nil {
		secrets := genai.RunFrom(ctx).Secrets
		if e.apiKey != "" {
			secrets = append(secrets[:len(secrets):len(secrets)], e.apiKey)
		}
		genai.SetError(span, err, embeddingErrorType(err), secrets)
	} else if tokens > 0 {
		span.SetAttributes(genai.KeyInputTokens.Int64(tokens))
	}
	span.End()
	return vecs, err
}

// embeddingErrorType is the error.type of a failed embeddings request: the
// HTTP status, "timeout", "cancelled" or "_OTHER".
func embeddingErrorType(err error) string {
	var ee *EmbeddingError
	switch {
	case errors.As(err, &ee):
		return strconv.Itoa(ee.StatusCode)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "_OTHER"
}

// serverOf returns the host and port of an endpoint URL, for server.address
// and server.port.
func serverOf(endpoint string) (string, int) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", 0
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	p, _ := strconv.Atoi(port)
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	return host, p
}

// embedBatchUntraced sends one request (with retries, each a "retry" event
// on span when span is not nil) and returns the vectors and the input tokens
// the endpoint reported.
func (e *OpenAIEmbedder) embedBatchUntraced(ctx context.Context, span trace.Span, texts []string) ([][]float32, int64, error) {
	in := make([]string, len(texts))
	for i, t := range texts {
		if t == "" {
			t = " "
		}
		in[i] = t
	}
	r := embeddingsRequest{Model: e.model, Input: in, EncodingFormat: "float"}
	if e.sendDims {
		r.Dimensions = e.dims
	}
	body, err := json.Marshal(r)
	if err != nil {
		return nil, 0, fmt.Errorf("vectorstore: embeddings: %w", err)
	}
	var resp *embeddingsResponse
	for attempt := 0; ; attempt++ {
		var retryAfter time.Duration
		resp, retryAfter, err = e.post(ctx, body)
		if err == nil {
			break
		}
		var ee *EmbeddingError
		retryable := ctx.Err() == nil && !errors.Is(err, keyguard.ErrRedirect) &&
			(!errors.As(err, &ee) || ee.StatusCode == http.StatusTooManyRequests || ee.StatusCode >= 500)
		if !retryable || attempt >= e.maxRetries {
			return nil, 0, err
		}
		delay := e.retryBase << attempt
		if retryAfter > 0 {
			delay = min(retryAfter, time.Minute)
		}
		if span != nil {
			ra := []attribute.KeyValue{genai.KeyRetryAttempt.Int(attempt + 1), genai.KeyRetryDelay.Float64(delay.Seconds()),
				genai.KeyErrorType.String(embeddingErrorType(err))}
			if ee != nil {
				ra = append(ra, genai.KeyRetryStatus.Int(ee.StatusCode))
			}
			span.AddEvent(genai.EventRetry, trace.WithAttributes(ra...))
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, 0, ctx.Err()
		case <-timer.C:
		}
	}
	if len(resp.Data) != len(texts) {
		return nil, 0, fmt.Errorf("vectorstore: embeddings: %d vectors for %d inputs", len(resp.Data), len(texts))
	}
	sort.Slice(resp.Data, func(i, j int) bool { return resp.Data[i].Index < resp.Data[j].Index })
	out := make([][]float32, len(texts))
	for i, d := range resp.Data {
		if d.Index != i {
			return nil, 0, fmt.Errorf("vectorstore: embeddings: response indexes are not 0..%d", len(texts)-1)
		}
		if len(d.Embedding) != e.dims {
			return nil, 0, fmt.Errorf("vectorstore: embeddings: model %q returned %d dimensions, want %d (does the endpoint ignore `dimensions`? then set Dimensions to %d)",
				e.model, len(d.Embedding), e.dims, len(d.Embedding))
		}
		for _, x := range d.Embedding {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, 0, fmt.Errorf("vectorstore: embeddings: non-finite value in vector %d", i)
			}
		}
		normalize(d.Embedding)
		out[i] = d.Embedding
	}
	return out, resp.Usage.PromptTokens, nil
}

// post sends one request; on an error status it returns an *EmbeddingError
// and the Retry-After delay, if any.
func (e *OpenAIEmbedder) post(ctx context.Context, body []byte) (*embeddingsResponse, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("vectorstore: embeddings: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if e.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+e.apiKey)
	}
	res, err := e.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// The URL (a redirect's Location, say) may hold the key.
			ue.URL = genai.Redact(ue.URL, e.apiKey)
		}
		return nil, 0, fmt.Errorf("vectorstore: embeddings: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(res.Body, 256<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("vectorstore: embeddings: reading the response: %w", err)
	}
	if res.StatusCode/100 != 2 {
		var retryAfter time.Duration
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
			retryAfter = time.Duration(s) * time.Second
		}
		return nil, retryAfter, &EmbeddingError{StatusCode: res.StatusCode, Message: errorMessage(data, e.apiKey)}
	}
	var out embeddingsResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, 0, fmt.Errorf("vectorstore: embeddings: decoding the response (HTTP %d): %w", res.StatusCode, err)
	}
	return &out, 0, nil
}

// errorMessage extracts the message of an error body in OpenAI's shape
// ({"error":{"message":…}}) or a gateway's ({"error":"…"}, {"message":…}),
// else returns the start of the body, with apiKey and anything like a
// credential redacted (the start of the body before it is cut, so that no
// part of a key is left).
func errorMessage(body []byte, apiKey string) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &v) == nil {
		var s string
		var o struct {
			Message string `json:"message"`
		}
		switch {
		case json.Unmarshal(v.Error, &o) == nil && o.Message != "":
			return genai.Redact(o.Message, apiKey)
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return genai.Redact(s, apiKey)
		case v.Message != "":
			return genai.Redact(v.Message, apiKey)
		}
	}
	const margin = 512 // longer than any key
	s := genai.Redact(strings.TrimSpace(string(body[:min(len(body), 300+margin)])), apiKey)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}
