package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

type mailArgs struct {
	To string `json:"to"`
}

// approvalEnv is an Env with a send_mail tool that needs approval for every
// call and counts its executions.
func approvalEnv(srv *responsestest.Server, stdin string, sent *atomic.Int64) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-0123456789", "OPENAI_BASE_URL": srv.URL()}
	return &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] },
		Stdin: strings.NewReader(stdin), StdinIsTerminal: stdin != "",
		Tools: map[string]func() (tools.Tool, error){"send_mail": func() (tools.Tool, error) {
			return tools.NewFunc("send_mail", "Sends a mail", func(_ context.Context, in mailArgs) (string, error) {
				sent.Add(1)
				return "sent to " + in.To, nil
			}, tools.WithApproval(tools.AlwaysAsk()))
		}}}, &out, &errOut
}

func mailSteps() []responsestest.Step {
	return []responsestest.Step{
		responsestest.Reply(responsestest.FunctionCall("call_m", "send_mail", `{"to":"ann@example.com"}`)),
		responsestest.Reply(responsestest.Message("Mail handled.")),
	}
}

// TestRunApprove covers --approve always, never and ask, and the state file
// a finished run leaves behind (none).
func TestRunApprove(t *testing.T) {
	cases := []struct {
		name, stdin string
		args        []string
		sent        int64
		output      string // of call_m, as the model reads it
	}{
		{"always", "", []string{"--approve", "always"}, 1, "sent to ann@example.com"},
		{"never", "", []string{"--approve", "never"}, 0, "--approve never"},
		{"ask yes", "y\n", nil, 1, "sent to ann@example.com"},
		{"ask no", "what? no\nn not Ann\n", nil, 0, "not Ann"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := responsestest.Start(t, mailSteps()...)
			var sent atomic.Int64
			env, out, errOut := approvalEnv(srv, c.stdin, &sent)
			state := filepath.Join(t.TempDir(), "state.json")
			args := append([]string{"run", "--tools", "send_mail", "--state", state}, c.args...)
			code := Main(context.Background(), append(args, "Mail Ann"), env)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			if sent.Load() != c.sent {
				t.Errorf("sent %d mails, want %d", sent.Load(), c.sent)
			}
			got := ""
			for _, it := range srv.Requests()[1].Request.Input.Items {
				if it.Type == responses.ItemFunctionCallOutput {
					got = it.Output.String()
				}
			}
			if !strings.Contains(got, c.output) {
				t.Errorf("the model read %q, want it to hold %q", got, c.output)
			}
			if c.stdin != "" && !strings.Contains(errOut.String(), `? send_mail {"to":"ann@example.com"}`) {
				t.Errorf("no prompt:\n%s", errOut)
			}
			// A refused call is shown as refused, never with a ✓.
			if c.sent == 0 && (!strings.Contains(errOut.String(), "✗ send_mail") || !strings.Contains(errOut.String(), "(not run)") ||
				strings.Contains(errOut.String(), "✓ send_mail")) {
				t.Errorf("a refused call, shown as:\n%s", errOut)
			}
			if _, err := os.Stat(state); !os.IsNotExist(err) {
				t.Errorf("a finished run left its state: %v", err)
			}
		})
	}
}

// TestRunPauseResume pauses at the pending call (exit 3, the command that
// resumes it printed), then resumes from the file with --approve-call and
// --reject-call, in-process as two separate commands.
func TestRunPauseResume(t *testing.T) {
	for _, reject := range []bool{false, true} {
		srv := responsestest.Start(t, mailSteps()...)
		var sent atomic.Int64
		env, out, errOut := approvalEnv(srv, "", &sent)
		state := filepath.Join(t.TempDir(), "run state.json")
		code := Main(context.Background(), []string{"run", "--tools", "send_mail", "--state", state, "--json", "Mail Ann"}, env)
		if code != ExitPaused {
			t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitPaused, out, errOut)
		}
		for _, want := range []string{"paused: 1 call awaiting approval", "call_m  send_mail", "agentloop resume '" + state + "'"} {
			if !strings.Contains(errOut.String(), want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		var types []string
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			var ev jsonEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Type == "approval.required" || ev.Type == "paused" {
				types = append(types, ev.Type)
			}
			if ev.Type == "paused" && (len(ev.Interruptions) != 1 || ev.Interruptions[0].CallID != "call_m" || ev.Status != "paused") {
				t.Errorf("paused event: %s", sc.Bytes())
			}
		}
		if strings.Join(types, ",") != "approval.required,paused" {
			t.Errorf("JSON events: %v", types)
		}
		if sent.Load() != 0 {
			t.Fatal("the mail was sent before approval")
		}

		decision := []string{"--approve-call", "call_m"}
		if reject {
			decision = []string{"--reject-call", "call_m=Ann is on holiday"}
		}
		env2, out2, errOut2 := approvalEnv(srv, "", &sent)
		code = Main(context.Background(), append(append([]string{"resume"}, decision...), state), env2)
		if code != 0 {
			t.Fatalf("resume: exit %d\n%s\n%s", code, out2, errOut2)
		}
		if want := map[bool]int64{false: 1, true: 0}[reject]; sent.Load() != want {
			t.Errorf("reject=%v: sent %d", reject, sent.Load())
		}
		if !strings.Contains(out2.String(), "Mail handled.") {
			t.Errorf("resume output:\n%s", out2)
		}
	}
}

// TestResumeErrors: resuming without a decision pauses again; a decision
// for an unknown call is a usage error.
func TestResumeErrors(t *testing.T) {
	srv := responsestest.Start(t, mailSteps()[0])
	var sent atomic.Int64
	state := filepath.Join(t.TempDir(), "state.json")
	env, _, _ := approvalEnv(srv, "", &sent)
	if code := Main(context.Background(), []string{"run", "--tools", "send_mail", "--state", state, "Mail Ann"}, env); code != ExitPaused {
		t.Fatalf("exit %d", code)
	}
	env, _, errOut := approvalEnv(srv, "", &sent)
	if code := Main(context.Background(), []string{"resume", state}, env); code != ExitPaused || !strings.Contains(errOut.String(), "call_m") {
		t.Errorf("resume without decisions: exit %d\n%s", code, errOut)
	}
	env, _, errOut = approvalEnv(srv, "", &sent)
	if code := Main(context.Background(), []string{"resume", "--approve-call", "nope", state}, env); code != 2 || !strings.Contains(errOut.String(), `no call "nope"`) {
		t.Errorf("unknown call: exit %d\n%s", code, errOut)
	}
	env, _, errOut = approvalEnv(srv, "", &sent)
	if code := Main(context.Background(), []string{"resume", filepath.Join(t.TempDir(), "missing.json")}, env); code != 1 || !strings.Contains(errOut.String(), "no such file") {
		t.Errorf("missing file: exit %d\n%s", code, errOut)
	}
}

// TestCrashResume kills agentloop (SIGKILL) while a tool runs, then resumes
// from the checkpoint in a new process: the tool is not run again and the
// model is told its outcome is unknown; an idempotent tool runs again with
// the same run id and call id.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the crash test needs a binary built and killed")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is missing from PATH: it builds the crash-test binary")
	}
	bin := filepath.Join(t.TempDir(), "crashagent")
	build := exec.Command(goBin, "build", "-o", bin, "./testdata/crashagent")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the crash-test binary: %v\n%s", err, b)
	}
	for _, tool := range []string{"charge", "charge_idempotent"} {
		t.Run(tool, func(t *testing.T) {
			srv := responsestest.Start(t,
				responsestest.Reply(responsestest.FunctionCall("call_pay", "charge", `{"amount":40}`)),
				responsestest.Reply(responsestest.Message("Payment handled.")))
			dir := t.TempDir()
			state, log := filepath.Join(dir, "state.json"), filepath.Join(dir, "charges.log")
			environ := append(os.Environ(), "OPENAI_API_KEY=sk-test-crash", "OPENAI_BASE_URL="+srv.URL(), "CRASH_LOG="+log)

			cmd := exec.Command(bin, "run", "--tools", tool, "--state", state, "--stream=false", "Pay 40")
			cmd.Env = environ
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				if b, _ := os.ReadFile(log); len(b) > 0 {
					break
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("the tool never started:\n%s", stderr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			st, err := runner.ReadStateFile(state)
			if err != nil {
				t.Fatalf("after the kill: %v", err)
			}
			if len(st.Calls) != 1 || st.Calls[0].Status != runner.CallStarted {
				t.Fatalf("the checkpoint holds %+v", st.Calls)
			}

			resume := exec.Command(bin, "resume", state)
			resume.Env = environ
			out, err := resume.CombinedOutput()
			if err != nil {
				t.Fatalf("resume: %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(readFile(t, log)), "\n")
			got := ""
			for _, it := range srv.Requests()[1].Request.Input.Items {
				if it.Type == responses.ItemFunctionCallOutput {
					got = it.Output.String()
				}
			}
			if tool == "charge" {
				if len(lines) != 1 {
					t.Errorf("the tool ran %d times: %q", len(lines), lines)
				}
				if !strings.Contains(got, "outcome is unknown") {
					t.Errorf("the model read %q", got)
				}
				return
			}
			first, second := strings.Fields(lines[0]), strings.Fields(lines[len(lines)-1])
			if len(lines) != 2 || first[0] != second[0] || first[1] != "call_pay" || second[1] != "call_pay" || second[2] != "2" {
				t.Errorf("executions: %q", lines)
			}
			if got != "charged" {
				t.Errorf("the model read %q", got)
			}
		})
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
