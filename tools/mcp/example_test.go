package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentloop/agentloop/tools/mcp"
)

// A Server lists an MCP server's tools as function tools, named with its
// prefix, and calls them. Here the server runs in memory; use [mcp.Stdio]
// or [mcp.HTTP] for a real one, and put the Server in an agent's Toolsets.
func ExampleNew() {
	srv := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "weather", Version: "1"}, nil)
	srv.AddTool(&mcpsdk.Tool{Name: "forecast", Description: "Tomorrow's weather.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`)},
		func(_ context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			var in struct{ City string }
			_ = json.Unmarshal(req.Params.Arguments, &in)
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "Sunny in " + in.City}}}, nil
		})
	var sess *mcpsdk.ServerSession
	inMemory := mcp.TransportFunc(func(ctx context.Context) (mcpsdk.Transport, error) {
		client, server := mcpsdk.NewInMemoryTransports()
		var err error
		sess, err = srv.Connect(ctx, server, nil)
		return client, err
	})

	s, err := mcp.New("weather", inMemory, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	list, err := s.Tools(context.Background())
	if err != nil {
		panic(err)
	}
	def := list[0].Definition()
	fmt.Println(def.Name, *def.Strict)
	out, err := list[0].Call(context.Background(), `{"city":"Paris"}`)
	fmt.Println(out.Text, err)
	_ = sess.Close()
	// Output:
	// weather_forecast true
	// Sunny in Paris <nil>
}

// NewHosted declares servers the API calls itself; their approval
// requests go through the runner's approvals.
func ExampleNewHosted() {
	h, err := mcp.NewHosted(mcp.HostedServer{Label: "docs", URL: "https://docs.example/mcp", RequireApproval: "always"})
	if err != nil {
		panic(err)
	}
	b, _ := h.Tools()[0].Definition().MarshalJSON()
	fmt.Println(string(b))
	// Output:
	// {"require_approval":"always","server_label":"docs","server_url":"https://docs.example/mcp","type":"mcp"}
}
