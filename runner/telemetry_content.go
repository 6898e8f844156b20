package runner

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/responses"
)

// Content capture: the items of a conversation as the GenAI conventions'
// JSON messages (role + parts of type text, tool_call, tool_call_response,
// reasoning, uri), one JSON string per attribute, redacted and bounded.
// Nothing here runs unless capture is on.

// message is one message of the GenAI JSON message schema.
type message struct {
	Role         string           `json:"role"`
	Parts        []map[string]any `json:"parts"`
	FinishReason string           `json:"finish_reason,omitempty"`
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// requestContent returns the opt-in attributes of a model call's request.
func requestContent(run *genai.Run, req *responses.Request) []attribute.KeyValue {
	var attrs []attribute.KeyValue
	if req.Instructions != "" {
		attrs = append(attrs, genai.KeySystemInstructions.String(
			run.FitValue([]map[string]any{{"type": "text", "content": req.Instructions}})))
	}
	var msgs []message
	if req.Input.Items != nil {
		msgs = toMessages(req.Input.Items)
	} else if req.Input.Text != "" {
		msgs = []message{{Role: responses.RoleUser, Parts: []map[string]any{textPart(req.Input.Text)}}}
	}
	attrs = append(attrs, genai.KeyInputMessages.String(run.FitValue(msgs)))
	if len(req.Tools) > 0 {
		defs := make([]map[string]any, 0, len(req.Tools))
		for _, t := range req.Tools {
			d := map[string]any{"type": t.Type}
			if t.Name != "" {
				d["name"] = t.Name
			}
			if t.Description != "" {
				d["description"] = t.Description
			}
			if len(t.Parameters) > 0 && json.Valid(t.Parameters) {
				d["parameters"] = t.Parameters
			}
			if t.DisplayWidth > 0 {
				d["display_width"], d["display_height"] = t.DisplayWidth, t.DisplayHeight
			}
			defs = append(defs, d)
		}
		attrs = append(attrs, genai.KeyToolDefinitions.String(run.FitValue(defs)))
	}
	return attrs
}

// outputMessages returns gen_ai.output.messages of a response.
func outputMessages(run *genai.Run, resp *responses.Response) string {
	msgs := toMessages(resp.Output)
	// The output is one assistant message; merge what the converter split.
	out := message{Role: responses.RoleAssistant, Parts: []map[string]any{}, FinishReason: finishReason(resp)}
	for _, m := range msgs {
		out.Parts = append(out.Parts, m.Parts...)
	}
	return run.FitValue([]message{out})
}

// inputValue returns input.value of a run and its MIME type: the text of a
// lone user message, else the messages as JSON.
func inputValue(run *genai.Run, input Input) (string, string) {
	if len(input) == 1 && input[0].IsMessage() && input[0].Role == responses.RoleUser {
		if t := input[0].Text(); t != "" && onlyText(&input[0]) {
			return run.Fit(t), "text/plain"
		}
	}
	return run.FitValue(toMessages(input)), "application/json"
}

func onlyText(it *responses.Item) bool {
	for _, p := range it.Content {
		if p.Type != responses.ContentInputText && p.Type != responses.ContentOutputText {
			return false
		}
	}
	return true
}

func mimeOf(s string) string {
	if t := strings.TrimSpace(s); (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t)) {
		return "application/json"
	}
	return "text/plain"
}

// callArguments returns gen_ai.tool.call.arguments of a call.
func callArguments(run *genai.Run, c *responses.Item) string {
	switch c.Type {
	case responses.ItemComputerCall:
		actions := c.Actions
		if c.Action != nil {
			actions = append([]responses.ComputerAction{*c.Action}, actions...)
		}
		return run.FitValue(map[string]any{"actions": actions})
	case responses.ItemCustomToolCall:
		return run.Fit(c.Input)
	case responses.ItemShellCall:
		if c.ShellAction != nil {
			return run.FitValue(c.ShellAction)
		}
	case responses.ItemLocalShellCall:
		if c.LocalShellAction != nil {
			return run.FitValue(c.LocalShellAction)
		}
	case responses.ItemApplyPatchCall:
		if c.Operation != nil {
			return run.FitValue(c.Operation)
		}
	}
	return run.Fit(c.Arguments)
}

// resultContent returns gen_ai.tool.call.result of a call's output item.
func resultContent(run *genai.Run, out *responses.Item) string {
	if out.Type == responses.ItemComputerCallOutput {
		if out.Screenshot == nil {
			return `""`
		}
		return run.FitValue(map[string]any{"type": "computer_screenshot", "image": imagePlaceholder(out.Screenshot.ImageURL, out.Screenshot.FileID)})
	}
	switch out.Type {
	case responses.ItemShellCallOutput:
		return run.FitValue(out.ShellOutput)
	case responses.ItemToolSearchOutput:
		names := make([]string, 0, len(out.Tools))
		for _, d := range out.Tools {
			names = append(names, d.Name)
		}
		return run.FitValue(map[string]any{"tools": names})
	}
	if out.Output == nil {
		return ""
	}
	if out.Output.Parts == nil {
		return run.Fit(out.Output.Text)
	}
	return run.FitValue(partsOf(out.Output.Parts))
}

// toMessages converts items into GenAI messages, merging consecutive items of
// one role (an assistant's reasoning, text and calls form one message).
// Hosted tool items (web search, file search) and unknown kinds are left out.
func toMessages(items []responses.Item) []message {
	var msgs []message
	add := func(role string, parts ...map[string]any) {
		if len(parts) == 0 {
			return
		}
		if n := len(msgs); n > 0 && msgs[n-1].Role == role {
			msgs[n-1].Parts = append(msgs[n-1].Parts, parts...)
			return
		}
		msgs = append(msgs, message{Role: role, Parts: parts})
	}
	for i := range items {
		it := &items[i]
		switch {
		case it.IsMessage():
			role := it.Role
			if role == "" {
				role = responses.RoleAssistant
			}
			if it.ContentText != "" {
				add(role, textPart(it.ContentText))
				continue
			}
			add(role, partsOf(it.Content)...)
		case it.Type == responses.ItemFunctionCall:
			add(responses.RoleAssistant, map[string]any{"type": "tool_call", "id": it.CallID, "name": it.Name, "arguments": jsonOrString(it.Arguments)})
		case it.Type == responses.ItemCustomToolCall:
			add(responses.RoleAssistant, map[string]any{"type": "tool_call", "id": it.CallID, "name": it.Name, "arguments": it.Input})
		case it.Type == responses.ItemComputerCall:
			actions := it.Actions
			if it.Action != nil {
				actions = append([]responses.ComputerAction{*it.Action}, actions...)
			}
			add(responses.RoleAssistant, map[string]any{"type": "tool_call", "id": it.CallID, "name": "computer", "arguments": map[string]any{"actions": actions}})
		case it.Type == responses.ItemFunctionCallOutput || it.Type == responses.ItemCustomToolCallOutput:
			var resp any = ""
			if it.Output != nil {
				if it.Output.Parts != nil {
					resp = partsOf(it.Output.Parts)
				} else {
					resp = it.Output.Text
				}
			}
			add("tool", map[string]any{"type": "tool_call_response", "id": it.CallID, "response": resp})
		case it.Type == responses.ItemComputerCallOutput:
			var resp any = ""
			if it.Screenshot != nil {
				resp = imagePlaceholder(it.Screenshot.ImageURL, it.Screenshot.FileID)
			}
			add("tool", map[string]any{"type": "tool_call_response", "id": it.CallID, "response": resp})
		case it.Type == responses.ItemReasoning:
			var sb strings.Builder
			for _, p := range it.Summary {
				if sb.Len() > 0 {
					sb.WriteString("\n")
				}
				sb.WriteString(p.Text)
			}
			for _, p := range it.Content {
				if sb.Len() > 0 {
					sb.WriteString("\n")
				}
				sb.WriteString(p.Text)
			}
			// Encrypted reasoning is never captured.
			if sb.Len() > 0 {
				add(responses.RoleAssistant, map[string]any{"type": "reasoning", "content": sb.String()})
			}
		}
	}
	return msgs
}

func textPart(s string) map[string]any { return map[string]any{"type": "text", "content": s} }

// partsOf converts content parts. Images become a placeholder (data URLs)
// or a uri part; their bytes never go into a span.
func partsOf(cps []responses.ContentPart) []map[string]any {
	parts := make([]map[string]any, 0, len(cps))
	for i := range cps {
		p := &cps[i]
		switch p.Type {
		case responses.ContentInputText, responses.ContentOutputText:
			parts = append(parts, textPart(p.Text))
		case responses.ContentRefusal:
			parts = append(parts, textPart(p.Refusal))
		case responses.ContentInputImage, responses.ContentComputerScreenshot:
			parts = append(parts, imagePart(p.ImageURL, p.FileID))
		case responses.ContentInputFile:
			name := p.Filename
			if name == "" {
				name = p.FileID
			}
			parts = append(parts, textPart("[file omitted: "+name+"]"))
		default:
			if p.Text != "" {
				parts = append(parts, textPart(p.Text))
			}
		}
	}
	return parts
}

// imagePart is a uri part for an image at an http(s) URL, else a text
// placeholder.
func imagePart(url, fileID string) map[string]any {
	if strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://") {
		return map[string]any{"type": "uri", "modality": "image", "uri": url}
	}
	return textPart(imagePlaceholder(url, fileID))
}

// imagePlaceholder describes an image without its bytes: "[image omitted:
// image/png, 183204 bytes, 1280x800]".
func imagePlaceholder(url, fileID string) string {
	switch {
	case strings.HasPrefix(url, "data:"):
		mime, size, w, h := describeDataURL(url)
		if w > 0 {
			return fmt.Sprintf("[image omitted: %s, %d bytes, %dx%d]", mime, size, w, h)
		}
		return fmt.Sprintf("[image omitted: %s, %d bytes]", mime, size)
	case fileID != "":
		return "[image omitted: file " + fileID + "]"
	case url != "":
		return "[image omitted: " + url + "]"
	}
	return "[image omitted]"
}

// describeDataURL returns the MIME type, decoded size and, for PNG, JPEG and
// GIF, the dimensions of a base64 data URL, reading only its header.
func describeDataURL(u string) (mime string, size, w, h int) {
	meta, data, ok := strings.Cut(strings.TrimPrefix(u, "data:"), ",")
	if !ok {
		return "unknown", 0, 0, 0
	}
	mime, _, _ = strings.Cut(meta, ";")
	if !strings.HasSuffix(meta, ";base64") {
		return mime, len(data), 0, 0
	}
	size = base64.StdEncoding.DecodedLen(len(data)) - strings.Count(data[max(0, len(data)-2):], "=")
	var decode func(io.Reader) (image.Config, error)
	switch mime {
	case "image/png":
		decode = png.DecodeConfig
	case "image/jpeg", "image/jpg":
		decode = jpeg.DecodeConfig
	case "image/gif":
		decode = gif.DecodeConfig
	default:
		return mime, size, 0, 0
	}
	if cfg, err := decode(base64.NewDecoder(base64.StdEncoding, strings.NewReader(data))); err == nil {
		w, h = cfg.Width, cfg.Height
	}
	return mime, size, w, h
}

// jsonOrString keeps valid JSON arguments as JSON, else as a string.
func jsonOrString(s string) any {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}
