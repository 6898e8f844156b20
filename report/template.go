package report

import (
	"fmt"
	"html/template"
	"time"
)

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"dur": func(d time.Duration) string {
		if d == 0 {
			return ""
		}
		if d < time.Second {
			return fmt.Sprintf("%d ms", d.Milliseconds())
		}
		return d.Round(10 * time.Millisecond).String()
	},
	"usd": func(c *float64) string {
		if c == nil {
			return ""
		}
		return fmt.Sprintf("$%.4f", *c)
	},
	"pct":  func(f float64) string { return fmt.Sprintf("%.2f%%", f) },
	"long": func(s string) bool { return len(s) > 400 },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:16px 24px}header h1{margin:0;font-size:18px}
header .sum{opacity:.85;margin-top:4px}main{max-width:1080px;margin:0 auto;padding:16px 24px}
.turn{background:#fff;border:1px solid #dde1e8;border-radius:8px;margin:12px 0;padding:10px 14px}
.turn h2{font-size:15px;margin:0 0 6px;display:flex;gap:12px;align-items:baseline}.turn h2 small{color:#667;font-weight:normal}
.e{border-left:3px solid #ccd;padding:4px 10px;margin:6px 0}.e.message{border-color:#3b82f6}.e.reasoning{border-color:#a78bfa;color:#445}
.e.call{border-color:#10b981}.e.call.failed{border-color:#ef4444}.e.event{border-color:#f59e0b}.e.search{border-color:#06b6d4}
.t{font-weight:600}.meta{color:#667;font-size:12px}pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font:12px/1.4 ui-monospace,monospace;background:#f3f4f6;padding:6px;border-radius:4px}
.err{color:#b91c1c}.shots{display:flex;gap:10px;flex-wrap:wrap;margin:6px 0}.shot{position:relative;display:inline-block;line-height:0}
.shot img{width:320px;border:1px solid #ccd;border-radius:4px}.mark{position:absolute;width:14px;height:14px;margin:-7px 0 0 -7px;border:3px solid #ef4444;border-radius:50%;box-sizing:border-box}
.final{background:#fff;border:2px solid #3b82f6;border-radius:8px;padding:12px 14px;margin:16px 0}
.final h2{margin:0 0 6px;font-size:15px}.input{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:10px 14px;margin:12px 0}
details>summary{cursor:pointer;color:#345}
</style></head><body>
<header><h1>{{.Title}}</h1><div class="sum">{{.TurnCount}} turns{{with .Usage}} · {{.InputTokens}} input / {{.OutputTokens}} output tokens{{if .InputTokensDetails.CachedTokens}} ({{.InputTokensDetails.CachedTokens}} cached){{end}}{{end}}{{with usd .Cost}} · {{.}}{{else}}{{if .Usage}} · cost unknown{{end}}{{end}}{{with .Agent}} · answered by {{.}}{{end}}</div></header>
<main>
{{range .Input}}<div class="input"><span class="t">user</span><pre>{{.}}</pre></div>{{end}}
{{range .Turns}}<section class="turn" id="turn-{{.N}}"><h2>Turn {{.N}}{{with .Agent}} <small>{{.}}</small>{{end}}<small>{{dur .Duration}}</small>{{with .Usage}}<small>{{.InputTokens}} in / {{.OutputTokens}} out</small>{{end}}{{with usd .Cost}}<small>{{.}}</small>{{else}}{{if .Usage}}<small title="no price for the model (runner.Options.Prices)">cost unknown</small>{{end}}{{end}}</h2>
{{range .Items}}{{if eq .Kind "call"}}{{with .Call}}<div class="e call{{if .Error}} failed{{end}}" data-call="{{.ID}}"><span class="t">{{.Tool}}</span> <span class="meta">{{.ID}}{{with .Path}} · {{.}}{{end}}{{with dur .Duration}} · {{.}}{{end}}</span>
{{if .Actions}}<div class="meta">{{range $i, $a := .Actions}}{{if $i}}; {{end}}{{$a}}{{end}}</div>{{else if long .Args}}<details><summary>arguments</summary><pre>{{.Args}}</pre></details>{{else}}<pre>{{.Args}}</pre>{{end}}
{{if or .Shot .After}}<div class="shots">{{with .Shot}}<details class="shot"><summary><span class="shot"><img alt="the screen the actions were taken on" src="{{.Thumb}}">{{range .Markers}}<span class="mark" style="left:{{pct .Left}};top:{{pct .Top}}"></span>{{end}}</span></summary><img loading="lazy" alt="full screenshot" style="width:100%" src="{{.Full}}"></details>{{end}}{{with .After}}<span class="shot"><img alt="the screen after" src="{{.}}"></span>{{end}}</div>{{end}}
{{if .Error}}<div class="err">{{.Error}}</div>{{end}}{{with .Output}}{{if long .}}<details><summary>output ({{len .}} bytes)</summary><pre>{{.}}</pre></details>{{else}}<pre>{{.}}</pre>{{end}}{{end}}{{if not .Completed}}<div class="meta">no output recorded</div>{{end}}</div>{{end}}
{{else if eq .Kind "search"}}<div class="e search"><span class="t">{{.Title}}</span>{{range .Results}}<div class="meta">{{.Filename}} ({{printf "%.3f" .Score}})</div>{{end}}</div>
{{else}}<div class="e {{.Kind}}"><span class="t">{{.Title}}</span>{{if .Long}}<details><summary>{{len .Text}} bytes</summary><pre>{{.Text}}</pre></details>{{else}}<pre>{{.Text}}</pre>{{end}}</div>{{end}}{{end}}
</section>{{end}}
{{if .Error}}<div class="final"><h2 class="err">The run failed</h2><pre>{{.Error}}</pre></div>{{end}}
{{if .Paused}}<div class="final"><h2>The run paused: {{.Paused}} calls await approval</h2></div>{{end}}
{{with .Output}}<div class="final" id="final"><h2>Answer</h2><pre>{{.}}</pre></div>{{end}}
{{with .Citations}}<div class="final"><h2>Sources</h2>{{range .}}<div>{{.}}</div>{{end}}</div>{{end}}
</main></body></html>
`))
