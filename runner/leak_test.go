package runner

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them.
//
// A tool that ignores its context is abandoned after
// Options.ToolGracePeriod by design: its goroutine stays until the tool
// returns. A test of that must unblock the tool and wait for it to return
// before it ends (TestAbandonedToolIsUnblocked shows how), or this check
// fails.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
