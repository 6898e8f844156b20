package shell_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/shell"
)

// A local executor runs one command, with what it captures and how it
// ended.
func ExampleLocal_Run() {
	ex := shell.NewLocal(nil)
	res, err := ex.Run(context.Background(), shell.Command{Line: "echo hello; echo oops >&2; exit 3", Timeout: 10 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("stdout %q, stderr %q, exit code %d\n", res.Stdout, res.Stderr, res.ExitCode)
	// Output: stdout "hello\n", stderr "oops\n", exit code 3
}

// The tool answers a shell_call with a shell_call_output: one entry per
// command. A policy lets read-only commands run without asking.
func ExampleTool_CallItem() {
	sh := shell.New(shell.NewLocal(nil), &shell.Options{
		NeedsApproval: func(_ context.Context, c shell.Call) (bool, error) {
			for _, cmd := range c.Commands {
				if !strings.HasPrefix(cmd, "echo ") {
					return true, nil
				}
			}
			return false, nil
		},
	})
	var call responses.Item
	_ = json.Unmarshal([]byte(`{"type":"shell_call","id":"sh_1","call_id":"call_1","action":{"commands":["echo one","echo two"],"timeout_ms":5000,"max_output_length":null},"status":"completed","environment":{"type":"local"}}`), &call)

	need, _ := sh.NeedsApproval(context.Background(), &call)
	fmt.Println("needs approval:", need)
	out, err := sh.CallItem(context.Background(), &call)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := out.MarshalJSON()
	fmt.Println(string(b))
	// Output:
	// needs approval: false
	// {"type":"shell_call_output","call_id":"call_1","output":[{"stdout":"one\n","stderr":"","outcome":{"type":"exit","exit_code":0}},{"stdout":"two\n","stderr":"","outcome":{"type":"exit","exit_code":0}}]}
}
