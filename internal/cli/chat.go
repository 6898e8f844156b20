package cli

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"strings"

	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/session"
)

// defaultChatSession is where `agentloop chat` keeps its conversation.
var defaultChatSession = filepath.Join(".agentloop", "chat.jsonl")

// runChat is an interactive conversation in the terminal: each line is a
// run on one session file, so a later `agentloop chat` continues it.
// Ctrl-C cancels the turn under way; Ctrl-D (end of input) quits.
func runChat(ctx context.Context, env *Env, args []string) error {
	fs, s := runFlagSet(env, "chat", "[flags]", "talk with an agent in the terminal; the conversation is kept in a session file, so a later chat continues it (Ctrl-C cancels a turn, Ctrl-D quits)")
	fresh := fs.Bool("new", false, "start a new conversation (empty the session file first)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: chat takes no prompt; type it at the > prompt", errUsage)
	}
	if s.f.session == "" {
		s.f.session = defaultChatSession
	}
	if s.f.approve == "" && env.StdinIsTerminal {
		s.f.approve = approveAsk
	}
	if err := s.build(ctx, env); err != nil {
		return err
	}
	defer s.close()
	sess := session.NewFile(s.f.session, nil)
	if *fresh {
		if err := sess.Clear(ctx); err != nil {
			return err
		}
	}
	history, err := sess.Items(ctx)
	if err != nil {
		return fmt.Errorf("reading the session %s: %w", s.f.session, err)
	}
	if len(history) > 0 {
		fmt.Fprintf(env.Stderr, "· continuing the conversation in %s (%s; --new starts over)\n", s.f.session, plural(len(history), "item"))
	} else {
		fmt.Fprintf(env.Stderr, "· a new conversation, kept in %s (Ctrl-D quits)\n", s.f.session)
	}
	in := s.in // the prompts, the approvals and the browser's dialogs share one reader
	for {
		fmt.Fprint(env.Stderr, "> ")
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(env.Stderr)
			return nil // Ctrl-D
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		turnCtx, cancel := context.WithCancel(ctx)
		stop := env.onInterrupt(cancel)
		err = s.drive(turnCtx, env, func(ctx context.Context, r *runner.Runner, opts ...runner.RunOption) iter.Seq2[runner.Event, error] {
			return r.Stream(ctx, s.agent, runner.Text(line), append(opts, runner.WithSession(sess))...)
		})
		stop()
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case turnCtx.Err() != nil:
			fmt.Fprintln(env.Stderr, "· the turn was cancelled; what it had finished is kept")
			removeState(s.f.state)
		case err == errPaused:
			fmt.Fprintln(env.Stderr, "· the turn is paused: resume it with the command above, then chat on")
		case err != nil:
			fmt.Fprintf(env.Stderr, "· %v\n", err)
		}
	}
}

// onInterrupt calls f on each interrupt (Ctrl-C) until stop is called,
// when the environment delivers interrupts; otherwise it does nothing.
func (e *Env) onInterrupt(f func()) (stop func()) {
	if e.Interrupts == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-e.Interrupts:
				f()
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
