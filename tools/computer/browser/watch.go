package browser

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
)

// Causes of an ended call, never returned as such.
var (
	errCrashed  = errors.New("the page crashed")
	errClosed   = errors.New("the tab closed")
	errNoAnswer = errors.New("the page did not answer")
)

// tabCall sends one command to the tab's page and waits for the answer. The
// page has Options.HangTimeout to answer (the time a dialog stays open does
// not count: the page waits for it); a page that does not answer in time,
// while the browser itself answers, is stuck (a script that never ends),
// and the call returns an error wrapping ErrUnresponsive. A page that
// crashes meanwhile makes it return errCrashed at once.
func (s *session) tabCall(ctx context.Context, tb *tab, method string, params, res any) error {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(tb.alive, func() { cancel(context.Cause(tb.alive)) })
	defer stop()
	var mu sync.Mutex
	var timer *time.Timer
	mu.Lock()
	timer = time.AfterFunc(s.o.HangTimeout, func() {
		mu.Lock()
		defer mu.Unlock()
		if s.dialogOpen() {
			timer.Reset(s.o.HangTimeout)
			return
		}
		cancel(errNoAnswer)
	})
	mu.Unlock()
	defer func() {
		mu.Lock()
		timer.Stop()
		mu.Unlock()
	}()

	err := tb.t.Call(cctx, method, params, res)
	if err == nil || ctx.Err() != nil {
		return err
	}
	switch cause := context.Cause(cctx); {
	case errors.Is(cause, errCrashed):
		return errCrashed
	case errors.Is(cause, errNoAnswer):
		if !s.browserAnswers(ctx, tb) {
			// The whole browser is slow (a loaded machine) or stuck: no
			// sign the page is to blame.
			return fmt.Errorf("browser: %s: neither the page nor the browser answered within %v", method, s.o.HangTimeout)
		}
		return fmt.Errorf("%w: it did not answer %s within %v", ErrUnresponsive, method, s.o.HangTimeout)
	}
	return err
}

// browserAnswers reports whether the browser process answers a question
// about tb within a second.
func (s *session) browserAnswers(ctx context.Context, tb *tab) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := cdp.Call(ctx, s.browser, target.GetTargetInfo, target.GetTargetInfoParams{TargetID: tb.id})
	return err == nil
}

// dialogOpen reports whether a page has a dialog open that is not answered
// yet: its page waits for the answer.
func (s *session) dialogOpen() bool {
	s.ev.Lock()
	defer s.ev.Unlock()
	return s.ev.dialogs > 0
}

// deadline ends an operation's context when its time is up. The time a
// person takes to answer a dialog (Options.AskDialog) does not count.
type deadline struct {
	ctx    context.Context // the operation's: dialogs asked during it are asked with it
	cancel context.CancelCauseFunc
	limit  time.Duration

	mu    sync.Mutex
	timer *time.Timer
	ends  time.Time
	left  time.Duration // while held
	holds int
}

// errTimedOut is the cause of an operation that ran out of time.
type errTimedOut time.Duration

func (e errTimedOut) Error() string {
	return fmt.Sprintf("browser: timed out after %v", time.Duration(e))
}

// Unwrap makes it a context.DeadlineExceeded.
func (e errTimedOut) Unwrap() error { return context.DeadlineExceeded }

// begin starts an operation of at most limit on s, and returns its context
// and the function that ends it.
func (s *session) begin(ctx context.Context, limit time.Duration) (context.Context, func()) {
	octx, cancel := context.WithCancelCause(ctx)
	d := &deadline{ctx: octx, cancel: cancel, limit: limit, ends: time.Now().Add(limit)}
	d.mu.Lock()
	d.timer = time.AfterFunc(limit, func() { cancel(errTimedOut(limit)) })
	d.mu.Unlock()
	s.ev.Lock()
	s.ev.op = d
	s.ev.Unlock()
	return octx, func() {
		s.ev.Lock()
		if s.ev.op == d {
			s.ev.op = nil
		}
		s.ev.Unlock()
		d.mu.Lock()
		d.timer.Stop()
		d.mu.Unlock()
		cancel(nil)
	}
}

// hold stops the clock until release.
func (d *deadline) hold() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.holds++
	if d.holds == 1 && d.timer.Stop() {
		d.left = time.Until(d.ends)
	}
}

// release starts the clock again, with the time that was left.
func (d *deadline) release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.holds--
	if d.holds == 0 && d.left > 0 {
		d.ends = time.Now().Add(d.left)
		d.timer.Reset(d.left)
		d.left = 0
	}
}

// opErr returns the error an operation on octx returns for err: its own
// timeout when the operation ran out of time.
func opErr(octx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var to errTimedOut
	if cause := context.Cause(octx); errors.As(cause, &to) && !errors.Is(err, to) {
		return fmt.Errorf("%w (%w)", to, err)
	}
	return err
}
