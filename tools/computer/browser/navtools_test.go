package browser

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentloop/agentloop/responses"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestNavigationToolsSchema(t *testing.T) {
	var defs []responses.Tool
	for _, tool := range NavigationTools(New(nil)) {
		defs = append(defs, tool.Definition())
	}
	got, err := json.MarshalIndent(defs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "navigation_tools.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./tools/computer/browser -run TestNavigationToolsSchema -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("definitions (-want +got), run with -update if intended:\n%s", diff)
	}
}

// TestNavigationTools: the model can go to a URL, back and forward, within
// the domain policy, and is told where it ends up.
func TestNavigationTools(t *testing.T) {
	b, ctx := openPage(t, "/")
	nav := NavigationTools(b)
	call := func(i int, args string) (string, error) {
		out, err := nav[i].Call(ctx, args)
		return out.String(), err
	}
	tests := []struct {
		tool    int
		args    string
		want    string // the output, or the error's text
		wantErr error
	}{
		{0, `{"url":"` + fix.main.URL + `/next"}`, "Opened " + fix.main.URL + "/next.", nil},
		{1, `{}`, "Went back to " + fix.main.URL + "/.", nil},
		{2, ``, "Went forward to " + fix.main.URL + "/next.", nil},
		{2, `{}`, "there is no page to go forward to in this tab", nil},
		{0, `{"url":"file:///etc/passwd"}`, "file: URLs are refused", ErrBlocked},
		{0, `{"url":"/relative"}`, `"/relative" is not an absolute URL`, ErrBlocked},
		{0, `{"url":"` + fix.main.URL + `/dialogs"}`, "Opened " + fix.main.URL + "/dialogs.", nil},
	}
	for _, tt := range tests {
		out, err := call(tt.tool, tt.args)
		if err != nil {
			if !strings.Contains(err.Error(), tt.want) || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("%s %s: %v, want %q", nav[tt.tool].Definition().Name, tt.args, err, tt.want)
			}
			continue
		}
		if out != tt.want {
			t.Errorf("%s %s: %q, want %q", nav[tt.tool].Definition().Name, tt.args, out, tt.want)
		}
	}
	// What happened meanwhile comes with the answer.
	do(t, ctx, b, click(430, 35, "left"))
	out, err := call(0, `{"url":"`+fix.main.URL+`/next"}`)
	if err != nil || !strings.Contains(out, "Meanwhile: The page at ") || !strings.Contains(out, "asked to confirm leaving it. It was left.") {
		t.Errorf("goto from a page that asks to stay: %q, %v", out, err)
	}
}
