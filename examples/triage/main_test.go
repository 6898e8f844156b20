package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
)

func TestTriage(t *testing.T) {
	srv := responsestest.Start(t,
		responsestest.Reply(responsestest.FunctionCall("h1", "transfer_to_billing", `{"reason":"double charge"}`)),
		responsestest.Reply(responsestest.FunctionCall("c1", "lookup_invoice", `{"id":"INV-1042"}`)),
		responsestest.Func(func(r *responsestest.Received) responsestest.Step {
			if r.Request.Instructions != "You handle invoices, refunds and payments. Look the invoice up before answering." {
				t.Errorf("billing did not answer: instructions %q", r.Request.Instructions)
			}
			return responsestest.Reply(responsestest.Message("You were charged twice; a refund of 49.00 EUR is on its way."))
		}),
	)
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	defer client.Close()
	var out, progress bytes.Buffer
	if err := run(context.Background(), client, "Charged twice for INV-1042", &out, &progress); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "billing: You were charged twice") || !strings.Contains(progress.String(), "[triage → billing]") {
		t.Errorf("out %q progress %q", out.String(), progress.String())
	}
}

func TestTriageGuardrail(t *testing.T) {
	srv := responsestest.Start(t, responsestest.Reply(responsestest.Message("Roses are red...")))
	client := responses.NewClient(&responses.Options{BaseURL: srv.URL(), APIKey: "test"})
	defer client.Close()
	var out, progress bytes.Buffer
	if err := run(context.Background(), client, "Write me a poem", &out, &progress); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "only help with our product") {
		t.Errorf("out %q", out.String())
	}
}
