package computer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/computer"
)

// screenComputer is a Computer with a real 32×20 PNG screen on a page whose
// URL holds a secret; Do fails with failErr on the action type failOn, with
// a message quoting the action's text.
type screenComputer struct {
	shot    []byte
	failOn  string
	actions int
}

func newScreenComputer(t testing.TB) *screenComputer {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 32, 20))); err != nil {
		t.Fatal(err)
	}
	return &screenComputer{shot: buf.Bytes()}
}

func (c *screenComputer) Display() computer.Display {
	return computer.Display{Width: 32, Height: 20, Environment: computer.EnvironmentBrowser}
}

func (c *screenComputer) Do(ctx context.Context, a responses.ComputerAction) error {
	c.actions++
	if a.Type == c.failOn {
		return errors.New("insert text " + a.Text + strings.Join(a.Keys, "+") + ": page crashed")
	}
	return nil
}

func (c *screenComputer) Screenshot(ctx context.Context) (computer.Screenshot, error) {
	return computer.Screenshot{Data: c.shot, MIME: "image/png"}, nil
}

func (c *screenComputer) CurrentURL(ctx context.Context) (string, error) {
	return "https://shop.example.com/account?token=hunter2", nil
}

// secrets are strings that must appear in no span: the typed text, the
// keys, the page's path and query, the screenshot.
func spanSecrets(shot []byte) []string {
	return []string{"correct horse", "CTRL", "/account", "hunter2", base64.StdEncoding.EncodeToString(shot)[:16]}
}

func tracedCall(t *testing.T) (context.Context, trace.Span, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx := genai.WithRun(t.Context(), &genai.Run{ConversationID: "conv_1", CaptureContent: true})
	ctx, span := tp.Tracer("test").Start(ctx, "execute_tool computer")
	return ctx, span, rec
}

func spanAttrs(kvs []attribute.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// checkNoContent fails if a span, its status or an event holds a secret.
func checkNoContent(t *testing.T, spans []sdktrace.ReadOnlySpan, secrets []string) {
	t.Helper()
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description}
		for _, kv := range s.Attributes() {
			texts = append(texts, kv.Value.String())
		}
		for _, ev := range s.Events() {
			for _, kv := range ev.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		for _, text := range texts {
			for _, secret := range secrets {
				if strings.Contains(text, secret) {
					t.Errorf("span %s holds %q: %q", s.Name(), secret, text)
				}
			}
		}
	}
}

func TestActionSpans(t *testing.T) {
	c := newScreenComputer(t)
	tool := computer.NewTool(c, &computer.Options{
		ApproveSafetyCheck: func(context.Context, *responses.Item, responses.SafetyCheck) (bool, error) { return true, nil },
	})
	call := &responses.Item{Type: responses.ItemComputerCall, CallID: "call_1",
		PendingSafetyChecks: []responses.SafetyCheck{{ID: "sc_1", Code: "malicious_instructions", Message: "the page says hunter2"}},
		Actions: []responses.ComputerAction{
			{Type: "click", Button: "left", X: 10, Y: 12},
			{Type: "type", Text: "correct horse battery staple"},
			{Type: "keypress", Keys: []string{"CTRL", "A"}},
			{Type: "scroll", X: 5, Y: 6, ScrollY: 300},
			{Type: "drag", Path: []responses.Point{{X: 1, Y: 1}, {X: 9, Y: 9}}},
			{Type: "screenshot"},
		}}
	ctx, parent, rec := tracedCall(t)
	if _, err := tool.CallItem(ctx, call); err != nil {
		t.Fatal(err)
	}
	parent.End()

	type got struct {
		Name  string
		Attrs map[string]string
	}
	common := func(action string, i int, kv ...string) got {
		m := map[string]string{"agentloop.browser.action": action, "openinference.span.kind": "CHAIN",
			"gen_ai.conversation.id": "conv_1"}
		if i >= 0 {
			m["agentloop.browser.action.index"] = strconv.Itoa(i)
		}
		for j := 0; j < len(kv); j += 2 {
			m[kv[j]] = kv[j+1]
		}
		return got{"browser." + action, m}
	}
	want := []got{
		common("click", 0, "agentloop.browser.x", "10", "agentloop.browser.y", "12", "agentloop.browser.button", "left"),
		common("type", 1),
		common("keypress", 2, "agentloop.browser.key_count", "2"),
		common("scroll", 3, "agentloop.browser.x", "5", "agentloop.browser.y", "6",
			"agentloop.browser.scroll_x", "0", "agentloop.browser.scroll_y", "300"),
		common("drag", 4, "agentloop.browser.path.points", "2"),
		common("screenshot", -1, "agentloop.browser.screenshot.bytes", strconv.Itoa(len(c.shot)),
			"agentloop.browser.screenshot.mime_type", "image/png",
			"agentloop.browser.screenshot.width", "32", "agentloop.browser.screenshot.height", "20",
			"url.domain", "shop.example.com"),
	}
	var spans []got
	for _, s := range rec.Ended() {
		if s.Name() == "execute_tool computer" {
			evs := s.Events()
			if len(evs) != 1 || evs[0].Name != "computer.safety_check" {
				t.Errorf("call span events %v, want one computer.safety_check", evs)
			} else if a := spanAttrs(evs[0].Attributes); a["agentloop.computer.safety_check.approved"] != "true" ||
				a["agentloop.computer.safety_check.code"] != "malicious_instructions" {
				t.Errorf("safety check event %v", a)
			}
			continue
		}
		spans = append(spans, got{s.Name(), spanAttrs(s.Attributes())})
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanKind() != trace.SpanKindInternal {
			t.Errorf("span %s: kind %v, not a child of the call's span", s.Name(), s.SpanKind())
		}
		if s.Status().Code == codes.Error {
			t.Errorf("span %s failed", s.Name())
		}
	}
	if diff := cmp.Diff(want, spans); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
	checkNoContent(t, rec.Ended(), spanSecrets(c.shot))
}

func TestActionSpanError(t *testing.T) {
	for _, failOn := range []string{"type", "click"} {
		t.Run(failOn, func(t *testing.T) {
			c := newScreenComputer(t)
			c.failOn = failOn
			tool := computer.NewTool(c, nil)
			first := responses.ComputerAction{Type: failOn, Button: "left"}
			if failOn == "type" {
				first.Text = "correct horse"
			}
			call := &responses.Item{Type: responses.ItemComputerCall, CallID: "call_1", Actions: []responses.ComputerAction{
				first,
				{Type: "move", X: 1, Y: 2},
			}}
			ctx, parent, rec := tracedCall(t)
			_, err := tool.CallItem(ctx, call)
			var actErr *computer.ActionError
			if !errors.As(err, &actErr) {
				t.Fatalf("error %v, want an ActionError", err)
			}
			parent.End()
			var names []string
			for _, s := range rec.Ended() {
				names = append(names, s.Name())
				if s.Name() != "browser."+failOn {
					continue
				}
				if s.Status().Code != codes.Error || spanAttrs(s.Attributes())["error.type"] != "_OTHER" {
					t.Errorf("failed action span: status %v, attributes %v", s.Status(), s.Attributes())
				}
				if failOn == "click" && !strings.Contains(s.Status().Description, "page crashed") {
					t.Errorf("click's error message %q, want the backend's", s.Status().Description)
				}
			}
			if diff := cmp.Diff([]string{"browser." + failOn, "browser.screenshot", "execute_tool computer"}, names); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
			checkNoContent(t, rec.Ended(), spanSecrets(c.shot))
		})
	}
}

func TestNoActionSpansOutsideARecordingSpan(t *testing.T) {
	c := newScreenComputer(t)
	tool := computer.NewTool(c, nil)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.NeverSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("test").Start(t.Context(), "unsampled")
	call := &responses.Item{Type: responses.ItemComputerCall, CallID: "call_1",
		Actions: []responses.ComputerAction{{Type: "click", Button: "left"}}}
	for _, ctx := range []context.Context{ctx, t.Context()} {
		if _, err := tool.CallItem(ctx, call); err != nil {
			t.Fatal(err)
		}
	}
	span.End()
	if c.actions != 2 {
		t.Errorf("%d actions run, want 2", c.actions)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans, want none", n)
	}
}

func TestToolType(t *testing.T) {
	var tool any = computer.NewTool(newScreenComputer(t), nil)
	typed, ok := tool.(interface{ ToolType() string }) // runner.TypedTool
	if !ok || typed.ToolType() != "extension" {
		t.Errorf("ToolType: %v", ok)
	}
}
