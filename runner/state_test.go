package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

type mailArgs struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

// mailTool is a tool that needs approval for every call (unless policy is
// given) and counts its executions.
func mailTool(t *testing.T, n *atomic.Int64, opts ...tools.FuncOption) tools.Tool {
	t.Helper()
	if opts == nil {
		opts = []tools.FuncOption{tools.WithApproval(tools.AlwaysAsk())}
	}
	tool, err := tools.NewFunc("send_mail", "Sends a mail",
		func(_ context.Context, in mailArgs) (string, error) {
			n.Add(1)
			return "sent to " + in.To, nil
		}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

// roundTrip encodes st to JSON and decodes it, as a state crossing
// processes does.
func roundTrip(t *testing.T, st *runner.State) *runner.State {
	t.Helper()
	b, err := st.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var out runner.State
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	b2, err := out.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("state JSON changed across a round trip:\n%s\n%s", b, b2)
	}
	return &out
}

func interruptionIDs(res *runner.Result) []string {
	var ids []string
	for _, in := range res.Interruptions {
		ids = append(ids, in.Tool+":"+in.CallID)
	}
	return ids
}

func mailTurn() responsestest.Step {
	return responsestest.Reply(
		responsestest.Reasoning("mail them", "enc-1"),
		responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`),
		responsestest.FunctionCall("c2", "send_mail", `{"to":"ann@example.com","body":"hi <3"}`),
		responsestest.FunctionCall("c3", "send_mail", `{"to":"bob@example.com","body":"hi"}`),
	)
}

// TestPauseResume pauses a turn that mixes unrestricted and gated calls,
// decides them, carries the state through JSON into a fresh runner, and
// resumes: the free call ran once before the pause, the approved one once
// after, the rejected one never, and the request after the resume is byte
// for byte the one a run without approvals sends.
func TestPauseResume(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var weather, mail atomic.Int64
			srv := responsestest.Start(t, mailTurn(), responsestest.Reply(responsestest.Message("Done.")))
			a := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &weather), mailTool(t, &mail)}}
			opts := &runner.Options{DisableStreaming: !stream}

			var types []runner.EventType
			var res *runner.Result
			for ev, err := range newRunner(srv, opts).Stream(context.Background(), a, runner.Text("Mail the weather")) {
				if err != nil {
					t.Fatal(err)
				}
				switch ev.Type {
				case runner.EventApprovalRequired, runner.EventPaused, runner.EventToolStarted, runner.EventToolFinished, runner.EventFinalOutput:
					types = append(types, ev.Type)
				}
				if ev.Type == runner.EventPaused {
					res = ev.Result
				}
			}
			want := []runner.EventType{runner.EventToolStarted, runner.EventToolFinished,
				runner.EventApprovalRequired, runner.EventApprovalRequired, runner.EventPaused}
			if diff := cmp.Diff(want, types); diff != "" {
				t.Fatalf("events (-want +got):\n%s", diff)
			}
			if !res.Paused() || res.State.Status != runner.StatusPaused {
				t.Fatalf("paused = %v, status %q", res.Paused(), res.State.Status)
			}
			if diff := cmp.Diff([]string{"send_mail:c2", "send_mail:c3"}, interruptionIDs(res)); diff != "" {
				t.Errorf("interruptions (-want +got):\n%s", diff)
			}
			if res.Interruptions[0].Call.Arguments != `{"to":"ann@example.com","body":"hi <3"}` {
				t.Errorf("interruption arguments = %s", res.Interruptions[0].Call.Arguments)
			}
			if weather.Load() != 1 || mail.Load() != 0 || len(srv.Requests()) != 1 {
				t.Fatalf("before the decisions: weather ran %d, mail %d, %d requests", weather.Load(), mail.Load(), len(srv.Requests()))
			}

			st := roundTrip(t, res.State)
			if err := st.Approve("c2"); err != nil {
				t.Fatal(err)
			}
			if err := st.Reject("c3", "not to Bob"); err != nil {
				t.Fatal(err)
			}
			if err := st.Approve("c3"); !errors.Is(err, runner.ErrNotPending) {
				t.Errorf("deciding twice: err = %v", err)
			}
			st = roundTrip(t, st)

			// A fresh runner, as in another process.
			res2, err := newRunner(srv, opts).Resume(context.Background(), a, st)
			if err != nil {
				t.Fatal(err)
			}
			if res2.Output != "Done." || res2.Turns != 2 || res2.Paused() {
				t.Fatalf("output %q, turns %d, paused %v", res2.Output, res2.Turns, res2.Paused())
			}
			if weather.Load() != 1 || mail.Load() != 1 {
				t.Errorf("weather ran %d times, mail %d (want 1, 1)", weather.Load(), mail.Load())
			}
			outs := outputsOf(srv.Requests()[1].Request)
			wantOuts := map[string]string{
				"c1": "sunny in Paris",
				"c2": "sent to ann@example.com",
				"c3": "Rejected: the user rejected this call, so it was not run: not to Bob.",
			}
			if diff := cmp.Diff(wantOuts, outs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}

			// The same run without approvals sends the same bytes.
			var w2, m2 atomic.Int64
			srv2 := responsestest.Start(t, mailTurn(), responsestest.Reply(responsestest.Message("Done.")))
			free := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &w2), mailTool(t, &m2, tools.WithStrict(true))}}
			if _, err := newRunner(srv2, opts).Run(context.Background(), free, runner.Text("Mail the weather")); err != nil {
				t.Fatal(err)
			}
			// c3 is answered differently (rejected); compare up to its output.
			got, ref := string(srv.Requests()[1].Body), string(srv2.Requests()[1].Body)
			cut := strings.Index(ref, `"sent to bob@example.com"`)
			if cut < 0 || got[:cut] != ref[:cut] {
				t.Errorf("the request after the resume differs from the uninterrupted run's:\n%s\n%s", got, ref)
			}
		})
	}
}

// TestResumeSameBytes: a paused run whose calls are all approved resumes
// into exactly the request an uninterrupted run sends.
func TestResumeSameBytes(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			opts := &runner.Options{DisableStreaming: !stream}
			var n atomic.Int64
			srv := responsestest.Start(t, mailTurn(), responsestest.Reply(responsestest.Message("Done.")))
			a := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n)}}
			res, err := newRunner(srv, opts).Run(context.Background(), a, runner.Text("Mail the weather"))
			if err != nil || !res.Paused() {
				t.Fatalf("paused %v, err %v", res.Paused(), err)
			}
			st := roundTrip(t, res.State)
			if err := st.Decide("c2", runner.Decision{Approve: true, Scope: runner.ScopeTool}); err != nil {
				t.Fatal(err)
			}
			if len(st.Pending()) != 0 {
				t.Fatalf("a decision for the tool left %d pending", len(st.Pending()))
			}
			if _, err := newRunner(srv, opts).Resume(context.Background(), a, roundTrip(t, st)); err != nil {
				t.Fatal(err)
			}

			srv2 := responsestest.Start(t, mailTurn(), responsestest.Reply(responsestest.Message("Done.")))
			free := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n, tools.WithStrict(true))}}
			if _, err := newRunner(srv2, opts).Run(context.Background(), free, runner.Text("Mail the weather")); err != nil {
				t.Fatal(err)
			}
			if got, want := srv.Requests()[1].Body, srv2.Requests()[1].Body; !bytes.Equal(got, want) {
				t.Errorf("resumed request:\n%s\nuninterrupted:\n%s", got, want)
			}
			if n.Load() != 6 {
				t.Errorf("%d executions, want 6 (3 per run)", n.Load())
			}
		})
	}
}

// TestStandingDecisions: a decision for the tool, or for the tool with these
// arguments, decides later calls of the run without pausing; a decision on
// one call beats them.
func TestStandingDecisions(t *testing.T) {
	var mail atomic.Int64
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "send_mail", `{"to":"a","body":"x"}`)),
		responsestest.Reply(
			responsestest.FunctionCall("c2", "send_mail", `{"to":"a","body":"x"}`),
			responsestest.FunctionCall("c3", "send_mail", `{"to":"b","body":"x"}`)),
		responsestest.Reply(responsestest.FunctionCall("c4", "send_mail", `{"to":"c","body":"x"}`)),
		responsestest.Reply(responsestest.Message("ok")),
	)
	a := &agent.Agent{Name: "m", Model: "gpt-5", Tools: []tools.Tool{mailTool(t, &mail)}}
	r := newRunner(srv, nil)
	res, err := r.Run(context.Background(), a, runner.Text("go"))
	if err != nil || !res.Paused() {
		t.Fatalf("paused %v err %v", res.Paused(), err)
	}
	st := res.State
	if err := st.Decide("c1", runner.Decision{Approve: true, Scope: runner.ScopeArguments}); err != nil {
		t.Fatal(err)
	}
	// c2 repeats c1's arguments: approved without asking; c3 pauses.
	res, err = r.Resume(context.Background(), a, st)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"send_mail:c3"}, interruptionIDs(res)); diff != "" {
		t.Fatalf("interruptions (-want +got):\n%s", diff)
	}
	if err := st.Decide("c3", runner.Decision{Approve: false, Message: "never b", Scope: runner.ScopeTool}); err != nil {
		t.Fatal(err)
	}
	// c4 is rejected by the standing decision for the tool.
	res, err = r.Resume(context.Background(), a, st)
	if err != nil || res.Output != "ok" {
		t.Fatalf("output %q err %v", res.Output, err)
	}
	if mail.Load() != 2 {
		t.Errorf("mail ran %d times, want 2 (c1, c2)", mail.Load())
	}
	outs := outputsOf(srv.Requests()[3].Request)
	if !strings.Contains(outs["c4"], "never b") || !strings.Contains(outs["c3"], "never b") {
		t.Errorf("outputs = %v", outs)
	}
}

// TestAskIf decides from the decoded arguments, and fails closed on
// arguments that do not decode.
func TestAskIf(t *testing.T) {
	var mail atomic.Int64
	policy := tools.AskIf(func(_ context.Context, in mailArgs) (bool, error) {
		return !strings.HasSuffix(in.To, "@example.com"), nil
	})
	srv := responsestest.Start(t,
		responsestest.Reply(
			responsestest.FunctionCall("c1", "send_mail", `{"to":"ann@example.com","body":"x"}`),
			responsestest.FunctionCall("c2", "send_mail", `{"to":"eve@evil.test","body":"x"}`),
			responsestest.FunctionCall("c3", "send_mail", `{"to":7}`)),
		responsestest.Reply(responsestest.Message("ok")),
	)
	a := &agent.Agent{Name: "m", Model: "gpt-5", Tools: []tools.Tool{mailTool(t, &mail, tools.WithApproval(policy))}}
	r := newRunner(srv, nil)
	res, err := r.Run(context.Background(), a, runner.Text("go"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"send_mail:c2"}, interruptionIDs(res)); diff != "" {
		t.Fatalf("interruptions (-want +got):\n%s", diff)
	}
	if mail.Load() != 1 {
		t.Errorf("mail ran %d times before the pause, want 1", mail.Load())
	}
	if err := res.State.Reject("c2", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resume(context.Background(), a, res.State); err != nil {
		t.Fatal(err)
	}
	outs := outputsOf(srv.Requests()[1].Request)
	if !strings.Contains(outs["c3"], "deciding whether the call needs approval") || !strings.Contains(outs["c2"], "Rejected") {
		t.Errorf("outputs = %v", outs)
	}
}

// TestAgentAndRunnerPolicies: the agent's and the runner's policies apply
// across tools, beside the tool's own.
func TestAgentAndRunnerPolicies(t *testing.T) {
	var n atomic.Int64
	byName := func(name string) tools.ApprovalPolicy {
		return tools.ApprovalFunc(func(_ context.Context, c *responses.Item) (bool, error) { return c.Name == name, nil })
	}
	srv := responsestest.Start(t, responsestest.Reply(
		responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`),
		responsestest.FunctionCall("c2", "send_mail", `{"to":"a","body":"x"}`)))
	a := &agent.Agent{Name: "m", Model: "gpt-5", Approval: byName("get_weather"),
		Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n, tools.WithStrict(true))}}
	res, err := newRunner(srv, &runner.Options{Approval: byName("send_mail")}).Run(context.Background(), a, runner.Text("go"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"get_weather:c1", "send_mail:c2"}, interruptionIDs(res)); diff != "" {
		t.Errorf("interruptions (-want +got):\n%s", diff)
	}
	if n.Load() != 0 {
		t.Errorf("%d calls ran", n.Load())
	}
}

// TestResumeRefused: a state from a newer version, of another agent, or
// whose tools changed, is refused with an error that says which.
func TestResumeRefused(t *testing.T) {
	var n atomic.Int64
	srv := responsestest.Start(t, mailTurn())
	a := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n)}}
	res, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"))
	if err != nil || !res.Paused() {
		t.Fatalf("paused %v err %v", res.Paused(), err)
	}
	b, err := res.State.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`{"version":1,`)) {
		t.Fatalf("state JSON starts %.40s", b)
	}
	future := bytes.Replace(b, []byte(`{"version":1,`), []byte(`{"version":2,`), 1)
	var st runner.State
	if err := json.Unmarshal(future, &st); !errors.Is(err, runner.ErrStateVersion) || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("future version: err = %v", err)
	}

	other, err := tools.NewFunc("send_mail", "Sends a mail, now with cc",
		func(context.Context, mailArgs) (string, error) { return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		agent *agent.Agent
		want  string
	}{
		{"renamed", &agent.Agent{Name: "other", Model: "gpt-5", Tools: a.Tools}, `agent "mailer", which neither is "other"`},
		{"tool changed", &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), other}}, "send_mail changed"},
		{"tool removed", &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}, "send_mail removed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := newRunner(srv, nil).Resume(context.Background(), c.agent, roundTrip(t, res.State))
			if !errors.Is(err, runner.ErrStateMismatch) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
	if len(srv.Requests()) != 1 || n.Load() != 1 {
		t.Errorf("%d requests, %d executions", len(srv.Requests()), n.Load())
	}
}

// snapshots is a Checkpointer keeping every state it is given as JSON.
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
	s.list = append(s.list, b)
	s.mu.Unlock()
	return nil
}

// startedSnapshot returns the first snapshot in which callID is recorded
// as started: the state a crash while the call ran leaves behind.
func (s *snapshots) startedSnapshot(t *testing.T, callID string) *runner.State {
	t.Helper()
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
	t.Fatalf("no snapshot with %s started among %d", callID, len(s.list))
	return nil
}

// TestCrashRecovery resumes from the checkpoint written just before a call
// started, as after a crash while it ran: the call is not run again and the
// model is told its outcome is unknown; an idempotent tool runs again with
// the same call id and run id.
func TestCrashRecovery(t *testing.T) {
	for _, idempotent := range []bool{false, true} {
		t.Run(fmt.Sprintf("idempotent=%v", idempotent), func(t *testing.T) {
			var mu sync.Mutex
			var infos []tools.CallInfo
			opts := []tools.FuncOption{tools.WithStrict(true)}
			if idempotent {
				opts = append(opts, tools.WithIdempotent())
			}
			charge, err := tools.NewFunc("charge", "Charges a card", func(ctx context.Context, _ cityArgs) (string, error) {
				info, _ := tools.CallInfoFrom(ctx)
				mu.Lock()
				infos = append(infos, info)
				mu.Unlock()
				return "charged", nil
			}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			srv := responsestest.Start(t,
				responsestest.Reply(responsestest.FunctionCall("c1", "charge", `{"city":"x"}`)),
				responsestest.Reply(responsestest.Message("first run done")),
				responsestest.Reply(responsestest.Message("resumed")),
			)
			a := &agent.Agent{Name: "shop", Model: "gpt-5", Tools: []tools.Tool{charge}}
			var snaps snapshots
			if _, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("charge"), runner.WithCheckpointer(&snaps)); err != nil {
				t.Fatal(err)
			}
			st := snaps.startedSnapshot(t, "c1")
			if st.Status != runner.StatusRunning {
				t.Errorf("status %q", st.Status)
			}
			var events []string
			var res *runner.Result
			for ev, err := range newRunner(srv, nil).ResumeStream(context.Background(), a, st) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type == runner.EventToolFinished {
					events = append(events, fmt.Sprint(ev.Err))
				}
				if ev.Type == runner.EventFinalOutput {
					res = ev.Result
				}
			}
			if res == nil || res.Output != "resumed" {
				t.Fatalf("result %+v", res)
			}
			out := outputsOf(srv.Requests()[2].Request)["c1"]
			mu.Lock()
			defer mu.Unlock()
			if idempotent {
				if len(infos) != 2 || infos[1].CallID != "c1" || infos[1].RunID != infos[0].RunID || infos[1].Attempt != 2 ||
					infos[1].IdempotencyKey() != infos[0].IdempotencyKey() {
					t.Errorf("executions: %+v", infos)
				}
				if out != "charged" {
					t.Errorf("output %q", out)
				}
				return
			}
			if len(infos) != 1 {
				t.Errorf("the tool ran %d times, want 1", len(infos))
			}
			if !strings.Contains(out, "outcome is unknown") {
				t.Errorf("output %q", out)
			}
			if len(events) != 1 || !strings.Contains(events[0], "outcome is unknown") {
				t.Errorf("tool.finished errors: %q", events)
			}
		})
	}
}

// TestCheckpointBeforeStart: when the checkpoint that records a call as
// started fails, the call does not run and the run fails with the error.
func TestCheckpointBeforeStart(t *testing.T) {
	var n atomic.Int64
	srv := responsestest.Start(t, responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"x"}`)))
	saves := 0
	cp := runner.CheckpointFunc(func(_ context.Context, st *runner.State) error {
		saves++
		if len(st.Calls) > 0 && st.Calls[0].Status == runner.CallStarted {
			return errors.New("disk full")
		}
		return nil
	})
	a := &agent.Agent{Name: "w", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n)}}
	res, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"), runner.WithCheckpointer(cp))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 0 {
		t.Errorf("the tool ran %d times", n.Load())
	}
	if res == nil || res.State == nil || res.State.Calls[0].Status != runner.CallApproved {
		t.Fatalf("state: %+v", res)
	}
	// The history still answers the call, so a new run can go on from it.
	last := res.History[len(res.History)-1]
	if last.Type != responses.ItemFunctionCallOutput || !strings.Contains(last.Output.String(), "before this call ran") {
		t.Errorf("last history item: %+v", last)
	}
}

// TestFileCheckpointer writes a paused run's state to a file and reads it
// back.
func TestFileCheckpointer(t *testing.T) {
	var n atomic.Int64
	srv := responsestest.Start(t, mailTurn(), responsestest.Reply(responsestest.Message("Done.")))
	a := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n)}}
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	res, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("go"),
		runner.WithCheckpointer(&runner.FileCheckpointer{Path: path}))
	if err != nil || !res.Paused() {
		t.Fatalf("paused %v err %v", res.Paused(), err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	st, err := runner.ReadStateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := res.State.MarshalJSON()
	got, _ := st.MarshalJSON()
	if !bytes.Equal(want, got) {
		t.Errorf("file holds\n%s\nwant\n%s", got, want)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files beside the state (temporary files left?)", len(entries))
	}
	for _, id := range []string{"c2", "c3"} {
		if err := st.Approve(id); err != nil {
			t.Fatal(err)
		}
	}
	res, err = newRunner(srv, nil).Resume(context.Background(), a, st, runner.WithCheckpointer(&runner.FileCheckpointer{Path: path}))
	if err != nil || res.Output != "Done." {
		t.Fatalf("output %q err %v", res.Output, err)
	}
	done, err := runner.ReadStateFile(path)
	if err != nil || done.Status != runner.StatusDone {
		t.Fatalf("final state %v, err %v", done, err)
	}
	if _, err := newRunner(srv, nil).Resume(context.Background(), a, done); !errors.Is(err, runner.ErrRunFinished) {
		t.Errorf("resuming a finished run: err = %v", err)
	}
}

// TestPauseChained pauses and resumes a chained run: the resumed request
// carries previous_response_id and only the turn's outputs.
func TestPauseChained(t *testing.T) {
	var n atomic.Int64
	srv := responsestest.Start(t, mailTurn(), responsestest.Reply(responsestest.Message("Done.")))
	a := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n)}}
	opts := &runner.Options{ChainResponses: true}
	res, err := newRunner(srv, opts).Run(context.Background(), a, runner.Text("go"))
	if err != nil || !res.Paused() {
		t.Fatalf("paused %v err %v", res.Paused(), err)
	}
	st := roundTrip(t, res.State)
	for _, id := range []string{"c2", "c3"} {
		if err := st.Approve(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := newRunner(srv, opts).Resume(context.Background(), a, st); err != nil {
		t.Fatal(err)
	}
	req := srv.Requests()[1].Request
	if req.PreviousResponseID == "" || len(req.Input.Items) != 3 {
		t.Errorf("previous_response_id %q, %d input items", req.PreviousResponseID, len(req.Input.Items))
	}
}
