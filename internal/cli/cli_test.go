package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/tools/computer/browser"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, &Env{Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] }})
	return result{code, out.String(), errOut.String()}
}

func TestDemo(t *testing.T) {
	for _, args := range [][]string{{"demo"}, {"demo", "--no-stream"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{
			"the model is scripted",
			"━━ weather", "✓ get_weather {\"city\":\"Paris\"}", "✓ get_weather {\"city\":\"Tokyo\"}",
			"━━ recovery", "✗ get_weather {\"town\":\"Oslo\"}", "retrying with",
			"━━ structured", "decoded into cli.PackingAdvice",
			"━━ handoff", "triage hands the conversation to forecaster", "answered by: forecaster",
			"summary: 2 turns", "demos ran",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, r.stdout)
			}
		}
	}
}

// TestDemoBrowser runs the computer-use demo in real Chromium, or checks
// that it is skipped with a hint where Chromium is missing.
func TestDemoBrowser(t *testing.T) {
	r := runCLI(t, nil, "demo", "--only", "browser")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "skipped") {
		if !strings.Contains(r.stdout, "apt-get install -y chromium") {
			t.Errorf("the skip does not say how to install Chromium:\n%s", r.stdout)
		}
		t.Skip("Chromium not found (apt-get install -y chromium): the browser demo was skipped")
	}
	for _, want := range []string{"✓ computer [click, type, keypress]", "hello?name=agentloop", "Done: the form was submitted"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDemoOnly(t *testing.T) {
	r := runCLI(t, nil, "demo", "--only", "weather")
	if r.code != 0 || strings.Contains(r.stdout, "━━ recovery") || !strings.Contains(r.stdout, "━━ weather") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
	r = runCLI(t, nil, "demo", "--only", "nope")
	if r.code != 2 || !strings.Contains(r.stderr, `no demo named "nope"`) {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

func TestHelpAndVersion(t *testing.T) {
	if r := runCLI(t, nil, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "agentloop ") {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
	if r := runCLI(t, nil, "help"); r.code != 0 || !strings.Contains(r.stdout, "agentloop run") {
		t.Errorf("help: %d %q", r.code, r.stdout)
	}
	for _, cmd := range []string{"run", "demo", "version"} {
		r := runCLI(t, nil, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stderr, "Usage: agentloop "+cmd) {
			t.Errorf("%s --help: %d %q", cmd, r.code, r.stderr)
		}
	}
	if r := runCLI(t, nil, "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, "unknown command") {
		t.Errorf("unknown command: %d %q", r.code, r.stderr)
	}
}

// TestRunErrors checks that each common failure is one clear line.
func TestRunErrors(t *testing.T) {
	// Port 1 (tcpmux) has no listener: a port freed by closing a listener
	// could be taken by another test process running in parallel.
	closed := "http://127.0.0.1:1/v1"

	unauthorized := responsestest.Start(t, responsestest.APIError(401, "invalid_api_key", "Incorrect API key provided: sk-abc***xyz").
		Header("X-Oneapi-Request-Id", "2025112509123456"))
	gatewayString := responsestest.Start(t, responsestest.Fail(401, `{"error":"invalid token"}`))
	noModel := responsestest.Start(t, responsestest.APIError(404, "model_not_found", "The model `gpt-9` does not exist or you do not have access to it."))
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string
	}{
		{"missing key", map[string]string{}, []string{"run", "hi"}, 1, []string{"OPENAI_API_KEY is not set"}},
		{"missing prompt", map[string]string{"OPENAI_API_KEY": "k"}, []string{"run"}, 2, []string{"a PROMPT is required"}},
		{"bad url", map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "ftp://x"}, []string{"run", "hi"}, 2, []string{"not an http(s) URL"}},
		{"unknown tool", map[string]string{"OPENAI_API_KEY": "k"}, []string{"run", "--tools", "nope", "hi"}, 2, []string{`unknown tool "nope"`}},
		{"unreachable", map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": closed}, []string{"run", "hi"}, 1, []string{"cannot reach " + closed, "connection refused"}},
		{"401 from a gateway", map[string]string{"OPENAI_API_KEY": "sk-abc123xyz", "OPENAI_BASE_URL": unauthorized.URL()}, []string{"run", "hi"}, 1,
			[]string{"rejected the API key", "gateway request id 2025112509123456"}},
		{"401 string body", map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": gatewayString.URL()}, []string{"run", "hi"}, 1,
			[]string{"rejected the API key (401: invalid token)"}},
		{"no such model", map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": noModel.URL()}, []string{"run", "--model", "gpt-9", "hi"}, 1,
			[]string{"the model does not exist", "--model"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tc.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "agentloop run: ") {
				t.Errorf("the error is not one line starting with the command: %q", r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(last, w) {
					t.Errorf("error line %q lacks %q", last, w)
				}
			}
			if strings.Contains(r.stderr, "sk-abc123xyz") {
				t.Errorf("the key leaked: %q", r.stderr)
			}
		})
	}
}

func TestRunAgainstScriptedModel(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Paris is fine.")),
	)
	r := runCLI(t, map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.URL()}, "run", "Weather in Paris?")
	if r.code != 0 || r.stdout != "Paris is fine.\n" || !strings.Contains(r.stderr, "✓ get_weather") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}

	srv2 := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("c1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("Paris is fine.")),
	)
	r = runCLI(t, map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv2.URL()}, "run", "--json", "Weather in Paris?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	types := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	var last map[string]any
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		types[ev["type"].(string)]++
		last = ev
	}
	for _, typ := range []string{"turn.started", "response.event", "tool.started", "tool.finished", "text.delta", "final.output"} {
		if types[typ] == 0 {
			t.Errorf("no %s event in --json output: %v", typ, types)
		}
	}
	if last["type"] != "final.output" || last["output_text"] != "Paris is fine." {
		t.Errorf("last event = %v", last)
	}
}

// browserPage serves a page with a confirm button and a keys-only widget,
// for the CLI's browser tests.
func browserPage(t *testing.T) string {
	t.Helper()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>cli</title><body style="margin:0">
<button id="b" style="position:absolute;left:0;top:0;width:100px;height:50px" onclick="location.hash = 'confirm:' + confirm('Really?')">b</button>
<div id="pin" tabindex="0" style="position:absolute;left:0;top:100px;width:300px;height:50px"></div>
<script>document.getElementById('pin').addEventListener('keydown', e => { location.hash = 'key:' + e.key; });</script></body>`)
	}))
	t.Cleanup(page.Close)
	return page.URL
}

func TestRunBrowser(t *testing.T) {
	if _, err := browser.FindChromium(); err != nil {
		t.Skipf("Chromium not found (apt-get install -y chromium): %v", err)
	}
	page := browserPage(t)
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("c1", responses.ComputerAction{Type: responses.ActionScreenshot})),
		responsestest.Reply(responsestest.Message("I see a page.")),
	)
	env := map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.URL()}
	r := runCLI(t, env, "run", "--tools", "browser", "--start-url", page, "--model", "gpt-5.4", "What do you see?")
	if r.code != 0 || !strings.Contains(r.stdout, "I see a page.") || !strings.Contains(r.stderr, "✓ computer [screenshot] → screenshot") ||
		!strings.Contains(r.stderr, "of "+page) {
		t.Errorf("exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	var shot bool
	for _, it := range srv.Requests()[1].Request.Input.Items {
		if it.Type == responses.ItemComputerCallOutput && strings.HasPrefix(it.Screenshot.ImageURL, "data:image/png;base64,") {
			shot = true
		}
	}
	if !shot {
		t.Error("no screenshot sent back")
	}
	var names []string
	for _, d := range srv.Requests()[0].Request.Tools {
		names = append(names, d.Type+":"+d.Name)
	}
	if diff := cmp.Diff([]string{"computer:", "function:browser_goto", "function:browser_back", "function:browser_forward"}, names); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}

	// No page to start on: a usage error that says what to pass.
	r = runCLI(t, env, "run", "--tools", "browser", "--model", "gpt-5.4", "What do you see?")
	if r.code != 2 || !strings.Contains(r.stderr, "--start-url URL, or --allow-domains") {
		t.Errorf("without a start URL: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLI(t, env, "run", "--tools", "browser", "--start-url", "file:///etc/passwd", "x")
	if r.code != 2 || !strings.Contains(r.stderr, "is not an http(s) URL") {
		t.Errorf("a file start URL: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLI(t, env, "run", "--tools", "browser", "--start-url", page, "--dialogs", "ask", "--approve", "never", "x")
	if r.code != 2 || !strings.Contains(r.stderr, "--dialogs ask asks on the terminal") {
		t.Errorf("--dialogs ask without a terminal: exit %d\n%s", r.code, r.stderr)
	}
}

// TestRunBrowserDialogsAndKeys: the start page derived from
// --allow-domains, a confirm dialog asked on the terminal (the answer goes
// to the page, and the model is told), and --type-keys.
func TestRunBrowserDialogsAndKeys(t *testing.T) {
	if _, err := browser.FindChromium(); err != nil {
		t.Skipf("Chromium not found (apt-get install -y chromium): %v", err)
	}
	page := browserPage(t)
	host := strings.TrimPrefix(page, "http://")
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("c1", responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 50, Y: 25})),
		responsestest.Reply(responsestest.ComputerCall("c2", responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 50, Y: 125},
			responses.ComputerAction{Type: responses.ActionType, Text: "z"})),
		responsestest.Reply(responsestest.Message("done")),
	)
	var out, errOut bytes.Buffer
	vars := map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": srv.URL()}
	code := Main(context.Background(), []string{"run", "--tools", "browser", "--allow-domains", host, "--type-keys", "--model", "gpt-5.4",
		"--state", filepath.Join(t.TempDir(), "state.json"), "Click it"},
		&Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }, Stdin: strings.NewReader("y\n"), StdinIsTerminal: true})
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), `? the page at `+host+` asks to confirm: "Really?"`) {
		t.Errorf("no question on the terminal:\n%s", errOut.String())
	}
	var notes, urls []string
	for _, req := range srv.Requests()[1:] {
		items := req.Request.Input.Items
		if last := items[len(items)-1]; last.IsMessage() && last.Role == responses.RoleUser {
			notes = append(notes, last.Text())
		}
		for _, it := range items {
			if it.Type == responses.ItemComputerCallOutput {
				urls = append(urls, it.Screenshot.CurrentURL)
			}
		}
	}
	if len(notes) != 1 || notes[0] != `The page at `+host+` asked to confirm: "Really?". It was answered OK, by the user.` {
		t.Errorf("the model read %q", notes)
	}
	// Started on the page --allow-domains names; the page got the answer,
	// and the key events of the typing.
	if diff := cmp.Diff([]string{page + "/#confirm:true", page + "/#confirm:true", page + "/#key:z"}, urls); diff != "" {
		t.Errorf("the pages the model saw (-want +got):\n%s", diff)
	}
}
