package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// HostedServer is a remote MCP server that OpenAI connects to and calls
// itself: the Responses API's hosted MCP tool ({"type":"mcp"}). Its
// calls come back as mcp_call items, kept and shown as events, and its
// requests for approval as mcp_approval_request items, which the tool
// made by [NewHosted] answers.
type HostedServer struct {
	// Label names the server in the model's calls (server_label).
	// Required.
	Label string
	// URL is the server's URL (server_url); or ConnectorID names one of
	// OpenAI's connectors (connector_id).
	URL         string
	ConnectorID string
	// Authorization is an OAuth access token for the server.
	Authorization string
	// Description tells the model what the server is for.
	Description string
	// Headers are sent to the server with every request OpenAI makes.
	Headers map[string]string
	// AllowedTools, when not empty, limits the tools the model may use.
	AllowedTools []string
	// RequireApproval is "always" or "never" for every tool; empty leaves
	// the API's default (always), unless NeverRequireApproval is set.
	RequireApproval string
	// NeverRequireApproval lists tools the server may call without an
	// approval request ({"never":{"tool_names":[…]}}); the others need
	// one. Ignored when RequireApproval is set.
	NeverRequireApproval []string
	// Approval decides, for each approval request of this server, whether
	// a person must decide; a request it lets through is approved. Nil: a
	// person decides every request (the run pauses, or the CLI asks).
	Approval tools.ApprovalPolicy
}

// definition returns the server's mcp tool definition.
func (h *HostedServer) definition() (responses.Tool, error) {
	if h.Label == "" {
		return responses.Tool{}, errors.New("mcp: hosted server: no label")
	}
	if (h.URL == "") == (h.ConnectorID == "") {
		return responses.Tool{}, fmt.Errorf("mcp: hosted server %s: set one of URL and ConnectorID", h.Label)
	}
	m := map[string]any{"type": responses.ToolMCP, "server_label": h.Label}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("server_url", h.URL)
	set("connector_id", h.ConnectorID)
	set("authorization", h.Authorization)
	set("server_description", h.Description)
	if len(h.Headers) > 0 {
		m["headers"] = h.Headers
	}
	if len(h.AllowedTools) > 0 {
		m["allowed_tools"] = h.AllowedTools
	}
	switch {
	case h.RequireApproval == "always" || h.RequireApproval == "never":
		m["require_approval"] = h.RequireApproval
	case h.RequireApproval != "":
		return responses.Tool{}, fmt.Errorf("mcp: hosted server %s: RequireApproval %q: want always or never", h.Label, h.RequireApproval)
	case len(h.NeverRequireApproval) > 0:
		m["require_approval"] = map[string]any{"never": map[string]any{"tool_names": h.NeverRequireApproval}}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return responses.Tool{}, fmt.Errorf("mcp: hosted server %s: %w", h.Label, err)
	}
	return responses.Tool{Type: responses.ToolMCP, Raw: raw}, nil
}

// Hosted declares hosted MCP servers to the model and answers their
// approval requests. Put its [Hosted.Tools] in an agent's Tools (once per
// agent: one tool answers every mcp_approval_request).
type Hosted struct {
	tools   []tools.Tool
	servers map[string]*HostedServer
}

// NewHosted returns the tools declaring servers. Every mcp_approval_request
// goes through the runner's approvals: the server's Approval, the
// agent's and the runner's policies decide whether a person must decide
// (a server without Approval always asks one); an approved request is
// answered with an mcp_approval_response approving it, a rejected one with
// one that does not (the runner tells the model the person's message
// beside it). A request from a label no server here has needs a person's
// decision.
func NewHosted(servers ...HostedServer) (*Hosted, error) {
	if len(servers) == 0 {
		return nil, errors.New("mcp: NewHosted: no server")
	}
	h := &Hosted{servers: map[string]*HostedServer{}}
	for i := range servers {
		srv := servers[i]
		if _, dup := h.servers[srv.Label]; dup {
			return nil, fmt.Errorf("mcp: two hosted servers are labelled %q", srv.Label)
		}
		def, err := srv.definition()
		if err != nil {
			return nil, err
		}
		h.servers[srv.Label] = &srv
		if i == 0 {
			h.tools = append(h.tools, &hostedAnswerer{h: h, def: def})
		} else {
			h.tools = append(h.tools, &hostedDecl{def: def})
		}
	}
	return h, nil
}

// Tools returns one tool per server, in the order given; the first also
// answers the approval requests of all of them.
func (h *Hosted) Tools() []tools.Tool { return slices.Clone(h.tools) }

// Labels returns the servers' labels, sorted.
func (h *Hosted) Labels() []string { return slices.Sorted(maps.Keys(h.servers)) }

// hostedDecl declares one hosted server; the model never calls it as a
// function.
type hostedDecl struct{ def responses.Tool }

func (d *hostedDecl) Definition() responses.Tool { return d.def }

func (d *hostedDecl) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, errors.New("mcp: a hosted MCP server is called by the API, not here")
}

// hostedAnswerer declares the first server and answers the approval
// requests of all.
type hostedAnswerer struct {
	h   *Hosted
	def responses.Tool
}

func (a *hostedAnswerer) Definition() responses.Tool { return a.def }

func (a *hostedAnswerer) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, errors.New("mcp: a hosted MCP server is called by the API, not here")
}

// ItemTypes returns mcp_approval_request: this tool answers them.
func (a *hostedAnswerer) ItemTypes() []string { return []string{responses.ItemMCPApprovalRequest} }

// NeedsApproval asks the policy of the request's server; without one, or
// for an unknown server, a person decides.
func (a *hostedAnswerer) NeedsApproval(ctx context.Context, call *responses.Item) (bool, error) {
	srv := a.h.servers[call.ServerLabel]
	if srv == nil || srv.Approval == nil {
		return true, nil
	}
	return srv.Approval.NeedsApproval(ctx, call)
}

// CallItem approves a request that was approved, or needed no approval.
func (a *hostedAnswerer) CallItem(_ context.Context, call *responses.Item) (responses.Item, error) {
	if call.Type != responses.ItemMCPApprovalRequest {
		return responses.Item{}, fmt.Errorf("mcp: hosted MCP answers mcp_approval_request items, not %s", call.Type)
	}
	return responses.MCPApprovalResponse(call.PairID(), true, ""), nil
}

// Reject answers a rejected request: approve false. The runner tells the
// model the person's message beside it.
func (a *hostedAnswerer) Reject(_ context.Context, call *responses.Item) (responses.Item, error) {
	return responses.MCPApprovalResponse(call.PairID(), false, "The user rejected this tool call."), nil
}
