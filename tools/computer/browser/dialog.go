package browser

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentloop/agentloop/internal/genai"
)

// Dialog policies, the values of Options.Dialogs.
const (
	DialogDismiss = "dismiss" // the default: Cancel on confirm() and prompt()
	DialogAccept  = "accept"  // OK on confirm(), the default answer to prompt()
	DialogAsk     = "ask"     // Options.AskDialog decides
)

// Dialog types, the values of Dialog.Type.
const (
	DialogAlert        = "alert"
	DialogConfirm      = "confirm"
	DialogPrompt       = "prompt"
	DialogBeforeUnload = "beforeunload"
)

// Dialog is a JavaScript dialog a page opened.
type Dialog struct {
	// Type is DialogAlert, DialogConfirm, DialogPrompt or
	// DialogBeforeUnload.
	Type string
	// Message is the dialog's text, as the page wrote it.
	Message string
	// DefaultPrompt is the text a prompt() dialog proposes.
	DefaultPrompt string
	// URL is the page that opened it.
	URL string
}

// DialogAnswer answers a [Dialog]: OK (Accept) or Cancel, and for a prompt
// the text entered (Text, with Accept).
type DialogAnswer struct {
	Accept bool
	Text   string
}

// maxDialogText is how much of a dialog's message the model is told.
const maxDialogText = 300

// handleDialogs answers the dialogs of tb until the tab goes away.
func (s *session) handleDialogs(tb *tab, dialogs iter.Seq2[page.EventJavascriptDialogOpening, error]) {
	for ev, err := range dialogs {
		if err != nil {
			return
		}
		s.answerDialog(tb, &ev)
	}
}

// answerDialog answers one dialog by the policy (or, for DialogAsk, by
// Options.AskDialog, with the running operation's clock stopped) and tells
// the model what it was and what was answered.
func (s *session) answerDialog(tb *tab, ev *page.EventJavascriptDialogOpening) {
	s.ev.Lock()
	s.ev.dialogs++
	op := s.ev.op
	s.ev.Unlock()
	defer func() {
		s.ev.Lock()
		s.ev.dialogs--
		s.notify()
		s.ev.Unlock()
	}()
	d := Dialog{Type: string(ev.Type), Message: ev.Message, DefaultPrompt: ev.DefaultPrompt, URL: ev.URL}
	ans, by := s.decideDialog(tb, op, d)
	hctx, cancel := context.WithTimeout(tb.ctx, s.o.ActionTimeout)
	_, err := cdp.Call(hctx, tb.t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: ans.Accept, PromptText: ans.Text})
	cancel()
	s.logf("browser answered a dialog", "type", d.Type, "accept", ans.Accept, "by", by, "error", err)
	if op != nil {
		trace.SpanFromContext(op.ctx).AddEvent(genai.EventBrowserDialog, trace.WithAttributes(
			genai.KeyBrowserDialogType.String(d.Type), genai.KeyBrowserDialogAccepted.Bool(ans.Accept),
			genai.KeyBrowserDialogAnswerer.String(by)))
	}
	if err != nil && tb.alive.Err() == nil {
		s.board.notice(fmt.Sprintf("The page opened a %s dialog (%q), and answering it failed: %v.", d.Type, clipText(d.Message, maxDialogText), err))
		return
	}
	s.board.notice(dialogNotice(d, ans, by))
}

// decideDialog returns the answer to d and who gave it: "the user", or the
// policy.
func (s *session) decideDialog(tb *tab, op *deadline, d Dialog) (DialogAnswer, string) {
	policy := s.o.Dialogs
	switch {
	case d.Type == DialogBeforeUnload:
		// Leaving is what the action asked for.
		return DialogAnswer{Accept: true}, "the browser"
	case d.Type == DialogAlert:
		return DialogAnswer{Accept: true}, "the browser"
	case policy == DialogAsk && s.o.AskDialog != nil:
		ctx := tb.ctx
		if op != nil {
			ctx = op.ctx
			op.hold()
			defer op.release()
		}
		ans, err := s.o.AskDialog(ctx, d)
		if err != nil {
			s.logf("browser could not ask about a dialog", "error", err)
			return DialogAnswer{}, fmt.Sprintf("the browser, since asking failed: %v", err)
		}
		return ans, "the user"
	case policy == DialogAsk:
		return DialogAnswer{}, "the browser, with no one to ask"
	case policy == DialogAccept:
		return DialogAnswer{Accept: true, Text: d.DefaultPrompt}, "the policy (accept)"
	}
	return DialogAnswer{}, "the policy (dismiss)"
}

// dialogNotice says what dialog appeared and what was answered.
func dialogNotice(d Dialog, a DialogAnswer, by string) string {
	msg := fmt.Sprintf("%q", clipText(d.Message, maxDialogText))
	where := "The page"
	if h := hostOf(d.URL); h != "" && h != d.URL {
		where = "The page at " + h
	}
	var b strings.Builder
	switch d.Type {
	case DialogAlert:
		fmt.Fprintf(&b, "%s showed an alert: %s. It was closed (OK).", where, msg)
		return b.String()
	case DialogBeforeUnload:
		fmt.Fprintf(&b, "%s asked to confirm leaving it. It was left.", where)
		return b.String()
	case DialogPrompt:
		fmt.Fprintf(&b, "%s asked for text: %s", where, msg)
		if d.DefaultPrompt != "" {
			fmt.Fprintf(&b, " (proposing %q)", clipText(d.DefaultPrompt, maxDialogText))
		}
		b.WriteString(".")
	default:
		fmt.Fprintf(&b, "%s asked to confirm: %s.", where, msg)
	}
	switch {
	case !a.Accept:
		fmt.Fprintf(&b, " It was answered Cancel, by %s.", by)
	case d.Type == DialogPrompt:
		fmt.Fprintf(&b, " It was answered OK with %q, by %s.", clipText(a.Text, maxDialogText), by)
	default:
		fmt.Fprintf(&b, " It was answered OK, by %s.", by)
	}
	return b.String()
}
