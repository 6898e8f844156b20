package runner_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

// BenchmarkCheckpoint measures what checkpointing adds to a run: the bench
// workload of three turns (two turns of two parallel calls, then the
// answer, with a reasoning item each turn), without a checkpointer, with
// one that only encodes the state, and with a FileCheckpointer (fsync on
// every save: after each response, before the calls start, after each
// output). Reported per turn: wall time and process CPU.
func BenchmarkCheckpoint(b *testing.B) {
	weather, err := tools.NewFunc("get_weather", "Get the current weather for a city.",
		func(_ context.Context, in cityArgs) (string, error) { return "Sunny, 22 C in " + in.City, nil })
	if err != nil {
		b.Fatal(err)
	}
	a := &agent.Agent{Name: "weather", Model: "gpt-5-mock", Instructions: "You answer weather questions using the get_weather tool.",
		Tools: []tools.Tool{weather}}
	srv := responsestest.NewServer(&responsestest.Options{NoHistoryCheck: true, Fallback: func(r *responsestest.Received) responsestest.Step {
		outs := 0
		for _, it := range r.Request.Input.Items {
			if it.Type == responses.ItemFunctionCallOutput {
				outs++
			}
		}
		if outs >= 4 {
			return responsestest.Reply(responsestest.Message("It is sunny and 22 C in Paris and Oslo."))
		}
		return responsestest.Reply(responsestest.Reasoning("", "gAAAAB"+string(make([]byte, 600))),
			responsestest.FunctionCall("", "get_weather", `{"city":"Paris"}`),
			responsestest.FunctionCall("", "get_weather", `{"city":"Oslo"}`))
	}})
	defer srv.Close()
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "bench"})
	defer client.Close()
	r := runner.New(client, &runner.Options{DisableStreaming: true})
	encodeOnly := runner.CheckpointFunc(func(_ context.Context, st *runner.State) error {
		_, err := st.MarshalJSON()
		return err
	})
	cases := []struct {
		name string
		opts func(b *testing.B) []runner.RunOption
	}{
		{"none", func(*testing.B) []runner.RunOption { return nil }},
		{"encode", func(*testing.B) []runner.RunOption { return []runner.RunOption{runner.WithCheckpointer(encodeOnly)} }},
		{"file", func(b *testing.B) []runner.RunOption {
			return []runner.RunOption{runner.WithCheckpointer(&runner.FileCheckpointer{Path: filepath.Join(b.TempDir(), "state.json")})}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			opts := c.opts(b)
			ctx := context.Background()
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := r.Run(ctx, a, runner.Text("Weather in Paris and Oslo, twice?"), opts...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(3*b.N), "cpu-µs/turn")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(3*b.N), "µs/turn")
		})
	}
}
