package mcp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/mcp"
)

// memServer is a go-sdk server reached over in-memory transports: each
// dial connects a new session to it.
type memServer struct {
	srv   *mcpsdk.Server
	mu    sync.Mutex
	sess  []*mcpsdk.ServerSession
	dials int
}

func newMemServer(t *testing.T, opts *mcpsdk.ServerOptions) *memServer {
	t.Helper()
	m := &memServer{srv: mcpsdk.NewServer(&mcpsdk.Implementation{Name: "mem", Version: "1"}, opts)}
	t.Cleanup(func() {
		for _, s := range m.sessions() {
			_ = s.Close()
		}
	})
	return m
}

func (m *memServer) Dial(ctx context.Context) (mcpsdk.Transport, error) {
	ct, st := mcpsdk.NewInMemoryTransports()
	ss, err := m.srv.Connect(ctx, st, nil)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.sess = append(m.sess, ss)
	m.dials++
	m.mu.Unlock()
	return ct, nil
}

func (m *memServer) sessions() []*mcpsdk.ServerSession {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*mcpsdk.ServerSession(nil), m.sess...)
}

// add adds a tool with a raw handler.
func (m *memServer) add(name string, schema string, h mcpsdk.ToolHandler) {
	if schema == "" {
		schema = `{"type":"object"}`
	}
	m.srv.AddTool(&mcpsdk.Tool{Name: name, Description: "The " + name + " tool.", InputSchema: json.RawMessage(schema)}, h)
}

// open returns a Server over tr, closed at the end of the test.
func open(t *testing.T, name string, tr mcp.Transport, opts *mcp.Options) *mcp.Server {
	t.Helper()
	s, err := mcp.New(name, tr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// toolNamed returns the tool the model calls name.
func toolNamed(t *testing.T, list []tools.Tool, name string) tools.Tool {
	t.Helper()
	for _, tl := range list {
		if tl.Definition().Name == name {
			return tl
		}
	}
	t.Fatalf("no tool %q", name)
	return nil
}

func list(t *testing.T, s *mcp.Server) []tools.Tool {
	t.Helper()
	l, err := s.Tools(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var png = []byte{0x89, 'P', 'N', 'G', 1, 2, 3}

// TestContent checks what the model reads for every kind of content a
// tool can return, over the go-sdk's in-memory transport.
func TestContent(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	pdf := []byte("%PDF-1.4 x")
	results := map[string]*mcpsdk.CallToolResult{
		"text":     {Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "a"}, &mcpsdk.TextContent{Text: "b"}}},
		"empty":    {Content: []mcpsdk.Content{}},
		"image":    {Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "chart:"}, &mcpsdk.ImageContent{MIMEType: "image/png", Data: png}}},
		"audio":    {Content: []mcpsdk.Content{&mcpsdk.AudioContent{MIMEType: "audio/wav", Data: []byte("RIFF")}}},
		"link":     {Content: []mcpsdk.Content{&mcpsdk.ResourceLink{URI: "file:///a.txt", Name: "a.txt", MIMEType: "text/plain", Description: "A file"}}},
		"resource": {Content: []mcpsdk.Content{&mcpsdk.EmbeddedResource{Resource: &mcpsdk.ResourceContents{URI: "file:///a.txt", MIMEType: "text/plain", Text: "hello"}}}},
		"blobs": {Content: []mcpsdk.Content{
			&mcpsdk.EmbeddedResource{Resource: &mcpsdk.ResourceContents{URI: "file:///p.png", MIMEType: "image/png", Blob: png}},
			&mcpsdk.EmbeddedResource{Resource: &mcpsdk.ResourceContents{URI: "file:///r/report.pdf", MIMEType: "application/pdf", Blob: pdf}},
			&mcpsdk.EmbeddedResource{Resource: &mcpsdk.ResourceContents{URI: "file:///x.gz", MIMEType: "application/gzip", Blob: []byte("xyz")}},
		}},
		"structured": {StructuredContent: map[string]any{"temp": 18, "city": "Paris"},
			Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: `{"city":"Paris", "temp":18}`}}},
		"structured and image": {StructuredContent: map[string]any{"temp": 18},
			Content: []mcpsdk.Content{&mcpsdk.ImageContent{MIMEType: "image/png", Data: png}}},
		"structured and rendering": {StructuredContent: map[string]any{"temp": 18, "city": "Paris"},
			Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "18 degrees in Paris."}}},
		"structured mismatch": {StructuredContent: map[string]any{"temp": "warm"}},
		"error":               {IsError: true, Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "no such city"}}},
		"error silent":        {IsError: true},
	}
	m := newMemServer(t, nil)
	m.add("content", `{"type":"object","properties":{"kind":{"type":"string"}},"required":["kind"]}`,
		func(_ context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			var in struct{ Kind string }
			if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
				return nil, err
			}
			return results[in.Kind], nil
		})
	m.srv.AddTool(&mcpsdk.Tool{Name: "weather", InputSchema: json.RawMessage(`{"type":"object"}`),
		OutputSchema: json.RawMessage(`{"type":"object","properties":{"temp":{"type":"number"},"city":{"type":"string"}}}`)},
		func(_ context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			var in struct{ Kind string }
			_ = json.Unmarshal(req.Params.Arguments, &in)
			return results[in.Kind], nil
		})
	s := open(t, "mem", m, nil)
	l := list(t, s)
	img := "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
	tests := []struct {
		tool, kind string
		want       responses.ToolOutput
		err        string // the message the model reads
		errType    string
	}{
		{tool: "mem_content", kind: "text", want: responses.ToolOutput{Text: "a\nb"}},
		{tool: "mem_content", kind: "empty", want: responses.ToolOutput{Text: ""}},
		{tool: "mem_content", kind: "image", want: responses.ToolOutput{Parts: []responses.ContentPart{
			{Type: "input_text", Text: "chart:"}, {Type: "input_image", ImageURL: img}}}},
		{tool: "mem_content", kind: "audio", want: responses.ToolOutput{Text: "[audio: audio/wav, 4 bytes; not shown]"}},
		{tool: "mem_content", kind: "link", want: responses.ToolOutput{Text: "[resource link: a.txt <file:///a.txt> (text/plain): A file]"}},
		{tool: "mem_content", kind: "resource", want: responses.ToolOutput{Text: "[resource file:///a.txt]\nhello"}},
		{tool: "mem_content", kind: "blobs", want: responses.ToolOutput{Parts: []responses.ContentPart{
			{Type: "input_image", ImageURL: img},
			{Type: "input_file", Filename: "report.pdf", FileData: "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(pdf)},
			{Type: "input_text", Text: "[resource file:///x.gz: application/gzip, 3 bytes; not shown]"}}}},
		{tool: "mem_weather", kind: "structured", want: responses.ToolOutput{Text: `{"city":"Paris","temp":18}`}},
		{tool: "mem_weather", kind: "structured and image", want: responses.ToolOutput{Parts: []responses.ContentPart{
			{Type: "input_text", Text: `{"temp":18}`}, {Type: "input_image", ImageURL: img}}}},
		{tool: "mem_weather", kind: "structured and rendering", want: responses.ToolOutput{Text: "18 degrees in Paris."}},
		{tool: "mem_weather", kind: "structured mismatch", err: "does not match the tool's output schema", errType: mcp.ErrorMalformed},
		{tool: "mem_content", kind: "error", err: "no such city", errType: mcp.ErrorTool},
		{tool: "mem_content", kind: "error silent", err: "the tool failed without saying why", errType: mcp.ErrorTool},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			out, err := toolNamed(t, l, tt.tool).Call(context.Background(), fmt.Sprintf(`{"kind":%q}`, tt.kind))
			if tt.err != "" {
				var ce *mcp.CallError
				if !errors.As(err, &ce) || ce.Type != tt.errType || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v (%T), want a %s CallError saying %q", err, err, tt.errType, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, out, cmp.AllowUnexported(responses.ContentPart{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestTools checks the listing: every page, names made valid and unique
// with the prefix, filters, the schema as it is and strict only when
// strict-compatible, and the arguments checked before the call.
func TestTools(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	m := newMemServer(t, &mcpsdk.ServerOptions{PageSize: 2})
	calls := 0
	echo := func(_ context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
		calls++
		return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: string(req.Params.Arguments)}}}, nil
	}
	strict := `{"type":"object","properties":{"q":{"type":"string"}},"required":["q"],"additionalProperties":false}`
	loose := `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"q":{"type":"string","minLength":1}},"required":["q"]}`
	m.add("search", strict, echo)
	m.add("fetch.page", loose, echo)
	m.add("fetch/page", loose, echo)
	m.add("drop", "", echo)
	m.add("hidden", "", echo)
	m.add(strings.Repeat("x", 130), "", echo)
	s := open(t, "web", m, &mcp.Options{Block: []string{"hidden"}})
	l := list(t, s)
	var got []string
	for _, tl := range l {
		d := tl.Definition()
		got = append(got, fmt.Sprintf("%s strict=%v %s", d.Name, *d.Strict, d.Parameters))
	}
	long := "web_" + strings.Repeat("x", 115) + "_" // + a hash
	if len(got) != 5 || !strings.HasPrefix(got[4], long) || len(strings.Fields(got[4])[0]) != 128 {
		t.Fatalf("tools %q", got)
	}
	want := []string{
		`web_drop strict=false {"type":"object"}`,
		`web_fetch_page strict=false ` + compact(t, loose),
		`web_fetch_page_` + strings.Fields(got[2])[0][len("web_fetch_page_"):] + ` strict=false ` + compact(t, loose),
		`web_search strict=true ` + compact(t, strict),
	}
	if diff := cmp.Diff(want, got[:4]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := toolNamed(t, l, "web_search").Call(context.Background(), `{"q":1}`); err == nil || !strings.Contains(err.Error(), "$.q") || calls != 0 {
		var ae *tools.ArgumentError
		t.Errorf("bad arguments: err = %v (argument error %v), %d calls", err, errors.As(err, &ae), calls)
	}
	out, err := toolNamed(t, l, "web_drop").Call(context.Background(), "")
	if err != nil || out.Text != "{}" {
		t.Errorf("empty arguments: %q, %v", out.Text, err)
	}

	t.Run("allow and no prefix", func(t *testing.T) {
		s := open(t, "web", m, &mcp.Options{Allow: []string{"search", "drop"}, NoPrefix: true})
		var names []string
		for _, tl := range list(t, s) {
			names = append(names, tl.Definition().Name)
		}
		if diff := cmp.Diff([]string{"drop", "search"}, names); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("bad names", func(t *testing.T) {
		for _, name := range []string{"", "a b", strings.Repeat("n", 65)} {
			if _, err := mcp.New(name, m, nil); err == nil {
				t.Errorf("New(%q) = nil error", name)
			}
		}
		if _, err := mcp.New("ok", m, &mcp.Options{Prefix: "a.b"}); err == nil {
			t.Error("a prefix with a dot was accepted")
		}
	})
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestListChanged: a tool added while connected is listed after the
// server's notification.
func TestListChanged(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	m := newMemServer(t, nil)
	ok := func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
		return &mcpsdk.CallToolResult{}, nil
	}
	m.add("one", "", ok)
	s := open(t, "m", m, nil)
	first := list(t, s)
	if len(first) != 1 {
		t.Fatalf("%d tools", len(first))
	}
	if again := list(t, s); len(again) != 1 || again[0] != first[0] {
		t.Fatal("an unchanged list was not kept")
	}
	m.add("two", "", ok)
	deadline := time.Now().Add(5 * time.Second)
	for {
		l := list(t, s)
		if len(l) == 2 {
			if toolNamed(t, l, "m_one") != first[0] {
				t.Error("the unchanged tool was wrapped anew")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new tool was never listed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReconnect: when the server ends the session, the next call connects
// again and runs; the list is made again too.
func TestReconnect(t *testing.T) {
	t.Cleanup(func() { checkNoLeaks(t) })
	m := newMemServer(t, nil)
	m.add("ok", "", func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
		return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "fine"}}}, nil
	})
	s := open(t, "m", m, nil)
	tl := toolNamed(t, list(t, s), "m_ok")
	for _, ss := range m.sessions() {
		_ = ss.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	var out responses.ToolOutput
	var err error
	for time.Now().Before(deadline) {
		// The client may not have seen the end yet: that call fails as
		// cut short, the next connects again.
		if out, err = tl.Call(context.Background(), "{}"); err == nil {
			break
		}
		var ce *mcp.CallError
		if !errors.As(err, &ce) || ce.Type != mcp.ErrorConnection {
			t.Fatalf("err = %v", err)
		}
	}
	if err != nil || out.Text != "fine" || m.dials != 2 {
		t.Fatalf("after the session ended: %q, %v, %d dials", out.Text, err, m.dials)
	}
	if l := list(t, s); len(l) != 1 {
		t.Errorf("%d tools after reconnecting", len(l))
	}
}

// TestClosed: a closed Server refuses work; Close is idempotent.
func TestClosed(t *testing.T) {
	m := newMemServer(t, nil)
	s, err := mcp.New("m", m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tools(context.Background()); !errors.Is(err, mcp.ErrClosed) {
		t.Errorf("Tools after Close: %v", err)
	}
	checkNoLeaks(t)
}
