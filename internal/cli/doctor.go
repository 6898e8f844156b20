package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/agentloop/agentloop/pricing"
	"github.com/agentloop/agentloop/responses"
)

// probeResult is what one doctor probe found.
type probeResult struct {
	Name   string `json:"name"`
	Status string `json:"status"` // pass, warn, fail, n/a
	Seen   string `json:"seen,omitempty"`
	Means  string `json:"means,omitempty"`
	Do     string `json:"do,omitempty"`
}

// doctor runs probes against one endpoint.
type doctor struct {
	base, key, model string
	http             *http.Client
	client           *responses.Client
	requestIDs       []string // seen on any answer
}

// probe is one check of the endpoint.
type probe struct {
	name     string
	requests int // how many requests it sends, at most
	run      func(ctx context.Context, d *doctor) probeResult
}

// probes is the fixed, documented set of checks (docs/doctor.md).
func probes() []probe {
	return []probe{
		{"plain text", 1, func(ctx context.Context, d *doctor) probeResult { return d.probeText(ctx) }},
		{"streaming", 1, func(ctx context.Context, d *doctor) probeResult { return d.probeStream(ctx) }},
		{"function call round trip", 2, func(ctx context.Context, d *doctor) probeResult { return d.probeTools(ctx) }},
		{"parallel function calls", 1, func(ctx context.Context, d *doctor) probeResult { return d.probeParallel(ctx) }},
		{"structured output", 1, func(ctx context.Context, d *doctor) probeResult { return d.probeStructured(ctx) }},
		{"image input", 1, func(ctx context.Context, d *doctor) probeResult { return d.probeImage(ctx) }},
		{"reasoning replay (store:false)", 2, func(ctx context.Context, d *doctor) probeResult { return d.probeReasoning(ctx) }},
		{"previous_response_id", 2, func(ctx context.Context, d *doctor) probeResult { return d.probePrevious(ctx) }},
		{"/responses/compact", 1, func(ctx context.Context, d *doctor) probeResult { return d.probeCompact(ctx) }},
		{"bad key", 1, func(ctx context.Context, d *doctor) probeResult { return d.probeBadKey(ctx) }},
		{"request ids", 0, func(ctx context.Context, d *doctor) probeResult { return d.probeRequestIDs(ctx) }},
	}
}

// tokensPerRequest bounds what a probe request costs: a short prompt and
// a reply capped by max_output_tokens (reasoning included).
const (
	probeInputTokens  = 120
	probeOutputTokens = 64
)

func runDoctor(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "doctor", "[flags]", "check which parts of the Responses API work through an endpoint (OpenAI, or a gateway): a few small requests, one line per probe")
	baseURL := fs.String("base-url", "", "API base URL (default $OPENAI_BASE_URL, else https://api.openai.com/v1)")
	model := fs.String("model", DefaultModel, "model to probe with")
	jsonOut := fs.Bool("json", false, "print the results as one JSON array on stdout")
	yes := fs.Bool("yes", false, "send the probes without asking")
	timeout := fs.Duration("timeout", 60*time.Second, "time limit of each probe")
	allowInsecure := fs.Bool("allow-insecure-http", env.Getenv(insecureEnv) == "1", "allow a plain-HTTP base URL that is not loopback")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	key := env.Getenv("OPENAI_API_KEY")
	if key == "" {
		return errors.New("OPENAI_API_KEY is not set: export the key of the endpoint to check")
	}
	base := *baseURL
	if base == "" {
		base = env.Getenv("OPENAI_BASE_URL")
	}
	if base == "" {
		base = responses.DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: base URL %q is not an http(s) URL such as https://api.openai.com/v1", errUsage, base)
	}
	ps := probes()
	requests := 0
	for _, p := range ps {
		requests += p.requests
	}
	estimate := fmt.Sprintf("%d requests, at most about %d input and %d output tokens", requests,
		requests*probeInputTokens, requests*probeOutputTokens)
	u := responses.Usage{InputTokens: int64(requests * probeInputTokens), OutputTokens: int64(requests * probeOutputTokens)}
	if usd, ok := pricing.Default().Cost(*model, &u); ok {
		estimate += fmt.Sprintf(" (at most $%.4f at OpenAI's %s prices)", usd, pricing.DefaultDate)
	} else {
		estimate += " (no price known for " + *model + ")"
	}
	fmt.Fprintf(env.Stderr, "agentloop doctor: %s with %s: %s.\n", base, *model, estimate)
	if !*yes {
		if !env.StdinIsTerminal {
			return fmt.Errorf("%w: add --yes to send the probes (nothing was sent)", errUsage)
		}
		fmt.Fprint(env.Stderr, "Send them? [y/N] ")
		line, _ := bufio.NewReader(env.stdin()).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return errors.New("nothing was sent")
		}
	}
	d := &doctor{base: strings.TrimRight(base, "/"), key: key, model: *model, http: &http.Client{}}
	d.client = responses.NewClient(&responses.Options{BaseURL: base, APIKey: key, MaxRetries: 1,
		AllowInsecureHTTP: *allowInsecure, RequestTimeout: *timeout, StreamIdleTimeout: *timeout})
	defer d.client.Close()
	defer d.http.CloseIdleConnections()
	var results []probeResult
	failed := 0
	for _, p := range ps {
		pctx, cancel := context.WithTimeout(ctx, *timeout)
		r := p.run(pctx, d)
		cancel()
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted (Ctrl-C) after %d probes", len(results))
		}
		r.Name = p.name
		results = append(results, r)
		if r.Status == "fail" {
			failed++
		}
		if !*jsonOut {
			printProbe(env.Stdout, r)
		}
	}
	if *jsonOut {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.Stdout, "%d of %d probes passed", len(results)-failed, len(results))
		if failed > 0 {
			fmt.Fprintf(env.Stdout, "; %d failed", failed)
		}
		fmt.Fprintln(env.Stdout, ".")
	}
	if failed > 0 {
		return errDoctorFailed
	}
	return nil
}

// errDoctorFailed makes doctor exit 1 after printing its results.
var errDoctorFailed = errors.New("some probes failed (see above)")

func printProbe(w io.Writer, r probeResult) {
	mark := map[string]string{"pass": "✓", "warn": "!", "fail": "✗", "n/a": "-"}[r.Status]
	fmt.Fprintf(w, "%s %-32s %s\n", mark, r.Name, r.Seen)
	if r.Means != "" {
		fmt.Fprintf(w, "  %-32s means: %s\n", "", r.Means)
	}
	if r.Do != "" {
		fmt.Fprintf(w, "  %-32s do: %s\n", "", r.Do)
	}
}

// post sends a raw request and returns the answer with its body.
func (d *doctor) post(ctx context.Context, path, key string, body any) (*http.Response, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+path, bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	d.noteIDs(resp.Header)
	return resp, data, err
}

func (d *doctor) noteIDs(h http.Header) {
	for _, k := range []string{"X-Request-Id", "X-Oneapi-Request-Id"} {
		if v := h.Get(k); v != "" {
			d.requestIDs = append(d.requestIDs, k+": "+v)
		}
	}
}

func (d *doctor) request(input string) map[string]any {
	return map[string]any{"model": d.model, "input": input, "store": false, "max_output_tokens": probeOutputTokens}
}

// failed describes a failed request.
func failed(err error, means, do string) probeResult {
	seen := err.Error()
	var apiErr *responses.Error
	if errors.As(err, &apiErr) {
		seen = fmt.Sprintf("HTTP %d %s", apiErr.StatusCode, oneLine(apiErr.Message))
		if apiErr.Code != "" {
			seen += " (" + apiErr.Code + ")"
		}
	}
	return probeResult{Status: "fail", Seen: clip(seen, 160), Means: means, Do: do}
}

func (d *doctor) probeText(ctx context.Context) probeResult {
	resp, body, err := d.post(ctx, "/responses", d.key, d.request("Reply with the word OK."))
	switch {
	case err != nil:
		return probeResult{Status: "fail", Seen: err.Error(), Means: "the endpoint cannot be reached", Do: "check OPENAI_BASE_URL (or --base-url) and the network"}
	case resp.StatusCode == http.StatusNotFound:
		return probeResult{Status: "fail", Seen: fmt.Sprintf("HTTP 404 on %s/responses", d.base), Means: "the endpoint has no Responses API route",
			Do: "use a base URL ending in /v1 of a gateway that routes POST /v1/responses"}
	case resp.StatusCode != http.StatusOK:
		return probeResult{Status: "fail", Seen: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, clip(string(body), 160)),
			Means: "a plain request failed", Do: "check the key and the model (--model)"}
	}
	var r responses.Response
	if err := json.Unmarshal(body, &r); err != nil || r.OutputText() == "" {
		return probeResult{Status: "fail", Seen: "a 200 without a readable response: " + clip(string(body), 120),
			Means: "the relay changes the response body", Do: "report it to the gateway's maintainers"}
	}
	return probeResult{Status: "pass", Seen: fmt.Sprintf("%q (%s)", clip(r.OutputText(), 40), r.Model)}
}

func (d *doctor) probeStream(ctx context.Context) probeResult {
	body := d.request("Count from 1 to 5.")
	body["stream"] = true
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+"/responses", bytes.NewReader(b))
	if err != nil {
		return probeResult{Status: "fail", Seen: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+d.key)
	resp, err := d.http.Do(req)
	if err != nil {
		return probeResult{Status: "fail", Seen: err.Error(), Means: "the stream could not be opened"}
	}
	defer resp.Body.Close()
	d.noteIDs(resp.Header)
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return probeResult{Status: "fail", Seen: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, clip(string(data), 120)), Means: "streaming requests fail"}
	}
	ct := resp.Header.Get("Content-Type")
	var types []string
	comments := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ":"):
			comments++
		case strings.HasPrefix(line, "data:"):
			data := strings.TrimSpace(strings.TrimPrefix(line, "data:"))
			var ev struct {
				Type string `json:"type"`
			}
			if json.Unmarshal([]byte(data), &ev) == nil && ev.Type != "" {
				types = append(types, ev.Type)
			}
		}
	}
	if !strings.HasPrefix(ct, "text/event-stream") {
		return probeResult{Status: "warn", Seen: "a " + ct + " body to a stream request",
			Means: "the relay does not stream: answers arrive whole", Do: "nothing (agentloop reads either); enable streaming on the channel for text as it comes"}
	}
	if len(types) == 0 {
		return probeResult{Status: "fail", Seen: "no event", Means: "the stream is empty or unreadable"}
	}
	last := types[len(types)-1]
	terminal := last == responses.EventResponseCompleted || last == responses.EventResponseIncomplete || last == responses.EventResponseFailed
	seen := fmt.Sprintf("%d events, %s … %s", len(types), types[0], last)
	if comments > 0 {
		seen += fmt.Sprintf(", %d keep-alive comments", comments)
	}
	switch {
	case !terminal:
		return probeResult{Status: "fail", Seen: seen, Means: "the relay closed the stream without a terminal event (a cut stream)",
			Do: "agentloop retries such streams; raise the relay's streaming timeout (New API: STREAMING_TIMEOUT)"}
	case types[0] != responses.EventResponseCreated:
		return probeResult{Status: "warn", Seen: seen, Means: "the events are not in the official order", Do: "nothing: agentloop reads them by type"}
	}
	return probeResult{Status: "pass", Seen: seen}
}

// clockTool is the function the tool probes offer.
var clockTool = map[string]any{"type": "function", "name": "get_time", "description": "The current time in a city.", "strict": true,
	"parameters": map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}},
		"required": []string{"city"}, "additionalProperties": false}}

func (d *doctor) probeTools(ctx context.Context) probeResult {
	req := d.request("What time is it in Paris? Use the tool.")
	req["tools"] = []any{clockTool}
	req["tool_choice"] = "required"
	resp, body, err := d.post(ctx, "/responses", d.key, req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return httpFailed(resp, body, err, "function tools fail", "check that the channel's model supports function calling")
	}
	var r responses.Response
	if err := json.Unmarshal(body, &r); err != nil {
		return probeResult{Status: "fail", Seen: clip(string(body), 120)}
	}
	var call *responses.Item
	for i := range r.Output {
		if r.Output[i].Type == responses.ItemFunctionCall {
			call = &r.Output[i]
		}
	}
	if call == nil {
		return probeResult{Status: "fail", Seen: "no function_call with tool_choice required", Means: "the relay drops tools or tool_choice",
			Do: "use another channel for agents with tools"}
	}
	input := append(append([]responses.Item(nil), responses.UserMessage("What time is it in Paris? Use the tool.")), r.Output...)
	input = append(input, responses.FunctionCallOutput(call.CallID, "14:05"))
	req2 := &responses.Request{Model: d.model, Input: responses.Input{Items: input}, Store: responses.Ptr(false),
		MaxOutputTokens: responses.Ptr(probeOutputTokens), Tools: []responses.Tool{{Type: responses.ToolFunction, Name: "get_time",
			Description: "The current time in a city.", Strict: responses.Ptr(true),
			Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`)}}}
	if d.reasons() {
		req2.Include = []string{responses.IncludeReasoningEncryptedContent}
	}
	r2, err := d.client.Create(ctx, req2)
	if err != nil {
		return failed(err, "the call's output could not be sent back", "check the channel keeps function_call items (New API: update the relay)")
	}
	return probeResult{Status: "pass", Seen: fmt.Sprintf("%s(%s) → %q", call.Name, call.Arguments, clip(r2.OutputText(), 40))}
}

// reasons guesses whether the model returns reasoning to replay.
func (d *doctor) reasons() bool {
	m := strings.ToLower(d.model)
	return !strings.HasPrefix(m, "gpt-4") && !strings.HasPrefix(m, "gpt-3")
}

func (d *doctor) probeParallel(ctx context.Context) probeResult {
	req := d.request("What time is it in Paris and in Tokyo? Call the tool once per city, both at once.")
	req["tools"] = []any{clockTool}
	req["tool_choice"] = "required"
	req["parallel_tool_calls"] = true
	resp, body, err := d.post(ctx, "/responses", d.key, req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return httpFailed(resp, body, err, "parallel calls fail", "")
	}
	var r responses.Response
	_ = json.Unmarshal(body, &r)
	n := 0
	for _, it := range r.Output {
		if it.Type == responses.ItemFunctionCall {
			n++
		}
	}
	if n < 2 {
		return probeResult{Status: "warn", Seen: fmt.Sprintf("%d call", n), Means: "the model (or the relay) made one call where two were asked",
			Do: "nothing: agentloop runs one call per turn as well"}
	}
	return probeResult{Status: "pass", Seen: fmt.Sprintf("%d calls in one response", n)}
}

func (d *doctor) probeStructured(ctx context.Context) probeResult {
	req := d.request("Name one primary color.")
	req["text"] = map[string]any{"format": map[string]any{"type": "json_schema", "name": "color", "strict": true,
		"schema": map[string]any{"type": "object", "properties": map[string]any{"color": map[string]any{"type": "string"}},
			"required": []string{"color"}, "additionalProperties": false}}}
	resp, body, err := d.post(ctx, "/responses", d.key, req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return httpFailed(resp, body, err, "structured output fails", "use a channel whose model supports json_schema")
	}
	var r responses.Response
	_ = json.Unmarshal(body, &r)
	var v struct {
		Color string `json:"color"`
	}
	if err := json.Unmarshal([]byte(r.OutputText()), &v); err != nil || v.Color == "" {
		return probeResult{Status: "fail", Seen: clip(r.OutputText(), 80), Means: "the answer does not follow the schema", Do: "the relay may drop text.format"}
	}
	return probeResult{Status: "pass", Seen: r.OutputText()}
}

// redPixel is an 8×8 red PNG.
const redPixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC"

func (d *doctor) probeImage(ctx context.Context) probeResult {
	req := d.request("")
	req["input"] = []any{map[string]any{"role": "user", "content": []any{
		map[string]any{"type": "input_text", "text": "What color is this image? One word."},
		map[string]any{"type": "input_image", "image_url": redPixel}}}}
	resp, body, err := d.post(ctx, "/responses", d.key, req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return httpFailed(resp, body, err, "image input fails", "use a vision model, or a channel that forwards input_image")
	}
	var r responses.Response
	_ = json.Unmarshal(body, &r)
	return probeResult{Status: "pass", Seen: fmt.Sprintf("%q", clip(r.OutputText(), 40))}
}

func (d *doctor) probeReasoning(ctx context.Context) probeResult {
	first := responses.UserMessage("Think briefly: what is 17 times 3?")
	req := &responses.Request{Model: d.model, Input: responses.Input{Items: []responses.Item{first}}, Store: responses.Ptr(false),
		Include: []string{responses.IncludeReasoningEncryptedContent}, MaxOutputTokens: responses.Ptr(probeOutputTokens * 4),
		Reasoning: &responses.Reasoning{Effort: "low"}}
	r, err := d.client.Create(ctx, req)
	if err != nil {
		var apiErr *responses.Error
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
			return probeResult{Status: "n/a", Seen: clip(apiErr.Message, 100), Means: "the model does not reason, or refuses the include"}
		}
		return failed(err, "a reasoning request failed", "")
	}
	hasReasoning := false
	for _, it := range r.Output {
		if it.Type == responses.ItemReasoning && it.EncryptedContent != "" {
			hasReasoning = true
		}
	}
	if !hasReasoning {
		return probeResult{Status: "n/a", Seen: "no encrypted reasoning item in the answer", Means: "nothing to replay with this model"}
	}
	input := append([]responses.Item{first}, r.Output...)
	input = append(input, responses.UserMessage("And times 4?"))
	req.Input = responses.Input{Items: input}
	if _, err := d.client.Create(ctx, req); err != nil {
		var apiErr *responses.Error
		if errors.As(err, &apiErr) && (apiErr.Code == "invalid_encrypted_content" || strings.Contains(apiErr.Message, "could not be verified")) {
			return probeResult{Status: "fail", Seen: "invalid_encrypted_content on the second turn",
				Means: "the relay sent the second turn to another upstream account, which cannot read the first's reasoning",
				Do:    "enable channel affinity for /v1/responses (New API: an affinity rule keyed on the token); agentloop retries without reasoning meanwhile"}
		}
		return failed(err, "replaying reasoning failed", "")
	}
	return probeResult{Status: "pass", Seen: "encrypted reasoning replayed on a second turn"}
}

func (d *doctor) probePrevious(ctx context.Context) probeResult {
	req := &responses.Request{Model: d.model, Input: responses.InputText("Remember the word kiwi. Reply OK."), Store: responses.Ptr(true),
		MaxOutputTokens: responses.Ptr(probeOutputTokens)}
	r, err := d.client.Create(ctx, req)
	if err != nil {
		return failed(err, "a stored response could not be created", "use the default stateless mode (no ChainResponses)")
	}
	req2 := &responses.Request{Model: d.model, Input: responses.InputText("Which word?"), PreviousResponseID: r.ID,
		Store: responses.Ptr(true), MaxOutputTokens: responses.Ptr(probeOutputTokens)}
	if _, err := d.client.Create(ctx, req2); err != nil {
		return failed(err, "the relay does not keep responses for previous_response_id, or sends them to another account",
			"use the default stateless mode (agentloop's default), or enable channel affinity")
	}
	return probeResult{Status: "pass", Seen: "a second turn continued " + r.ID}
}

func (d *doctor) probeCompact(ctx context.Context) probeResult {
	_, err := d.client.Compact(ctx, &responses.CompactRequest{Model: d.model, Input: []responses.Item{
		responses.UserMessage("Hello."), {Type: responses.ItemMessage, Role: responses.RoleAssistant, ContentText: "Hi."}}})
	switch {
	case errors.Is(err, responses.ErrCompactUnsupported):
		return probeResult{Status: "fail", Seen: "404 on /responses/compact", Means: "this relay does not route /responses/compact",
			Do: "nothing to do for agentloop runs: Options.Compaction trims instead; context_management still works if the relay forwards it"}
	case err != nil:
		return failed(err, "compaction fails", "")
	}
	return probeResult{Status: "pass", Seen: "compacted"}
}

func (d *doctor) probeBadKey(ctx context.Context) probeResult {
	resp, body, err := d.post(ctx, "/responses", "sk-agentloop-doctor-not-a-key", d.request("hi"))
	if err != nil {
		return probeResult{Status: "fail", Seen: err.Error()}
	}
	var w struct {
		Error json.RawMessage `json:"error"`
	}
	jsonBody := json.Unmarshal(body, &w) == nil && w.Error != nil
	seen := fmt.Sprintf("HTTP %d %s", resp.StatusCode, clip(oneLine(string(body)), 80))
	switch {
	case resp.StatusCode == http.StatusOK:
		return probeResult{Status: "fail", Seen: seen, Means: "the endpoint accepted an invalid key", Do: "check the gateway's authentication"}
	case resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden:
		return probeResult{Status: "warn", Seen: seen, Means: "a bad key is not answered with 401", Do: "nothing: agentloop shows the status and message"}
	case !jsonBody:
		return probeResult{Status: "warn", Seen: seen, Means: "the error body is not JSON", Do: "nothing: agentloop keeps the status; some SDKs lose it"}
	case len(w.Error) > 0 && w.Error[0] == '"':
		return probeResult{Status: "pass", Seen: seen, Means: `{"error":"text"} instead of OpenAI's object: agentloop reads both`}
	}
	return probeResult{Status: "pass", Seen: seen}
}

func (d *doctor) probeRequestIDs(context.Context) probeResult {
	if len(d.requestIDs) == 0 {
		return probeResult{Status: "warn", Seen: "no x-request-id nor X-Oneapi-Request-Id header",
			Means: "failures cannot be traced to a request", Do: "ask the gateway to forward x-request-id"}
	}
	return probeResult{Status: "pass", Seen: d.requestIDs[len(d.requestIDs)-1]}
}

// httpFailed describes a raw request that failed.
func httpFailed(resp *http.Response, body []byte, err error, means, do string) probeResult {
	if err != nil {
		return probeResult{Status: "fail", Seen: err.Error(), Means: means, Do: do}
	}
	return probeResult{Status: "fail", Seen: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, clip(oneLine(string(body)), 140)), Means: means, Do: do}
}
