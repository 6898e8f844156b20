package responses_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
)

// The benchmark workloads, shared with internal/oaibench (which runs the
// same ones with openai-go): testdata/bench/response.json is a typical
// response (reasoning with a summary and encrypted content, a commentary
// message, two function calls, usage, the full set of response fields the
// API sends); testdata/bench/stream.sse is the same response streamed, 57
// events.

func benchData(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/bench/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// bodyTransport answers every request with one in-memory body, so that a
// benchmark measures decoding and not the network.
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

func memClient(body []byte, contentType string) *responses.Client {
	return responses.NewClient(&responses.Options{BaseURL: "https://bench.invalid/v1", APIKey: "k", MaxRetries: -1,
		HTTPClient: &http.Client{Transport: bodyTransport{body, contentType}}})
}

var benchRequest = &responses.Request{Model: "gpt-5.5", Input: responses.InputText("Weather in Paris and Rome?")}

// TestBenchData checks that the workloads decode to what the benchmarks
// expect, through the paths they measure.
func TestBenchData(t *testing.T) {
	var r responses.Response
	if err := json.Unmarshal(benchData(t, "response.json"), &r); err != nil {
		t.Fatal(err)
	}
	streamed, err := responses.Collect(memClient(benchData(t, "stream.sse"), "text/event-stream; charset=utf-8").Stream(context.Background(), benchRequest))
	if err != nil {
		t.Fatal(err)
	}
	created, err := memClient(benchData(t, "response.json"), "application/json").Create(context.Background(), benchRequest)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*responses.Response{&r, streamed, created} {
		var types []string
		for _, it := range got.Output {
			types = append(types, it.Type)
		}
		if strings.Join(types, ",") != "reasoning,message,function_call,function_call" || got.Usage.TotalTokens != 648 ||
			got.Output[3].Arguments != `{"city":"Rome","unit":"celsius"}` {
			t.Errorf("decoded %v, usage %+v", types, got.Usage)
		}
		for i := range got.Output {
			if !bytes.Equal(got.Output[i].Raw(), r.Output[i].Raw()) {
				t.Errorf("item %d: %s", i, got.Output[i].Raw())
			}
		}
	}
	if n := bytes.Count(benchData(t, "stream.sse"), []byte("\ndata: ")); n != 57 {
		t.Errorf("%d events", n)
	}
}

// BenchmarkDecodeResponse decodes a typical response body.
func BenchmarkDecodeResponse(b *testing.B) {
	body := benchData(b, "response.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var r responses.Response
		if err := json.Unmarshal(body, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeStream reads a typical 57-event stream through the public
// path, Client.Stream, over an in-memory HTTP transport: SSE reading, event
// decoding and accumulation of the final response.
func BenchmarkDecodeStream(b *testing.B) {
	body := benchData(b, "stream.sse")
	c := memClient(body, "text/event-stream; charset=utf-8")
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.Stream(ctx, benchRequest) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 57 {
			b.Fatalf("%d events", n)
		}
	}
}

// BenchmarkDecodeEvents decodes the data of the same 57 events, without
// SSE reading or HTTP: the cost of event decoding alone.
func BenchmarkDecodeEvents(b *testing.B) {
	body := benchData(b, "stream.sse")
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
}
