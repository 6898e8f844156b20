package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// Error types of a [CallError], the error.type of the call's span.
const (
	// ErrorTool: the server ran the tool, and it reported an error
	// (isError); its content is the message.
	ErrorTool = "tool_error"
	// ErrorProtocol: the server answered the call with a JSON-RPC error
	// (an unknown tool, invalid arguments, an internal error).
	ErrorProtocol = "protocol_error"
	// ErrorConnection: the server could not be reached, or the connection
	// died during the call, whose outcome is then unknown.
	ErrorConnection = "connection_error"
	// ErrorMalformed: the server's result could not be read, or its
	// structured content does not match the tool's output schema.
	ErrorMalformed = "malformed_result"
	// ErrorTimeout: the call's time ran out (see [Options].Timeout) or
	// the run was cancelled while the server worked on it.
	ErrorTimeout = "timeout"
)

// CallError is how a call of an MCP tool failed. The runner tells the
// model its message as the call's output, and the run goes on; Type is the
// error.type of the call's span and of the agentloop.tool.errors metric.
type CallError struct {
	Server string // the server's name
	Tool   string // the tool's name on the server
	Type   string // ErrorTool, ErrorProtocol, ErrorConnection, ErrorMalformed or ErrorTimeout
	// Message is the tool's own error text for ErrorTool.
	Message string
	Err     error
}

// Error returns the tool's message for an error result, and otherwise
// what went wrong, naming the server and the tool.
func (e *CallError) Error() string {
	if e.Type == ErrorTool {
		return e.Message
	}
	return fmt.Sprintf("mcp server %s, tool %s: %v", e.Server, e.Tool, e.Err)
}

// Unwrap returns Err.
func (e *CallError) Unwrap() error { return e.Err }

// ErrorType returns Type.
func (e *CallError) ErrorType() string { return e.Type }

// tool is one tool of a server, as an agentloop function tool.
type tool struct {
	s       *Server
	mcp     *mcpsdk.Tool
	exposed string
	def     responses.Tool
	defJSON []byte           // to tell an unchanged tool
	args    *tools.Validator // nil when the schema cannot be compiled
	out     *tools.Validator // the output schema; nil when none or not compiled
}

// wrap returns the wrapper of t, prev when t did not change.
func (s *Server) wrap(t *mcpsdk.Tool, exposed string, prev *tool) (*tool, error) {
	desc := t.Description
	if desc == "" {
		desc = t.Title
	}
	params := schemaOf(t.InputSchema)
	if params == nil {
		params = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	strict := tools.StrictCompatible(params) == nil
	def := responses.Tool{Type: responses.ToolFunction, Name: exposed, Description: desc, Parameters: params, Strict: &strict}
	defJSON, err := def.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("mcp server %s: tool %s: %w", s.name, t.Name, err)
	}
	mcpJSON, _ := json.Marshal(t)
	if prev != nil && bytes.Equal(prev.defJSON, defJSON) {
		if prevJSON, _ := json.Marshal(prev.mcp); bytes.Equal(prevJSON, mcpJSON) {
			return prev, nil
		}
	}
	w := &tool{s: s, mcp: t, exposed: exposed, def: def, defJSON: defJSON}
	if v, err := tools.NewValidator(params); err == nil {
		w.args = v
	} else {
		s.log.Debug("mcp: the tool's input schema cannot be checked here; the server checks the arguments", "server", s.name, "tool", t.Name, "error", err)
	}
	if o := schemaOf(t.OutputSchema); o != nil {
		if v, err := tools.NewValidator(o); err == nil {
			w.out = v
		}
	}
	return w, nil
}

// Definition returns the function tool: the server's input schema as it
// is, strict only when strict-compatible.
func (t *tool) Definition() responses.Tool { return t.def }

// Timeout returns the server's [Options].Timeout.
func (t *tool) Timeout() time.Duration { return t.s.o.Timeout }

// NeedsApproval asks the server's [Options].Approval, with the tool's
// description and annotations.
func (t *tool) NeedsApproval(ctx context.Context, call *responses.Item) (bool, error) {
	if t.s.o.Approval == nil {
		return false, nil
	}
	return t.s.o.Approval(ctx, t.info(), call)
}

// Idempotent reports whether a call may be sent twice: on a trusted
// server, a tool marked read-only or idempotent.
func (t *tool) Idempotent() bool {
	a := t.mcp.Annotations
	return t.s.o.Trusted && a != nil && (a.ReadOnlyHint || a.IdempotentHint)
}

func (t *tool) info() ToolInfo { return ToolInfo{Server: t.s.name, Name: t.exposed, Tool: t.mcp} }

// Call calls the tool on the server with the model's arguments, checked
// against the input schema first, and returns its result for the model
// (see the package doc). Failures are [*CallError]s or
// [*tools.ArgumentError]s, which the runner tells the model.
func (t *tool) Call(ctx context.Context, arguments string) (responses.ToolOutput, error) {
	args := []byte(strings.TrimSpace(arguments))
	if len(args) == 0 {
		args = []byte("{}")
	}
	if t.args != nil {
		if err := t.args.Validate(args); err != nil {
			return responses.ToolOutput{}, &tools.ArgumentError{Tool: t.exposed, Err: err}
		}
	} else if len(args) == 0 || args[0] != '{' || !json.Valid(args) {
		return responses.ToolOutput{}, &tools.ArgumentError{Tool: t.exposed, Err: errors.New("the arguments are not a JSON object")}
	}
	res, err := t.s.call(ctx, t, json.RawMessage(args))
	if err != nil {
		return responses.ToolOutput{}, err
	}
	return t.result(res)
}

// call sends tools/call, connecting first when needed: again after a
// connection that died, and once more for a call the server never
// received (or, for an idempotent tool, one cut short).
func (s *Server) call(ctx context.Context, t *tool, args json.RawMessage) (*mcpsdk.CallToolResult, error) {
	span := trace.SpanFromContext(ctx)
	fail := func(typ string, err error) error {
		return &CallError{Server: s.name, Tool: t.mcp.Name, Type: typ, Err: err}
	}
	for attempt := 0; ; attempt++ {
		c, reconnected, err := s.session(ctx)
		if reconnected != nil && span.IsRecording() {
			span.AddEvent(genai.EventMCPReconnect, trace.WithAttributes(genai.KeyMCPReconnected.String(reconnected.Error())))
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, fail(ErrorTimeout, err)
			}
			return nil, fail(ErrorConnection, err)
		}
		if span.IsRecording() {
			span.SetAttributes(s.attrs(c, t)...)
		}
		params := &mcpsdk.CallToolParams{Name: t.mcp.Name, Arguments: args}
		if span.SpanContext().IsValid() {
			// The MCP conventions carry the trace context in params._meta,
			// whatever the transport.
			carrier := propagation.MapCarrier{}
			propagation.TraceContext{}.Inject(ctx, carrier)
			params.Meta = mcpsdk.Meta{}
			for k, v := range carrier {
				params.Meta[k] = v
			}
		}
		res, err := c.sess.CallTool(ctx, params)
		if err == nil {
			return res, nil
		}
		var rpcErr *jsonrpc.Error
		switch {
		case ctx.Err() != nil:
			return nil, fail(ErrorTimeout, fmt.Errorf("the call was cut short (%w); the server may have run the tool", context.Cause(ctx)))
		case errors.As(err, &rpcErr):
			if span.IsRecording() {
				span.SetAttributes(genai.KeyRPCStatusCode.String(strconv.FormatInt(rpcErr.Code, 10)))
			}
			return nil, fail(ErrorProtocol, err)
		case errors.Is(err, mcpsdk.ErrSessionMissing) || (c.rejected != nil && c.rejected()):
			// The server no longer knows the session, so it did not run
			// the call: a new session may send it.
			c.breakWith(err)
			if attempt == 0 {
				continue
			}
			return nil, fail(ErrorConnection, err)
		case lostConnection(c, err):
			c.breakWith(err)
			if attempt == 0 && t.Idempotent() {
				continue
			}
			return nil, fail(ErrorConnection, c.describe(fmt.Errorf("the connection to the server was lost during the call, so whether the tool ran is unknown; it will be made again for the next call: %w", err)))
		}
		return nil, fail(ErrorMalformed, fmt.Errorf("the server's answer could not be read: %w", err))
	}
}

// lostConnection reports whether a call failed because the connection did:
// the go-sdk says so, the pipe or socket broke, or the session ended
// (watched for a moment, since the failed read or write closes it).
func lostConnection(c *conn, err error) bool {
	var netErr net.Error
	if errors.Is(err, mcpsdk.ErrConnectionClosed) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.As(err, &netErr) {
		return true
	}
	select {
	case <-c.done:
		return true
	case <-time.After(50 * time.Millisecond):
	}
	return c.dead() != nil
}

// attrs are the MCP attributes of a call's span.
func (s *Server) attrs(c *conn, t *tool) []attribute.KeyValue {
	a := []attribute.KeyValue{
		genai.KeyMCPMethodName.String(genai.MCPMethodToolsCall),
		genai.KeyMCPServer.String(s.name),
		genai.KeyMCPTool.String(t.mcp.Name),
		genai.KeyNetworkTransport.String(c.transport),
	}
	if id := c.sess.ID(); id != "" {
		a = append(a, genai.KeyMCPSessionID.String(id))
	}
	if ir := c.sess.InitializeResult(); ir != nil && ir.ProtocolVersion != "" {
		a = append(a, genai.KeyMCPProtocolVersion.String(ir.ProtocolVersion))
	}
	if c.host != "" {
		a = append(a, genai.KeyNetworkProtocolName.String("http"), genai.KeyServerAddress.String(hostOnly(c.host)))
		if p := portOf(c.host); p > 0 {
			a = append(a, genai.KeyServerPort.Int(p))
		}
	}
	return a
}

func hostOnly(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		return strings.Trim(hostport[:i], "[]")
	}
	return strings.Trim(hostport, "[]")
}

func portOf(hostport string) int {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		p, _ := strconv.Atoi(hostport[i+1:])
		return p
	}
	return 0
}
