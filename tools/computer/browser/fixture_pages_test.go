package browser

import (
	"fmt"
	"net/http"
	"strings"
)

// The pages of the tests of what real pages do to the browser: a native
// select, resources that never load, a crash, a script that never ends,
// dialogs, a widget that listens to keys, requests to blocked hosts.

// selectPage has native selects: one at the top, one near the bottom (its
// popup opens upwards), and one in a same-origin frame.
const selectPage = `<!doctype html><html><head><title>select</title></head>
<body style="margin:0;font:16px sans-serif">
<select id="fruit" style="position:absolute;left:20px;top:20px;width:200px">
<option value="apple">Apple</option><option value="banana">Banana</option><option value="cherry">Cherry</option><option value="date">Date</option>
</select>
<select id="low" style="position:absolute;left:20px;top:720px;width:200px">
<option value="one">One</option><option value="two">Two</option><option value="three">Three</option>
</select>
<iframe id="sf" src="/selectframe" style="position:absolute;left:400px;top:20px;width:300px;height:250px;border:0"></iframe>
<script>
window.__log = [];
for (const s of document.querySelectorAll('select')) s.addEventListener('change', e => window.__log.push('change:' + e.target.id + '=' + e.target.value));
window.addEventListener('message', e => window.__log.push(e.data));
</script></body></html>`

const selectFramePage = `<!doctype html><html><body style="margin:0;font:16px sans-serif">
<select id="inner" style="position:absolute;left:10px;top:10px;width:150px">
<option value="red">Red</option><option value="green">Green</option><option value="blue">Blue</option>
</select>
<script>document.getElementById('inner').addEventListener('change', e => parent.postMessage('change:inner=' + e.target.value, '*'));</script>
</body></html>`

// lazyPage never finishes loading: its image never arrives.
const lazyPage = `<!doctype html><html><head><title>lazy</title></head><body style="margin:0">
<img src="/never" style="position:absolute;left:400px;top:20px;width:100px;height:100px">
<input id="q" style="position:absolute;left:20px;top:20px;width:200px;height:30px">
<a id="more" href="/lazy?2" style="position:absolute;left:20px;top:80px;width:100px;height:30px">more</a>
</body></html>`

// calmPage is a page that works, with a way to a crash and to a script that
// never ends.
const calmPage = `<!doctype html><html><head><title>calm</title></head><body style="margin:0">
<button id="loop" onclick="for (;;) {}" style="position:absolute;left:20px;top:20px;width:100px;height:30px">Loop</button>
<a id="oom" href="/oom" style="position:absolute;left:20px;top:80px;width:100px;height:30px">OOM</a>
<a id="busy" href="/busyload" style="position:absolute;left:20px;top:140px;width:100px;height:30px">Busy</a>
</body></html>`

// oomPage allocates until its renderer runs out of memory (quickly under
// the crash tests' --js-flags=--max-old-space-size).
const oomPage = `<!doctype html><html><head><title>oom</title></head><body>oom<script>
setTimeout(() => { const a = []; for (;;) a.push(new Array(1e6).fill(Math.random())); }, 50);
</script></body></html>`

// busyLoadPage never finishes its inline script.
const busyLoadPage = `<!doctype html><html><head><title>busy</title></head><body>busy<script>for (;;) {}</script></body></html>`

// dialogPage opens each kind of dialog.
const dialogPage = `<!doctype html><html><head><title>dialogs</title></head><body style="margin:0">
<button id="alert" style="position:absolute;left:20px;top:20px;width:100px;height:30px">Alert</button>
<button id="confirm" style="position:absolute;left:140px;top:20px;width:100px;height:30px">Confirm</button>
<button id="prompt" style="position:absolute;left:260px;top:20px;width:100px;height:30px">Prompt</button>
<button id="guard" style="position:absolute;left:380px;top:20px;width:100px;height:30px">Guard</button>
<a id="away" href="/next" style="position:absolute;left:500px;top:20px;width:100px;height:30px">Away</a>
<script>
window.__log = [];
const log = s => window.__log.push(s);
document.getElementById('alert').onclick = () => { alert('Saved!'); log('after-alert'); };
document.getElementById('confirm').onclick = () => log('confirm:' + confirm('Delete the file?'));
document.getElementById('prompt').onclick = () => log('prompt:' + prompt('Your name?', 'Ann'));
document.getElementById('guard').onclick = () => { window.onbeforeunload = e => { e.preventDefault(); return 'unsaved'; }; log('guarded'); };
</script></body></html>`

// keysPage has a widget that reads keydown events only, as PIN pads and
// games do, and a plain input.
const keysPage = `<!doctype html><html><head><title>keys</title></head><body style="margin:0;font:20px sans-serif">
<div id="pin" tabindex="0" style="position:absolute;left:20px;top:20px;width:400px;height:40px;border:1px solid #000"></div>
<input id="plain" style="position:absolute;left:20px;top:100px;width:400px;height:30px">
<script>
const pin = document.getElementById('pin');
let v = '';
pin.addEventListener('keydown', e => { if (e.key.length === 1 || [...e.key].length === 1) { v += e.key; pin.textContent = v; e.preventDefault(); } });
window.__pin = () => v;
</script></body></html>`

// netPage, on the main server, reaches the cross server every way a page
// can: CROSS is its localhost URL, CROSSIP its 127.0.0.1 one (another
// port than the page's).
const netPage = `<!doctype html><html><head><title>net</title></head><body style="margin:0">
<img src="CROSS/img" style="width:10px;height:10px">
<img src="CROSSIP/img-port" style="width:10px;height:10px">
<a id="blank" href="CROSS/far" target="_blank" style="position:absolute;left:20px;top:100px;width:100px;height:30px">far</a>
<script>
window.__done = 0;
const done = () => window.__done++;
fetch('CROSS/fetch').then(done, done);
try { const ws = new WebSocket('CROSSWS/ws'); ws.onerror = done; ws.onopen = done; } catch (e) { done(); }
const w = new Worker('/net-worker.js'); w.onmessage = done;
</script></body></html>`

// netWorker is netPage's worker: a fetch and a WebSocket of its own.
const netWorker = `fetch('CROSS/from-worker').then(() => postMessage(1), () => postMessage(1));
try { const ws = new WebSocket('CROSSWS/ws-worker'); ws.onerror = () => {}; } catch (e) {}`

// pages are the fixture's pages beside the fixture page.
func (f *fixture) pages() map[string]http.HandlerFunc {
	html := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = fmt.Fprint(w, f.expand(s))
		}
	}
	return map[string]http.HandlerFunc{
		"/select":      html(selectPage),
		"/selectframe": html(selectFramePage),
		"/lazy":        html(lazyPage),
		"/calm":        html(calmPage),
		"/oom":         html(oomPage),
		"/busyload":    html(busyLoadPage),
		"/dialogs":     html(dialogPage),
		"/keys":        html(keysPage),
		"/net":         html(netPage),
		"/net-worker.js": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = fmt.Fprint(w, f.expand(netWorker))
		},
		// /never answers nothing until the request or the fixture ends.
		"/never": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-f.quit:
			}
		},
	}
}

// expand puts the cross server's URLs in a page.
func (f *fixture) expand(s string) string {
	return strings.NewReplacer("CROSSWS", strings.Replace(f.crossURL, "http:", "ws:", 1),
		"CROSSIP", f.crossIP, "CROSS", f.crossURL).Replace(s)
}
