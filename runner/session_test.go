package runner_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

var errConflict = errors.New("conflict")

// memSession is a Session in memory that stores items as their JSON, as a
// real backend does.
type memSession struct {
	mu    sync.Mutex
	items [][]byte
}

func (m *memSession) Items(context.Context) ([]responses.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]responses.Item, len(m.items))
	for i, b := range m.items {
		if err := out[i].UnmarshalJSON(b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (m *memSession) Append(_ context.Context, after int, items []responses.Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if after != len(m.items) {
		return errConflict
	}
	for i := range items {
		b, err := items[i].MarshalJSON()
		if err != nil {
			return err
		}
		m.items = append(m.items, b)
	}
	return nil
}

func (m *memSession) Replace(_ context.Context, after int, items []responses.Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if after != len(m.items) {
		return errConflict
	}
	m.items = nil
	for i := range items {
		b, err := items[i].MarshalJSON()
		if err != nil {
			return err
		}
		m.items = append(m.items, b)
	}
	return nil
}

func (m *memSession) types() []string {
	items, _ := m.Items(context.Background())
	var out []string
	for _, it := range items {
		out = append(out, it.Type)
	}
	return out
}

// TestSession: runs on one session continue its conversation (the server's
// byte-exact replay check passes across runs), a paused run stores no call
// without its output, and a second writer is refused.
func TestSession(t *testing.T) {
	var n atomic.Int64
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.Reasoning("", "enc-1"), responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Sunny in Paris.")),
		responsestest.Reply(responsestest.FunctionCall("m1", "send_mail", `{"to":"ann","body":"sunny"}`)),
		responsestest.Reply(responsestest.Message("Mailed.")),
	)
	a := &agent.Agent{Name: "a", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n)}}
	sess := &memSession{}
	r := newRunner(srv, nil)
	res, err := r.Run(context.Background(), a, runner.Text("Weather in Paris?"), runner.WithSession(sess))
	if err != nil || res.Output != "Sunny in Paris." {
		t.Fatalf("first run: %v %v", res, err)
	}
	if got := len(sess.types()); got != 5 { // user, reasoning, call, output, message
		t.Fatalf("the session holds %d items after the first run: %v", got, sess.types())
	}

	res, err = r.Run(context.Background(), a, runner.Text("Mail it to Ann"), runner.WithSession(sess))
	if err != nil || !res.Paused() {
		t.Fatalf("second run: paused %v, %v", res.Paused(), err)
	}
	if got := sess.types(); len(got) != 6 || got[5] != responses.ItemMessage {
		t.Fatalf("a paused run stored %v", got)
	}
	// Another run on the session while this one is paused is refused when
	// it writes, and keeps its result.
	other := responsestest.Start(t, responsestest.Reply(responsestest.Message("hi")))
	if _, err := newRunner(other, nil).Run(context.Background(), a, runner.Text("hello"), runner.WithSession(&racing{memSession: sess})); !errors.Is(err, errConflict) {
		t.Errorf("a racing writer: err = %v", err)
	}

	st := roundTrip(t, res.State)
	if err := st.Approve("m1"); err != nil {
		t.Fatal(err)
	}
	if res, err = r.Resume(context.Background(), a, st, runner.WithSession(sess)); err != nil || res.Output != "Mailed." {
		t.Fatalf("resume: %v %v", res, err)
	}
	want := []string{"message", "reasoning", "function_call", "function_call_output", "message",
		"message", "function_call", "function_call_output", "message"}
	if got := sess.types(); len(got) != len(want) {
		t.Errorf("the session holds %v, want %v", got, want)
	}
}

// racing is a session whose Items misses the last write (another process
// appended in between), so the run's append lands on a stale position.
type racing struct{ *memSession }

func (r *racing) Items(ctx context.Context) ([]responses.Item, error) {
	items, err := r.memSession.Items(ctx)
	if len(items) > 0 {
		items = items[:len(items)-1]
	}
	return items, err
}
