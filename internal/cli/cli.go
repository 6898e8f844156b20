// Package cli implements the agentloop command. It lives here, not in
// cmd/agentloop, so tests can run it in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/tools"
)

// Env is what a command reads and writes besides its arguments.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Stdin answers the approval prompts of --approve ask; nil reads
	// nothing.
	Stdin io.Reader
	// StdinIsTerminal makes --approve default to ask instead of pause, and
	// `run` without a prompt read none from stdin.
	StdinIsTerminal bool
	// StdoutIsTerminal streams answers as they are written; otherwise
	// stdout gets the final answer alone, at the end.
	StdoutIsTerminal bool
	// Tools are extra tools for --tools, by name, beside the built-in ones:
	// for programs that embed the CLI with their own tools, and for tests.
	Tools map[string]func() (tools.Tool, error)
	// Interrupts delivers Ctrl-C to the commands that handle it themselves
	// (chat cancels the turn under way); Main cancels the context of the
	// others on the first one. Nil: the context alone says.
	Interrupts <-chan os.Signal
}

func (e *Env) stdin() io.Reader {
	if e.Stdin == nil {
		return strings.NewReader("")
	}
	return e.Stdin
}

// errUsage marks errors whose message is a usage hint; the exit status is 2.
var errUsage = errors.New("usage")

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "[--only NAME] [--no-stream]", "run the example agents against a scripted model (no key, no network)", runDemo},
		{"run", "[flags] PROMPT", "run one agent against OpenAI or an OpenAI-compatible gateway", runRun},
		{"resume", "[flags] [STATE]", "continue a run that paused for approvals, was interrupted or crashed", runResume},
		{"chat", "[flags]", "talk with an agent in the terminal, the conversation kept in a session file", runChat},
		{"doctor", "[flags]", "check which parts of the Responses API work through an endpoint", runDoctor},
		{"ingest", "[flags] DIR...", "read files into a file-search store (embedded, or Qdrant)", runIngest},
		{"mcp", "list COMMAND…|URL", "list the tools an MCP server offers, with their schemas", runMCP},
		{"search", "[flags] QUERY", "search the file-search store built by ingest", runSearch},
		{"version", "", "print the version", runVersion},
	}
}

// Main runs the command line args and returns the exit status: 0 on success,
// 1 on failure, 2 on a usage error, 3 ([ExitPaused]) when a run paused for
// approvals or was interrupted and saved its state. Errors are printed on
// one line.
func Main(ctx context.Context, args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			// Asked for: the help goes to stdout, for a pager.
			helpEnv := *env
			helpEnv.Stderr = env.Stdout
			return Main(ctx, []string{args[1], "--help"}, &helpEnv)
		}
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		if env.Interrupts != nil && c.name != "chat" {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			stop := env.onInterrupt(cancel)
			defer cancel()
			defer stop()
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errPaused):
			return ExitPaused
		case errors.Is(err, errUsage):
			fmt.Fprintf(env.Stderr, "agentloop %s: %v\n", c.name, strings.TrimPrefix(err.Error(), "usage: "))
			return 2
		default:
			// The sources redact the keys already; this is the last net.
			msg := genai.Redact(oneLine(err.Error()), env.Getenv("OPENAI_API_KEY"), env.Getenv("QDRANT_API_KEY"))
			fmt.Fprintf(env.Stderr, "agentloop %s: %s\n", c.name, msg)
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "agentloop: unknown command %q; run 'agentloop help'\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "agentloop runs tool-calling agents over the OpenAI Responses API.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  agentloop %-8s %-28s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Environment: OPENAI_API_KEY (the key, or a gateway's key), OPENAI_BASE_URL (default")
	fmt.Fprintln(w, "https://api.openai.com/v1; a gateway's https://<gateway>/v1; plain http only to")
	fmt.Fprintln(w, "localhost unless AGENTLOOP_ALLOW_INSECURE_HTTP=1 or --allow-insecure-http).")
	fmt.Fprintln(w, "Run 'agentloop COMMAND --help' for a command's flags.")
}

// newFlags returns a flag set whose usage names the command.
func newFlags(env *Env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: agentloop %s %s\n\n%s.\n\nFlags:\n", name, args, upperFirst(summary))
		fs.PrintDefaults()
	}
	return fs
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Version is the module version the binary was built from, or "dev".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "version", "", "print the version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "agentloop", Version())
	return nil
}

// oneLine folds an error message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// printable returns s with what a terminal would not show as text written
// as Go escapes (as strconv.Quote writes them, without the quotes): control
// characters and escape codes (\x1b), line breaks, bidirectional and other
// invisible format characters (\u202e), bytes that are not UTF-8.
func printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !strconv.IsPrint(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// fileName returns a file name for the terminal: as it is when printable,
// else quoted with escapes (strconv.Quote), as is one starting with a
// quote, so that a quoted name always reads as one.
func fileName(name string) string {
	if name != "" && !strings.HasPrefix(name, `"`) && printable(name) == name {
		return name
	}
	return strconv.Quote(name)
}
