package oaibench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/param"
	"github.com/openai/openai-go/v3/packages/ssestream"
	oai "github.com/openai/openai-go/v3/responses"
)

// The workloads are agentloop's: ../../responses/testdata/bench.
func load(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("../../responses/testdata/bench/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

const sseType = "text/event-stream; charset=utf-8"

// bodyTransport answers every request with one in-memory body, so that
// both clients are measured without the network.
type bodyTransport struct {
	body        []byte
	contentType string
}

func (t bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body) //nolint:errcheck // in memory
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {t.contentType}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)), Request: r}, nil
}

func agentloopClient(body []byte) *responses.Client {
	return responses.NewClient(&responses.Options{BaseURL: "https://bench.invalid/v1", APIKey: "k", MaxRetries: -1,
		HTTPClient: &http.Client{Transport: bodyTransport{body, sseType}}})
}

func openaiService(body []byte) oai.ResponseService {
	return oai.NewResponseService(option.WithBaseURL("https://bench.invalid/v1"), option.WithAPIKey("k"),
		option.WithMaxRetries(0), option.WithHTTPClient(&http.Client{Transport: bodyTransport{body, sseType}}))
}

var (
	alRequest  = &responses.Request{Model: "gpt-5.5", Input: responses.InputText("Weather in Paris and Rome?")}
	oaiRequest = oai.ResponseNewParams{Model: "gpt-5.5",
		Input: oai.ResponseNewParamsInputUnion{OfString: param.NewOpt("Weather in Paris and Rome?")}}
)

// TestSameResults checks that both libraries read the workloads alike.
func TestSameResults(t *testing.T) {
	body := load(t, "response.json")
	var a responses.Response
	var o oai.Response
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatal(err)
	}
	if len(a.Output) != 4 || len(o.Output) != 4 || a.Output[3].Arguments != o.Output[3].AsFunctionCall().Arguments ||
		a.Usage.TotalTokens != o.Usage.TotalTokens {
		t.Fatalf("agentloop %d items, openai-go %d items", len(a.Output), len(o.Output))
	}

	stream := load(t, "stream.sse")
	var na, no, ns int
	for _, err := range agentloopClient(stream).Stream(context.Background(), alRequest) {
		if err != nil {
			t.Fatal(err)
		}
		na++
	}
	svc := openaiService(stream)
	s := svc.NewStreaming(context.Background(), oaiRequest)
	for s.Next() {
		no++
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	d := ssestream.NewStream[oai.ResponseStreamEventUnion](ssestream.NewDecoder(sseResponse(stream)), nil)
	for d.Next() {
		if d.Current().Type == "" {
			t.Fatal("an event without type")
		}
		ns++
	}
	if na != 57 || no != 57 || ns != 57 {
		t.Errorf("events: agentloop %d, openai-go client %d, openai-go ssestream %d", na, no, ns)
	}
}

func sseResponse(body []byte) *http.Response {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {sseType}},
		Body: io.NopCloser(bytes.NewReader(body))}
}

// BenchmarkDecodeResponse unmarshals a typical response body.
func BenchmarkDecodeResponse(b *testing.B) {
	body := load(b, "response.json")
	b.Run("lib=agentloop", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var r responses.Response
			if err := json.Unmarshal(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=openai-go", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var r oai.Response
			if err := json.Unmarshal(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeStream reads a typical 57-event stream from an in-memory
// HTTP response: through each client's public streaming call, and through
// openai-go's ssestream decoder alone.
func BenchmarkDecodeStream(b *testing.B) {
	body := load(b, "stream.sse")
	ctx := context.Background()
	b.Run("lib=agentloop/path=client", func(b *testing.B) {
		c := agentloopClient(body)
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			for _, err := range c.Stream(ctx, alRequest) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("lib=openai-go/path=client", func(b *testing.B) {
		svc := openaiService(body)
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			s := svc.NewStreaming(ctx, oaiRequest)
			for s.Next() {
			}
			if err := s.Err(); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("lib=openai-go/path=ssestream", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			s := ssestream.NewStream[oai.ResponseStreamEventUnion](ssestream.NewDecoder(sseResponse(body)), nil)
			for s.Next() {
			}
			if err := s.Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=agentloop/path=events", func(b *testing.B) {
		var lines [][]byte
		for line := range bytes.Lines(body) {
			if d, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
				lines = append(lines, bytes.TrimSpace(d))
			}
		}
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				var ev responses.Event
				if err := json.Unmarshal(l, &ev); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
