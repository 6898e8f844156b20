package computer

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"net/url"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/responses"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// The keys of the action spans live with every other key in
// internal/genai/keys.go; these are short local names for them.
const (
	keyIndex        = genai.KeyBrowserActionIndex
	keyX            = genai.KeyBrowserX
	keyY            = genai.KeyBrowserY
	keyButton       = genai.KeyBrowserButton
	keyScrollX      = genai.KeyBrowserScrollX
	keyScrollY      = genai.KeyBrowserScrollY
	keyKeyCount     = genai.KeyBrowserKeyCount
	keyPathPoints   = genai.KeyBrowserPathPoints
	keyShotBytes    = genai.KeyScreenshotBytes
	keyShotMIME     = genai.KeyScreenshotMIME
	keyShotWidth    = genai.KeyScreenshotWidth
	keyShotHeight   = genai.KeyScreenshotHeight
	keyCheckID      = genai.KeySafetyCheckID
	keyCheckCode    = genai.KeySafetyCheckCode
	keyCheckOutcome = genai.KeySafetyCheckApproved

	// eventSafetyCheck is the event put on the call's span per pending
	// safety check.
	eventSafetyCheck = genai.EventComputerSafetyCheck
)

// startAction starts the "browser.{type}" span of the action at index i.
// Call it only when the span in ctx is recording.
func startAction(ctx context.Context, i int, a *responses.ComputerAction) (context.Context, trace.Span) {
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, keyIndex.Int(i))
	switch a.Type {
	case responses.ActionClick:
		attrs = append(attrs, keyX.Int(a.X), keyY.Int(a.Y), keyButton.String(a.Button))
	case responses.ActionDoubleClick, responses.ActionMove:
		attrs = append(attrs, keyX.Int(a.X), keyY.Int(a.Y))
	case responses.ActionScroll:
		attrs = append(attrs, keyX.Int(a.X), keyY.Int(a.Y), keyScrollX.Int(a.ScrollX), keyScrollY.Int(a.ScrollY))
	case responses.ActionDrag:
		attrs = append(attrs, keyPathPoints.Int(len(a.Path)))
	case responses.ActionKeypress:
		attrs = append(attrs, keyKeyCount.Int(len(a.Keys)))
	}
	return genai.StartBrowserAction(ctx, a.Type, attrs...)
}

// endAction ends an action's span. The error of a type or keypress action
// is recorded by its type only: a backend's message may quote a key.
func endAction(span trace.Span, a *responses.ComputerAction, err error) {
	errType := actionErrorType(err)
	if err != nil && (a.Type == responses.ActionType || a.Type == responses.ActionKeypress) {
		err = errors.New("computer: " + a.Type + " failed (" + errType + ")")
	}
	genai.End(span, err, errType)
}

// endScreenshot ends the "browser.screenshot" span with the image's size
// (bytes, MIME type, pixels) and the current page's domain; never the image
// or the full URL.
func endScreenshot(span trace.Span, shot *Screenshot, currentURL string, err error) {
	if shot != nil {
		mime := shot.MIME
		if mime == "" {
			mime = "image/png"
		}
		attrs := make([]attribute.KeyValue, 0, 5)
		attrs = append(attrs, keyShotBytes.Int(len(shot.Data)), keyShotMIME.String(mime))
		if w, h, ok := imageSize(shot.Data, mime); ok {
			attrs = append(attrs, keyShotWidth.Int(w), keyShotHeight.Int(h))
		}
		span.SetAttributes(attrs...)
	}
	if currentURL != "" {
		if u, perr := url.Parse(currentURL); perr == nil && u.Hostname() != "" {
			span.SetAttributes(genai.KeyURLDomain.String(u.Hostname()))
		}
	}
	genai.End(span, err, actionErrorType(err))
}

// imageSize reads the dimensions from a PNG or JPEG header.
func imageSize(data []byte, mime string) (int, int, bool) {
	var cfg image.Config
	var err error
	switch mime {
	case "image/png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case "image/jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	default:
		return 0, 0, false
	}
	if err != nil {
		return 0, 0, false
	}
	return cfg.Width, cfg.Height, true
}

// actionErrorType classifies an action's or a screenshot's error for
// error.type.
func actionErrorType(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnsupportedAction):
		return "unsupported_action"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "_OTHER"
}

// safetyCheckEvent records a pending safety check and whether it was
// approved on span, without its message.
func safetyCheckEvent(span trace.Span, check *responses.SafetyCheck, approved bool) {
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, keyCheckID.String(check.ID), keyCheckOutcome.Bool(approved))
	if check.Code != "" {
		attrs = append(attrs, keyCheckCode.String(check.Code))
	}
	span.AddEvent(eventSafetyCheck, trace.WithAttributes(attrs...))
}

// ToolType returns "extension", the gen_ai.tool.type of the computer call
// spans (the runner's TypedTool): a tool the agent's side executes against a
// real system. It is unrelated to Options.ToolType, the declared shape.
func (t *Tool) ToolType() string { return genai.ToolTypeExtension }
