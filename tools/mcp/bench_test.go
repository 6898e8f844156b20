package mcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/mcp"
)

// BenchmarkCall measures one call of a tool that echoes a word: a plain
// function tool, and the same through MCP in memory, over stdio (the
// hand-written fake server, a child process) and over streamable HTTP
// (the go-sdk's handler on loopback).
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	fn, err := tools.NewFunc("ok", "OK", func(context.Context, struct{}) (string, error) { return "fine", nil })
	if err != nil {
		b.Fatal(err)
	}
	srv := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "bench", Version: "1"}, nil)
	srv.AddTool(&mcpsdk.Tool{Name: "ok", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "fine"}}}, nil
		})
	hs := httptest.NewServer(mcpsdk.NewStreamableHTTPHandler(func(*http.Request) *mcpsdk.Server { return srv }, nil))
	defer hs.Close()
	var sessions []*mcpsdk.ServerSession
	defer func() {
		for _, s := range sessions {
			_ = s.Close()
		}
	}()
	mem := mcp.TransportFunc(func(ctx context.Context) (mcpsdk.Transport, error) {
		ct, st := mcpsdk.NewInMemoryTransports()
		ss, err := srv.Connect(ctx, st, nil)
		sessions = append(sessions, ss)
		return ct, err
	})
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, tool tools.Tool) {
		b.ReportAllocs()
		for b.Loop() {
			if out, err := tool.Call(ctx, "{}"); err != nil || out.Text != "fine" {
				b.Fatalf("%q, %v", out.Text, err)
			}
		}
	}
	b.Run("func", func(b *testing.B) { run(b, fn) })
	for _, tc := range []struct {
		name string
		t    mcp.Transport
	}{
		{"mcp-inmemory", mem},
		{"mcp-stdio", &mcp.Stdio{Command: exe, Env: []string{envFake + "=1"}}},
		{"mcp-http", &mcp.HTTP{URL: hs.URL}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := mcp.New("b", tc.t, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			list, err := s.Tools(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, tl := range list {
				if tl.Definition().Name == "b_ok" {
					run(b, tl)
					return
				}
			}
			b.Fatal("no tool b_ok")
		})
	}
}
