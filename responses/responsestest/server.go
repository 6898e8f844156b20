// Package responsestest provides a scripted OpenAI Responses server on
// net/http/httptest, for the tests of code that calls POST /v1/responses,
// for examples, and for `agentloop demo`.
//
// A [Server] answers each request with the next [Step] of its queue: a
// response holding the output items the test wants (streamed as SSE when
// the request asks for it, with every event of the official order), an HTTP
// error, an HTML page from a proxy, a stream cut short, an in-stream error,
// or the exact bytes of a recorded [Cassette]. Every request is kept (see
// [Server.Requests]) and checked as the real API would check it, plus a
// little more:
//
//   - the method and path are POST /v1/responses, with an
//     "Authorization: Bearer" key (the one in [Options.APIKey], if set);
//   - the body is valid UTF-8 and decodes as a [responses.Request];
//   - every call the client must answer in the input (or in the response
//     named by previous_response_id): function_call, custom_tool_call,
//     computer_call, shell_call and local_shell_call, apply_patch_call, a
//     client tool_search_call, has exactly one output of the matching type
//     ([responses.OutputType]) with its call_id, no output lacks its call (a
//     hosted search's tool_search_output answers none), and a
//     computer_call_output acknowledges its call's pending safety checks;
//   - with previous_response_id or a conversation (see
//     [Server.NewConversation]), no input item is one the server already
//     holds ("Duplicate item found"), and the two are not given together;
//   - without previous_response_id or a conversation, every output item this server sent
//     earlier in the same conversation is replayed byte for byte (an item
//     sent with invalid UTF-8 must come back with U+FFFD in its place; an
//     item a response reported withheld in its input_transformations may
//     be left out).
//
// A request that breaks a rule is answered with an HTTP error in OpenAI's
// shape and recorded as a violation: [Server.Err] returns them, and
// [Server.Check] (called for you by [Start]) fails the test with them.
//
//	srv := responsestest.Start(t,
//		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Paris"}`)),
//		responsestest.Reply(responsestest.Message("18°C in Paris.")),
//	)
//	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
package responsestest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/agentloop/agentloop/responses"
)

// Options configures a [Server]. The zero value is valid.
type Options struct {
	// APIKey is the key requests must carry as "Authorization: Bearer
	// <key>". Empty accepts any non-empty key.
	APIKey string

	// Steps is the initial queue; [Server.Add] adds more.
	Steps []Step

	// Fallback, when set, computes the answer to a request that finds the
	// queue empty, so a server can run for ever (the demo does). When nil,
	// such a request gets an HTTP 500 and is recorded as a violation.
	Fallback func(r *Received) Step

	// NoHistoryCheck turns off the check that earlier output items are
	// replayed byte for byte.
	NoHistoryCheck bool

	// NoCompact makes POST /v1/responses/compact answer 404, as a gateway
	// without the route does. By default the server compacts: it answers
	// with the input's last user message and a compaction item standing for
	// the rest.
	NoCompact bool

	// Chunks is about how many delta events carry each text, arguments or
	// input when streaming (texts shorter than 8 bytes per chunk get fewer).
	// Zero means 3.
	Chunks int

	// Now gives created_at. Nil means time.Now.
	Now func() time.Time
}

// Received is one request the server received.
type Received struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte // the body, exactly as received

	// Request is the decoded body, nil when it did not decode.
	Request *responses.Request

	// ResponseID is the id of the response the server answered with, when
	// it answered with one.
	ResponseID string
}

// Server is a scripted Responses server. Its methods are safe for
// concurrent use.
type Server struct {
	ts      *httptest.Server
	opts    Options
	closing chan struct{}
	once    sync.Once

	mu         sync.Mutex
	queue      []Step
	received   []Received
	violations []string
	ids        int
	byID       map[string]*sentItem
	byCall     map[string]*sentItem
	convs      map[string]*conv
	nconv      int
	withheld   map[string]bool // ids reported removed by input_transformations
	// conversations maps a conversation id to its latest response (or to
	// an empty start, for a new conversation).
	conversations map[string]*conv
	compactions   map[string]bool // ids of the compaction items sent
}

// sentItem is an output item the server sent, with the bytes a replay must
// carry (a recorded stream may show two encodings of one item).
type sentItem struct {
	typ, id, callID string
	call            bool                    // a call the client must answer
	pending         []responses.SafetyCheck // a computer_call's pending safety checks
	variants        [][]byte
	conv            *conv
}

// conv is a response the server sent and the conversation up to it.
type conv struct {
	seq     int
	id      string
	history []*sentItem     // every item the server sent in this conversation
	calls   []*sentItem     // the calls of this response
	held    map[string]bool // the ids of every item in the context: inputs and outputs
}

// NewServer starts a server listening on a loopback port. Close it when
// done. nil opts is valid. In a test that needs options, close and check it
// as [Start] does:
//
//	srv := responsestest.NewServer(&responsestest.Options{APIKey: "sk-test", Steps: steps})
//	t.Cleanup(func() { srv.Close(); srv.Check(t) })
func NewServer(opts *Options) *Server {
	s := &Server{closing: make(chan struct{}), byID: map[string]*sentItem{},
		byCall: map[string]*sentItem{}, convs: map[string]*conv{}, conversations: map[string]*conv{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Chunks <= 0 {
		s.opts.Chunks = 3
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	s.queue = append([]Step(nil), s.opts.Steps...)
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Start starts a server with these steps for the test t. It closes the
// server when the test ends, then fails the test if the server saw a
// protocol violation or if steps were left unused.
func Start(t testing.TB, steps ...Step) *Server {
	t.Helper()
	s := NewServer(&Options{Steps: steps})
	t.Cleanup(func() {
		s.Close()
		s.Check(t)
	})
	return s
}

// NewConversation creates a server-side conversation and returns its id
// ("conv_…"), as POST /v1/conversations does. A request that names it
// ("conversation") continues it: the server holds every item sent and
// received in it, answers "Duplicate item found" to an input item it
// already holds, and pairs the calls of its last response with the
// request's outputs.
func (s *Server) NewConversation() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID("conv_")
	s.conversations[id] = &conv{seq: -1, held: map[string]bool{}}
	return id
}

// URL returns the base URL of the API, ending in /v1 (as OPENAI_BASE_URL
// does): requests go to URL()+"/responses".
func (s *Server) URL() string { return s.ts.URL + "/v1" }

// Close stops the server: it ends stalled and delayed answers and waits for
// the handlers to return.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.ts.Close()
}

// Add appends steps to the queue.
func (s *Server) Add(steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, steps...)
}

// Pending returns how many queued steps are still unused.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Requests returns the requests received so far, in order of arrival.
func (s *Server) Requests() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Err returns the protocol violations seen so far, one per line, or nil.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.violations) == 0 {
		return nil
	}
	return errors.New("responsestest: " + strings.Join(s.violations, "\n"))
}

// Check fails t with each protocol violation seen and with the number of
// unused steps, if any.
func (s *Server) Check(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.violations {
		t.Errorf("responsestest: %s", v)
	}
	if n := len(s.queue); n > 0 {
		t.Errorf("responsestest: %d scripted step(s) never used (%d requests received)", n, len(s.received))
	}
}

// violate records a violation; s.mu must be held.
func (s *Server) violate(n int, format string, args ...any) string {
	msg := fmt.Sprintf(format, args...)
	s.violations = append(s.violations, fmt.Sprintf("request %d: %s", n+1, msg))
	return msg
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	rec := Received{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	req := new(responses.Request)
	var status int
	var typ, code, param, problem string
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/responses/compact":
		s.compact(w, r, rec)
		return
	case r.Method == http.MethodPost && r.URL.Path == "/v1/conversations":
		id := s.NewConversation()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"object":"conversation","created_at":%d,"metadata":{}}`, id, s.opts.Now().Unix())
		return
	case r.Method != http.MethodPost || r.URL.Path != "/v1/responses":
		status, typ = http.StatusNotFound, "invalid_request_error"
		problem = fmt.Sprintf("Invalid URL (%s %s): want POST /v1/responses", r.Method, r.URL.Path)
	case s.authProblem(r.Header.Get("Authorization")) != "":
		status, typ, code = http.StatusUnauthorized, "invalid_request_error", "invalid_api_key"
		problem = s.authProblem(r.Header.Get("Authorization"))
	case !utf8.Valid(body):
		status, typ = http.StatusBadRequest, "invalid_request_error"
		problem = "the body is not valid UTF-8, so not valid JSON text"
	default:
		if err := json.Unmarshal(body, req); err != nil {
			status, typ = http.StatusBadRequest, "invalid_request_error"
			problem = fmt.Sprintf("the body is not a Responses request: %v", err)
		} else {
			rec.Request = req
		}
	}

	s.mu.Lock()
	n := len(s.received)
	s.received = append(s.received, rec)
	var parent *conv
	if problem == "" {
		var problems []string
		parent, problems = s.check(req)
		for _, p := range problems {
			s.violate(n, "%s", p)
		}
		if len(problems) > 0 {
			status, typ, param, problem = http.StatusBadRequest, "invalid_request_error", "input", problems[0]
		}
	} else {
		s.violate(n, "%s", problem)
	}
	if problem != "" {
		s.mu.Unlock()
		writeError(w, status, typ, code, "responsestest: "+problem, param)
		return
	}
	var step Step
	ok := len(s.queue) > 0
	if ok {
		step = s.queue[0]
		s.queue = s.queue[1:]
	} else if s.opts.Fallback == nil {
		msg := s.violate(n, "no scripted step left")
		s.mu.Unlock()
		writeError(w, http.StatusInternalServerError, "server_error", "", "responsestest: "+msg, "")
		return
	}
	s.mu.Unlock()
	if !ok {
		step = s.opts.Fallback(&rec)
	}
	for step.kind == kindFunc {
		if step.fn == nil {
			step = Reply()
			break
		}
		step = step.fn(&rec)
	}
	s.answer(w, r, n, req, parent, step)
}

func (s *Server) authProblem(h string) string {
	key, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(key) == "" {
		return "no API key: want an \"Authorization: Bearer <key>\" header"
	}
	if s.opts.APIKey != "" && key != s.opts.APIKey {
		return "Incorrect API key provided"
	}
	return ""
}

func writeError(w http.ResponseWriter, status int, typ, code, message, param string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorBody(nil, typ, code, message, param)) //nolint:errcheck // the client may be gone
}

// wait waits d, or until the client goes away or the server closes; it
// reports whether d elapsed.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, n int, req *responses.Request, parent *conv, step Step) {
	if step.delay > 0 && !s.wait(r.Context(), step.delay) {
		return
	}
	h := w.Header()
	for k, v := range step.header {
		h[k] = v
	}
	if step.kind == kindRaw {
		if step.httpStatus == http.StatusOK {
			s.registerRaw(n, parent, step.body)
		}
		if step.contentType != "" {
			h.Set("Content-Type", step.contentType)
		}
		w.WriteHeader(step.httpStatus)
		s.write(w, r, step, step.body, nil)
		return
	}
	rp := s.prepare(n, req, parent, step)
	stream := req.Stream
	if step.stream != 0 {
		stream = step.stream > 0
	}
	if !stream {
		if step.errorEvent {
			typ := step.errType
			if typ == "" {
				typ = "server_error"
			}
			writeError(w, http.StatusInternalServerError, typ, step.errCode, step.errMessage, "")
			return
		}
		body := rp.appendResponse(make([]byte, 0, 512+sizeOf(rp.itemBytes)), true)
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		s.write(w, r, step, body, nil)
		return
	}
	ev := &events{b: make([]byte, 0, 4096+4*sizeOf(rp.itemBytes))}
	if step.errorEvent && step.cutAfter >= 0 {
		rp.appendEvents(ev, false)
		ev.b = ev.b[:offset(ev.ends, step.cutAfter, len(ev.b))]
		ev.ends = ev.ends[:min(step.cutAfter, len(ev.ends))]
		ev.seq = int64(len(ev.ends))
		appendErrorEvent(ev, step.errType, step.errCode, step.errMessage)
		step.cutAfter = -1
	} else {
		rp.appendEvents(ev, step.errorEvent)
	}
	if step.done {
		if step.cutAfter >= 0 {
			ev.b = ev.b[:offset(ev.ends, step.cutAfter, len(ev.b))]
			ev.ends = ev.ends[:min(step.cutAfter, len(ev.ends))]
			step.cutAfter = -1
		}
		ev.b = append(ev.b, "data: [DONE]\n\n"...)
		ev.ends = append(ev.ends, len(ev.b))
	}
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s.write(w, r, step, ev.b, ev.ends)
}

func sizeOf(items [][]byte) int {
	n := 0
	for _, b := range items {
		n += len(b)
	}
	return n
}

// offset returns where the first n events (or, without ends, bytes) of a
// body of length size end.
func offset(ends []int, n, size int) int {
	if ends == nil {
		return min(n, size)
	}
	if n == 0 {
		return 0
	}
	if n > len(ends) {
		return size
	}
	return ends[n-1]
}

// write sends body, cut, paced or stalled as the step says.
func (s *Server) write(w http.ResponseWriter, r *http.Request, step Step, body []byte, ends []int) {
	if step.cutAfter >= 0 {
		body = body[:offset(ends, step.cutAfter, len(body))]
	}
	if step.stallAfter >= 0 {
		body = body[:offset(ends, step.stallAfter, len(body))]
	}
	flush := func() { http.NewResponseController(w).Flush() } //nolint:errcheck // best effort
	if step.pace > 0 && ends != nil {
		start := 0
		for i, end := range ends {
			if end > len(body) {
				break
			}
			if i > 0 && !s.wait(r.Context(), step.pace) {
				return
			}
			if _, err := w.Write(body[start:end]); err != nil {
				return
			}
			flush()
			start = end
		}
		body = body[start:]
	}
	w.Write(body) //nolint:errcheck // the client may be gone
	if step.stallAfter >= 0 {
		flush()
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	}
}

// nextID returns prefix followed by a fresh number; s.mu must be held.
func (s *Server) nextID(prefix string) string {
	s.ids++
	b := append(make([]byte, 0, len(prefix)+8), prefix...)
	if s.ids < 1000 {
		b = append(b, '0')
		if s.ids < 100 {
			b = append(b, '0')
			if s.ids < 10 {
				b = append(b, '0')
			}
		}
	}
	return string(strconv.AppendInt(b, int64(s.ids), 10))
}

var idPrefix = map[string]string{
	responses.ItemMessage:        "msg_",
	responses.ItemFunctionCall:   "fc_",
	responses.ItemCustomToolCall: "ctc_",
	responses.ItemComputerCall:   "cu_",
	responses.ItemReasoning:      "rs_",
	responses.ItemFileSearchCall: "fs_",
	responses.ItemWebSearchCall:  "ws_",
	responses.ItemShellCall:      "sh_",
	responses.ItemLocalShellCall: "lsh_",
	responses.ItemApplyPatchCall: "apc_",
	responses.ItemToolSearchCall: "tsc_",

	responses.ItemMCPApprovalRequest: "mcpr_",
	responses.ItemMCPCall:            "mcp_",
	responses.ItemMCPListTools:       "mcpl_",
}

// prepare builds the reply to request n: ids, item encodings, usage, and
// records what the server sends.
func (s *Server) prepare(n int, req *responses.Request, parent *conv, step Step) *reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := &reply{id: s.nextID("resp_"), createdAt: s.opts.Now().Unix(), model: step.model,
		instructions: req.Instructions, prevID: req.PreviousResponseID,
		parallel: req.ParallelToolCalls == nil || *req.ParallelToolCalls, tools: req.Tools,
		status: step.status, reason: step.reason, errCode: step.errCode, errMessage: step.errMessage, errType: step.errType,
		transforms: step.transforms,
		chunks:     s.opts.Chunks}
	if rp.model == "" {
		rp.model = req.Model
	}
	if step.compaction {
		step.items = append([]responses.Item{s.compactionItem(len(req.Input.Items))}, step.items...)
	}
	for _, t := range step.transforms {
		if t.Action == responses.TransformRemoved && t.ID != "" {
			if s.withheld == nil {
				s.withheld = map[string]bool{}
			}
			s.withheld[t.ID] = true
		}
	}
	if rp.status == "" {
		rp.status = responses.StatusCompleted
	}
	rp.items = make([]responses.Item, 0, len(step.items))
	rp.itemBytes = make([][]byte, 0, len(step.items))
	sent := make([]*sentItem, 0, len(step.items))
	for i, it := range step.items {
		if it.Raw() == nil {
			if it.ID == "" {
				p, ok := idPrefix[it.Type]
				if !ok {
					p = "item_"
				}
				it.ID = s.nextID(p)
			}
			if it.CallID == "" && it.IsCall() && it.Type != responses.ItemMCPApprovalRequest {
				// (An mcp_approval_request has no call_id: its id pairs it.)
				it.CallID = s.nextID("call_")
			}
		}
		b, err := it.MarshalJSON()
		if err != nil {
			s.violate(n, "scripted item %d cannot be sent: %v", i, err)
			continue
		}
		rp.items = append(rp.items, it)
		rp.itemBytes = append(rp.itemBytes, b)
		sent = append(sent, &sentItem{typ: it.Type, id: it.ID, callID: it.PairID(), call: it.IsCall(), pending: it.PendingSafetyChecks,
			variants: [][]byte{b}})
	}
	if step.usage != nil {
		rp.usage = *step.usage
	} else {
		in, out := int64(len(s.received[n].Body)/4), int64(sizeOf(rp.itemBytes)/4)
		rp.usage = responses.Usage{InputTokens: in, OutputTokens: out, TotalTokens: in + out}
	}
	s.received[n].ResponseID = rp.id
	s.register(parent, rp.id, sent, req)
	return rp
}

// register records a response, its output items and the input that led to
// it; s.mu must be held.
func (s *Server) register(parent *conv, id string, items []*sentItem, req *responses.Request) {
	c := &conv{seq: s.nconv, id: id, held: map[string]bool{}}
	s.nconv++
	if parent != nil {
		c.history = append(c.history, parent.history...)
		for k := range parent.held {
			c.held[k] = true
		}
	}
	if req != nil {
		for i := range req.Input.Items {
			if id := req.Input.Items[i].ID; id != "" {
				c.held[id] = true
			}
		}
		if req.Conversation != "" {
			defer func() { s.conversations[req.Conversation] = c }()
		}
	}
	c.history = append(c.history, items...)
	for _, it := range items {
		if it.id != "" {
			c.held[it.id] = true
		}
	}
	for _, it := range items {
		it.conv = c
		if it.id != "" {
			s.byID[it.id] = it
		}
		if it.call && it.callID != "" {
			s.byCall[it.callID] = it
			c.calls = append(c.calls, it)
		}
	}
	if id != "" {
		s.convs[id] = c
	}
}

// registerRaw records the output items of a recorded 200 body.
func (s *Server) registerRaw(n int, parent *conv, body []byte) {
	id, items := parseOutput(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received[n].ResponseID = id
	s.register(parent, id, items, s.received[n].Request)
}

// parseOutput reads the response id and output items of a response body,
// JSON or SSE.
func parseOutput(body []byte) (string, []*sentItem) {
	type response struct {
		ID     string            `json:"id"`
		Output []json.RawMessage `json:"output"`
	}
	var id string
	var final []json.RawMessage
	var done []json.RawMessage
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		var r response
		if json.Unmarshal(t, &r) != nil {
			return "", nil
		}
		id, final = r.ID, r.Output
	} else {
		for line := range bytes.Lines(body) {
			data, ok := bytes.CutPrefix(line, []byte("data:"))
			if !ok {
				continue
			}
			var ev struct {
				Type     string          `json:"type"`
				Item     json.RawMessage `json:"item"`
				Response *response       `json:"response"`
			}
			if json.Unmarshal(data, &ev) != nil {
				continue
			}
			if ev.Response != nil && ev.Response.ID != "" {
				id = ev.Response.ID
			}
			switch ev.Type {
			case responses.EventOutputItemDone:
				done = append(done, ev.Item)
			case responses.EventResponseCompleted, responses.EventResponseIncomplete:
				final = ev.Response.Output
			}
		}
		if final == nil {
			final = done
		}
	}
	var items []*sentItem
	for _, raw := range final {
		var it responses.Item
		if json.Unmarshal(raw, &it) != nil {
			continue
		}
		si := &sentItem{typ: it.Type, id: it.ID, callID: it.PairID(), call: it.IsCall(), pending: it.PendingSafetyChecks,
			variants: [][]byte{raw}}
		if !utf8.Valid(raw) {
			// Sent with invalid UTF-8: a client must replay it with U+FFFD.
			si.variants = append(si.variants, bytes.ToValidUTF8(raw, []byte("\uFFFD")))
		}
		for _, d := range done {
			var o responses.Item
			if !bytes.Equal(d, raw) && json.Unmarshal(d, &o) == nil && o.ID != "" && o.ID == it.ID {
				si.variants = append(si.variants, d)
			}
		}
		items = append(items, si)
	}
	return id, items
}

// callOf returns the call type an output type answers, or "".
func callOf(typ string) string {
	for _, call := range [...]string{responses.ItemFunctionCall, responses.ItemCustomToolCall, responses.ItemComputerCall,
		responses.ItemShellCall, responses.ItemLocalShellCall, responses.ItemApplyPatchCall, responses.ItemToolSearchCall,
		responses.ItemMCPApprovalRequest} {
		if responses.OutputType(call) == typ {
			return call
		}
	}
	return ""
}

// check applies the pairing and history rules to a request and returns the
// conversation it continues; s.mu must be held.
func (s *Server) check(req *responses.Request) (*conv, []string) {
	var problems []string
	items := req.Input.Items
	var prev *conv
	switch {
	case req.PreviousResponseID != "" && req.Conversation != "":
		problems = append(problems, "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.")
	case req.PreviousResponseID != "":
		prev = s.convs[req.PreviousResponseID]
		if prev == nil {
			problems = append(problems, fmt.Sprintf("Previous response with id '%s' not found.", req.PreviousResponseID))
		}
	case req.Conversation != "":
		prev = s.conversations[req.Conversation]
		if prev == nil {
			problems = append(problems, fmt.Sprintf("Conversation with id '%s' not found.", req.Conversation))
		}
	}
	if prev != nil {
		// The server holds the context: an input item it already has is a
		// duplicate.
		for i := range items {
			if id := items[i].ID; id != "" && prev.held[id] {
				problems = append(problems, fmt.Sprintf("Duplicate item found with id %s. Remove the duplicate items from your input and try again.", id))
			}
		}
	}

	type call struct {
		typ, id string
		pending []responses.SafetyCheck
		outputs int
	}
	var calls []*call
	byID := map[string]*call{}
	add := func(typ, id string, pending []responses.SafetyCheck) {
		if c := byID[id]; c != nil && c.typ == typ {
			// The API pairs outputs with calls by call_id: calls that share
			// one (a faulty model's) are answered by one output.
			c.pending = append(c.pending, pending...)
			return
		}
		c := &call{typ: typ, id: id, pending: pending}
		calls = append(calls, c)
		byID[id] = c
	}
	if prev != nil {
		for _, c := range prev.calls {
			add(c.typ, c.callID, c.pending)
		}
	}
	for i := range items {
		if items[i].IsCall() {
			add(items[i].Type, items[i].PairID(), items[i].PendingSafetyChecks)
		}
	}
	for i := range items {
		want := callOf(items[i].Type)
		if want == "" || hostedResult(&items[i]) {
			continue
		}
		// By call_id; an mcp_approval_response answers the
		// mcp_approval_request whose id is its approval_request_id.
		c := byID[items[i].PairID()]
		switch {
		case c == nil && items[i].Type == responses.ItemMCPApprovalResponse:
			problems = append(problems, fmt.Sprintf("No mcp_approval_request found for mcp_approval_response with approval_request_id %q.", items[i].ApprovalRequestID))
		case c == nil:
			problems = append(problems, fmt.Sprintf("No tool call found for %s with call_id %q.", items[i].Type, items[i].CallID))
		case c.typ != want:
			problems = append(problems, fmt.Sprintf("%s with call_id %q answers a %s.", items[i].Type, c.id, c.typ))
		default:
			c.outputs++
			if missing := unacknowledged(c.pending, items[i].AcknowledgedSafetyChecks); missing != "" {
				problems = append(problems, fmt.Sprintf("computer_call_output for %s does not acknowledge the pending safety checks %s.", c.id, missing))
			}
		}
	}
	for _, c := range calls {
		switch {
		case c.outputs == 0:
			problems = append(problems, fmt.Sprintf("No tool output found for %s %s.", c.typ, c.id))
		case c.outputs > 1:
			problems = append(problems, fmt.Sprintf("%s %s has %d outputs, want 1.", c.typ, c.id, c.outputs))
		}
	}
	if prev != nil {
		return prev, problems
	}

	// Find the latest response whose items the input replays.
	var latest *conv
	for i := range items {
		var si *sentItem
		if items[i].ID != "" {
			si = s.byID[items[i].ID]
		}
		if si == nil && items[i].IsCall() && items[i].PairID() != "" {
			si = s.byCall[items[i].PairID()]
		}
		if si != nil && (latest == nil || si.conv.seq > latest.seq) {
			latest = si.conv
		}
	}
	if latest == nil || s.opts.NoHistoryCheck {
		return latest, problems
	}
	for i := range items {
		if items[i].Type == responses.ItemCompaction && s.compactions[items[i].ID] {
			// A compaction item stands for the items before it.
			return latest, problems
		}
	}
	for _, h := range latest.history {
		got := find(items, h)
		if got == nil && h.id == "" && h.callID == "" {
			continue // nothing to find it by
		}
		switch {
		case got == nil && s.withheld[h.id]:
			// Reported withheld: a client may leave it out from then on.
		case got == nil:
			problems = append(problems, fmt.Sprintf("the input lacks %s %s that response %s sent: without previous_response_id, every output item must be replayed",
				h.typ, h.id, h.conv.id))
		case got.Type == responses.ItemReference:
		case !matchesAny(got.Raw(), h.variants):
			problems = append(problems, fmt.Sprintf("%s %s is not replayed byte for byte:\n\tsent: %s\n\tgot:  %s",
				h.typ, h.id, clip(h.variants[0]), clip(got.Raw())))
		}
	}
	return latest, problems
}

// hostedResult reports whether an output item is the result of a call the
// server ran itself (a tool_search_output of a hosted search, with no
// call_id), which answers no client call.
func hostedResult(it *responses.Item) bool {
	return it.Type == responses.ItemToolSearchOutput && (it.Execution == responses.ExecutionServer || it.CallID == "")
}

// unacknowledged returns the ids of the pending checks that acked lacks,
// or "".
func unacknowledged(pending, acked []responses.SafetyCheck) string {
	var missing []string
	for _, p := range pending {
		found := false
		for _, a := range acked {
			if a.ID == p.ID {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, p.ID)
		}
	}
	return strings.Join(missing, ", ")
}

// find returns the input item that replays h: the one with its id, or else
// the call with its call_id.
func find(items []responses.Item, h *sentItem) *responses.Item {
	if h.id != "" {
		for i := range items {
			if items[i].ID == h.id {
				return &items[i]
			}
		}
	}
	if h.callID != "" {
		for i := range items {
			if items[i].Type == h.typ && items[i].PairID() == h.callID {
				return &items[i]
			}
		}
	}
	return nil
}

func matchesAny(b []byte, variants [][]byte) bool {
	for _, v := range variants {
		if bytes.Equal(b, v) {
			return true
		}
	}
	return false
}

func clip(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// compactionItem returns a new compaction item standing for n items; s.mu
// must be held.
func (s *Server) compactionItem(n int) responses.Item {
	id := s.nextID("cmp_")
	if s.compactions == nil {
		s.compactions = map[string]bool{}
	}
	s.compactions[id] = true
	var it responses.Item
	raw := fmt.Sprintf(`{"type":"compaction","id":%q,"encrypted_content":"compacted:%d"}`, id, n)
	if err := it.UnmarshalJSON([]byte(raw)); err != nil {
		panic(err) // a constant shape
	}
	return it
}

// compact answers POST /v1/responses/compact: the compacted window is the
// input's last user message and a compaction item for the rest.
func (s *Server) compact(w http.ResponseWriter, r *http.Request, rec Received) {
	if s.opts.NoCompact {
		s.mu.Lock()
		s.received = append(s.received, rec)
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "invalid_request_error", "", fmt.Sprintf("Invalid URL (POST %s)", r.URL.Path), "")
		return
	}
	var req struct {
		Model string           `json:"model"`
		Input []responses.Item `json:"input"`
	}
	if err := json.Unmarshal(rec.Body, &req); err != nil || req.Model == "" {
		s.mu.Lock()
		n := len(s.received)
		s.received = append(s.received, rec)
		msg := s.violate(n, "the body is not a compact request (model and input): %v", err)
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "responsestest: "+msg, "")
		return
	}
	s.mu.Lock()
	s.received = append(s.received, rec)
	out := []responses.Item{s.compactionItem(len(req.Input))}
	id := s.nextID("resp_")
	s.mu.Unlock()
	for i := len(req.Input) - 1; i >= 0; i-- {
		if it := req.Input[i]; it.Role == responses.RoleUser && it.Type != responses.ItemFunctionCallOutput {
			out = append([]responses.Item{it}, out...)
			break
		}
	}
	b := fmt.Appendf(nil, `{"id":%q,"object":"response.compaction","created_at":%d,"output":[`, id, s.opts.Now().Unix())
	for i := range out {
		if i > 0 {
			b = append(b, ',')
		}
		ib, _ := out[i].MarshalJSON()
		b = append(b, ib...)
	}
	in := len(rec.Body) / 4
	b = fmt.Appendf(b, `],"usage":{"input_tokens":%d,"output_tokens":%d,"total_tokens":%d}}`, in, 50, in+50)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b) //nolint:errcheck // the client may be gone
}
