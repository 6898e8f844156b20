// Package mcptest finds, for tests, the real MCP servers and the MCP
// conformance suite that .ci/run installs from npm (.ci/mcp/package.json,
// pinned by its package-lock.json). Tests that need them skip, naming
// what is missing and the command that installs it; no test installs
// anything or touches the network.
package mcptest

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvNodeModules names the node_modules folder holding the packages, when
// it is not .ci/mcp/node_modules in the module.
const EnvNodeModules = "AGENTLOOP_MCP_NODE_MODULES"

// InstallCommand installs the packages where the tests look by default.
const InstallCommand = "npm ci --prefix .ci/mcp"

// NodeModules returns the node_modules folder: $AGENTLOOP_MCP_NODE_MODULES,
// or .ci/mcp/node_modules at the root of the module holding the working
// directory.
func NodeModules() string {
	if d := os.Getenv(EnvNodeModules); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".ci", "mcp", "node_modules")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Bin returns the path of an installed package's command (such as
// "mcp-server-everything"), or skips t saying how to install it.
func Bin(t testing.TB, name string) string {
	t.Helper()
	nm := NodeModules()
	p := filepath.Join(nm, ".bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("skipping: %s is not installed in %s (set %s, or run from the repository root: %s, as .ci/run does)", name, nm, EnvNodeModules, InstallCommand)
	}
	return p
}
