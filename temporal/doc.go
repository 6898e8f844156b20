// Package temporal runs agentloop agents as Temporal workflows: a run
// survives deploys and crashes, spreads over many workers, and waits days
// for an approval without holding a worker.
//
// It is a module of its own (github.com/agentloop/agentloop/temporal), so
// the agentloop module never depends on the Temporal SDK.
//
// # Workers
//
// A [Runtime] holds the agents, registered by name, and puts the workflow
// ([WorkflowName]) and its activities ([ModelActivity], [ToolActivity]) on
// a worker. The worker builds the model client, so API keys never enter a
// workflow's history:
//
//	rt, err := temporal.New([]*agent.Agent{mailer}, &temporal.Options{
//		Runner: &runner.Options{MaxTurns: 20},
//	})
//	if err != nil {
//		return err
//	}
//	defer rt.Close()
//	w := worker.New(c, "agents", worker.Options{})
//	rt.Register(w)
//	return w.Run(worker.InterruptCh())
//
// # Runs
//
// [Start] starts a run and returns a [Run]: its result (the
// [runner.Result] a local run returns), its [Progress], decisions on the
// calls awaiting approval (an update, [Run.Decide], or a signal,
// [Run.Signal]), its cancellation:
//
//	run, err := temporal.Start(ctx, c, client.StartWorkflowOptions{TaskQueue: "agents"},
//		mailer, runner.Text("Mail the report to Ann"))
//	if err != nil {
//		return err
//	}
//	res, err := run.Result(ctx)
//
// # Guarantees
//
// The workflow drives a [runner.Machine], the same steps as a local run:
// each model call is an activity, retried as the wire client classifies its
// failure; each call is an activity whose id derives from the call id, never
// retried unless its tool is idempotent, so that a call whose worker died
// reaches the model as an unknown outcome instead of running twice. Items
// cross the activities as their exact bytes, so the model sees the requests
// a local run sends. Long runs continue as new with their state; requests
// larger than [Options].InlineRequestBytes are passed by reference, so the
// history holds each item once; [Options].MaxPayloadBytes caps what one
// activity writes. [NewTracingInterceptor] carries the OpenTelemetry
// context from the caller to the activities. docs/temporal.md in the
// repository has the details, versioning and the load figure.
package temporal
