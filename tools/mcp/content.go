package mcp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"strings"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentloop/agentloop/responses"
)

// result turns a tools/call result into the call's output: see Output.
func (t *tool) result(res *mcpsdk.CallToolResult) (responses.ToolOutput, error) {
	if res == nil {
		return responses.ToolOutput{}, &CallError{Server: t.s.name, Tool: t.mcp.Name, Type: ErrorMalformed,
			Err: fmt.Errorf("the server's answer holds no result")}
	}
	if res.IsError {
		msg := textOf(res.Content)
		if msg == "" {
			msg = "the tool failed without saying why"
		}
		return responses.ToolOutput{}, &CallError{Server: t.s.name, Tool: t.mcp.Name, Type: ErrorTool, Message: msg,
			Err: fmt.Errorf("the tool reported an error: %s", msg)}
	}
	if res.StructuredContent != nil && t.out != nil {
		doc, err := json.Marshal(res.StructuredContent)
		if err == nil {
			err = t.out.Validate(doc)
		}
		if err != nil {
			return responses.ToolOutput{}, &CallError{Server: t.s.name, Tool: t.mcp.Name, Type: ErrorMalformed,
				Err: fmt.Errorf("the structured result does not match the tool's output schema: %w", err)}
		}
	}
	return Output(res), nil
}

// Output maps a tools/call result to what the model reads, part by part:
//
//   - text: its text;
//   - image: an input_image with the image as a data URL;
//   - an embedded resource: its text, headed by its URI; an image blob as
//     an input_image; a PDF blob as an input_file; another blob as a line
//     saying what it is;
//   - a resource link: a line with its name, URI, type and description;
//   - audio: a line saying what it is (a tool output cannot carry audio);
//   - structured content: its JSON, first, when the content has no text
//     of its own beside it: a text part that only repeats the JSON (as
//     servers send for older clients) counts as none; a text rendering
//     of its own (as the filesystem server sends a file's text beside
//     {"content":…}) is sent instead, so the model does not read it twice.
//
// An output of text alone is one string, its parts joined by newlines;
// otherwise it is the list of parts. isError is not looked at: the caller
// tells the model the text as an error.
func Output(res *mcpsdk.CallToolResult) responses.ToolOutput {
	var parts []responses.ContentPart
	var structured any
	var structuredJSON string
	if res.StructuredContent != nil {
		if b, err := json.Marshal(res.StructuredContent); err == nil {
			structuredJSON = string(b)
			_ = json.Unmarshal(b, &structured)
		}
	}
	for _, c := range res.Content {
		switch c := c.(type) {
		case *mcpsdk.TextContent:
			if structured != nil && sameJSON(c.Text, structured) {
				continue
			}
			parts = append(parts, text(c.Text))
		case *mcpsdk.ImageContent:
			parts = append(parts, image(c.MIMEType, c.Data))
		case *mcpsdk.AudioContent:
			parts = append(parts, text(fmt.Sprintf("[audio: %s, %d bytes; not shown]", orUnknown(c.MIMEType), len(c.Data))))
		case *mcpsdk.ResourceLink:
			parts = append(parts, text(linkText(c)))
		case *mcpsdk.EmbeddedResource:
			parts = append(parts, resource(c.Resource))
		default:
			if b, err := json.Marshal(c); err == nil {
				parts = append(parts, text(string(b)))
			}
		}
	}
	allText, hasText := true, false
	for _, p := range parts {
		allText = allText && p.Type == responses.ContentInputText
		hasText = hasText || p.Type == responses.ContentInputText
	}
	if structuredJSON != "" && !hasText {
		parts = append([]responses.ContentPart{text(structuredJSON)}, parts...)
	}
	if allText {
		s := make([]string, len(parts))
		for i, p := range parts {
			s[i] = p.Text
		}
		return responses.ToolOutput{Text: strings.Join(s, "\n")}
	}
	return responses.ToolOutput{Parts: parts}
}

func text(s string) responses.ContentPart {
	return responses.ContentPart{Type: responses.ContentInputText, Text: s}
}

func image(mime string, data []byte) responses.ContentPart {
	if mime == "" {
		mime = "image/png"
	}
	return responses.ContentPart{Type: responses.ContentInputImage, ImageURL: dataURL(mime, data)}
}

func dataURL(mime string, data []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown type"
	}
	return s
}

func linkText(l *mcpsdk.ResourceLink) string {
	var b strings.Builder
	b.WriteString("[resource link: ")
	if l.Name != "" {
		b.WriteString(l.Name + " ")
	}
	b.WriteString("<" + l.URI + ">")
	if l.MIMEType != "" {
		b.WriteString(" (" + l.MIMEType + ")")
	}
	if l.Description != "" {
		b.WriteString(": " + l.Description)
	}
	b.WriteString("]")
	return b.String()
}

// resource maps an embedded resource.
func resource(r *mcpsdk.ResourceContents) responses.ContentPart {
	if r == nil {
		return text("[empty resource]")
	}
	switch {
	case r.Blob == nil:
		return text("[resource " + r.URI + "]\n" + r.Text)
	case strings.HasPrefix(r.MIMEType, "image/"):
		return image(r.MIMEType, r.Blob)
	case r.MIMEType == "application/pdf":
		name := path.Base(r.URI)
		if name == "." || name == "/" || !strings.HasSuffix(strings.ToLower(name), ".pdf") {
			name = "resource.pdf"
		}
		return responses.ContentPart{Type: responses.ContentInputFile, Filename: name, FileData: dataURL(r.MIMEType, r.Blob)}
	}
	return text(fmt.Sprintf("[resource %s: %s, %d bytes; not shown]", r.URI, orUnknown(r.MIMEType), len(r.Blob)))
}

// textOf joins the text of the content.
func textOf(content []mcpsdk.Content) string {
	var s []string
	for _, c := range content {
		switch c := c.(type) {
		case *mcpsdk.TextContent:
			s = append(s, c.Text)
		case *mcpsdk.EmbeddedResource:
			if c.Resource != nil && c.Resource.Blob == nil {
				s = append(s, c.Resource.Text)
			}
		}
	}
	return strings.TrimSpace(strings.Join(s, "\n"))
}

// sameJSON reports whether s is a JSON document equal to v.
func sameJSON(s string, v any) bool {
	s = strings.TrimSpace(s)
	if s == "" || (s[0] != '{' && s[0] != '[') {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	var w any
	if dec.Decode(&w) != nil || dec.More() {
		return false
	}
	return reflect.DeepEqual(w, v)
}
