package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

var update = flag.Bool("update", false, "rewrite the golden state fixtures of the current version")

// TestStateFixtures decodes the state fixture of every version: each must
// stay readable, and re-encode to the same bytes. With -update, the
// fixture of the current version is written anew from a paused run.
func TestStateFixtures(t *testing.T) {
	current := filepath.Join("testdata", "state", fmt.Sprintf("v%d-paused.json", runner.StateVersion))
	if *update {
		var n atomic.Int64
		srv := responsestest.Start(t, mailTurn())
		a := &agent.Agent{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weatherTool(t, &n), mailTool(t, &n)}}
		res, err := newRunner(srv, nil).Run(context.Background(), a, runner.Text("Mail the weather"))
		if err != nil || !res.Paused() {
			t.Fatalf("paused %v err %v", res.Paused(), err)
		}
		res.State.RunID = "run_fixture"
		b, err := res.State.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(current, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for v := 1; v <= runner.StateVersion; v++ {
		path := filepath.Join("testdata", "state", fmt.Sprintf("v%d-paused.json", v))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("version %d has no fixture (run go test -run TestStateFixtures -update): %v", v, err)
		}
		var st runner.State
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if st.Status != runner.StatusPaused || len(st.Pending()) != 2 || st.RunID != "run_fixture" {
			t.Errorf("%s: status %q, %d pending, run %q", path, st.Status, len(st.Pending()), st.RunID)
		}
		if v == runner.StateVersion {
			again, err := st.MarshalJSON()
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("%s does not re-encode to its bytes (%v)", path, err)
			}
		}
	}
}

// TestStateVersionsDocumented: the doc comment of StateVersion has a line
// for every version.
func TestStateVersionsDocumented(t *testing.T) {
	src, err := os.ReadFile("state.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := regexp.MustCompile(`(?s)// StateVersion is.*?const StateVersion`).Find(src)
	for v := 1; v <= runner.StateVersion; v++ {
		if !regexp.MustCompile(`//\s+` + strconv.Itoa(v) + `: \S`).Match(doc) {
			t.Errorf("the doc comment of StateVersion lacks a line \"%d: what changed\"", v)
		}
	}
}
