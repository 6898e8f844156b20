package responses

import (
	"context"
	"strings"
)

// retryObserverKey is the context key of WithRetryObserver.
type retryObserverKey struct{}

// WithRetryObserver returns a context that makes the calls made with it
// ([Client.Create], [Client.Stream]) call f before every retry, after
// [Options].OnRetry, from the goroutine that made the call. It is the
// per-call counterpart of OnRetry, for code that does not build the client:
// the runner uses it to put retries on the span of the model call. An
// observer already in ctx is replaced.
func WithRetryObserver(ctx context.Context, f func(ctx context.Context, info RetryInfo)) context.Context {
	return context.WithValue(ctx, retryObserverKey{}, f)
}

// fallbackKey is the context key of WithFallbackModels.
type fallbackKey struct{}

// WithFallbackModels returns a context that makes the calls made with it
// ([Client.Create], [Client.Stream]) use these fallback models instead of
// [Options].FallbackModels; none disables the fallback for those calls. It
// is the per-call counterpart of FallbackModels, for code that sends
// requests for several models through one client (the runner, one agent
// after another). Fallbacks already in ctx are replaced.
func WithFallbackModels(ctx context.Context, models ...string) context.Context {
	return context.WithValue(ctx, fallbackKey{}, append([]string{}, models...))
}

// observeRetry calls the retry observer of ctx, if any.
func observeRetry(ctx context.Context, info RetryInfo) {
	if f, ok := ctx.Value(retryObserverKey{}).(func(context.Context, RetryInfo)); ok && f != nil {
		f(ctx, info)
	}
}

// BaseURL returns the API root the client sends requests to, such as
// "https://api.openai.com/v1", without a trailing slash. It never holds the
// key.
func (c *Client) BaseURL() string {
	return strings.TrimSuffix(c.url, "/responses")
}
