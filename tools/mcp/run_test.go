package mcp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/mcp"
)

func newRunner(srv *responsestest.Server, opts *runner.Options) *runner.Runner {
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	return runner.New(client, opts)
}

// outputOf returns the output the request sends for callID.
func outputOf(req *responses.Request, callID string) *responses.Item {
	for i := range req.Input.Items {
		it := &req.Input.Items[i]
		if it.Type == responses.ItemFunctionCallOutput && it.CallID == callID {
			return it
		}
	}
	return nil
}

// TestRun: an agent uses an MCP server's tools through its Toolsets; the
// call's span carries the MCP attributes, and the server receives the
// trace context in _meta.
func TestRun(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	m := newMemServer(t, nil)
	var meta mcpsdk.Meta
	m.add("add", `{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"],"additionalProperties":false}`,
		func(_ context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			meta = req.Params.Meta
			var in struct{ A, B float64 }
			if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
				return nil, err
			}
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: strings.TrimSpace(jsonNum(in.A + in.B))}}}, nil
		})
	m.add("fail", "", func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
		return &mcpsdk.CallToolResult{IsError: true, Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "disk full"}}}, nil
	})
	s := open(t, "calc", m, nil)
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "calc_add", `{"a":2,"b":3}`), responsestest.FunctionCall("c2", "calc_fail", `{}`)),
		responsestest.Reply(responsestest.Message("5")))
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	a := &agent.Agent{Name: "calc", Model: "gpt-5", Toolsets: []tools.Toolset{s}}
	res, err := newRunner(srv, &runner.Options{Telemetry: &runner.Telemetry{TracerProvider: tp}}).Run(context.Background(), a, runner.Text("2+3?"))
	if err != nil || res.Output != "5" {
		t.Fatalf("%v, %+v", err, res)
	}
	req := srv.Requests()[1].Request
	if out := outputOf(req, "c1"); out == nil || out.Output.String() != "5" {
		t.Errorf("c1 output %+v", out)
	}
	if out := outputOf(req, "c2"); out == nil || out.Output.String() != "Error: disk full" {
		t.Errorf("c2 output %+v", out)
	}
	var defs []string
	for _, d := range srv.Requests()[0].Request.Tools {
		defs = append(defs, d.Name)
	}
	if diff := cmp.Diff([]string{"calc_add", "calc_fail"}, defs); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	got := map[string]map[attribute.Key]string{}
	for _, sp := range rec.Ended() {
		if !strings.HasPrefix(sp.Name(), "execute_tool") {
			continue
		}
		kv := map[attribute.Key]string{}
		for _, a := range sp.Attributes() {
			kv[a.Key] = a.Value.String()
		}
		got[sp.Name()] = kv
		if sp.Name() == "execute_tool calc_add" {
			if tp, _ := meta["traceparent"].(string); !strings.Contains(tp, sp.SpanContext().TraceID().String()) {
				t.Errorf("_meta %v does not carry the trace %s", meta, sp.SpanContext().TraceID())
			}
		}
	}
	for name, wantKV := range map[string]map[attribute.Key]string{
		"execute_tool calc_add":  {"mcp.method.name": "tools/call", "agentloop.mcp.server": "calc", "agentloop.mcp.tool": "add", "network.transport": "pipe", "gen_ai.tool.name": "calc_add"},
		"execute_tool calc_fail": {"mcp.method.name": "tools/call", "agentloop.mcp.tool": "fail", "error.type": "tool_error"},
	} {
		for k, v := range wantKV {
			if got[name][k] != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got[name][k], v)
			}
		}
		if got[name]["mcp.protocol.version"] == "" {
			t.Errorf("%s: no mcp.protocol.version", name)
		}
	}
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// TestApproval: the server's approval rule sees the tools' annotations;
// a destructive tool's call pauses the run, a read-only one runs.
func TestApproval(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	m := newMemServer(t, nil)
	ran := map[string]int{}
	h := func(_ context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
		ran[req.Params.Name]++
		return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "done"}}}, nil
	}
	m.srv.AddTool(&mcpsdk.Tool{Name: "read", InputSchema: json.RawMessage(`{"type":"object"}`), Annotations: &mcpsdk.ToolAnnotations{ReadOnlyHint: true}}, h)
	m.srv.AddTool(&mcpsdk.Tool{Name: "delete", InputSchema: json.RawMessage(`{"type":"object"}`)}, h)
	var seen []string
	rule := func(ctx context.Context, ti mcp.ToolInfo, call *responses.Item) (bool, error) {
		seen = append(seen, ti.Server+"/"+ti.Name+"/"+ti.Tool.Name)
		return mcp.AskIfDestructive()(ctx, ti, call)
	}
	s := open(t, "fs", m, &mcp.Options{Approval: rule})
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "fs_read", `{}`), responsestest.FunctionCall("c2", "fs_delete", `{}`)),
		responsestest.Reply(responsestest.Message("ok")))
	a := &agent.Agent{Name: "fs", Model: "gpt-5", Toolsets: []tools.Toolset{s}}
	r := newRunner(srv, nil)
	res, err := r.Run(context.Background(), a, runner.Text("clean up"))
	if err != nil || !res.Paused() || len(res.Interruptions) != 1 || res.Interruptions[0].Tool != "fs_delete" {
		t.Fatalf("%v, %+v", err, res)
	}
	if diff := cmp.Diff(map[string]int{"read": 1}, ran); diff != "" {
		t.Errorf("ran before the decision (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"fs/fs_read/read", "fs/fs_delete/delete"}, seen); diff != "" {
		t.Errorf("the rule saw (-want +got):\n%s", diff)
	}
	if err := res.State.Reject("c2", "keep it"); err != nil {
		t.Fatal(err)
	}
	res, err = r.Resume(context.Background(), a, res.State)
	if err != nil || res.Output != "ok" || ran["delete"] != 0 {
		t.Fatalf("resume: %v, %+v, %v", err, res, ran)
	}
}

// TestHosted: the hosted MCP tool is declared as the API wants it; its
// listings and calls are kept and shown; an approval request is paused
// for a person without a policy, approved by a policy, or rejected, and
// answered with an mcp_approval_response each time.
func TestHosted(t *testing.T) {
	allowRead := tools.ApprovalFunc(func(_ context.Context, call *responses.Item) (bool, error) {
		return call.Name != "read_wiki", nil
	})
	h, err := mcp.NewHosted(
		mcp.HostedServer{Label: "wiki", URL: "https://wiki.example/mcp", AllowedTools: []string{"read_wiki", "edit_wiki"},
			NeverRequireApproval: []string{"search"}, Approval: allowRead},
		mcp.HostedServer{Label: "drive", ConnectorID: "connector_googledrive", Authorization: "tok", RequireApproval: "always"})
	if err != nil {
		t.Fatal(err)
	}
	a := &agent.Agent{Name: "h", Model: "gpt-5", Tools: h.Tools()}
	listing := responsestest.MCPListTools("wiki", json.RawMessage(`[{"name":"read_wiki","input_schema":{"type":"object"}}]`))

	t.Run("definitions", func(t *testing.T) {
		var got []string
		for _, tl := range h.Tools() {
			b, _ := tl.Definition().MarshalJSON()
			got = append(got, string(b))
		}
		want := []string{
			`{"allowed_tools":["read_wiki","edit_wiki"],"require_approval":{"never":{"tool_names":["search"]}},"server_label":"wiki","server_url":"https://wiki.example/mcp","type":"mcp"}`,
			`{"authorization":"tok","connector_id":"connector_googledrive","require_approval":"always","server_label":"drive","type":"mcp"}`,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("approved by the policy", func(t *testing.T) {
		srv := responsestest.Start(t,
			responsestest.Reply(listing, responsestest.MCPApprovalRequest("wiki", "read_wiki", `{"page":"Go"}`)),
			responsestest.Func(func(r *responsestest.Received) responsestest.Step {
				for _, it := range r.Request.Input.Items {
					if it.Type == responses.ItemMCPApprovalResponse && it.Approve {
						return responsestest.Reply(responsestest.MCPCall("wiki", "read_wiki", `{"page":"Go"}`, "Go is…", it.ApprovalRequestID),
							responsestest.Message("Go is a language."))
					}
				}
				return responsestest.Reply(responsestest.Message("not approved"))
			}))
		var kinds []string
		var res *runner.Result
		for ev, err := range newRunner(srv, nil).Stream(context.Background(), a, runner.Text("What is Go?")) {
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type == runner.EventItem {
				kinds = append(kinds, ev.Item.Type)
			}
			if ev.Result != nil {
				res = ev.Result
			}
		}
		if res.Output != "Go is a language." {
			t.Errorf("output %q", res.Output)
		}
		want := []string{"mcp_list_tools", "mcp_approval_request", "mcp_call", "message"}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("items shown (-want +got):\n%s", diff)
		}
	})
	t.Run("a person decides", func(t *testing.T) {
		for _, approve := range []bool{true, false} {
			srv := responsestest.Start(t,
				responsestest.Reply(listing, responsestest.MCPApprovalRequest("drive", "delete_file", `{"id":"1"}`)),
				responsestest.Reply(responsestest.Message("ok")))
			r := newRunner(srv, nil)
			res, err := r.Run(context.Background(), a, runner.Text("tidy my drive"))
			if err != nil || !res.Paused() || res.Interruptions[0].Call.Type != responses.ItemMCPApprovalRequest {
				t.Fatalf("%v, %+v", err, res)
			}
			id := res.Interruptions[0].CallID
			if approve {
				err = res.State.Approve(id)
			} else {
				err = res.State.Reject(id, "not today")
			}
			if err != nil {
				t.Fatal(err)
			}
			if res, err = r.Resume(context.Background(), a, res.State); err != nil || res.Output != "ok" {
				t.Fatalf("resume: %v, %+v", err, res)
			}
			var answer *responses.Item
			for i, it := range srv.Requests()[1].Request.Input.Items {
				if it.Type == responses.ItemMCPApprovalResponse {
					answer = &srv.Requests()[1].Request.Input.Items[i]
				}
			}
			if answer == nil || answer.ApprovalRequestID != id || answer.Approve != approve {
				t.Errorf("approve %v: answer %+v", approve, answer)
			}
		}
	})
	t.Run("bad declarations", func(t *testing.T) {
		for _, hs := range []mcp.HostedServer{{}, {Label: "x"}, {Label: "x", URL: "u", ConnectorID: "c"}, {Label: "x", URL: "u", RequireApproval: "sometimes"}} {
			if _, err := mcp.NewHosted(hs); err == nil {
				t.Errorf("%+v accepted", hs)
			}
		}
		if _, err := mcp.NewHosted(mcp.HostedServer{Label: "x", URL: "u"}, mcp.HostedServer{Label: "x", URL: "v"}); err == nil {
			t.Error("two servers with one label accepted")
		}
	})
}
