package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/tools"
)

// chatModel answers each user message by echoing it, after a weather call
// for the first one.
func chatModel(r *responsestest.Received) responsestest.Step {
	items := r.Request.Input.Items
	last := items[len(items)-1]
	if last.Type == responses.ItemFunctionCallOutput {
		return responsestest.Reply(responsestest.Message("weather: " + last.Output.String()))
	}
	text := last.Text() + last.ContentText
	if strings.Contains(text, "slow") {
		return responsestest.Reply(responsestest.FunctionCall("", "slow", `{}`))
	}
	if strings.Contains(text, "Paris") {
		return responsestest.Reply(responsestest.FunctionCall("", "get_weather", `{"city":"Paris"}`))
	}
	return responsestest.Reply(responsestest.Message("you said: " + text))
}

// TestChat: two lines make two runs on one session file; a second chat
// continues the conversation; Ctrl-C cancels a turn, not the chat.
func TestChat(t *testing.T) {
	srv := responsestest.NewServer(&responsestest.Options{Fallback: chatModel})
	t.Cleanup(func() { srv.Close(); srv.Check(t) })
	dir := t.TempDir()
	sessionFile := filepath.Join(dir, "chat.jsonl")
	interrupts := make(chan os.Signal, 1)
	slowStarted := make(chan struct{}, 1)
	newEnv := func(input string) (*Env, *bytes.Buffer, *bytes.Buffer) {
		var out, errOut bytes.Buffer
		vars := map[string]string{"OPENAI_API_KEY": "sk-test-chat", "OPENAI_BASE_URL": srv.URL()}
		return &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }, Stdin: strings.NewReader(input),
			Interrupts: interrupts, Tools: map[string]func() (tools.Tool, error){"slow": func() (tools.Tool, error) {
				return tools.NewFunc("slow", "waits", func(ctx context.Context, _ struct{}) (string, error) {
					slowStarted <- struct{}{}
					<-ctx.Done()
					return "", ctx.Err()
				})
			}}}, &out, &errOut
	}
	args := []string{"chat", "--session", sessionFile, "--state", filepath.Join(dir, "state.json"), "--tools", "weather,slow"}
	env, out, errOut := newEnv("Weather in Paris?\nhello there\n")
	if code := Main(context.Background(), args, env); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out.String(), "weather: ") || !strings.Contains(out.String(), "you said: hello there") {
		t.Errorf("stdout:\n%s", out)
	}
	reqs := srv.Requests()
	if n := len(reqs[len(reqs)-1].Request.Input.Items); n != 5 { // user, call, output, message, user
		t.Errorf("the second line's request carries %d items, want the first turn too", n)
	}

	// Later, in another chat: the conversation goes on; Ctrl-C cancels a
	// slow turn and the chat continues.
	go func() {
		<-slowStarted
		interrupts <- os.Interrupt
	}()
	env, out, errOut = newEnv("be slow\nstill there?\n")
	if code := Main(context.Background(), args, env); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut.String(), "continuing the conversation") || !strings.Contains(errOut.String(), "the turn was cancelled") ||
		!strings.Contains(out.String(), "you said: still there?") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	reqs = srv.Requests()
	if n := len(reqs[len(reqs)-1].Request.Input.Items); n < 6 {
		t.Errorf("the continued chat sent %d items", n)
	}
}
