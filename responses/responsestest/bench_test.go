package responsestest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agentloop/agentloop/responses"
)

// BenchmarkServe measures the server's own cost for one turn of the
// benchmark workload (a second turn: the history of a turn with two
// function calls is checked, and two more calls are sent), without the
// network.
func BenchmarkServe(b *testing.B) {
	for _, stream := range []bool{false, true} {
		b.Run(map[bool]string{false: "json", true: "sse"}[stream], func(b *testing.B) {
			srv := NewServer(&Options{Fallback: func(*Received) Step {
				return Reply(FunctionCall("", "get_weather", `{"city":"Paris"}`), FunctionCall("", "get_weather", `{"city":"Paris"}`))
			}})
			defer srv.Close()
			serve := func(body []byte) []byte {
				req := httptest.NewRequest(http.MethodPost, "/v1/responses", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer k")
				w := httptest.NewRecorder()
				srv.serveHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				return w.Body.Bytes()
			}
			input := []responses.Item{responses.UserMessage("Weather in Paris?")}
			first, err := (&responses.Request{Model: "m", Input: responses.InputItems(input...)}).AppendJSON(nil)
			if err != nil {
				b.Fatal(err)
			}
			var r responses.Response
			if err := r.UnmarshalJSON(serve(first)); err != nil {
				b.Fatal(err)
			}
			for _, it := range r.Output {
				input = append(input, it, responses.FunctionCallOutput(it.CallID, `{"temp_c":18,"sky":"clear"}`))
			}
			second, err := (&responses.Request{Model: "m", Input: responses.InputItems(input...), Stream: stream}).AppendJSON(nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				serve(second)
			}
			if err := srv.Err(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
