package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"unicode"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/mcp"
)

// mcpFlags are the MCP flags of `run` (and so of `resume`).
type mcpFlags struct {
	commands listFlag // --mcp 'COMMAND ARGS…' or 'NAME=COMMAND ARGS…'
	urls     listFlag // --mcp-url URL or NAME=URL
	headers  listFlag // --mcp-header K=V, for every --mcp-url server
	approve  string   // --mcp-approve
}

// MCP approval modes of --mcp-approve.
const (
	mcpApproveDestructive = "destructive"
	mcpApproveAll         = "all"
	mcpApproveNone        = "none"
)

func addMCPFlags(fs *flag.FlagSet) *mcpFlags {
	f := &mcpFlags{}
	fs.Var(&f.commands, "mcp", "an MCP server to start and use over stdio, as one quoted command line: 'npx -y @modelcontextprotocol/server-filesystem /tmp'; 'NAME=COMMAND…' names it (the prefix of its tools' names); repeatable")
	fs.Var(&f.urls, "mcp-url", "an MCP server to use over streamable HTTP: URL or NAME=URL; repeatable")
	fs.Var(&f.headers, "mcp-header", "a header for the --mcp-url servers: 'Authorization=Bearer ${TOKEN}' (${VAR} is read from the environment when the server is reached, so the secret stays out of the saved state); repeatable")
	fs.StringVar(&f.approve, "mcp-approve", mcpApproveDestructive, "which MCP tool calls need approval (see --approve): destructive (those the server does not mark read-only or non-destructive), all, none")
	return f
}

// servers builds the MCP servers the flags name, connected and listed, so
// that a server that does not start fails the command before the run.
func (f *mcpFlags) servers(ctx context.Context, env *Env) (_ []*mcp.Server, err error) {
	var approval mcp.ApprovalFunc
	switch f.approve {
	case mcpApproveDestructive, "":
		approval = mcp.AskIfDestructive()
	case mcpApproveAll:
		approval = mcp.AskAlways()
	case mcpApproveNone:
	default:
		return nil, fmt.Errorf("%w: --mcp-approve %q: want destructive, all or none", errUsage, f.approve)
	}
	header, err := parseHeaders(env, f.headers)
	if err != nil {
		return nil, err
	}
	var out []*mcp.Server
	defer func() {
		if err != nil {
			for _, s := range out {
				_ = s.Close()
			}
		}
	}()
	names := map[string]int{}
	add := func(name string, t mcp.Transport, what string) error {
		if names[name]++; names[name] > 1 {
			name = fmt.Sprintf("%s%d", name, names[name])
		}
		s, err := mcp.New(name, t, &mcp.Options{Approval: approval})
		if err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
		out = append(out, s)
		if _, err := s.Tools(ctx); err != nil {
			return fmt.Errorf("MCP server %s (%s) did not start: %w", name, what, err)
		}
		return nil
	}
	for _, c := range f.commands {
		name, line := splitName(c)
		t, err := stdioOf(env, line)
		if err != nil {
			return nil, err
		}
		if name == "" {
			name = nameOfCommand(t)
		}
		if err := add(name, t, line); err != nil {
			return nil, err
		}
	}
	for _, u := range f.urls {
		name, raw := splitName(u)
		raw = os.Expand(raw, env.Getenv)
		if pu, err := url.Parse(raw); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, fmt.Errorf("%w: --mcp-url %q is not an http(s) URL", errUsage, raw)
		}
		if name == "" {
			name = "remote"
		}
		if err := add(name, &mcp.HTTP{URL: raw, Header: header}, raw); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var namePrefix = regexp.MustCompile(`^([A-Za-z0-9_-]{1,64})=(.*)$`)

// splitName splits "NAME=rest" when it starts with a valid name and rest
// is not a URL's query; otherwise it returns "" and s.
func splitName(s string) (string, string) {
	m := namePrefix.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", strings.TrimSpace(s)
	}
	return m[1], m[2]
}

// stdioOf parses a command line (quotes and backslashes as a shell does,
// ${VAR} from the environment) into a stdio transport.
func stdioOf(env *Env, line string) (*mcp.Stdio, error) {
	words, err := splitCommand(os.Expand(line, env.Getenv))
	if err != nil || len(words) == 0 {
		return nil, fmt.Errorf("%w: --mcp %q: %v", errUsage, line, orEmpty(err))
	}
	return &mcp.Stdio{Command: words[0], Args: words[1:]}, nil
}

func orEmpty(err error) error {
	if err == nil {
		return errors.New("no command")
	}
	return err
}

// splitCommand splits a command line into words, as a shell would
// without expansions: single quotes keep everything, double quotes and
// backslashes escape.
func splitCommand(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && strings.ContainsRune(`"\$`+"`", rs[i+1]):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '\\' && i+1 < len(rs):
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// nameOfCommand names a server after its package or program:
// "npx -y @modelcontextprotocol/server-filesystem /tmp" is "filesystem".
func nameOfCommand(t *mcp.Stdio) string {
	word := t.Command
	switch path.Base(t.Command) {
	case "npx", "uvx", "bunx", "pnpx", "node", "python", "python3", "deno", "uv", "pipx", "docker":
		for _, a := range t.Args {
			if !strings.HasPrefix(a, "-") && a != "run" && a != "exec" {
				word = a
				break
			}
		}
	}
	word = path.Base(word)
	if i := strings.LastIndexByte(word, '@'); i > 0 {
		word = word[:i]
	}
	word = strings.TrimSuffix(word, path.Ext(word))
	for _, p := range []string{"mcp-server-", "server-", "mcp-"} {
		word = strings.TrimPrefix(word, p)
	}
	for _, p := range []string{"-mcp-server", "-server", "-mcp"} {
		word = strings.TrimSuffix(word, p)
	}
	b := []byte(word)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	word = string(b)
	if len(word) > 20 {
		word = word[:20]
	}
	if word == "" {
		return "mcp"
	}
	return word
}

// parseHeaders reads K=V headers, expanding ${VAR} from the environment.
func parseHeaders(env *Env, list []string) (http.Header, error) {
	h := http.Header{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%w: --mcp-header %q: want NAME=VALUE", errUsage, kv)
		}
		h.Add(strings.TrimSpace(k), os.Expand(v, env.Getenv))
	}
	return h, nil
}

// runMCP is `agentloop mcp list`.
func runMCP(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return fmt.Errorf("%w: agentloop mcp list [--header K=V]... [--json] COMMAND ARGS…|URL", errUsage)
	}
	fs := newFlags(env, "mcp list", "[--header K=V]... [--json] COMMAND ARGS…|URL", "list the tools an MCP server offers, with their schemas")
	var headers listFlag
	fs.Var(&headers, "header", "a header for an HTTP server, K=V (${VAR} read from the environment); repeatable")
	asJSON := fs.Bool("json", false, "print the tools as the server lists them, as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: name the server: a command (agentloop mcp list npx -y @modelcontextprotocol/server-everything) or a URL", errUsage)
	}
	var t mcp.Transport
	name := "server"
	if u, err := url.Parse(fs.Arg(0)); fs.NArg() == 1 && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		h, err := parseHeaders(env, headers)
		if err != nil {
			return err
		}
		t = &mcp.HTTP{URL: fs.Arg(0), Header: h}
	} else {
		words := fs.Args()
		if len(words) == 1 && strings.ContainsAny(words[0], " \t") {
			var err error
			if words, err = splitCommand(words[0]); err != nil {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
		}
		st := &mcp.Stdio{Command: words[0], Args: words[1:]}
		name, t = nameOfCommand(st), st
	}
	s, err := mcp.New(name, t, &mcp.Options{NoPrefix: true})
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.Tools(ctx)
	if err != nil {
		return fmt.Errorf("listing the tools of %s: %w", t, err)
	}
	return printTools(env.Stdout, list, *asJSON)
}

// printTools prints each tool: its name, hints, description and input
// schema; or, with asJSON, the server's listing as JSON.
func printTools(w io.Writer, list []tools.Tool, asJSON bool) error {
	if asJSON {
		all := make([]any, 0, len(list))
		for _, t := range list {
			ti, _ := mcp.InfoOf(t)
			all = append(all, ti.Tool)
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	fmt.Fprintf(w, "%d tools\n", len(list))
	for _, t := range list {
		ti, _ := mcp.InfoOf(t)
		def := t.Definition()
		var hints []string
		if ti.ReadOnly() {
			hints = append(hints, "read-only")
		} else if ti.Destructive() {
			hints = append(hints, "may destroy data")
		}
		if ti.Idempotent() && !ti.ReadOnly() {
			hints = append(hints, "idempotent")
		}
		if *def.Strict {
			hints = append(hints, "strict schema")
		}
		fmt.Fprintf(w, "\n%s", ti.Tool.Name)
		if len(hints) > 0 {
			fmt.Fprintf(w, "  (%s)", strings.Join(hints, ", "))
		}
		fmt.Fprintln(w)
		if d := strings.TrimSpace(def.Description); d != "" {
			fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(d, "\n", "\n  "))
		}
		fmt.Fprintf(w, "  input: %s\n", schemaLine(def))
	}
	return nil
}

func schemaLine(def responses.Tool) string {
	var v any
	if json.Unmarshal(def.Parameters, &v) != nil {
		return string(def.Parameters)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
