package applypatch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/applypatch"
)

// ApplyDiff applies the V4A diff of an update_file operation to a file's
// content.
func ExampleApplyDiff() {
	original := "def greet():\n    print(\"Hi\")\n\ndef farewell():\n    print(\"Bye\")\n"
	diff := "@@ def farewell():\n-    print(\"Bye\")\n+    print(\"Goodbye\")\n"
	out, err := applypatch.ApplyDiff(original, diff)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out)
	// Output:
	// def greet():
	//     print("Hi")
	//
	// def farewell():
	//     print("Goodbye")
}

// The tool answers an apply_patch_call with an apply_patch_call_output;
// a change that does not apply is "failed", with the reason.
func ExampleTool_CallItem() {
	dir, _ := os.MkdirTemp("", "applypatch")
	defer os.RemoveAll(dir)
	ed, err := applypatch.NewDisk(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ed.Close()
	tool := applypatch.New(ed, nil)

	for _, op := range []responses.PatchOperation{
		{Type: responses.PatchCreateFile, Path: "notes/todo.txt", Diff: "+buy milk\n+call Ann\n"},
		{Type: responses.PatchUpdateFile, Path: "notes/todo.txt", Diff: "-call Ann\n+call Bob\n"},
		{Type: responses.PatchUpdateFile, Path: "notes/todo.txt", Diff: "-call Carl\n+call Dan\n"},
		{Type: responses.PatchDeleteFile, Path: "../outside.txt"},
	} {
		call := &responses.Item{Type: responses.ItemApplyPatchCall, CallID: "call_1", Operation: &op}
		out, _ := tool.CallItem(context.Background(), call)
		fmt.Printf("%s: %s\n", out.Status, out.Output.Text)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "notes", "todo.txt"))
	fmt.Printf("%q\n", b)
	// Output:
	// completed: Created notes/todo.txt.
	// completed: Updated notes/todo.txt.
	// failed: Error: update_file notes/todo.txt: hunk 1: its context and removed lines do not match the file: it has no line "call Carl" (line 1 is "buy milk")
	// failed: Error: delete_file ../outside.txt: applypatch: path outside the workspace: "../outside.txt" has a ".." element
	// "buy milk\ncall Bob\n"
}
