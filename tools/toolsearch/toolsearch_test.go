package toolsearch_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/toolsearch"
	gocmp "github.com/google/go-cmp/cmp"
)

// Interfaces the runner looks for.
var (
	_ tools.Tool          = (*toolsearch.Tool)(nil)
	_ tools.ItemTyper     = (*toolsearch.Tool)(nil)
	_ tools.ItemCaller    = (*toolsearch.Tool)(nil)
	_ tools.RequestEditor = (*toolsearch.Tool)(nil)
)

type cityArgs struct {
	City string `json:"city"`
}

type symbolArgs struct {
	Symbol string `json:"symbol"`
}

// deferredTools returns two deferred function tools, the first needing
// approval when ask is set, and counts the calls of the first.
func deferredTools(t *testing.T, calls *int, ask bool) []tools.Tool {
	t.Helper()
	opts := []tools.FuncOption{tools.WithDeferLoading()}
	if ask {
		opts = append(opts, tools.WithApproval(tools.AlwaysAsk()))
	}
	weather, err := tools.NewFunc("get_weather", "Current weather forecast for a city.", func(_ context.Context, in cityArgs) (string, error) {
		*calls++
		return "18°C in " + in.City, nil
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	quote, err := tools.NewFunc("get_stock_quote", "Latest price of a stock by its ticker symbol.", func(_ context.Context, in symbolArgs) (string, error) {
		return "42", nil
	}, tools.WithDeferLoading())
	if err != nil {
		t.Fatal(err)
	}
	return []tools.Tool{weather, quote}
}

func names(defs []responses.Tool) []string {
	var n []string
	for _, d := range defs {
		n = append(n, cmp.Or(d.Name, d.Type))
	}
	return n
}

func TestMatch(t *testing.T) {
	defs := []responses.Tool{
		{Name: "get_weather", Description: "Current weather forecast for a city."},
		{Name: "get_stock_quote", Description: "Latest price of a stock by its ticker symbol."},
		{Name: "sendEmail", Description: "Sends an email message."},
		{Name: "crm", Description: "CRM tools for customer lookup and order management."},
	}
	tests := []struct {
		query string
		limit int
		want  []string
	}{
		{"weather in Paris", 5, []string{"get_weather"}},
		{"forecast", 5, []string{"get_weather"}},
		{"stock price", 5, []string{"get_stock_quote"}},
		{"email", 5, []string{"sendEmail"}},
		{"sendEmail", 5, []string{"sendEmail"}},
		{"customer orders", 5, []string{"crm"}},
		{"weather or stocks", 1, []string{"get_weather"}},
		{"the tool for", 5, nil},
		{"", 5, nil},
	}
	for _, tt := range tests {
		got := names(toolsearch.Match(tt.query, defs, tt.limit))
		if diff := gocmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Match(%q) (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestCallItem(t *testing.T) {
	var n int
	ts := toolsearch.New(deferredTools(t, &n, false), nil)
	def, err := ts.Definition().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"tool_search","execution":"client","description":"` + toolsearch.DefaultDescription + `","parameters":` + toolsearch.DefaultParameters + `}`; string(def) != want {
		t.Errorf("definition %s", def)
	}
	var call responses.Item
	if err := json.Unmarshal([]byte(`{"type":"tool_search_call","id":"tsc_1","call_id":"call_s1","execution":"client","arguments":{"query":"weather"},"status":"completed"}`), &call); err != nil {
		t.Fatal(err)
	}
	out, err := ts.CallItem(context.Background(), &call)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := out.MarshalJSON()
	want := `{"type":"tool_search_output","call_id":"call_s1","execution":"client","tools":[{"type":"function","name":"get_weather","description":"Current weather forecast for a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false},"strict":true,"defer_loading":true}],"status":"completed"}`
	if diff := gocmp.Diff(want, string(b)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	failing := toolsearch.New(nil, &toolsearch.Options{Search: func(context.Context, string, []responses.Tool) ([]responses.Tool, error) {
		return nil, errors.New("index down")
	}})
	out, err = failing.CallItem(context.Background(), &call)
	if err == nil || out.Type != responses.ItemToolSearchOutput || out.CallID != "call_s1" || out.Tools == nil || len(out.Tools) != 0 {
		t.Errorf("a failed search: %+v, %v", out, err)
	}
}

// TestToolSearchLoop: the model searches (a client tool_search_call, as
// ToolSearchCall defines it), the tool answers with a tool_search_output
// loading the weather tool, and the model calls it on the next turn;
// streamed and not. The deferred tools are declared with defer_loading in
// every request, which never changes.
func TestToolSearchLoop(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var calls int
			deferred := deferredTools(t, &calls, false)
			srv := responsestest.Start(t,
				responsestest.Reply(item(t, `{"type":"tool_search_call","id":"tsc_1","call_id":"call_s1","execution":"client","arguments":{"query":"weather forecast"},"status":"completed"}`)),
				responsestest.Reply(item(t, `{"type":"function_call","id":"fc_1","call_id":"call_w1","name":"get_weather","namespace":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}`)),
				responsestest.Reply(responsestest.Message("18°C in Paris.")),
			)
			a := &agent.Agent{Name: "a", Model: "gpt-5.4", Tools: append(slices.Clone(deferred), toolsearch.New(deferred, nil))}
			res, err := newRunner(t, srv, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("Weather in Paris?"))
			if err != nil || res.Output != "18°C in Paris." || calls != 1 {
				t.Fatalf("res %+v, err %v, %d calls", res, err, calls)
			}
			reqs := srv.Requests()
			for i, r := range reqs {
				if got := names(r.Request.Tools); !gocmp.Equal(got, []string{"get_weather", "get_stock_quote", "tool_search"}) {
					t.Errorf("request %d declares %q", i, got)
				}
				if !r.Request.Tools[0].DeferLoading {
					t.Errorf("request %d: get_weather without defer_loading", i)
				}
			}
			out := findOutput(t, reqs[1].Request, "call_s1")
			if out.Type != responses.ItemToolSearchOutput || out.Execution != responses.ExecutionClient || !gocmp.Equal(names(out.Tools), []string{"get_weather"}) {
				t.Errorf("search output %s", out.Raw())
			}
			if fo := findOutput(t, reqs[2].Request, "call_w1"); fo.Output.String() != "18°C in Paris" {
				t.Errorf("function output %s", fo.Raw())
			}
		})
	}
}

// TestToolSearchLeaveOut: with LeaveOut, the deferred tools are left out of
// the requests until a search finds them; then the found one is declared in
// every later request, also after a pause and a resume, and the other is
// still left out.
func TestToolSearchLeaveOut(t *testing.T) {
	var calls int
	deferred := deferredTools(t, &calls, true)
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ToolSearchCall("call_s1", `{"query":"weather"}`)),
		responsestest.Reply(responsestest.FunctionCall("call_w1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("18°C in Paris.")),
	)
	a := &agent.Agent{Name: "a", Model: "gpt-5.4", Tools: append(slices.Clone(deferred), toolsearch.New(deferred, &toolsearch.Options{LeaveOut: true}))}
	r := newRunner(t, srv, nil)
	res, err := r.Run(context.Background(), a, runner.Text("Weather in Paris?"))
	if err != nil || !res.Paused() {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if err := res.State.Approve("call_w1"); err != nil {
		t.Fatal(err)
	}
	res, err = r.Resume(context.Background(), a, res.State)
	if err != nil || res.Output != "18°C in Paris." || calls != 1 {
		t.Fatalf("res %+v, err %v, %d calls", res, err, calls)
	}
	var got [][]string
	for _, r := range srv.Requests() {
		got = append(got, names(r.Request.Tools))
	}
	want := [][]string{{"tool_search"}, {"get_weather", "tool_search"}, {"get_weather", "tool_search"}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("tools declared per request (-want +got):\n%s", diff)
	}
}

// A search loads the deferred tools whose names or descriptions match.
func ExampleMatch() {
	defs := []responses.Tool{
		{Type: responses.ToolFunction, Name: "get_weather", Description: "Current weather forecast for a city."},
		{Type: responses.ToolFunction, Name: "get_stock_quote", Description: "Latest price of a stock."},
	}
	for _, q := range []string{"weather in Paris", "stock prices", "flights"} {
		fmt.Printf("%s: %v\n", q, names(toolsearch.Match(q, defs, toolsearch.DefaultMaxResults)))
	}
	// Output:
	// weather in Paris: [get_weather]
	// stock prices: [get_stock_quote]
	// flights: []
}

func newRunner(t *testing.T, srv *responsestest.Server, opts *runner.Options) *runner.Runner {
	t.Helper()
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	return runner.New(client, opts)
}

func item(t *testing.T, js string) responses.Item {
	t.Helper()
	var it responses.Item
	if err := json.Unmarshal([]byte(js), &it); err != nil {
		t.Fatal(err)
	}
	return it
}

func findOutput(t *testing.T, req *responses.Request, callID string) *responses.Item {
	t.Helper()
	for i := range req.Input.Items {
		if it := &req.Input.Items[i]; it.CallID == callID && strings.HasSuffix(it.Type, "_output") {
			return it
		}
	}
	t.Fatalf("no output for %s", callID)
	return nil
}
