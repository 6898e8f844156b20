// Package mcpconformance runs the official MCP conformance suite
// (@modelcontextprotocol/conformance, client mode) against tools/mcp: its
// test builds the client command in ./client and has the suite drive it
// through every scenario that applies to a tools client.
package mcpconformance
