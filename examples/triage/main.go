// Command triage routes a customer's question: a triage agent hands the
// conversation to a billing or a technical agent, which answers with its
// own instructions and tools. An input guardrail refuses questions that are
// not about the product, beside the first model call.
//
//	OPENAI_API_KEY=sk-... go run ./examples/triage [QUESTION]
//
// Through an OpenAI-compatible gateway, also set OPENAI_BASE_URL.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	question := "I was charged twice for invoice INV-1042, can you check?"
	if len(os.Args) > 1 {
		question = strings.Join(os.Args[1:], " ")
	}
	if err := run(ctx, responses.NewClient(nil), question, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// InvoiceArgs name an invoice.
type InvoiceArgs struct {
	ID string `json:"id" jsonschema:"description=Invoice id, such as INV-1042"`
}

// agents builds the triage agent and the two it hands off to.
func agents() (*agent.Agent, error) {
	invoice, err := tools.NewFunc("lookup_invoice", "Look up an invoice's amount and payments",
		func(_ context.Context, in InvoiceArgs) (string, error) {
			return in.ID + ": 49.00 EUR, paid twice on 2026-11-28 (card ending 4242)", nil
		})
	if err != nil {
		return nil, err
	}
	status, err := tools.NewFunc("service_status", "The status of the service",
		func(context.Context, struct{}) (string, error) { return "all systems operational", nil })
	if err != nil {
		return nil, err
	}
	billing := &agent.Agent{Name: "billing", Model: "gpt-5-mini", Tools: []tools.Tool{invoice},
		Instructions: "You handle invoices, refunds and payments. Look the invoice up before answering."}
	technical := &agent.Agent{Name: "technical", Model: "gpt-5-mini", Tools: []tools.Tool{status},
		Instructions: "You handle outages, errors and how-to questions."}
	return &agent.Agent{
		Name:         "triage",
		Model:        "gpt-5-mini",
		Instructions: "Hand the customer to billing for money matters, to technical for the rest. Do not answer yourself.",
		Handoffs:     []agent.Handoff{{Agent: billing}, {Agent: technical, Filter: runner.DropToolCalls}},
		Guardrails: agent.Guardrails{Input: []agent.InputGuardrail{{Name: "on-topic",
			Check: func(_ context.Context, in []responses.Item) (agent.Verdict, error) {
				text := strings.ToLower(in[len(in)-1].ContentText)
				if strings.Contains(text, "poem") || strings.Contains(text, "homework") {
					return agent.Verdict{Action: agent.Trip, Message: "not a question about the product"}, nil
				}
				return agent.Verdict{}, nil
			}}}},
	}, nil
}

func run(ctx context.Context, client *responses.Client, question string, out, progress io.Writer) error {
	triage, err := agents()
	if err != nil {
		return err
	}
	r := runner.New(client, nil)
	for ev, err := range r.Stream(ctx, triage, runner.Text(question)) {
		var ge *runner.GuardrailError
		if errors.As(err, &ge) {
			fmt.Fprintf(out, "Sorry, I can only help with our product (%s).\n", ge.Message)
			return nil
		}
		if err != nil {
			return err
		}
		switch ev.Type {
		case runner.EventHandoff:
			fmt.Fprintf(progress, "[%s → %s]\n", ev.From, ev.To)
		case runner.EventToolFinished:
			fmt.Fprintf(progress, "[%s %s]\n", ev.Tool, ev.Item.Arguments)
		case runner.EventFinalOutput:
			fmt.Fprintf(out, "%s: %s\n", ev.Result.Agent, ev.Result.Output)
		}
	}
	return nil
}
