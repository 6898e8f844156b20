package browser

import (
	"context"
	"errors"

	"github.com/chromedp/cdproto/runtime"
)

// A native <select> draws its options in a popup of its own: the
// screenshot shows it, but input events go to the page under it, so a
// click on an option changes nothing (keys do work). After each action the
// browser looks for a select whose native popup is open (:open) and shows
// its options in the page instead: the select becomes a customizable
// select (appearance: base-select, drawn in the page's top layer) for as
// long as its picker is open, keeping its size and font. A click on an
// option then chooses it, with the page's own input and change events,
// and keys still work. Once the picker closes, the select looks native
// again.
//
// Selects in same-origin frames are handled; those in cross-origin frames
// keep the native popup (use keys: ALT+ARROWDOWN, arrows, ENTER).

// pickerAttr marks a select shown as a customizable select.
const pickerAttr = "data-agentloop-picker"

// flushScript is evaluated after every action: it turns back the selects
// whose picker closed, and reports (1) whether a native picker is open.
const flushScript = `(() => {
  let open = 0;
  const walk = w => {
    let d;
    try { d = w.document; d.querySelector('select'); } catch (e) { return; }
    try {
      for (const s of d.querySelectorAll('select[` + pickerAttr + `]')) {
        if (!s.matches(':open')) s.removeAttribute('` + pickerAttr + `');
      }
      if (d.querySelector('select:open:not([` + pickerAttr + `])')) open = 1;
    } catch (e) { return; }
    for (let i = 0; i < w.frames.length; i++) walk(w.frames[i]);
  };
  walk(window);
  return open;
})()`

// pickerScript shows the options of every open native picker in the page.
// It runs with a user gesture: showPicker needs one.
const pickerScript = `(() => {
  const walk = w => {
    let d;
    try { d = w.document; d.querySelector('select'); } catch (e) { return; }
    let s;
    try { s = d.querySelector('select:open:not([` + pickerAttr + `])'); } catch (e) { return; }
    if (s) {
      let sheet = w.__agentloopPickerSheet;
      if (!sheet) { sheet = new w.CSSStyleSheet(); w.__agentloopPickerSheet = sheet; }
      if (!d.adoptedStyleSheets.includes(sheet)) d.adoptedStyleSheets = [...d.adoptedStyleSheets, sheet];
      const cs = w.getComputedStyle(s), r = s.getBoundingClientRect();
      const id = String((w.__agentloopPickerN = (w.__agentloopPickerN || 0) + 1));
      const sel = 'select[` + pickerAttr + `="' + id + '"]';
      try {
        sheet.insertRule(sel + ' { appearance: base-select; box-sizing: border-box; width: ' + r.width + 'px; height: ' + r.height +
          'px; font-family: ' + cs.fontFamily + '; font-size: ' + cs.fontSize + '; font-weight: ' + cs.fontWeight + '; font-style: ' + cs.fontStyle + '; }');
        sheet.insertRule(sel + '::picker(select) { appearance: base-select; }');
      } catch (e) { return; }
      s.setAttribute('` + pickerAttr + `', id);
      try { s.showPicker(); } catch (e) { s.removeAttribute('` + pickerAttr + `'); }
    }
    for (let i = 0; i < w.frames.length; i++) walk(w.frames[i]);
  };
  walk(window);
  return 0;
})()`

// flush makes a round trip to the page (the events it sent while handling
// the action arrive before the answer) and shows the options of a native
// select the action opened in the page.
func (s *session) flush(ctx context.Context, tb *tab) error {
	var res runtime.EvaluateResult
	if err := s.tabCall(ctx, tb, runtime.CommandEvaluate, runtime.EvaluateParams{Expression: flushScript, ReturnByValue: new(true)}, &res); err != nil {
		if errors.Is(err, ErrUnresponsive) || errors.Is(err, errCrashed) || ctx.Err() != nil {
			return err
		}
		return nil // the action closed its tab, say: settle sees to it
	}
	if res.Result == nil || string(res.Result.Value) != "1" {
		return nil
	}
	return s.tabCall(ctx, tb, runtime.CommandEvaluate, runtime.EvaluateParams{Expression: pickerScript, UserGesture: new(true)}, nil)
}
