package tools_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/google/go-cmp/cmp"
)

func echo(_ context.Context, in string) (string, error) { return "got " + in, nil }

// TestCustomDefinition checks the declarations against CustomToolParam:
// a text format, a lark or regex grammar, defer_loading.
func TestCustomDefinition(t *testing.T) {
	tests := []struct {
		name string
		opts []tools.FuncOption
		want string
	}{
		{"text", nil, `{"type":"custom","name":"echo","description":"Echoes.","format":{"type":"text"}}`},
		{"lark", []tools.FuncOption{tools.WithGrammar(tools.GrammarLark, "start: \"add \" NUMBER\n%import common.NUMBER")},
			`{"type":"custom","name":"echo","description":"Echoes.","format":{"type":"grammar","syntax":"lark","definition":"start: \"add \" NUMBER\n%import common.NUMBER"}}`},
		{"regex deferred", []tools.FuncOption{tools.WithGrammar(tools.GrammarRegex, `\d+ [+-] \d+`), tools.WithDeferLoading()},
			`{"type":"custom","name":"echo","description":"Echoes.","format":{"type":"grammar","syntax":"regex","definition":"\\d+ [+-] \\d+"},"defer_loading":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, err := tools.NewCustom("echo", "Echoes.", echo, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			b, err := tool.Definition().MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	for name, opts := range map[string][]tools.FuncOption{
		"unknown syntax":       {tools.WithGrammar("ebnf", "x")},
		"empty definition":     {tools.WithGrammar(tools.GrammarLark, "")},
		"RE2 cannot lookahead": {tools.WithGrammar(tools.GrammarRegex, `a(?=b)`)},
	} {
		if _, err := tools.NewCustom("echo", "", echo, opts...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := tools.NewCustom("bad name", "", echo); err == nil {
		t.Error("a bad name was accepted")
	}
	if _, err := tools.NewFunc("f", "", func(context.Context, struct{}) (string, error) { return "", nil },
		tools.WithGrammar(tools.GrammarLark, "start: x")); err == nil {
		t.Error("NewFunc accepted a grammar")
	}
	fn, err := tools.NewFunc("f", "", func(context.Context, struct{}) (string, error) { return "", nil }, tools.WithDeferLoading())
	if err != nil || !fn.Definition().DeferLoading {
		t.Errorf("NewFunc with WithDeferLoading: %+v, %v", fn.Definition(), err)
	}
}

func TestCustomCall(t *testing.T) {
	calc, err := tools.NewCustom("calc", "Adds.", func(_ context.Context, in string) (responses.ToolOutput, error) {
		if in == "0 + 0" {
			panic("zero")
		}
		if in == "1 - 1" {
			return responses.ToolOutput{}, errors.New("no subtraction")
		}
		return responses.ToolOutput{Text: "= " + in}, nil
	}, tools.WithGrammar(tools.GrammarRegex, `\d+ [+-] \d+`), tools.WithTimeout(time.Second), tools.WithIdempotent())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if out, err := calc.Call(ctx, "1 + 2"); err != nil || out.Text != "= 1 + 2" {
		t.Errorf("match: %+v, %v", out, err)
	}
	var argErr *tools.ArgumentError
	if _, err := calc.Call(ctx, "1 + 2; rm -rf /"); !errors.As(err, &argErr) || !strings.Contains(err.Error(), `\d+ [+-] \d+`) {
		t.Errorf("a partial match was accepted: %v", err)
	}
	var panicErr *tools.PanicError
	if _, err := calc.Call(ctx, "0 + 0"); !errors.As(err, &panicErr) {
		t.Errorf("panic: %v", err)
	}
	if _, err := calc.Call(ctx, "1 - 1"); err == nil || err.Error() != "no subtraction" {
		t.Errorf("error: %v", err)
	}
	if to, ok := calc.(tools.Timeouter); !ok || to.Timeout() != time.Second {
		t.Error("WithTimeout was lost")
	}
	if id, ok := calc.(tools.Idempotent); !ok || !id.Idempotent() {
		t.Error("WithIdempotent was lost")
	}
}

// TestCustomLoop runs custom_tool_call items through the runner against
// the scripted server, streamed and not: a matching input runs the
// function, a mismatch is answered with an error the model reads.
func TestCustomLoop(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			var ran []string
			calc, err := tools.NewCustom("calc", "Adds two numbers.", func(_ context.Context, in string) (string, error) {
				ran = append(ran, in)
				return "3", nil
			}, tools.WithGrammar(tools.GrammarRegex, `\d+ \+ \d+`))
			if err != nil {
				t.Fatal(err)
			}
			srv := responsestest.Start(t,
				responsestest.Reply(responsestest.CustomToolCall("call_c1", "calc", "1 + 2"), responsestest.CustomToolCall("call_c2", "calc", "one plus two")),
				responsestest.Reply(responsestest.Message("3")),
			)
			client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test", MaxRetries: -1})
			defer client.Close()
			a := &agent.Agent{Name: "calc", Model: "gpt-5", Tools: []tools.Tool{calc}}
			res, err := runner.New(client, &runner.Options{DisableStreaming: !stream}).Run(context.Background(), a, runner.Text("1+2?"))
			if err != nil || res.Output != "3" {
				t.Fatalf("res %+v, err %v", res, err)
			}
			if !cmp.Equal(ran, []string{"1 + 2"}) {
				t.Errorf("ran %q", ran)
			}
			outs := map[string]string{}
			for _, it := range srv.Requests()[1].Request.Input.Items {
				if it.Type == responses.ItemCustomToolCallOutput {
					outs[it.CallID] = it.Output.String()
				}
			}
			if outs["call_c1"] != "3" || !strings.Contains(outs["call_c2"], "does not match the tool's grammar") {
				t.Errorf("outputs %q", outs)
			}
		})
	}
}

// A custom tool whose input follows a regular expression.
func ExampleNewCustom() {
	calc, err := tools.NewCustom("add", "Adds two integers, written as A + B.",
		func(_ context.Context, in string) (string, error) {
			var a, b int
			if _, err := fmt.Sscanf(in, "%d + %d", &a, &b); err != nil {
				return "", err
			}
			return fmt.Sprint(a + b), nil
		},
		tools.WithGrammar(tools.GrammarRegex, `-?\d+ \+ -?\d+`))
	if err != nil {
		fmt.Println(err)
		return
	}
	def, _ := calc.Definition().MarshalJSON()
	fmt.Println(string(def))
	out, err := calc.Call(context.Background(), "40 + 2")
	fmt.Println(out.Text, err)
	_, err = calc.Call(context.Background(), "forty + two")
	fmt.Println(err)
	// Output:
	// {"type":"custom","name":"add","description":"Adds two integers, written as A + B.","format":{"type":"grammar","syntax":"regex","definition":"-?\\d+ \\+ -?\\d+"}}
	// 42 <nil>
	// invalid arguments for tool add: the input does not match the tool's grammar, the regular expression -?\d+ \+ -?\d+
}
