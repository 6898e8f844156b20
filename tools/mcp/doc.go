// Package mcp gives an agent the tools of Model Context Protocol servers,
// and answers the approval requests of the Responses API's hosted MCP
// tool.
//
// # MCP servers the program connects to
//
// A [Server] connects to one server, over stdio ([Stdio]: a command it
// starts and stops) or streamable HTTP ([HTTP], with headers for auth),
// using the official go-sdk. It is a tools.Toolset: put it in an agent's
// Toolsets, and the runner lists its tools when a run starts and before
// every turn, so a server whose tools changed (tools/list_changed) is
// seen on the next turn:
//
//	fs, err := mcp.New("fs", &mcp.Stdio{Command: "npx",
//		Args: []string{"-y", "@modelcontextprotocol/server-filesystem", dir}}, nil)
//	if err != nil {
//		return err
//	}
//	defer fs.Close()
//	a := &agent.Agent{Name: "files", Model: "gpt-5", Toolsets: []tools.Toolset{fs}}
//
// Each tool becomes a function tool named with the server's prefix
// ("fs_read_file"; see [Options]), with the server's input schema as it is
// (strict only when it is strict-compatible); the arguments are checked
// against it before the call. What the tool returns becomes the call's
// output (see [Output]): text as text, images as images the model can
// see, structured content as JSON, checked against the tool's output
// schema. An error result, a protocol error, a timeout, a malformed result
// and a server that died all reach the model as the call's output (a
// [*CallError]) and the run goes on; the next call starts the server
// again, or makes a new HTTP session. Calls carry the MCP attributes of
// the OpenTelemetry conventions (mcp.method.name, mcp.session.id, …) on
// their execute_tool span, and the trace context in params._meta and, over
// HTTP, in the request headers.
//
// [Options].Approval decides which calls need a person's approval through
// the runner's approvals, seeing the tools' annotations (readOnlyHint,
// destructiveHint): see [AskUnlessReadOnly] and [AskIfDestructive].
//
// # Hosted MCP
//
// [NewHosted] declares servers OpenAI calls itself ({"type":"mcp"}). Its
// mcp_list_tools and mcp_call items are kept and shown as events; each
// mcp_approval_request goes through the runner's approvals and is
// answered with an mcp_approval_response, so a run never ends silently on
// one.
package mcp
