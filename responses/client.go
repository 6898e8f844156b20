package responses

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/agentloop/agentloop/internal/jsonscan"
	"github.com/agentloop/agentloop/internal/keyguard"
)

// Defaults of [Options].
const (
	DefaultBaseURL           = "https://api.openai.com/v1"
	DefaultMaxRetries        = 2
	DefaultRetryBaseDelay    = 500 * time.Millisecond
	DefaultMaxRetryDelay     = 8 * time.Second
	DefaultStreamIdleTimeout = 5 * time.Minute
)

// Options configures a [Client]. The zero value of every field means its
// documented default; a nil *Options is valid.
type Options struct {
	// BaseURL is the API root, such as "https://api.openai.com/v1" or a
	// gateway's "https://gateway.example/v1"; requests go to
	// BaseURL+"/responses". A trailing slash is fine. Default: the
	// OPENAI_BASE_URL environment variable, else DefaultBaseURL.
	//
	// A plain-HTTP BaseURL must name a loopback host (localhost,
	// 127.0.0.0/8, ::1) unless AllowInsecureHTTP is set; otherwise every
	// request fails, before anything is sent, with an error saying so.
	BaseURL string

	// AllowInsecureHTTP allows a plain-HTTP BaseURL to a host that is not
	// loopback (a gateway on a private network, say), over which the API
	// key and the conversation travel in clear text.
	AllowInsecureHTTP bool

	// APIKey is sent as "Authorization: Bearer <key>". Default: the
	// OPENAI_API_KEY environment variable. No Authorization header is sent
	// when both are empty.
	APIKey string

	// HTTPClient sends the requests. Default: a client of the package's own
	// with a clone of http.DefaultTransport (proxy settings from the
	// environment, HTTP/2), no overall timeout, whose idle connections
	// [Client.Close] closes.
	//
	// The Client sends with a copy of it (sharing its transport) whose
	// redirect policy keeps the API key, and every other header, at the
	// base URL's origin: HTTPClient's own CheckRedirect decides first, then
	// a redirect to another scheme, host or port (an https to http
	// downgrade, another port of the same host) fails the request, before
	// anything is sent there, and is not retried.
	HTTPClient *http.Client

	// Header holds extra headers sent with every request. They replace the
	// client's own headers of the same name (User-Agent, for instance).
	Header http.Header

	// MaxRetries is how many times a failed request is sent again. Zero
	// means DefaultMaxRetries (2); a negative value disables retries.
	MaxRetries int

	// RetryBaseDelay is the delay before the first retry; it doubles with
	// each retry, minus up to 25% of jitter. Default DefaultRetryBaseDelay
	// (500ms).
	RetryBaseDelay time.Duration

	// MaxRetryDelay caps the computed backoff. Default DefaultMaxRetryDelay
	// (8s). A delay the server asks for (retry-after-ms, retry-after, "try
	// again in 11s") is honoured up to 60s, or up to MaxRetryDelay when that
	// is larger.
	MaxRetryDelay time.Duration

	// RequestTimeout bounds each attempt of a non-streaming request, reading
	// the body included. Zero means no timeout beyond the context's.
	// Streams are bounded by StreamIdleTimeout instead.
	RequestTimeout time.Duration

	// StreamIdleTimeout is the longest a stream may stay silent (no byte, not
	// even a keep-alive comment), response headers included, before the
	// client gives up on the attempt; the attempt fails with an error that
	// wraps ErrStreamTruncated and is retried. Default
	// DefaultStreamIdleTimeout (5m); a negative value disables it.
	StreamIdleTimeout time.Duration

	// MaxEventSize caps the data of one SSE event, and the body of a
	// non-streaming response. Default DefaultMaxEventSize (64 MiB).
	MaxEventSize int

	// Logger receives retries (Info) and one line per attempt (Debug). Nil
	// means silent.
	Logger *slog.Logger

	// OnRetry, when set, is called before every retry, streaming or not,
	// fallbacks included, from the goroutine that made the call.
	OnRetry func(ctx context.Context, info RetryInfo)

	// RetryPolicy, when set, decides whether a failed attempt is sent again
	// and after what delay, in place of the default rule. It is called
	// from the goroutine that made the call, after every failed attempt
	// while MaxRetries allows a retry, whatever the error, with info
	// holding the default decision: info.Retryable (the client's verdict
	// on info.Err, see [Error.Retryable]) and info.Delay (the backoff, or
	// the delay the server asked for). It returns whether to retry and the
	// delay to wait (negative means none, and no cap applies). The default
	// rule is
	//
	//	func(ctx context.Context, info RetryInfo) (bool, time.Duration) {
	//		return info.Retryable, info.Delay
	//	}
	//
	// MaxRetries still caps the retries with one model: raise it for a
	// policy that wants more. The policy is also asked before a fallback
	// (info.FallbackModel set, Retryable true, Delay 0) and may veto it. It
	// is never asked when the context is done, when the consumer of a
	// stream stopped, or about a misalignment_policy_violation, which is
	// final.
	//
	// A retry never repeats what a caller acted on: Create retries only
	// before it returns, and Stream only before its terminal event, after
	// an [EventRetry] that tells the consumer to discard what it built from
	// the failed attempt's events. Calls are run from a final response, so
	// a retry never runs one twice.
	RetryPolicy func(ctx context.Context, info RetryInfo) (retry bool, delay time.Duration)

	// FallbackModels are the models a request is sent to when its own
	// model cannot serve it ([Error.ModelUnavailable]: at capacity,
	// overloaded, model_not_found) and the retries with that model are
	// used up (or the error is not retried, as model_not_found is not). Each
	// is tried once, in order, with the same request except for "model",
	// while the failure says the model is unavailable; models equal to the
	// request's are skipped. The switch is reported like a retry, with
	// RetryInfo.FallbackModel set (to OnRetry, the retry observer, and as an
	// EventRetry in a stream that had yielded events); the response's Model
	// tells which model answered. Fallbacks apply even when MaxRetries
	// disables retries. [WithFallbackModels] overrides this list per call.
	// Default: none.
	FallbackModels []string
}

// ErrNoAPIKey is what every request returns when the client talks to
// api.openai.com without a key (Options.APIKey, OPENAI_API_KEY, or an
// Authorization header in Options.Header).
var ErrNoAPIKey = errors.New("responses: no API key: set OPENAI_API_KEY (or Options.APIKey); for a gateway, also set OPENAI_BASE_URL")

// isOpenAI reports whether a base URL is OpenAI's API.
func isOpenAI(base string) bool {
	u, err := url.Parse(base)
	return err == nil && strings.EqualFold(u.Hostname(), "api.openai.com")
}

// Client sends requests to the Responses API. It is safe for concurrent
// use; its configuration is fixed at [NewClient]. Call [Client.Close] when
// done with it.
type Client struct {
	url               string
	compactURL        string
	urlErr            error // the base URL may not carry the key
	apiKey            string
	http              *http.Client
	ownTransport      bool // http's transport is the Client's own
	header            http.Header
	maxRetries        int
	retryBaseDelay    time.Duration
	maxRetryDelay     time.Duration
	requestTimeout    time.Duration
	streamIdleTimeout time.Duration
	maxEventSize      int
	logger            *slog.Logger
	onRetry           func(context.Context, RetryInfo)
	retryPolicy       func(context.Context, RetryInfo) (bool, time.Duration)
	fallbackModels    []string
}

// NewClient returns a client configured by opts, which may be nil. It
// copies opts and starts nothing.
func NewClient(opts *Options) *Client {
	var o Options
	if opts != nil {
		o = *opts
	}
	c := &Client{
		apiKey:            o.APIKey,
		maxRetries:        o.MaxRetries,
		retryBaseDelay:    o.RetryBaseDelay,
		maxRetryDelay:     o.MaxRetryDelay,
		requestTimeout:    o.RequestTimeout,
		streamIdleTimeout: o.StreamIdleTimeout,
		maxEventSize:      o.MaxEventSize,
		logger:            o.Logger,
		onRetry:           o.OnRetry,
		retryPolicy:       o.RetryPolicy,
		fallbackModels:    append([]string(nil), o.FallbackModels...),
	}
	base := o.BaseURL
	if base == "" {
		base = os.Getenv("OPENAI_BASE_URL")
	}
	if base == "" {
		base = DefaultBaseURL
	}
	c.url = strings.TrimRight(base, "/") + "/responses"
	c.compactURL = c.url + "/compact"
	if err := keyguard.CheckBaseURL(base, o.AllowInsecureHTTP); err != nil {
		c.urlErr = fmt.Errorf("responses: %w; use https, or set Options.AllowInsecureHTTP", err)
	}
	if c.apiKey == "" {
		c.apiKey = os.Getenv("OPENAI_API_KEY")
	}
	if c.apiKey == "" && c.urlErr == nil && isOpenAI(base) && o.Header.Get("Authorization") == "" {
		// OpenAI needs a key: say so before sending, not with a 401 (or a
		// DNS error, offline). Gateways and local servers may need none.
		c.urlErr = ErrNoAPIKey
	}
	c.http, c.ownTransport = keyguard.Client(o.HTTPClient, 0)
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.retryBaseDelay <= 0 {
		c.retryBaseDelay = DefaultRetryBaseDelay
	}
	if c.maxRetryDelay <= 0 {
		c.maxRetryDelay = DefaultMaxRetryDelay
	}
	switch {
	case c.streamIdleTimeout == 0:
		c.streamIdleTimeout = DefaultStreamIdleTimeout
	case c.streamIdleTimeout < 0:
		c.streamIdleTimeout = 0
	}
	if c.maxEventSize <= 0 {
		c.maxEventSize = DefaultMaxEventSize
	}
	c.header = http.Header{
		"Content-Type": {"application/json"},
		"User-Agent":   {userAgent()},
	}
	if c.apiKey != "" {
		c.header.Set("Authorization", "Bearer "+c.apiKey)
	}
	for k, v := range o.Header {
		c.header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	return c
}

// Close closes the idle keep-alive connections of the transport the Client
// built for itself (Options.HTTPClient nil), which ends the goroutines that
// hold them. A caller's Options.HTTPClient is left alone: its owner closes
// it. Requests in flight are not interrupted, and a Client used after
// Close still works, opening new connections. It returns nil.
func (c *Client) Close() error {
	if c.ownTransport {
		c.http.CloseIdleConnections()
	}
	return nil
}

// userAgent is "agentloop/<module version>", or "agentloop/dev" when the
// version is unknown (tests, a build from a work tree).
func userAgent() string {
	const mod = "github.com/agentloop/agentloop"
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == mod && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == mod && d.Version != "" {
				v = d.Version
			}
		}
	}
	return "agentloop/" + v
}

// encode builds the request body once, with the stream flag forced, and
// the model replaced when model is not empty (a fallback).
func encode(req *Request, stream bool, model string) ([]byte, error) {
	if req == nil {
		return nil, errors.New("responses: nil request")
	}
	r := *req
	r.Stream = stream
	if model != "" {
		r.Model = model
	}
	if !stream || r.Extra != nil {
		extra := make(map[string]json.RawMessage, len(r.Extra)+1)
		for k, v := range r.Extra {
			if k != "stream" {
				extra[k] = v
			}
		}
		if _, ok := extra["model"]; ok && model != "" {
			extra["model"] = appendString(nil, model) // where the request had it
		}
		if !stream {
			extra["stream"] = json.RawMessage("false")
		}
		r.Extra = extra
	}
	return r.AppendJSON(make([]byte, 0, 1024))
}

// newHTTPRequest builds one attempt's request.
func (c *Client) newHTTPRequest(ctx context.Context, body []byte, stream bool) (*http.Request, error) {
	return c.newHTTPRequestTo(ctx, c.url, body, stream)
}

func (c *Client) newHTTPRequestTo(ctx context.Context, url string, body []byte, stream bool) (*http.Request, error) {
	if c.urlErr != nil {
		return nil, c.urlErr
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("responses: %w", err)
	}
	hr.Header = c.header.Clone()
	if hr.Header.Get("Accept") == "" {
		if stream {
			hr.Header.Set("Accept", "text/event-stream")
		} else {
			hr.Header.Set("Accept", "application/json")
		}
	}
	return hr, nil
}

// do sends one attempt. A failure to get a response is returned as a
// transient error, or as the context's error when ctx is done; a redirect
// to another origin is refused for good.
func (c *Client) do(ctx context.Context, hr *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(hr)
	if err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			return nil, cerr
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			// The URL (a redirect's Location, say) may hold the key.
			ue.URL = redactKey(ue.URL, c.apiKey)
		}
		if errors.Is(err, keyguard.ErrRedirect) {
			return nil, fmt.Errorf("responses: %w", err)
		}
		return nil, &transientError{fmt.Errorf("responses: %w", err)}
	}
	return resp, nil
}

func (c *Client) logAttempt(ctx context.Context, resp *http.Response, stream bool) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "responses: response",
		slog.Int("status", resp.StatusCode), slog.Bool("stream", stream),
		slog.String("request_id", resp.Header.Get("X-Request-Id")),
		slog.String("processing_ms", resp.Header.Get("Openai-Processing-Ms")))
}

// readBody reads at most limit bytes of body; more is an error.
func readBody(r io.Reader, limit int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return b, err
	}
	if len(b) > limit {
		return b[:limit], fmt.Errorf("responses: response body larger than %d bytes (raise Options.MaxEventSize)", limit)
	}
	return b, nil
}

// mediaType returns the response's media type, lower case.
func mediaType(resp *http.Response) string {
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Type")))
	}
	return mt
}

// Create sends req without streaming and returns the response. The body is
// encoded once from [Request.AppendJSON], with "stream":false, and sent as
// the same bytes on every attempt; failures are retried as [Options]
// describes.
//
// A response whose status is "failed" is returned together with an *[Error]
// built from its error (retried first when it is retryable, such as
// server_error or a model at capacity). Other errors wrap an *Error (the API said no), the network
// error, or the context's error. A body sent as text/event-stream by a
// gateway that streams anyway is read as a stream and collected.
func (c *Client) Create(ctx context.Context, req *Request) (*Response, error) {
	body, err := encode(req, false, "")
	if err != nil {
		return nil, err
	}
	rt := c.newRetrier(ctx, req)
	for {
		resp, err := c.createOnce(ctx, body)
		if err == nil {
			return resp, nil
		}
		err = redactError(err, c.apiKey)
		info, ok := rt.next(ctx, err)
		if !ok {
			if cerr := ctxErr(ctx); cerr != nil {
				return nil, cerr
			}
			return resp, err
		}
		if info.FallbackModel != "" {
			if body, err = encode(req, false, info.FallbackModel); err != nil {
				return nil, err
			}
		}
		if err := sleep(ctx, info.Delay); err != nil {
			return nil, err
		}
	}
}

func (c *Client) createOnce(ctx context.Context, body []byte) (*Response, error) {
	return c.createOnceAt(ctx, c.url, body)
}

func (c *Client) createOnceAt(ctx context.Context, url string, body []byte) (*Response, error) {
	actx := ctx
	if c.requestTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.requestTimeout)
		defer cancel()
	}
	hr, err := c.newHTTPRequestTo(actx, url, body, false)
	if err != nil {
		return nil, err
	}
	timedOut := func(err error) error {
		if actx.Err() != nil && ctx.Err() == nil {
			return &transientError{fmt.Errorf("responses: no complete response within Options.RequestTimeout (%v): %w", c.requestTimeout, err)}
		}
		return err
	}
	resp, err := c.do(ctx, hr)
	if err != nil {
		return nil, timedOut(err)
	}
	defer resp.Body.Close()
	c.logAttempt(ctx, resp, false)
	b, err := readBody(resp.Body, c.maxEventSize)
	if err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			return nil, cerr
		}
		if len(b) == c.maxEventSize {
			return nil, err
		}
		return nil, timedOut(&transientError{fmt.Errorf("responses: read response: %w", err)})
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newHTTPError(resp.StatusCode, resp.Header, b, c.apiKey)
	}
	if mediaType(resp) == "text/event-stream" {
		// A gateway that streams anyway: read the events.
		out, err := c.collectSSE(ctx, resp, bytes.NewReader(b))
		return out, err
	}
	var out Response
	if err := out.decode(b); err != nil { // b is ours; decode validates, with no extra scan
		if errors.Is(err, jsonscan.ErrUnexpectedEnd) {
			// A body cut short with a clean end (a relay that hides a
			// cut): nothing was acted on, so it is safe to send again.
			return nil, &transientError{fmt.Errorf("responses: the response body was cut short after %d bytes: %w", len(b), ErrStreamTruncated)}
		}
		e := newHTTPError(resp.StatusCode, resp.Header, b, c.apiKey)
		return nil, fmt.Errorf("responses: decode response: %w (%w)", err, e)
	}
	if out.Status == "" && out.Output == nil && out.ID == "" {
		// {"error":…} with a 2xx status.
		if e := newHTTPError(resp.StatusCode, resp.Header, b, c.apiKey); e.Message != "" {
			return nil, e
		}
	}
	if out.Status == StatusFailed {
		return &out, newFailedError(&out, resp.Header, c.apiKey)
	}
	return &out, nil
}

// collectSSE reads a whole event stream into its final response.
func (c *Client) collectSSE(ctx context.Context, resp *http.Response, r io.Reader) (*Response, error) {
	var final *Response
	err := c.readEvents(ctx, resp, r, nil, func(ev *Event) bool {
		if ev.Type == EventResponseCompleted || ev.Type == EventResponseIncomplete {
			final = ev.Response
		}
		return true
	})
	return final, err
}
