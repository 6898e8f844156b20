package computer_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/computer"
)

// screen is a toy Computer: it prints each action and photographs nothing.
type screen struct{}

func (screen) Display() computer.Display {
	return computer.Display{Width: 1024, Height: 768, Environment: computer.EnvironmentBrowser}
}

func (screen) Do(ctx context.Context, a responses.ComputerAction) error {
	fmt.Printf("do %s at (%d,%d) %q\n", a.Type, a.X, a.Y, a.Text)
	return nil
}

func (screen) Screenshot(ctx context.Context) (computer.Screenshot, error) {
	return computer.Screenshot{Data: []byte("png"), MIME: "image/png"}, nil
}

func Example() {
	tool := computer.NewTool(screen{}, &computer.Options{
		ApproveSafetyCheck: func(ctx context.Context, call *responses.Item, check responses.SafetyCheck) (bool, error) {
			fmt.Println("approve?", check.Code, "->", true)
			return true, nil
		},
	})
	def, _ := json.Marshal(tool.DefinitionFor("computer-use-preview"))
	fmt.Println(string(def), tool.TruncationFor("computer-use-preview"))
	def, _ = json.Marshal(tool.DefinitionFor("gpt-5.4"))
	fmt.Println(string(def))

	var call responses.Item
	_ = json.Unmarshal([]byte(`{"type":"computer_call","id":"cu_1","call_id":"call_1",
		"actions":[{"type":"click","button":"left","x":10,"y":20},{"type":"type","text":"hi"}],
		"pending_safety_checks":[{"id":"sc_1","code":"irrelevant_domain","message":"…"}],"status":"completed"}`), &call)
	out, err := tool.CallItem(context.Background(), &call)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	// Output:
	// {"type":"computer_use_preview","display_width":1024,"display_height":768,"environment":"browser"} auto
	// {"type":"computer"}
	// approve? irrelevant_domain -> true
	// do click at (10,20) ""
	// do type at (0,0) "hi"
	// {"type":"computer_call_output","call_id":"call_1","acknowledged_safety_checks":[{"id":"sc_1","code":"irrelevant_domain","message":"…"}],"output":{"type":"computer_screenshot","image_url":"data:image/png;base64,cG5n"}}
}

func ExampleTrimScreenshots() {
	history := []responses.Item{
		{Type: responses.ItemComputerCallOutput, CallID: "c1",
			Screenshot: &responses.ComputerScreenshot{ImageURL: "data:image/png;base64,b2xk"}},
		{Type: responses.ItemComputerCallOutput, CallID: "c2",
			Screenshot: &responses.ComputerScreenshot{ImageURL: "data:image/png;base64,bmV3"}},
	}
	trimmed := computer.TrimScreenshots(history, 1)
	fmt.Println(trimmed[0].Screenshot.ImageURL == computer.PlaceholderImageURL)
	fmt.Println(trimmed[1].Screenshot.ImageURL)
	fmt.Println(history[0].Screenshot.ImageURL)
	// Output:
	// true
	// data:image/png;base64,bmV3
	// data:image/png;base64,b2xk
}
