// Package computer connects the model's computer use tool to a [Computer]: a
// screen the program can act on and photograph, such as the headless
// Chromium of package browser.
//
// [NewTool] returns a [Tool] for an agent's tool list. The runner hands it
// every computer_call item through [Tool.CallItem]; the tool asks about the
// call's pending safety checks, runs its actions in order on the Computer,
// takes one screenshot and answers with a computer_call_output.
//
// The tool is declared in one of two shapes: the GA {"type":"computer"} tool
// (batched actions) or the computer_use_preview tool (one action per call,
// display size and environment, and a request with truncation "auto").
// [Tool.DefinitionFor] and [Tool.TruncationFor] pick them by model name.
//
// Long sessions carry one screenshot per call; [TrimScreenshots] replaces all
// but the newest ones in a history with a tiny placeholder image.
// [Tool.EditRequest] does that, and sets truncation "auto" for the preview
// tool, on every request the runner sends.
//
// A computer_call_output carries an image and nothing else, so an action
// that fails cannot be reported in it. [Tool.CallItem] then returns both the
// output (a screenshot of the screen as it is now) and an [*ActionError]; the
// runner sends the output and shows the error's text to the model beside it.
// What the model must know although nothing failed (a dialog the page
// opened and how it was answered) comes from a [Notifier] computer and goes
// the same way, through tools.Note. A cancelled context ends the run.
//
// # Approvals
//
// A call with a pending safety check needs a person's approval, unless
// Options.ApproveSafetyCheck approves it in code; Options.NeedsApproval asks
// for approval per action (it sees the action and the page's domain). The
// tool is its own tools.ApprovalPolicy, so the runner pauses for such calls:
// an approved call runs with its checks acknowledged, a rejected one is
// answered by [Tool.Reject] with a screenshot and nothing run.
//
// This package never imports a browser driver: backends live in their own
// packages.
package computer

import (
	"context"
	"encoding/base64"
	"errors"

	"github.com/agentloop/agentloop/responses"
)

// Environments, the values of [Display.Environment].
const (
	EnvironmentBrowser = "browser"
	EnvironmentMac     = "mac"
	EnvironmentWindows = "windows"
	EnvironmentUbuntu  = "ubuntu"
	EnvironmentLinux   = "linux"
)

// Display describes a computer's screen: its size in screenshot pixels,
// which are the coordinates of the model's actions, and its environment
// (one of the Environment* constants).
type Display struct {
	Width, Height int
	Environment   string
}

// Screenshot is an encoded image of the screen.
type Screenshot struct {
	Data []byte
	MIME string // "image/png" or "image/jpeg"; empty means "image/png"
}

// DataURL returns the screenshot as a base64 data URL, the form the model
// reads in a computer_screenshot.
func (s Screenshot) DataURL() string {
	mime := s.MIME
	if mime == "" {
		mime = "image/png"
	}
	prefix := "data:" + mime + ";base64,"
	b := make([]byte, len(prefix)+base64.StdEncoding.EncodedLen(len(s.Data)))
	copy(b, prefix)
	base64.StdEncoding.Encode(b[len(prefix):], s.Data)
	return string(b)
}

// Computer is a screen the model acts on.
//
// Do runs one action. The tool validates actions before it calls Do and never
// passes a screenshot action (it calls Screenshot instead), so Do sees
// click, double_click, drag, keypress, move, scroll, type and wait. Do
// returns an error wrapping [ErrUnsupportedAction] for a type it does not
// implement. Coordinates are screenshot pixels.
//
// The tool calls one method at a time; a Computer need not be safe for
// concurrent use.
type Computer interface {
	Display() Display
	Do(ctx context.Context, action responses.ComputerAction) error
	Screenshot(ctx context.Context) (Screenshot, error)
}

// URLReporter is implemented by computers that show web pages. The tool sends
// the current URL beside each screenshot, as OpenAI's safety checks expect for
// browser environments.
type URLReporter interface {
	CurrentURL(ctx context.Context) (string, error)
}

// Navigator is implemented by computers that can open a URL directly, for
// programs that give the model a "go to" function tool or start on a page.
type Navigator interface {
	Navigate(ctx context.Context, url string) error
}

// Notifier is implemented by computers that have something to tell the
// model that a screenshot cannot show: a dialog the page opened and how it
// was answered, a page that crashed and was opened again, requests the
// domain policy refused. Notices returns what happened since it was last
// called, and forgets it. The tool calls it after each call's screenshot and
// hands the notices to the runner (tools.Note), which shows them to the
// model beside the call's output.
type Notifier interface {
	Notices() []string
}

// Computers that own resources (a browser process) also implement io.Closer.

// ErrUnsupportedAction is wrapped by the error a [Computer] returns for an
// action type it does not implement, and by the tool's error for an action
// type that is not one of the nine the protocol defines.
var ErrUnsupportedAction = errors.New("computer: unsupported action")

// ErrOffScreen is wrapped by the error of an action whose coordinates are
// outside the screen: nothing of its call runs.
var ErrOffScreen = errors.New("outside the screen")

// PlaceholderImageURL is the image [TrimScreenshots] puts in place of old
// screenshots: an 8×8 grey PNG as a data URL (78 bytes of PNG).
const PlaceholderImageURL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAAAAADhZOFXAAAAFUlEQVR42mJpYIAAJgaKGIAAAAD//ybgAJN4ilweAAAAAElFTkSuQmCC"
