package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/tools/computer/browser"
)

// TestBrowser drives real Chromium: the scripted model clicks a button on a
// local page and answers with the URL the browser reports.
func TestBrowser(t *testing.T) {
	if _, err := browser.FindChromium(); err != nil {
		t.Skipf("Chromium not found (apt-get install -y chromium): %v", err)
	}
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/done" {
			fmt.Fprint(w, "<h1>Done</h1>")
			return
		}
		fmt.Fprint(w, `<a href="/done" style="position:absolute;left:0;top:0;width:200px;height:100px;display:block">go</a>`)
	}))
	defer page.Close()
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("call_1",
			responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 50, Y: 50})),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			for _, it := range r.Request.Input.Items {
				if it.Type == responses.ItemComputerCallOutput {
					return responsestest.Reply(responsestest.Message("Now on " + it.Screenshot.CurrentURL))
				}
			}
			return responsestest.Reply(responsestest.Message("no screenshot"))
		}),
	)
	var out, progress bytes.Buffer
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	err := run(context.Background(), client, config{startURL: page.URL, model: "gpt-5.4", task: "click"}, &out, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Now on " + page.URL + "/done\n"; out.String() != want {
		t.Errorf("output %q, want %q (progress %q)", out.String(), want, progress.String())
	}
	if !strings.Contains(progress.String(), "[computer click: ok") {
		t.Errorf("progress = %q", progress.String())
	}
}

// TestBrowserReportsWhatHappened: a call whose safety check is refused is
// printed as refused, a failed one as failed, never as ok.
func TestBrowserReportsWhatHappened(t *testing.T) {
	if _, err := browser.FindChromium(); err != nil {
		t.Skipf("Chromium not found (apt-get install -y chromium): %v", err)
	}
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<h1>Hello</h1>")
	}))
	defer page.Close()
	guarded := responsestest.ComputerCall("call_2", responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 5, Y: 5})
	guarded.PendingSafetyChecks = []responses.SafetyCheck{{ID: "sc", Code: "irrelevant_domain", Message: "Off task."}}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.ComputerCall("call_1", responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 5000, Y: 5})),
		responsestest.Reply(guarded),
		responsestest.Reply(responsestest.Message("gave up")),
	)
	var out, progress bytes.Buffer
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	if err := run(context.Background(), client, config{startURL: page.URL, model: "gpt-5.4", task: "click"}, &out, &progress); err != nil {
		t.Fatal(err)
	}
	p := progress.String()
	for _, want := range []string{"[computer click: failed: computer: action 0 (click): (5000, 5) is outside the screen",
		"safety check irrelevant_domain: Off task. (approved: false)", "[computer click: refused"} {
		if !strings.Contains(p, want) {
			t.Errorf("progress lacks %q:\n%s", want, p)
		}
	}
	if strings.Contains(p, ": ok") || out.String() != "gave up\n" {
		t.Errorf("output %q, progress:\n%s", out.String(), p)
	}
}
