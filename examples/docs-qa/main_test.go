package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

func TestDocsQA(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"refunds.md":  "# Refunds\n\nYou can return any item within 30 days of delivery for a full refund.",
		"shipping.md": "# Shipping\n\nExpress delivery takes one day and costs 9 euros.",
		"logo.png":    "\x89PNG\x00",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("call_1", "file_search", `{"queries":["refund period","return an item","express delivery"]}`)),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			items := r.Request.Input.Items
			out := items[len(items)-1]
			if out.Type != responses.ItemFunctionCallOutput || !strings.Contains(out.Output.String(), "[1] filename=\""+filepath.ToSlash(filepath.Join(dir, "refunds.md"))) {
				return responsestest.Reply(responsestest.Message("unexpected tool output: " + out.Output.String()))
			}
			return responsestest.Reply(responsestest.Message("Per refunds.md, you have 30 days to return an item [1]. Express delivery takes a day [2]."))
		}),
	)
	var out, progress bytes.Buffer
	store := filepath.Join(t.TempDir(), "store.vs")
	cfg := config{BaseURL: srv.URL(), APIKey: "test", Model: "gpt-5-mini", Dir: dir, Store: store, Question: "How long do I have to return an item?"}
	if err := run(context.Background(), cfg, &out, &progress); err != nil {
		t.Fatal(err)
	}
	want := "Per refunds.md, you have 30 days to return an item [1]. Express delivery takes a day [2].\n\nSources:\n" +
		"[1] " + filepath.ToSlash(filepath.Join(dir, "refunds.md")) + "\n" +
		"[2] " + filepath.ToSlash(filepath.Join(dir, "shipping.md")) + "\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	// One line for the folder, each path once, none per skipped file.
	wantLine := "[2 files of " + dir + " in " + store + " (0 unchanged since the last run): 2 chunks; skipped, unsupported: 1 .png]\n"
	for _, s := range []string{wantLine, `[file_search ["refund period" "return an item" "express delivery"]: 2 results]`} {
		if !strings.Contains(progress.String(), s) {
			t.Errorf("progress lacks %q:\n%s", s, progress.String())
		}
	}
	if strings.Contains(progress.String(), "logo.png") {
		t.Errorf("a line per skipped file:\n%s", progress.String())
	}

	// A second run reads nothing again; a file gone is dropped.
	if err := os.Remove(filepath.Join(dir, "shipping.md")); err != nil {
		t.Fatal(err)
	}
	srv2 := responsestest.Start(t, responsestest.Reply(responsestest.Message("Thirty days.")))
	progress.Reset()
	cfg.BaseURL = srv2.URL()
	if err := run(context.Background(), cfg, &bytes.Buffer{}, &progress); err != nil {
		t.Fatal(err)
	}
	if want := "[1 file of " + dir + " in " + store + " (1 unchanged since the last run): 1 chunk; skipped, unsupported: 1 .png]\n"; progress.String() != want {
		t.Errorf("second run progress %q, want %q", progress.String(), want)
	}
}

func TestEmptyFolder(t *testing.T) {
	err := run(context.Background(), config{BaseURL: "http://127.0.0.1:1/v1", APIKey: "x", Model: "m", Dir: t.TempDir(),
		Store: filepath.Join(t.TempDir(), "s.vs"), Question: "q"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "no readable text file") {
		t.Errorf("err = %v", err)
	}
}
