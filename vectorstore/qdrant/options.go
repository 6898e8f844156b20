package qdrant

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
)

// Defaults for the zero fields of [Options].
const (
	DefaultPort             = 6334 // Qdrant's gRPC port (6333 is REST)
	DefaultCollectionPrefix = "agentloop_"
	DefaultBatchSize        = 256
	DefaultMaxRetries       = 5
	DefaultRetryBaseDelay   = 200 * time.Millisecond
	DefaultRetryMaxDelay    = 10 * time.Second
)

// Options configure a [Store]. A nil *Options is valid; a zero field means
// the documented default.
type Options struct {
	// APIKey is sent as the "api-key" header of every call. Qdrant Cloud
	// requires it; use it with TLS (an https:// address), as a key sent in
	// clear text can be read on the way.
	APIKey string

	// TLSConfig, when set, is used for TLS even with an http:// or bare
	// host:port address (for a private CA or client certificates). An
	// https:// address alone uses TLS 1.3 with the system roots.
	TLSConfig *tls.Config

	// CollectionPrefix starts the name of every collection the store
	// creates; default "agentloop_". Stores sharing a prefix share
	// collections, so use one prefix per application (or per test).
	CollectionPrefix string

	// BatchSize is the number of points per upsert call; default 256.
	BatchSize int

	// MaxRetries is how many times a call failing with Unavailable,
	// ResourceExhausted or DeadlineExceeded is retried; default 5,
	// negative disables retries.
	MaxRetries int
	// RetryBaseDelay and RetryMaxDelay bound the exponential backoff
	// between retries (jittered between half and all of
	// base·2^attempt, capped at the max); defaults 200ms and 10s. A
	// ResourceExhausted answer carrying retry-after waits at least that
	// long.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration

	// AvgChunkTerms is the average chunk length, in terms, assumed by the
	// client-side BM25 term weights (the sparse vector values); only
	// length normalisation depends on it. Zero means: per store, the mean
	// over the chunks of its first Upsert, recorded in the registry and
	// kept for the store's life (a chunk's weights are fixed when it is
	// written).
	AvgChunkTerms int

	// ExactSearch makes the dense leg an exact scan instead of Qdrant's
	// HNSW index (search params exact=true): the embedded store's exact
	// results at a higher cost on large collections. Small collections
	// (below Qdrant's indexing threshold) are scanned exactly anyway; the
	// sparse leg is always exact.
	ExactSearch bool

	// PoolSize is the number of gRPC connections, used round robin;
	// default 3 (the client's).
	PoolSize int

	// GRPCOptions are added to the client's dial options (interceptors,
	// a custom dialer...).
	GRPCOptions []grpc.DialOption

	// Logger receives debug records of retries and best-effort index
	// creation; nil is silent.
	Logger *slog.Logger
}

// settings are Options with defaults applied.
type settings struct {
	prefix        string
	batch         int
	maxRetries    int
	baseDelay     time.Duration
	maxDelay      time.Duration
	avgChunkTerms float64
	exact         bool
	log           *slog.Logger
}

func newSettings(o *Options) settings {
	if o == nil {
		o = &Options{}
	}
	s := settings{
		prefix:        o.CollectionPrefix,
		batch:         o.BatchSize,
		maxRetries:    o.MaxRetries,
		baseDelay:     o.RetryBaseDelay,
		maxDelay:      o.RetryMaxDelay,
		avgChunkTerms: float64(o.AvgChunkTerms),
		exact:         o.ExactSearch,
		log:           o.Logger,
	}
	if s.prefix == "" {
		s.prefix = DefaultCollectionPrefix
	}
	if s.batch <= 0 {
		s.batch = DefaultBatchSize
	}
	switch {
	case s.maxRetries == 0:
		s.maxRetries = DefaultMaxRetries
	case s.maxRetries < 0:
		s.maxRetries = 0
	}
	if s.baseDelay <= 0 {
		s.baseDelay = DefaultRetryBaseDelay
	}
	if s.maxDelay <= 0 {
		s.maxDelay = DefaultRetryMaxDelay
	}
	if s.maxDelay < s.baseDelay {
		s.maxDelay = s.baseDelay
	}
	if s.avgChunkTerms < 0 {
		s.avgChunkTerms = 0
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// endpoint is a parsed server address.
type endpoint struct {
	host string
	port int
	tls  bool
}

// parseAddr reads the address forms QDRANT_URL takes: "" (localhost:6334),
// "host", "host:port", "http://host[:port]" and "https://host[:port]"
// (TLS). A missing port is 6334, Qdrant's gRPC port; a path is refused.
func parseAddr(addr string) (endpoint, error) {
	ep := endpoint{host: "localhost", port: DefaultPort}
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return ep, nil
	}
	hostport := addr
	if i := strings.Index(addr, "://"); i >= 0 {
		u, err := url.Parse(addr)
		if err != nil {
			return ep, fmt.Errorf("qdrant: address %q: %w", addr, err)
		}
		switch u.Scheme {
		case "http", "grpc":
		case "https", "grpcs":
			ep.tls = true
		default:
			return ep, fmt.Errorf("qdrant: address %q: scheme %q, want http or https", addr, u.Scheme)
		}
		if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
			return ep, fmt.Errorf("qdrant: address %q: want scheme://host[:port] with no path, query or user", addr)
		}
		hostport = u.Host
	}
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	} else if strings.Count(hostport, ":") > 1 && !strings.HasPrefix(hostport, "[") {
		host = hostport // a bare IPv6 address
	} else if strings.Contains(hostport, ":") {
		return ep, fmt.Errorf("qdrant: address %q: %w", addr, err)
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return ep, fmt.Errorf("qdrant: address %q: missing host", addr)
	}
	ep.host = host
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n <= 0 || n > 65535 {
			return ep, fmt.Errorf("qdrant: address %q: bad port %q", addr, port)
		}
		ep.port = n
	}
	return ep, nil
}
