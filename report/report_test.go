package report_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/pricing"
	"github.com/agentloop/agentloop/report"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/computer"
	"github.com/agentloop/agentloop/tools/computer/browser"
)

// screen is a Computer whose screenshots are real PNGs, a new colour each.
type screen struct {
	mu sync.Mutex
	n  int
}

func (s *screen) Display() computer.Display { return computer.Display{Width: 800, Height: 600} }

func (s *screen) Do(context.Context, responses.ComputerAction) error { return nil }

func (s *screen) Screenshot(context.Context) (computer.Screenshot, error) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := range 600 {
		for x := range 800 {
			img.Set(x, y, color.RGBA{uint8(40 * n), uint8(x / 4), uint8(y / 3), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return computer.Screenshot{}, err
	}
	return computer.Screenshot{Data: b.Bytes(), MIME: "image/png"}, nil
}

type cityArgs struct {
	City string `json:"city"`
}

// scriptedRun runs a computer-use agent for turns computer calls, then a
// function call and an answer, and returns the recorder of its events.
func scriptedRun(t testing.TB, turns int, prices *pricing.Table) (*report.Recorder, *runner.Result) {
	t.Helper()
	var steps []responsestest.Step
	for i := range turns {
		steps = append(steps, responsestest.Reply(responsestest.ComputerCall(fmt.Sprintf("cu_%d", i),
			responses.ComputerAction{Type: responses.ActionClick, Button: "left", X: 100 + 10*i, Y: 200},
			responses.ComputerAction{Type: responses.ActionType, Text: "hello"})))
	}
	steps = append(steps,
		responsestest.Reply(responsestest.FunctionCall("fc_1", "get_weather", `{"city":"Paris"}`)),
		responsestest.Reply(responsestest.Message("All done: the form is sent and it is sunny in Paris.")))
	srv := responsestest.NewServer(&responsestest.Options{Steps: steps})
	t.Cleanup(srv.Close)
	weather, err := tools.NewFunc("get_weather", "Weather", func(_ context.Context, in cityArgs) (string, error) { return "sunny in " + in.City, nil })
	if err != nil {
		t.Fatal(err)
	}
	a := &agent.Agent{Name: "operator", Model: "gpt-5", Tools: []tools.Tool{computer.NewTool(&screen{}, &computer.Options{KeepScreenshots: -1}), weather}}
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	t.Cleanup(func() { client.Close() })
	r := runner.New(client, &runner.Options{MaxTurns: turns + 3, Prices: prices})
	rec := report.NewRecorder()
	var res *runner.Result
	for ev, err := range r.Stream(context.Background(), a, runner.Text("Fill in the form, then check the weather in Paris.")) {
		rec.Add(ev, err)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == runner.EventFinalOutput {
			res = ev.Result
		}
	}
	return rec, res
}

// TestReportHTML: the page holds every turn and call, fetches nothing, and
// opens in real Chromium without a console error.
func TestReportHTML(t *testing.T) {
	rec, res := scriptedRun(t, 3, pricing.Default())
	var page bytes.Buffer
	if err := rec.WriteHTML(&page, &report.Options{Title: "report test"}); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{`id="turn-1"`, `id="turn-5"`, `data-call="cu_0"`, `data-call="cu_2"`, `data-call="fc_1"`,
		"sunny in Paris", "All done", `class="mark"`, "data:image/jpeg;base64,", "$0.0"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(html); m != "" {
		t.Errorf("the page fetches from elsewhere: %s", m)
	}
	for _, from := range []*report.Recorder{report.FromResult(res), report.FromState(res.State)} {
		var b bytes.Buffer
		if err := from.WriteHTML(&b, nil); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"cu_0", "cu_2", "fc_1"} {
			if !strings.Contains(b.String(), `data-call="`+id+`"`) {
				t.Errorf("a report from the result or state lacks %s", id)
			}
		}
	}

	chromium, err := browser.FindChromium()
	if err != nil {
		t.Skipf("Chromium not found (apt-get install -y chromium): the page was not opened in a browser: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page.Bytes()) //nolint:errcheck // a test server
	}))
	defer srv.Close()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	cctx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(cctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible("#final")); err != nil {
		t.Fatal(err)
	}
	count := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	turns, calls := count(`document.querySelectorAll("section.turn").length`), count(`document.querySelectorAll("[data-call]").length`)
	marks := count(`document.querySelectorAll(".mark").length`)
	images := count(`[...document.images].filter(i => i.loading != "lazy" && i.complete && i.naturalWidth > 0).length`)
	if turns != 5 || calls != 4 || marks != 2 || images != 5 {
		t.Errorf("the page shows %d turns, %d calls, %d markers, %d images", turns, calls, marks, images)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(200*time.Millisecond, stopConsole)
	var consoleErrors []string
	for m, err := range messages {
		if err != nil {
			break
		}
		if m.Type == chromedp.ConsoleError || m.IsException() {
			consoleErrors = append(consoleErrors, m.String())
		}
	}
	if len(consoleErrors) > 0 {
		t.Errorf("console errors: %q", consoleErrors)
	}
	out := filepath.Join(os.TempDir(), "agentloop-report-test.png")
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("the report, as Chromium shows it: %s (%d bytes)", out, len(shot))
}

// TestReportCostUnknown: without prices, the page says the cost is
// unknown, in the summary and on every turn; it never shows $0.
func TestReportCostUnknown(t *testing.T) {
	rec, _ := scriptedRun(t, 1, nil)
	var page bytes.Buffer
	if err := rec.WriteHTML(&page, nil); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	if n := strings.Count(html, "cost unknown"); n != 1+3 { // the summary and 3 turns
		t.Errorf("%d mentions of an unknown cost, want 4", n)
	}
	if strings.Contains(html, "$0") {
		t.Error("the page shows a cost without prices")
	}
}

// TestReportSize: a 50-turn run with 100 screenshots makes a page of a
// size a browser opens at once.
func TestReportSize(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a long run (50 computer turns) that needs Chromium")
	}
	rec, _ := scriptedRun(t, 50, pricing.Default())
	var page bytes.Buffer
	if err := rec.WriteHTML(&page, nil); err != nil {
		t.Fatal(err)
	}
	n := strings.Count(page.String(), "data:image/jpeg;base64,")
	t.Logf("50 computer turns, %d images: %d KiB", n, page.Len()/1024)
	if page.Len() > 12<<20 {
		t.Errorf("the page is %d MiB", page.Len()>>20)
	}
}

func ExampleFromResult() {
	res := &runner.Result{Output: "42", Turns: 1, History: []responses.Item{
		responses.UserMessage("What is 6 × 7?"),
		{Type: responses.ItemMessage, Role: responses.RoleAssistant, Content: []responses.ContentPart{{Type: responses.ContentOutputText, Text: "42"}}},
	}}
	var b bytes.Buffer
	if err := report.FromResult(res).WriteHTML(&b, &report.Options{Title: "six times seven"}); err != nil {
		panic(err)
	}
	fmt.Println(strings.Contains(b.String(), "<title>six times seven</title>"), strings.Contains(b.String(), "What is 6 × 7?"))
	// Output: true true
}
