package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/applypatch"
	"github.com/agentloop/agentloop/tools/shell"
)

// workdirOf checks --workdir and returns it absolute, so that a run resumed
// from another directory works on the same files.
func workdirOf(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("%w: --workdir %q: %w", errUsage, dir, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%w: --workdir %q is not a directory", errUsage, dir)
	}
	return abs, nil
}

// codingFlags are the settings of the shell and apply_patch tools.
type codingFlags struct {
	workdir string
	sandbox bool
}

// shellTool returns the shell tool running commands in dir, on this
// machine, under unshare with sandbox; every call needs approval
// (--approve decides how).
func shellTool(ctx context.Context, dir string, sandbox bool) (tools.Tool, error) {
	lo := &shell.LocalOptions{Dir: dir}
	if sandbox {
		wrap, err := shell.Unshare(ctx)
		if err != nil {
			return nil, fmt.Errorf("--sandbox: %w", err)
		}
		lo.Wrap = wrap
	}
	return shell.New(shell.NewLocal(lo), &shell.Options{Dir: dir}), nil
}

// applyPatchTool returns the apply_patch tool editing the files under dir;
// every call needs approval.
func applyPatchTool(dir string) (tools.Tool, func() error, error) {
	ed, err := applypatch.NewDisk(dir)
	if err != nil {
		return nil, nil, err
	}
	return applypatch.New(ed, nil), ed.Close, nil
}

// describeShellCall sums up a shell or local_shell call's outcome.
func describeShellCall(out *responses.Item) string {
	if out == nil {
		return ""
	}
	if out.Type == responses.ItemLocalShellCallOutput {
		return clip(out.Output.String(), 70)
	}
	var parts []string
	for _, o := range out.ShellOutput {
		if o.Outcome.Type == responses.OutcomeTimeout {
			parts = append(parts, "timed out")
			continue
		}
		lines := strings.Count(o.Stdout, "\n")
		if o.Stdout != "" && !strings.HasSuffix(o.Stdout, "\n") {
			lines++
		}
		parts = append(parts, fmt.Sprintf("exit %d, %s", o.Outcome.ExitCode, plural(lines, "line")))
	}
	return strings.Join(parts, "; ")
}

// codingDemoCase edits and checks a file in a temporary directory with the
// shell and apply_patch tools.
func codingDemoCase() demoCase {
	return demoCase{
		name:   "coding",
		blurb:  "a small coding agent: apply_patch edits a file, shell runs real commands on it (in a temporary directory)",
		prompt: "Add a line saying goodbye to greeting.txt, then show me the file.",
		agent: func() (*agent.Agent, func(), error) {
			dir, err := os.MkdirTemp("", "agentloop-demo-")
			if err != nil {
				return nil, nil, err
			}
			cleanup := func() { _ = os.RemoveAll(dir) }
			if err := os.WriteFile(filepath.Join(dir, "greeting.txt"), []byte("hello\n"), 0o644); err != nil {
				cleanup()
				return nil, nil, err
			}
			ed, err := applypatch.NewDisk(dir)
			if err != nil {
				cleanup()
				return nil, nil, err
			}
			// The demo's calls are scripted, so it approves them; `agentloop
			// run --tools shell,apply_patch` asks.
			approve := func(context.Context, shell.Call) (bool, error) { return false, nil }
			sh := shell.New(shell.NewLocal(&shell.LocalOptions{Dir: dir}), &shell.Options{Dir: dir, NeedsApproval: approve})
			ap := applypatch.New(ed, &applypatch.Options{NeedsApproval: func(context.Context, applypatch.Change) (bool, error) { return false, nil }})
			return &agent.Agent{Name: "coder", Instructions: "Edit files with apply_patch; check them with shell.",
					Model: "gpt-5.1", Tools: []tools.Tool{ap, sh}},
				func() { _ = ed.Close(); cleanup() }, nil
		},
		model: codingModel,
	}
}

// codingModel patches greeting.txt, then runs cat and wc on it, then
// answers from the shell's output.
func codingModel(r *responsestest.Received) responsestest.Step {
	var patched, shown *responses.Item
	for i := range r.Request.Input.Items {
		switch it := &r.Request.Input.Items[i]; it.Type {
		case responses.ItemApplyPatchCallOutput:
			patched = it
		case responses.ItemShellCallOutput:
			shown = it
		}
	}
	switch {
	case patched == nil:
		return responsestest.Reply(responsestest.ApplyPatchCall("call_p1", responses.PatchOperation{
			Type: responses.PatchUpdateFile, Path: "greeting.txt", Diff: "@@\n hello\n+goodbye\n"}))
	case shown == nil:
		return responsestest.Reply(responsestest.ShellCall("call_s1", "cat greeting.txt", "wc -l < greeting.txt"))
	}
	if patched.Status != responses.StatusCompleted || len(shown.ShellOutput) != 2 {
		return responsestest.Reply(responsestest.Message("Something went wrong: " + patched.Output.String()))
	}
	return responsestest.Reply(responsestest.Message(fmt.Sprintf("Done. greeting.txt now reads %q (%s lines).",
		shown.ShellOutput[0].Stdout, strings.TrimSpace(shown.ShellOutput[1].Stdout))))
}
