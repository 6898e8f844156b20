package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools/shell"
)

func codingSteps() []responsestest.Step {
	return []responsestest.Step{
		responsestest.Reply(responsestest.ApplyPatchCall("call_p", responses.PatchOperation{
			Type: responses.PatchCreateFile, Path: "hello.txt", Diff: "+hello\n"})),
		responsestest.Reply(responsestest.ShellCall("call_s", "cat hello.txt", "echo $OPENAI_API_KEY")),
		responsestest.Reply(responsestest.Message("Done.")),
	}
}

func codingEnv(srv *responsestest.Server, stdin string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-0123456789", "OPENAI_BASE_URL": srv.URL()}
	return &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] },
		Stdin: strings.NewReader(stdin), StdinIsTerminal: stdin != ""}, &out, &errOut
}

// TestRunCoding: `run --tools shell,apply_patch --workdir DIR` asks before
// each call on the terminal, edits files under DIR and runs commands there;
// rejected, nothing happens and the model is told.
func TestRunCoding(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("requires a POSIX shell, missing on Windows")
	}
	t.Setenv("OPENAI_API_KEY", "sk-in-this-process")
	for _, approve := range []bool{true, false} {
		name := map[bool]string{true: "approved", false: "rejected"}[approve]
		t.Run(name, func(t *testing.T) {
			srv := responsestest.Start(t, codingSteps()...)
			answer := "y\n"
			if !approve {
				answer = "n leave my files alone\n"
			}
			env, out, errOut := codingEnv(srv, strings.Repeat(answer, 2))
			dir := t.TempDir()
			state := filepath.Join(t.TempDir(), "state.json")
			code := Main(context.Background(), []string{"run", "--tools", "shell,apply_patch", "--workdir", dir, "--state", state, "Say hello"}, env)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			for _, want := range []string{
				"? apply_patch create_file hello.txt (1 diff line)",
				"? shell cat hello.txt ; echo $OPENAI_API_KEY",
			} {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "hello.txt"))
			reqs := srv.Requests()
			var shellOut *responses.Item
			for i, it := range reqs[2].Request.Input.Items {
				if it.Type == responses.ItemShellCallOutput {
					shellOut = &reqs[2].Request.Input.Items[i]
				}
			}
			if shellOut == nil || len(shellOut.ShellOutput) == 0 {
				t.Fatalf("no shell_call_output in %s", reqs[2].Body)
			}
			if !approve {
				if err == nil {
					t.Errorf("a rejected patch was applied: %q", b)
				}
				if !strings.Contains(shellOut.ShellOutput[0].Stderr, "Rejected") || !strings.Contains(string(reqs[1].Body), "leave my files alone") {
					t.Errorf("the model was not told: %s", reqs[1].Body)
				}
				return
			}
			if string(b) != "hello\n" {
				t.Errorf("hello.txt: %q, %v", b, err)
			}
			want := []responses.ShellCommandOutput{
				{Stdout: "hello\n", Outcome: responses.ShellOutcome{Type: responses.OutcomeExit}},
				{Stdout: "\n", Outcome: responses.ShellOutcome{Type: responses.OutcomeExit}}, // the key stays out
			}
			for i := range want {
				if shellOut.ShellOutput[i] != want[i] {
					t.Errorf("command %d: %+v, want %+v", i, shellOut.ShellOutput[i], want[i])
				}
			}
			if !strings.Contains(errOut.String(), "✓ shell cat hello.txt ; echo $OPENAI_API_KEY → exit 0, 1 line; exit 0, 1 line") ||
				!strings.Contains(errOut.String(), "✓ apply_patch create_file hello.txt (1 diff line) → completed: Created hello.txt.") {
				t.Errorf("progress:\n%s", errOut)
			}
		})
	}
}

// TestRunCodingResume: a paused coding run keeps --workdir absolute in its
// state, so resuming it from another directory works on the same files.
func TestRunCodingResume(t *testing.T) {
	srv := responsestest.Start(t, codingSteps()[0], responsestest.Reply(responsestest.Message("Done.")))
	env, out, errOut := codingEnv(srv, "")
	dir := t.TempDir()
	t.Chdir(dir)
	state := filepath.Join(t.TempDir(), "state.json")
	code := Main(context.Background(), []string{"run", "--tools", "apply_patch", "--workdir", ".", "--state", state, "Say hello"}, env)
	if code != ExitPaused {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	st, err := runner.ReadStateFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(st.Meta[metaKey]), `"--workdir=`+dir+`"`) {
		t.Errorf("meta %s", st.Meta[metaKey])
	}
	t.Chdir(t.TempDir())
	code = Main(context.Background(), []string{"resume", "--approve-call", "call_p", state}, env)
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "hello.txt")); err != nil || string(b) != "hello\n" {
		t.Errorf("hello.txt: %q, %v", b, err)
	}
}

func TestWorkdirErrors(t *testing.T) {
	srv := responsestest.Start(t)
	env, _, errOut := codingEnv(srv, "")
	code := Main(context.Background(), []string{"run", "--tools", "shell", "--workdir", filepath.Join(t.TempDir(), "missing"), "hi"}, env)
	if code != 2 || !strings.Contains(errOut.String(), "is not a directory") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestDemoCoding(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("requires a POSIX shell, missing on Windows")
	}
	r := runCLI(t, nil, "demo", "--only", "coding")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"✓ apply_patch update_file greeting.txt", "✓ shell cat greeting.txt ; wc -l < greeting.txt → exit 0, 2 lines; exit 0, 1 line",
		`greeting.txt now reads "hello\ngoodbye\n" (2 lines)`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestRunSandbox: with --sandbox, shell commands run under unshare (here:
// as PID 1 of their own namespace), where the machine allows it.
func TestRunSandbox(t *testing.T) {
	if _, err := shell.Unshare(context.Background()); err != nil {
		t.Skipf("requires user namespaces (unshare), unavailable here: %v", err)
	}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ShellCall("call_s", "echo $$")),
		responsestest.Reply(responsestest.Message("Done.")),
	)
	env, out, errOut := codingEnv(srv, "")
	code := Main(context.Background(), []string{"run", "--tools", "shell", "--sandbox", "--approve", "always", "--workdir", t.TempDir(),
		"--state", filepath.Join(t.TempDir(), "s.json"), "pid?"}, env)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, it := range srv.Requests()[1].Request.Input.Items {
		if it.Type == responses.ItemShellCallOutput && (len(it.ShellOutput) != 1 || it.ShellOutput[0].Stdout != "1\n") {
			t.Errorf("output %s", it.Raw())
		}
	}
}
