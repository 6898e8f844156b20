package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses/responsestest"
)

func runEnv(srv *responsestest.Server, stdin string, tty bool) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-stdout", "OPENAI_BASE_URL": srv.URL()}
	return &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }, Stdin: strings.NewReader(stdin),
		StdoutIsTerminal: tty}, &out, &errOut
}

// TestRunStdout: stdout holds the answer alone, unindented, with a code
// block kept as it is; flags after the prompt are flags; the prompt can
// come from stdin.
func TestRunStdout(t *testing.T) {
	answer := "Here:\n\n```go\nfmt.Println(4)\n```\n"
	srv := responsestest.NewServer(&responsestest.Options{Fallback: func(*responsestest.Received) responsestest.Step {
		return responsestest.Reply(responsestest.Message(answer))
	}})
	t.Cleanup(func() { srv.Close(); srv.Check(t) })
	state := "--state=" + t.TempDir() + "/s.json"

	for _, tty := range []bool{false, true} {
		env, out, errOut := runEnv(srv, "", tty)
		if code := Main(context.Background(), []string{"run", state, "What is 2+2?", "--model", "gpt-4o", "--tools="}, env); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if got := out.String(); got != answer+"\n" && got != answer {
			t.Errorf("tty=%v: stdout %q", tty, got)
		}
		req := srv.Requests()[len(srv.Requests())-1].Request
		if req.Model != "gpt-4o" || req.Input.Items[0].ContentText != "What is 2+2?" {
			t.Errorf("model %q, prompt %q", req.Model, req.Input.Items[0].ContentText)
		}
	}

	for _, args := range [][]string{{"run", state, "-"}, {"run", state}} {
		env, _, errOut := runEnv(srv, "a prompt from stdin\n", false)
		if code := Main(context.Background(), append(args, "--tools="), env); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if got := srv.Requests()[len(srv.Requests())-1].Request.Input.Items[0].ContentText; got != "a prompt from stdin" {
			t.Errorf("%v: prompt %q", args, got)
		}
	}

	env, out, errOut := runEnv(srv, "", false)
	if code := Main(context.Background(), []string{"help", "run"}, env); code != 0 || !strings.Contains(out.String(), "Usage: agentloop run") || errOut.Len() != 0 {
		t.Errorf("help run: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errOut)
	}
}

// TestRunRetriesShown: each retry is said as it happens; a failure that
// outlives them says how many attempts were made, in one line, and as a
// JSON error object with --json.
func TestRunRetriesShown(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.APIError(429, "rate_limit_exceeded", "Rate limit reached.").Header("retry-after-ms", "5"),
		responsestest.Reply(responsestest.Message("ok")),
		responsestest.HTML(502), responsestest.HTML(502), responsestest.HTML(502),
		responsestest.HTML(502), responsestest.HTML(502), responsestest.HTML(502),
	)
	state := "--state=" + t.TempDir() + "/s.json"
	env, out, errOut := runEnv(srv, "", false)
	if code := Main(context.Background(), []string{"run", state, "--tools=", "hi"}, env); code != 0 || out.String() != "ok\n" {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(errOut.String(), "rate limited (429); retrying in") {
		t.Errorf("the retry was silent: %s", errOut)
	}

	env, _, errOut = runEnv(srv, "", false)
	code := Main(context.Background(), []string{"run", state, "--tools=", "hi"}, env)
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	last := lines[len(lines)-1]
	if code != 1 || !strings.Contains(last, "the endpoint failed (HTTP 502") || !strings.Contains(last, "after 3 attempts") ||
		strings.Contains(last, "runner:") {
		t.Errorf("exit %d, last line %q", code, last)
	}

	env, out, _ = runEnv(srv, "", false)
	code = Main(context.Background(), []string{"run", state, "--tools=", "--json", "hi"}, env)
	var lastEv jsonEvent
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		lastEv = jsonEvent{}
		if err := json.Unmarshal(sc.Bytes(), &lastEv); err != nil {
			t.Fatal(err)
		}
	}
	if code != 1 || lastEv.Type != "error" || lastEv.Attempts != 3 || !strings.Contains(lastEv.Error, "HTTP 502") {
		t.Errorf("exit %d, last JSON event %+v", code, lastEv)
	}
}

// TestRunReport: --report writes the run as an HTML page.
func TestRunReport(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Paris is fine.")))
	dir := t.TempDir()
	env, _, errOut := runEnv(srv, "", false)
	if code := Main(context.Background(), []string{"run", "--state=" + dir + "/s.json", "--report", dir + "/run.html", "Weather?"}, env); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(dir + "/run.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-call="c1"`, "Paris is fine.", `id="turn-2"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the report lacks %s", want)
		}
	}
}
