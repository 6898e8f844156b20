package session_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/session"
)

// Two writers continue one conversation: the second saw an older history,
// so its append conflicts and it reloads.
func Example() {
	ctx := context.Background()
	s := session.NewMemory()

	history, _ := s.Items(ctx) // both writers start from here
	if err := s.Append(ctx, len(history), []responses.Item{responses.UserMessage("first writer")}); err != nil {
		fmt.Println(err)
	}
	err := s.Append(ctx, len(history), []responses.Item{responses.UserMessage("second writer")})
	fmt.Println(errors.Is(err, session.ErrConflict))

	history, _ = s.Items(ctx)
	if err := s.Append(ctx, len(history), []responses.Item{responses.UserMessage("second writer")}); err != nil {
		fmt.Println(err)
	}
	history, _ = s.Items(ctx)
	for _, it := range history {
		fmt.Println(it.Text())
	}
	// Output:
	// true
	// first writer
	// second writer
}

// A retried append (the first attempt's answer was lost) stores nothing
// twice.
func ExampleSession_append() {
	ctx := context.Background()
	s := session.NewMemory()
	turn := []responses.Item{responses.UserMessage("hello"), responses.FunctionCallOutput("call_1", "42")}
	fmt.Println(s.Append(ctx, 0, turn))
	fmt.Println(s.Append(ctx, 0, turn)) // the retry
	items, _ := s.Items(ctx)
	fmt.Println(len(items))
	// Output:
	// <nil>
	// <nil>
	// 2
}

// The file keeps one item a line and a commit line after each append.
func ExampleNewFile() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "session")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	s := session.NewFile(filepath.Join(dir, "chat.jsonl"), nil)
	if err := s.Append(ctx, 0, []responses.Item{responses.UserMessage("hi"), responses.UserMessage("there")}); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(s.Path())
	fmt.Print(string(b))
	// Output:
	// {"type":"message","role":"user","content":"hi"}
	// {"type":"message","role":"user","content":"there"}
	// [2]
}

// Replace swaps the history, here for its last item, as trimming would.
func ExampleMemory_Replace() {
	ctx := context.Background()
	s := session.NewMemory()
	_ = s.Append(ctx, 0, []responses.Item{responses.UserMessage("old"), responses.UserMessage("recent")})
	items, _ := s.Items(ctx)
	if err := s.Replace(ctx, len(items), items[len(items)-1:]); err != nil {
		fmt.Println(err)
	}
	items, _ = s.Items(ctx)
	fmt.Println(len(items), items[0].Text())
	// Output:
	// 1 recent
}
