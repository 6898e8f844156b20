package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

func TestStructured(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("call_1", "get_weather", `{"city":"Lisbon"}`)),
		responsestest.Reply(responsestest.Message(`{"city":"Lisbon","temp_c":19,"pack_umbrella":false,"clothes":["t-shirt","light jacket"],"note":null}`)),
	)
	var out bytes.Buffer
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	if err := run(context.Background(), client, "Lisbon", &out); err != nil {
		t.Fatal(err)
	}
	if want := "Lisbon, 19°C. Umbrella: false. Wear: [t-shirt light jacket].\n"; out.String() != want {
		t.Errorf("output = %q, want %q", out.String(), want)
	}
	format := srv.Requests()[0].Request.Text.Format
	if format == nil || format.Type != "json_schema" || format.Strict == nil || !*format.Strict ||
		!strings.Contains(string(format.Schema), `"note"`) {
		t.Errorf("text.format = %+v", format)
	}
}
