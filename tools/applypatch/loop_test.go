package applypatch_test

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
	"github.com/agentloop/agentloop/tools/applypatch"
	"github.com/google/go-cmp/cmp"
)

func newRunner(t *testing.T, srv *responsestest.Server, opts *runner.Options) *runner.Runner {
	t.Helper()
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	return runner.New(client, opts)
}

func item(t *testing.T, js string) responses.Item {
	t.Helper()
	var it responses.Item
	if err := json.Unmarshal([]byte(js), &it); err != nil {
		t.Fatal(err)
	}
	return it
}

func outputOf(t *testing.T, req *responses.Request, callID string) *responses.Item {
	t.Helper()
	for i := range req.Input.Items {
		if it := &req.Input.Items[i]; it.CallID == callID && it.Type == responses.ItemApplyPatchCallOutput {
			return it
		}
	}
	t.Fatalf("no apply_patch_call_output for %s", callID)
	return nil
}

func newDisk(t *testing.T, dir string) *applypatch.Disk {
	t.Helper()
	ed, err := applypatch.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ed.Close() })
	return ed
}

func always(context.Context, applypatch.Change) (bool, error) { return false, nil }

// TestApplyPatchLoop: two turns of apply_patch_call items (ApplyPatchToolCall
// as the API sends them: a create, then an update and an update that does
// not apply) through the runner, streamed and not. Each call is answered by
// an apply_patch_call_output pairing with it; the failed one says why, and
// the run goes on.
func TestApplyPatchLoop(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			dir := t.TempDir()
			srv := responsestest.Start(t,
				responsestest.Reply(item(t, `{"type":"apply_patch_call","id":"apc_1","call_id":"call_a1","status":"completed","operation":{"type":"create_file","path":"src/greet.py","diff":"+def greet():\n+    print(\"Hi\")\n"}}`)),
				responsestest.Reply(
					item(t, `{"type":"apply_patch_call","id":"apc_2","call_id":"call_a2","status":"completed","operation":{"type":"update_file","path":"src/greet.py","diff":"@@ def greet():\n-    print(\"Hi\")\n+    print(\"Hello\")\n"}}`),
					item(t, `{"type":"apply_patch_call","id":"apc_3","call_id":"call_a3","status":"completed","operation":{"type":"update_file","path":"src/greet.py","diff":"@@ def greet():\n-    print(\"Bye\")\n+    print(\"Goodbye\")\n"}}`),
				),
				responsestest.Reply(responsestest.Message("Greeting updated.")),
			)
			a := &agent.Agent{Name: "coder", Model: "gpt-5.1",
				Tools: []tools.Tool{applypatch.New(newDisk(t, dir), &applypatch.Options{NeedsApproval: always})}}
			res, err := newRunner(t, srv, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("say hello"))
			if err != nil || res.Output != "Greeting updated." {
				t.Fatalf("res %+v, err %v", res, err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "src", "greet.py")); string(b) != "def greet():\n    print(\"Hello\")\n" {
				t.Errorf("greet.py: %q", b)
			}
			reqs := srv.Requests()
			if got := string(reqs[0].Request.Tools[0].Raw); got != `{"type":"apply_patch"}` {
				t.Errorf("declared %s", got)
			}
			got := []string{
				string(outputOf(t, reqs[1].Request, "call_a1").Raw()),
				string(outputOf(t, reqs[2].Request, "call_a2").Raw()),
				string(outputOf(t, reqs[2].Request, "call_a3").Raw()),
			}
			want := []string{
				`{"type":"apply_patch_call_output","call_id":"call_a1","status":"completed","output":"Created src/greet.py."}`,
				`{"type":"apply_patch_call_output","call_id":"call_a2","status":"completed","output":"Updated src/greet.py."}`,
				`{"type":"apply_patch_call_output","call_id":"call_a3","status":"failed","output":"Error: update_file src/greet.py: hunk 1 (@@ def greet():): its context and removed lines do not match the file after line 1: it has no line \"    print(\\\"Bye\\\")\" (line 2 is \"    print(\\\"Hello\\\")\")"}`,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestApplyPatchApproval: by default a change waits for approval; a
// rejected one is answered "failed" without touching the files.
func TestApplyPatchApproval(t *testing.T) {
	for _, approve := range []bool{true, false} {
		t.Run(fmt.Sprintf("approve=%v", approve), func(t *testing.T) {
			dir := t.TempDir()
			srv := responsestest.Start(t,
				responsestest.Reply(item(t, `{"type":"apply_patch_call","id":"apc_1","call_id":"call_a1","status":"completed","operation":{"type":"create_file","path":"a.txt","diff":"+a\n"}}`)),
				responsestest.Reply(responsestest.Message("ok")),
			)
			a := &agent.Agent{Name: "coder", Model: "gpt-5.1", Tools: []tools.Tool{applypatch.New(newDisk(t, dir), nil)}}
			r := newRunner(t, srv, nil)
			res, err := r.Run(context.Background(), a, runner.Text("write a.txt"))
			if err != nil || !res.Paused() || len(res.Interruptions) != 1 || res.Interruptions[0].Tool != "apply_patch" {
				t.Fatalf("res %+v, err %v", res, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "a.txt")); err == nil {
				t.Fatal("the file was written before approval")
			}
			if approve {
				err = res.State.Approve("call_a1")
			} else {
				err = res.State.Reject("call_a1", "not now")
			}
			if err != nil {
				t.Fatal(err)
			}
			if res, err = r.Resume(context.Background(), a, res.State); err != nil || res.Output != "ok" {
				t.Fatalf("res %+v, err %v", res, err)
			}
			_, statErr := os.Stat(filepath.Join(dir, "a.txt"))
			out := outputOf(t, srv.Requests()[1].Request, "call_a1")
			if approve != (statErr == nil) || approve != (out.Status == responses.StatusCompleted) {
				t.Errorf("approve %v: file %v, output %s", approve, statErr, out.Raw())
			}
			if !approve && !strings.Contains(out.Output.Text, "Rejected") {
				t.Errorf("output %s", out.Raw())
			}
		})
	}
}

// checkpoints keeps every checkpoint.
type checkpoints struct {
	mu   sync.Mutex
	list [][]byte
}

func (c *checkpoints) Save(_ context.Context, st *runner.State) error {
	b, err := st.MarshalJSON()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, b)
	return nil
}

// TestApplyPatchCrashResume resumes from the checkpoint written as an
// apply_patch_call started: the change is not applied again, and the call
// is answered "failed", saying its outcome is unknown.
func TestApplyPatchCrashResume(t *testing.T) {
	dir := t.TempDir()
	srv := responsestest.Start(t,
		responsestest.Reply(item(t, `{"type":"apply_patch_call","id":"apc_1","call_id":"call_a1","status":"completed","operation":{"type":"create_file","path":"a.txt","diff":"+a\n"}}`)),
		responsestest.Reply(responsestest.Message("first run done")),
		responsestest.Reply(responsestest.Message("resumed")),
	)
	ed := newDisk(t, dir)
	a := &agent.Agent{Name: "coder", Model: "gpt-5.1", Tools: []tools.Tool{applypatch.New(ed, &applypatch.Options{NeedsApproval: always})}}
	var cps checkpoints
	if _, err := newRunner(t, srv, nil).Run(context.Background(), a, runner.Text("go"), runner.WithCheckpointer(&cps)); err != nil {
		t.Fatal(err)
	}
	var st *runner.State
	for _, b := range cps.list {
		var s runner.State
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if len(s.Calls) == 1 && s.Calls[0].Status == runner.CallStarted {
			st = &s
			break
		}
	}
	if st == nil {
		t.Fatal("no checkpoint with the call started")
	}
	if err := os.Remove(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	res, err := newRunner(t, srv, nil).Resume(context.Background(), a, st)
	if err != nil || res.Output != "resumed" {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.txt")); err == nil {
		t.Error("the change was applied again")
	}
	out := outputOf(t, srv.Requests()[2].Request, "call_a1")
	if out.Status != responses.StatusFailed || !strings.Contains(out.Output.Text, "outcome is unknown") {
		t.Errorf("output %s", out.Raw())
	}
}
