package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/activity"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
)

// modelInput is the input of the model activity: the request inline, or
// by reference (turn and call, read from the workflow with a query), with
// its size and SHA-256 either way.
type modelInput struct {
	Agent   string `json:"agent"`
	Turn    int    `json:"turn"`
	Call    int    `json:"call"` // the model call of this turn, from 1
	Request string `json:"request,omitempty"`
	Size    int    `json:"size"`
	SHA256  string `json:"sha256"`
	// Extra is the request's Extra, each value's exact bytes: they go back
	// to Extra after decoding (a key naming a field of responses.Request
	// would land in that field, and be written at another place; a value's
	// surrounding white space would be lost).
	Extra map[string]string `json:"extra,omitempty"`
}

// modelOutput is the result of the model activity: the response as JSON
// text, its output items as their exact bytes.
type modelOutput struct {
	Response string `json:"response"`
}

// toolInput is the input of the tool activity.
type toolInput struct {
	Agent string `json:"agent"` // the agent the run started with
	// InCharge is the agent in charge (State.Agent), the run's agent or one
	// it handed off to.
	InCharge string            `json:"in_charge,omitempty"`
	RunID    string            `json:"run_id"`
	Call     string            `json:"call"` // the call item's JSON
	Record   runner.CallRecord `json:"record"`
}

// toolOutput is the result of the tool activity: a runner.CallOutcome as
// JSON text, its items as their exact bytes.
type toolOutput struct {
	Outcome string `json:"outcome"`
}

// verdict is the client's classification of a failed attempt, taken by
// classify.
type verdict struct {
	set, retry bool
	delay      time.Duration
}

type verdictKey struct{}

// classify is the model client's RetryPolicy: it records the client's
// verdict on a failure (or the caller's policy's) and retries nothing, so
// that Temporal's retry policy does the retrying. Fallback models are
// still tried within the attempt.
func (rt *Runtime) classify(ctx context.Context, info responses.RetryInfo) (bool, time.Duration) {
	retry, delay := info.Retryable, time.Duration(0)
	if rt.userRetry != nil {
		retry, delay = rt.userRetry(ctx, info)
	}
	if info.FallbackModel != "" {
		return retry, delay
	}
	if v, ok := ctx.Value(verdictKey{}).(*verdict); ok {
		*v = verdict{set: true, retry: retry, delay: delay}
	}
	return false, 0
}

// model is the model activity: one request, sent once.
func (rt *Runtime) model(ctx context.Context, in modelInput) (*modelOutput, error) {
	body := in.Request
	if body == "" {
		var err error
		if body, err = rt.loadRequest(ctx, in); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256([]byte(body))
	if len(body) != in.Size || hex.EncodeToString(sum[:]) != in.SHA256 {
		return nil, sdktemporal.NewNonRetryableApplicationError(
			fmt.Sprintf("temporal: the request of turn %d is not the one the workflow sent (%d bytes, want %d)", in.Turn, len(body), in.Size), errFinal, nil)
	}
	req, err := decodeRequest(body, in.Extra)
	if err != nil {
		return nil, sdktemporal.NewNonRetryableApplicationError(err.Error(), errFinal, err)
	}
	ctx, span := rt.tracer.Start(ctx, "chat "+req.Model, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.request.model", req.Model),
			attribute.String("gen_ai.agent.name", in.Agent), attribute.Int("agentloop.turn", in.Turn),
			attribute.Int("agentloop.request.bytes", len(body))))
	defer span.End()
	v := &verdict{}
	stop := heartbeat(ctx, rt.heartbeat/3)
	resp, err := rt.send(context.WithValue(ctx, verdictKey{}, v), req)
	stop()
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return nil, rt.modelFailure(ctx, err, v)
	}
	span.SetAttributes(attribute.String("gen_ai.response.id", resp.ID), attribute.String("gen_ai.response.model", resp.Model))
	if resp.Usage != nil {
		span.SetAttributes(attribute.Int64("gen_ai.usage.input_tokens", resp.Usage.InputTokens),
			attribute.Int64("gen_ai.usage.output_tokens", resp.Usage.OutputTokens))
	}
	s, err := encodeResponse(resp)
	if err != nil {
		return nil, sdktemporal.NewNonRetryableApplicationError(err.Error(), errFinal, err)
	}
	if len(s) > rt.maxPayload {
		return nil, sdktemporal.NewNonRetryableApplicationError(
			fmt.Sprintf("temporal: the response of turn %d is %d bytes, over MaxPayloadBytes (%d)", in.Turn, len(s), rt.maxPayload), errFinal, nil)
	}
	return &modelOutput{Response: s}, nil
}

// send sends the request once, streaming or not as the runner would.
func (rt *Runtime) send(ctx context.Context, req *responses.Request) (*responses.Response, error) {
	if !rt.stream {
		return rt.client.Create(ctx, req)
	}
	var final *responses.Response
	for ev, err := range rt.client.Stream(ctx, req) {
		if err != nil {
			return nil, err
		}
		switch ev.Type {
		case responses.EventResponseCompleted, responses.EventResponseIncomplete:
			final = ev.Response
		case responses.EventRetry:
			final = nil
		}
	}
	if final == nil {
		return nil, &truncated{fmt.Errorf("temporal: stream ended without a final response: %w", responses.ErrStreamTruncated)}
	}
	return final, nil
}

// truncated is a stream that ended early: worth another attempt.
type truncated struct{ error }

func (t *truncated) Unwrap() error { return t.error }

// modelFailure turns a failed model call into the activity's error:
// retryable or not per the client's classification, with the delay the
// server asked for, and the API error in the details.
func (rt *Runtime) modelFailure(ctx context.Context, err error, v *verdict) error {
	if ctx.Err() != nil {
		return ctx.Err() // cancelled, or the attempt timed out
	}
	retry := v.set && v.retry
	var tr *truncated
	if errors.As(err, &tr) {
		retry = true
	}
	opts := sdktemporal.ApplicationErrorOptions{NonRetryable: !retry}
	var apiErr *responses.Error
	if errors.As(err, &apiErr) {
		opts.Details = []any{newAPIError(apiErr)}
		if retry && apiErr.RetryAfter > 0 {
			opts.NextRetryDelay = apiErr.RetryAfter
		}
	}
	if retry && rt.userRetry != nil && v.delay > 0 {
		opts.NextRetryDelay = v.delay
	}
	typ := errModel
	if !retry {
		typ = errFinal
	}
	return sdktemporal.NewApplicationErrorWithOptions(err.Error(), typ, opts)
}

// decodeRequest reads a request the workflow encoded; extra is its Extra,
// which goes back as it was.
func decodeRequest(body string, extra map[string]string) (*responses.Request, error) {
	var req responses.Request
	if err := req.UnmarshalJSON([]byte(body)); err != nil {
		return nil, fmt.Errorf("temporal: decoding the request: %w", err)
	}
	if len(extra) > 0 {
		req.Extra = make(map[string]json.RawMessage, len(extra))
		for k, v := range extra {
			req.Extra[k] = json.RawMessage(v)
		}
	}
	return &req, nil
}

// queryRequest reads a request passed by reference from the workflow.
func queryRequest(ctx context.Context, in modelInput) (string, error) {
	info := activity.GetInfo(ctx)
	c := activity.GetClient(ctx)
	if c == nil {
		return "", sdktemporal.NewNonRetryableApplicationError("temporal: no client to read the request from the workflow", errFinal, nil)
	}
	v, err := c.QueryWorkflow(ctx, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, requestQuery, in.Turn, in.Call)
	if err != nil {
		return "", fmt.Errorf("temporal: reading the request of turn %d from the workflow: %w", in.Turn, err)
	}
	var s string
	if err := v.Get(&s); err != nil {
		return "", fmt.Errorf("temporal: reading the request of turn %d from the workflow: %w", in.Turn, err)
	}
	return s, nil
}

// tool is the tool activity: it runs one call.
func (rt *Runtime) tool(ctx context.Context, in toolInput) (*toolOutput, error) {
	a := inCharge(rt.agents[in.Agent], in.InCharge)
	if a == nil {
		return nil, fmt.Errorf("temporal: no agent named %q is registered on this worker", in.Agent)
	}
	call, err := decodeItem(in.Call)
	if err != nil {
		return nil, sdktemporal.NewNonRetryableApplicationError(err.Error(), errFinal, err)
	}
	rec := in.Record
	if n := int(activity.GetInfo(ctx).Attempt); n > 1 {
		rec.Attempt += n - 1 // an idempotent call run again
	}
	stop := heartbeat(ctx, rt.heartbeat/3)
	out := rt.actRunner.ExecuteCall(ctx, a, in.RunID, rec, call)
	stop()
	if err := ctx.Err(); err != nil && out.Abort == "" {
		return nil, err // cancelled or timed out: the outcome is unknown
	}
	s, err := encodeOutcome(out)
	if err == nil && len(s) > rt.maxPayload {
		s, err = encodeOutcome(tooLarge(call, out, len(s), rt.maxPayload))
	}
	if err != nil {
		return nil, sdktemporal.NewNonRetryableApplicationError(err.Error(), errFinal, err)
	}
	return &toolOutput{Outcome: s}, nil
}

// tooLarge is the outcome of a call whose own outcome does not fit in the
// workflow's history: an error the model reads, or, for a call whose
// output cannot be text (a screenshot), an abort.
func tooLarge(call *responses.Item, out runner.CallOutcome, n, limit int) runner.CallOutcome {
	msg := fmt.Sprintf("the output of this call was %d bytes, more than the %d bytes the workflow keeps (temporal Options.MaxPayloadBytes), so it was dropped", n, limit)
	if responses.TakesText(call.Type) {
		o := responses.ErrorOutput(call, "Error: "+msg)
		return runner.CallOutcome{Output: &o, Error: msg, Duration: out.Duration}
	}
	return runner.CallOutcome{Abort: fmt.Sprintf("temporal: %s %s: %s", call.Type, call.CallID, msg), Duration: out.Duration}
}

// heartbeat records a heartbeat every period until stop is called, which
// waits for its goroutine.
func heartbeat(ctx context.Context, every time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(max(every, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
