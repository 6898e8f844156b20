package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/tools"
)

// CityArgs are the arguments of the tools of [Agents].
type CityArgs struct {
	City string `json:"city"`
}

// MailArgs are the arguments of send_mail.
type MailArgs struct {
	To string `json:"to"`
}

// Agents returns the agents the tests run, whose tools leave marks in dir
// (see [Marks]):
//
//   - "weather": get_weather, which answers at once.
//   - "crash": slow and slow_idempotent (idempotent), which leave a mark
//     "started-TOOL-PID" when they start, then wait until a file "release"
//     exists in dir, and leave "done-TOOL-PID" when they return.
//   - "mailer": get_weather, and send_mail, which needs approval and leaves
//     "mail-TO".
func Agents(dir string) []*agent.Agent {
	weather := must(tools.NewFunc("get_weather", "Weather for a city",
		func(_ context.Context, in CityArgs) (string, error) {
			return "sunny <&> in " + in.City, nil
		}))
	slow := func(name string, opts ...tools.FuncOption) tools.Tool {
		return must(tools.NewFunc(name, "Takes its time",
			func(ctx context.Context, in CityArgs) (string, error) {
				pid := os.Getpid()
				if err := mark(dir, fmt.Sprintf("started-%s-%d", name, pid)); err != nil {
					return "", err
				}
				for {
					if _, err := os.Stat(filepath.Join(dir, "release")); err == nil {
						break
					}
					select {
					case <-ctx.Done():
						return "", ctx.Err()
					case <-time.After(20 * time.Millisecond):
					}
				}
				if err := mark(dir, fmt.Sprintf("done-%s-%d", name, pid)); err != nil {
					return "", err
				}
				return "done in " + in.City, nil
			}, opts...))
	}
	mail := must(tools.NewFunc("send_mail", "Sends a mail",
		func(_ context.Context, in MailArgs) (string, error) {
			if err := mark(dir, "mail-"+in.To); err != nil {
				return "", err
			}
			return "sent to " + in.To, nil
		}, tools.WithApproval(tools.AlwaysAsk())))
	return []*agent.Agent{
		{Name: "weather", Model: "gpt-5", Instructions: "Answer <briefly> & kindly.", Tools: []tools.Tool{weather}},
		{Name: "crash", Model: "gpt-5", Tools: []tools.Tool{slow("slow"), slow("slow_idempotent", tools.WithIdempotent())}},
		{Name: "mailer", Model: "gpt-5", Tools: []tools.Tool{weather, mail}},
	}
}

// Agent returns the agent of [Agents] named name.
func Agent(dir, name string) *agent.Agent {
	for _, a := range Agents(dir) {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func must(t tools.Tool, err error) tools.Tool {
	if err != nil {
		panic(err) // the definitions above are fixed: a programmer error
	}
	return t
}
