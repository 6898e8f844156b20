package shell_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/shell"
	"github.com/google/go-cmp/cmp"
)

func newRunner(t *testing.T, srv *responsestest.Server, opts *runner.Options) *runner.Runner {
	t.Helper()
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	return runner.New(client, opts)
}

func noApproval(context.Context, shell.Call) (bool, error) { return false, nil }

// outputOf returns the item answering callID in a request's input.
func outputOf(t *testing.T, req *responses.Request, callID string) *responses.Item {
	t.Helper()
	for i := range req.Input.Items {
		it := &req.Input.Items[i]
		if it.CallID == callID && strings.HasSuffix(it.Type, "_output") {
			return it
		}
	}
	t.Fatalf("no output for %s in the request", callID)
	return nil
}

// notes returns the text of the user messages the runner added.
func notes(req *responses.Request) string {
	var s []string
	for _, it := range req.Input.Items {
		if it.IsMessage() && it.Role == responses.RoleUser {
			s = append(s, it.Text())
		}
	}
	return strings.Join(s, "\n")
}

// shellCall is a shell_call as the API sends it (FunctionShellCall).
const shellCall = `{"type":"shell_call","id":"sh_68f1","call_id":"call_sh1","action":{"commands":["echo hello > out.txt","cat out.txt; echo warn >&2"],"timeout_ms":5000,"max_output_length":1000},"status":"completed","environment":{"type":"local"},"created_by":"resp_0"}`

// TestShellLoop runs a shell_call through the runner against the scripted
// server, streamed and not: the commands run in the tool's directory, and
// the next request answers the call with a shell_call_output that pairs
// with it and carries back its max_output_length.
func TestShellLoop(t *testing.T) {
	skipUnlessUnix(t)
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			dir := t.TempDir()
			srv := responsestest.Start(t,
				responsestest.Reply(*item(t, shellCall)),
				responsestest.Reply(responsestest.Message("Wrote out.txt.")),
			)
			sh := shell.New(shell.NewLocal(nil), &shell.Options{Dir: dir, NeedsApproval: noApproval})
			a := &agent.Agent{Name: "coder", Model: "gpt-5.1", Tools: []tools.Tool{sh}}
			var events []string
			deltas := map[int]string{}
			var res *runner.Result
			for ev, err := range newRunner(t, srv, &runner.Options{DisableStreaming: !stream}).Stream(context.Background(), a, runner.Text("write out.txt")) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == runner.EventResponse {
					switch e := ev.ResponseEvent; e.Type {
					case responses.EventShellCallCommandAdded:
						events = append(events, fmt.Sprintf("added %d", e.CommandIndex))
					case responses.EventShellCallCommandDelta:
						deltas[e.CommandIndex] += e.Delta
					case responses.EventShellCallCommandDone:
						events = append(events, fmt.Sprintf("done %d %q from deltas %q", e.CommandIndex, e.Command, deltas[e.CommandIndex]))
					}
				}
				if ev.Result != nil {
					res = ev.Result
				}
			}
			if res == nil || res.Output != "Wrote out.txt." {
				t.Fatalf("result %+v", res)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "out.txt")); err != nil || string(b) != "hello\n" {
				t.Errorf("out.txt: %q, %v", b, err)
			}
			reqs := srv.Requests()
			if got, want := string(reqs[0].Request.Tools[0].Raw), `{"type":"shell","environment":{"type":"local"}}`; got != want {
				t.Errorf("declared %s, want %s", got, want)
			}
			out := outputOf(t, reqs[1].Request, "call_sh1")
			want := `{"type":"shell_call_output","call_id":"call_sh1","output":[{"stdout":"","stderr":"","outcome":{"type":"exit","exit_code":0}},{"stdout":"hello\n","stderr":"warn\n","outcome":{"type":"exit","exit_code":0}}],"max_output_length":1000}`
			if diff := cmp.Diff(want, string(out.Raw())); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			wantEvents := []string(nil)
			if stream {
				wantEvents = []string{
					`added 0`, `done 0 "echo hello > out.txt" from deltas "echo hello > out.txt"`,
					`added 1`, `done 1 "cat out.txt; echo warn >&2" from deltas "cat out.txt; echo warn >&2"`,
				}
			}
			if diff := cmp.Diff(wantEvents, events); diff != "" {
				t.Errorf("shell command events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLocalShellLoop answers a local_shell_call (LocalShellToolCall) for a
// codex-mini model, which gets the local_shell tool.
func TestLocalShellLoop(t *testing.T) {
	skipUnlessUnix(t)
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			dir := t.TempDir()
			srv := responsestest.Start(t,
				responsestest.Reply(*item(t, `{"type":"local_shell_call","id":"lsh_1","call_id":"call_ls1","action":{"type":"exec","command":["ls"],"timeout_ms":null,"working_directory":null,"env":{},"user":null},"status":"completed"}`)),
				responsestest.Reply(responsestest.Message("The folder holds a.txt.")),
			)
			if err := os.WriteFile(filepath.Join(dir, "a.txt"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			sh := shell.New(shell.NewLocal(nil), &shell.Options{Dir: dir, NeedsApproval: noApproval})
			a := &agent.Agent{Name: "coder", Model: "codex-mini-latest", Tools: []tools.Tool{sh}}
			res, err := newRunner(t, srv, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("list"))
			if err != nil || res.Output != "The folder holds a.txt." {
				t.Fatalf("res %+v, err %v", res, err)
			}
			reqs := srv.Requests()
			if got := string(reqs[0].Request.Tools[0].Raw); got != `{"type":"local_shell"}` {
				t.Errorf("declared %s", got)
			}
			out := outputOf(t, reqs[1].Request, "call_ls1")
			var body struct {
				Output   string         `json:"output"`
				Metadata map[string]any `json:"metadata"`
			}
			if out.Type != responses.ItemLocalShellCallOutput || json.Unmarshal([]byte(out.Output.Text), &body) != nil ||
				body.Output != "a.txt\n" || body.Metadata["exit_code"] != 0.0 {
				t.Errorf("output %s", out.Raw())
			}
		})
	}
}

// TestShellApprovals: by default a shell call pauses the run before any
// command runs; approved, it runs on resume; rejected, it never runs and the
// model reads why.
func TestShellApprovals(t *testing.T) {
	skipUnlessUnix(t)
	for _, approve := range []bool{true, false} {
		t.Run(fmt.Sprintf("approve=%v", approve), func(t *testing.T) {
			dir := t.TempDir()
			srv := responsestest.Start(t,
				responsestest.Reply(*item(t, shellCall)),
				responsestest.Reply(responsestest.Message("ok")),
			)
			sh := shell.New(shell.NewLocal(nil), &shell.Options{Dir: dir})
			a := &agent.Agent{Name: "coder", Model: "gpt-5.1", Tools: []tools.Tool{sh}}
			r := newRunner(t, srv, nil)
			res, err := r.Run(context.Background(), a, runner.Text("write out.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Paused() || len(res.Interruptions) != 1 || res.Interruptions[0].CallID != "call_sh1" || res.Interruptions[0].Tool != "shell" {
				t.Fatalf("paused %v, interruptions %+v", res.Paused(), res.Interruptions)
			}
			if _, err := os.Stat(filepath.Join(dir, "out.txt")); err == nil {
				t.Fatal("a command ran before approval")
			}
			if approve {
				err = res.State.Approve("call_sh1")
			} else {
				err = res.State.Reject("call_sh1", "do not write files")
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err = r.Resume(context.Background(), a, res.State)
			if err != nil || res.Output != "ok" {
				t.Fatalf("res %+v, err %v", res, err)
			}
			_, statErr := os.Stat(filepath.Join(dir, "out.txt"))
			req := srv.Requests()[1].Request
			out := outputOf(t, req, "call_sh1")
			if approve {
				if statErr != nil || len(out.ShellOutput) != 2 || out.ShellOutput[1].Stdout != "hello\n" {
					t.Errorf("approved: file %v, output %s", statErr, out.Raw())
				}
				return
			}
			if statErr == nil {
				t.Error("a rejected command ran")
			}
			if len(out.ShellOutput) != 1 || !strings.Contains(out.ShellOutput[0].Stderr, "Rejected") || out.ShellOutput[0].Outcome.ExitCode != -1 {
				t.Errorf("rejected: output %s", out.Raw())
			}
			if n := notes(req); !strings.Contains(n, "do not write files") {
				t.Errorf("the model was not told why: %q", n)
			}
		})
	}
}

// snapshots keeps every checkpoint.
type snapshots struct {
	mu   sync.Mutex
	list [][]byte
}

func (s *snapshots) Save(_ context.Context, st *runner.State) error {
	b, err := st.MarshalJSON()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, b)
	return nil
}

// started returns the first checkpoint recording callID as started: what a
// crash while the call ran leaves behind.
func (s *snapshots) started(t *testing.T, callID string) *runner.State {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.list {
		var st runner.State
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		for _, c := range st.Calls {
			if c.CallID == callID && c.Status == runner.CallStarted {
				return &st
			}
		}
	}
	t.Fatalf("no checkpoint with %s started", callID)
	return nil
}

// TestShellCrashResume resumes from the checkpoint written as a shell call
// started, as after a crash while it ran: the commands do not run again,
// and the call is answered with a shell_call_output saying the outcome is
// unknown.
func TestShellCrashResume(t *testing.T) {
	skipUnlessUnix(t)
	dir := t.TempDir()
	srv := responsestest.Start(t,
		responsestest.Reply(*item(t, `{"type":"shell_call","id":"sh_1","call_id":"call_sh1","action":{"commands":["echo ran >> log"],"timeout_ms":null,"max_output_length":null},"status":"completed","environment":{"type":"local"}}`)),
		responsestest.Reply(responsestest.Message("first run done")),
		responsestest.Reply(responsestest.Message("resumed")),
	)
	sh := shell.New(shell.NewLocal(nil), &shell.Options{Dir: dir, NeedsApproval: noApproval})
	a := &agent.Agent{Name: "coder", Model: "gpt-5.1", Tools: []tools.Tool{sh}}
	var snaps snapshots
	if _, err := newRunner(t, srv, nil).Run(context.Background(), a, runner.Text("go"), runner.WithCheckpointer(&snaps)); err != nil {
		t.Fatal(err)
	}
	st := snaps.started(t, "call_sh1")
	res, err := newRunner(t, srv, nil).Resume(context.Background(), a, st)
	if err != nil || res.Output != "resumed" {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "log")); string(b) != "ran\n" {
		t.Errorf("log %q: the command ran again", b)
	}
	out := outputOf(t, srv.Requests()[2].Request, "call_sh1")
	if out.Type != responses.ItemShellCallOutput || len(out.ShellOutput) != 1 ||
		!strings.Contains(out.ShellOutput[0].Stderr, "outcome is unknown") || out.ShellOutput[0].Outcome.ExitCode != -1 {
		t.Errorf("output %s", out.Raw())
	}
}
