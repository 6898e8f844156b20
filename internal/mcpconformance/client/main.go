// Command client is the MCP client the official conformance suite
// (@modelcontextprotocol/conformance, client mode) drives: it runs the
// scenario named by $MCP_CONFORMANCE_SCENARIO against the server URL given
// as its argument, through tools/mcp, as an agent would use it. It
// implements the scenarios that apply to a tools client (initialize,
// tools_call, sse-retry); the others (elicitation, OAuth) exit with an
// error saying so.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/mcp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "conformance client:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return errors.New("usage: client SERVER_URL (with MCP_CONFORMANCE_SCENARIO set)")
	}
	scenario := os.Getenv("MCP_CONFORMANCE_SCENARIO")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := mcp.New("conformance", &mcp.HTTP{URL: os.Args[1]}, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	switch scenario {
	case "initialize":
		_, err := s.Tools(ctx)
		return err
	case "tools_call":
		return call(ctx, s, "conformance_add_numbers", `{"a":5,"b":3}`)
	case "sse-retry":
		return call(ctx, s, "conformance_test_reconnection", `{}`)
	}
	return fmt.Errorf("scenario %q does not apply to a tools client", scenario)
}

// call lists the tools and calls one, as the runner would.
func call(ctx context.Context, s *mcp.Server, name, args string) error {
	list, err := s.Tools(ctx)
	if err != nil {
		return err
	}
	var tool tools.Tool
	for _, t := range list {
		if t.Definition().Name == name {
			tool = t
		}
	}
	if tool == nil {
		return fmt.Errorf("the server has no tool %s", name)
	}
	out, err := tool.Call(ctx, args)
	if err != nil {
		return err
	}
	fmt.Println(out.String())
	return nil
}
