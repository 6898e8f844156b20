package shell_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/shell"
	"github.com/google/go-cmp/cmp"
)

// item decodes an item from its JSON, as it arrives from the API.
func item(t *testing.T, js string) *responses.Item {
	t.Helper()
	var it responses.Item
	if err := json.Unmarshal([]byte(js), &it); err != nil {
		t.Fatal(err)
	}
	return &it
}

// Interfaces the runner looks for.
var (
	_ tools.Tool           = (*shell.Tool)(nil)
	_ tools.ItemTyper      = (*shell.Tool)(nil)
	_ tools.ItemCaller     = (*shell.Tool)(nil)
	_ tools.ApprovalPolicy = (*shell.Tool)(nil)
	_ tools.Rejecter       = (*shell.Tool)(nil)
	_ tools.ModelDefiner   = (*shell.Tool)(nil)
	_ shell.Executor       = (*shell.Local)(nil)
)

func TestShellCall(t *testing.T) {
	skipUnlessUnix(t)
	dir := t.TempDir()
	sh := shell.New(shell.NewLocal(nil), &shell.Options{Dir: dir})
	tests := []struct {
		name    string
		call    string
		want    string // the output item
		wantErr string
	}{
		{"commands in order",
			`{"type":"shell_call","id":"sh_1","call_id":"call_1","action":{"commands":["echo hi > f.txt; cat f.txt","echo oops >&2; exit 2","cat f.txt"],"timeout_ms":null,"max_output_length":null},"status":"completed","environment":{"type":"local"}}`,
			`{"type":"shell_call_output","call_id":"call_1","output":[{"stdout":"hi\n","stderr":"","outcome":{"type":"exit","exit_code":0}},{"stdout":"","stderr":"oops\n","outcome":{"type":"exit","exit_code":2}},{"stdout":"hi\n","stderr":"","outcome":{"type":"exit","exit_code":0}}]}`,
			""},
		{"a cd does not carry over",
			`{"type":"shell_call","id":"sh_2","call_id":"call_2","action":{"commands":["mkdir -p sub && cd sub && pwd","pwd"],"timeout_ms":null,"max_output_length":null},"status":"completed","environment":null}`,
			`{"type":"shell_call_output","call_id":"call_2","output":[{"stdout":"` + dir + `/sub\n","stderr":"","outcome":{"type":"exit","exit_code":0}},{"stdout":"` + dir + `\n","stderr":"","outcome":{"type":"exit","exit_code":0}}]}`,
			""},
		{"the model's timeout stops the call",
			`{"type":"shell_call","id":"sh_3","call_id":"call_3","action":{"commands":["echo slow; sleep 10","echo never","echo never"],"timeout_ms":200,"max_output_length":null},"status":"completed","environment":{"type":"local"}}`,
			`{"type":"shell_call_output","call_id":"call_3","output":[{"stdout":"slow\n","stderr":"","outcome":{"type":"timeout"}}]}`,
			"command 1 timed out after 200ms; the 2 commands after it did not run"},
		{"the model's output limit",
			`{"type":"shell_call","id":"sh_4","call_id":"call_4","action":{"commands":["seq 1 1000"],"timeout_ms":10000,"max_output_length":60},"status":"completed","environment":{"type":"local"}}`,
			`{"type":"shell_call_output","call_id":"call_4","output":[{"stdout":"1\n2\n3\n4\n5\n6\n7\n\n[… 3865 characters left out …]\n\n998\n999\n1000\n","stderr":"","outcome":{"type":"exit","exit_code":0}}],"max_output_length":60}`,
			""},
		{"an output larger than what the executor keeps",
			`{"type":"shell_call","id":"sh_6","call_id":"call_6","action":{"commands":["yes x | head -c 100000"],"timeout_ms":10000,"max_output_length":40},"status":"completed","environment":{"type":"local"}}`,
			`{"type":"shell_call_output","call_id":"call_6","output":[{"stdout":"x\nx\n[… 99994 characters left out …]\n\nx\n","stderr":"","outcome":{"type":"exit","exit_code":0}}],"max_output_length":40}`,
			""},
		{"no commands",
			`{"type":"shell_call","id":"sh_5","call_id":"call_5","action":{"commands":[],"timeout_ms":null,"max_output_length":null},"status":"completed","environment":{"type":"local"}}`,
			`{"type":"shell_call_output","call_id":"call_5","output":[{"stdout":"","stderr":"Error: shell: the shell_call has no commands","outcome":{"type":"exit","exit_code":-1}}]}`,
			"shell: the shell_call has no commands"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := sh.CallItem(context.Background(), item(t, tt.call))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			got, merr := out.MarshalJSON()
			if merr != nil {
				t.Fatal(merr)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocalShellCall(t *testing.T) {
	skipUnlessUnix(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	sh := shell.New(shell.NewLocal(nil), &shell.Options{Dir: dir})
	call := item(t, `{"type":"local_shell_call","id":"lsh_1","call_id":"call_1","action":{"type":"exec","command":["sh","-c","echo $GREETING; pwd; echo warn >&2; exit 4"],"timeout_ms":5000,"working_directory":"src","env":{"GREETING":"hello"},"user":null},"status":"completed"}`)
	out, err := sh.CallItem(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	if out.Type != responses.ItemLocalShellCallOutput || out.CallID != "call_1" {
		t.Fatalf("output %+v", out)
	}
	var body struct {
		Output   string `json:"output"`
		Metadata struct {
			ExitCode int  `json:"exit_code"`
			TimedOut bool `json:"timed_out"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal([]byte(out.Output.Text), &body); err != nil {
		t.Fatalf("%v: %s", err, out.Output.Text)
	}
	if want := "hello\n" + filepath.Join(dir, "src") + "\nwarn\n"; body.Output != want || body.Metadata.ExitCode != 4 || body.Metadata.TimedOut {
		t.Errorf("output %s", out.Output.Text)
	}

	user := item(t, `{"type":"local_shell_call","id":"lsh_2","call_id":"call_2","action":{"type":"exec","command":["id"],"env":{},"user":"root"},"status":"completed"}`)
	out, err = sh.CallItem(context.Background(), user)
	if err == nil || out.Type != responses.ItemLocalShellCallOutput || !strings.Contains(out.Output.Text, "not supported") {
		t.Errorf("a call as another user: %+v, %v", out, err)
	}
}

func TestApproval(t *testing.T) {
	call := item(t, `{"type":"shell_call","id":"sh_1","call_id":"call_1","action":{"commands":["ls","rm -rf build"],"timeout_ms":1000,"max_output_length":null},"status":"completed","environment":{"type":"local"}}`)
	local := item(t, `{"type":"local_shell_call","id":"lsh_1","call_id":"call_2","action":{"type":"exec","command":["git","commit","-m","a b"],"working_directory":"repo","env":{"A":"1"}},"status":"completed"}`)

	need, err := shell.New(shell.NewLocal(nil), nil).NeedsApproval(context.Background(), call)
	if !need || err != nil {
		t.Errorf("default policy: %v, %v; want every call to need approval", need, err)
	}

	var seen []shell.Call
	sh := shell.New(shell.NewLocal(nil), &shell.Options{Dir: "/work", NeedsApproval: func(_ context.Context, c shell.Call) (bool, error) {
		seen = append(seen, c)
		for _, cmd := range c.Commands {
			if strings.HasPrefix(cmd, "rm ") {
				return true, nil
			}
		}
		return false, nil
	}})
	if need, _ := sh.NeedsApproval(context.Background(), call); !need {
		t.Error("rm -rf did not need approval")
	}
	if need, _ := sh.NeedsApproval(context.Background(), local); need {
		t.Error("git commit needed approval")
	}
	want := []shell.Call{
		{Commands: []string{"ls", "rm -rf build"}, Dir: "/work", Timeout: time.Second},
		{Commands: []string{"git commit -m 'a b'"}, Argv: []string{"git", "commit", "-m", "a b"}, Dir: "/work/repo",
			Env: map[string]string{"A": "1"}, Timeout: shell.DefaultTimeout},
	}
	for i := range seen {
		seen[i].Item = nil
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("calls the policy saw (-want +got):\n%s", diff)
	}

	out, err := sh.Reject(context.Background(), call)
	if err != nil || out.Type != responses.ItemShellCallOutput || out.CallID != "call_1" ||
		len(out.ShellOutput) != 1 || !strings.Contains(out.ShellOutput[0].Stderr, "Rejected") {
		t.Errorf("Reject: %+v, %v", out, err)
	}
}

func TestDefinition(t *testing.T) {
	sh := shell.New(shell.NewLocal(nil), nil)
	for model, want := range map[string]string{
		"":                         `{"type":"shell","environment":{"type":"local"}}`,
		"gpt-5.1":                  `{"type":"shell","environment":{"type":"local"}}`,
		"codex-mini-latest":        `{"type":"local_shell"}`,
		"openai/codex-mini-latest": `{"type":"local_shell"}`,
	} {
		def := sh.Definition()
		if model != "" {
			def = sh.DefinitionFor(model)
		}
		if b, err := def.MarshalJSON(); err != nil || string(b) != want {
			t.Errorf("%q: %s, %v; want %s", model, b, err, want)
		}
	}
	forced := shell.New(shell.NewLocal(nil), &shell.Options{ToolType: responses.ToolLocalShell}).DefinitionFor("gpt-5.1")
	if forced.Type != responses.ToolLocalShell {
		t.Errorf("forced: %+v", forced)
	}
	if got := sh.ItemTypes(); !cmp.Equal(got, []string{"shell_call", "local_shell_call"}) {
		t.Errorf("ItemTypes = %q", got)
	}
	if _, err := sh.Call(context.Background(), "{}"); err == nil {
		t.Error("Call accepted function arguments")
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("a", 100) + strings.Repeat("z", 100)
	tests := []struct {
		name           string
		stdout, stderr string
		limit          int
		wantOut        string
		wantErr        string
	}{
		{"fits", "out", "err", 6, "out", "err"},
		{"stdout long, stderr short", long, "err", 53,
			"aaaaaaaaa\n[… 181 characters left out …]\nzzzzzzzzzz", "err"},
		{"both long", long, long, 80,
			"aaaa\n[… 191 characters left out …]\nzzzzz", "aaaa\n[… 191 characters left out …]\nzzzzz"},
		{"tiny limit", long, "", 5, "aaaaa", ""},
		{"runes, not bytes", strings.Repeat("é", 10), "", 10, strings.Repeat("é", 10), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, e := shell.Truncate(tt.stdout, tt.stderr, tt.limit)
			if diff := cmp.Diff([]string{tt.wantOut, tt.wantErr}, []string{o, e}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if n := utf8.RuneCountInString(o + e); n > tt.limit {
				t.Errorf("%d characters, limit %d", n, tt.limit)
			}
		})
	}
}
