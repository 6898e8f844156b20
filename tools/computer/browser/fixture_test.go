package browser

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// fixturePage has one element per kind of input the actions must reach, at
// fixed places, and records what it sees in window.__log.
const fixturePage = `<!doctype html>
<html><head><title>fixture</title><style>
body { margin: 0; height: 3000px; font: 16px sans-serif; }
.abs { position: absolute; box-sizing: border-box; }
#hover { background: rgb(0, 0, 255); }
#hover:hover { background: rgb(255, 0, 0); }
#scroller { overflow: auto; border: 1px solid #000; }
#drag { background: #0a0; }
#h5 { background: #aa0; }
#drop { border: 2px dashed #000; }
</style></head><body>
<button id="btn" class="abs" style="left:20px;top:20px;width:100px;height:30px">Button</button>
<input id="input" class="abs" style="left:20px;top:70px;width:200px;height:30px" value="">
<textarea id="ta" class="abs" style="left:20px;top:120px;width:200px;height:60px"></textarea>
<div id="scroller" class="abs" style="left:300px;top:20px;width:200px;height:150px"><div style="width:1200px;height:1200px">inner</div></div>
<div id="hover" class="abs" style="left:300px;top:200px;width:100px;height:50px"></div>
<div id="drag" class="abs" style="left:20px;top:250px;width:50px;height:50px"></div>
<div id="h5" class="abs" draggable="true" style="left:100px;top:250px;width:50px;height:50px"></div>
<div id="drop" class="abs" style="left:200px;top:250px;width:100px;height:50px"></div>
<input id="range" type="range" min="0" max="100" value="0" class="abs" style="left:20px;top:330px;width:200px;height:20px;margin:0">
<form id="form" class="abs" style="left:20px;top:380px"><input id="q" style="width:200px;height:30px"></form>
<button id="alert" class="abs" style="left:20px;top:450px;width:100px;height:30px">Alert</button>
<button id="confirm" class="abs" style="left:140px;top:450px;width:100px;height:30px">Confirm</button>
<a id="blank" class="abs" href="/popup" target="_blank" style="left:20px;top:500px;width:100px;height:30px">New tab</a>
<a id="next" class="abs" href="/next" style="left:140px;top:500px;width:100px;height:30px">Next</a>
<span id="words" class="abs" style="left:20px;top:550px">hello world</span>
<a id="hash" class="abs" href="#section" style="left:260px;top:500px;width:60px;height:30px">Hash</a>
<a id="js" class="abs" href="javascript:void(0)" style="left:340px;top:500px;width:60px;height:30px">JS</a>
<a id="slow" class="abs" href="/slow" style="left:420px;top:500px;width:60px;height:30px">Slow</a>
<iframe id="same" class="abs" src="/frame" style="left:550px;top:20px;width:220px;height:100px"></iframe>
<iframe id="cross" class="abs" src="CROSS/frame" style="left:550px;top:150px;width:220px;height:100px"></iframe>
<script>
window.__log = [];
const log = s => window.__log.push(s);
const mods = e => (e.altKey ? 'A' : '') + (e.ctrlKey ? 'C' : '') + (e.metaKey ? 'M' : '') + (e.shiftKey ? 'S' : '');
const btn = document.getElementById('btn');
for (const t of ['click', 'dblclick', 'contextmenu', 'auxclick', 'mousedown']) {
  btn.addEventListener(t, e => { log(t + ':' + e.button + ':' + e.clientX + ',' + e.clientY + ':' + mods(e)); if (t === 'contextmenu') e.preventDefault(); });
}
document.addEventListener('keydown', e => log('keydown:' + e.key + ':' + e.code + ':' + e.keyCode + ':' + mods(e)));
document.addEventListener('keyup', e => log('keyup:' + e.key));
document.getElementById('hover').addEventListener('mouseenter', () => log('mouseenter'));
document.getElementById('scroller').addEventListener('scroll', e => log('inner-scroll'));
const drag = document.getElementById('drag');
let dragging = null;
drag.addEventListener('mousedown', e => { dragging = {dx: e.clientX - drag.offsetLeft, dy: e.clientY - drag.offsetTop}; });
document.addEventListener('mousemove', e => { if (dragging) { drag.style.left = (e.clientX - dragging.dx) + 'px'; drag.style.top = (e.clientY - dragging.dy) + 'px'; } });
document.addEventListener('mouseup', e => { if (dragging) { log('dragged:' + drag.offsetLeft + ',' + drag.offsetTop); dragging = null; } });
const h5 = document.getElementById('h5'), drop = document.getElementById('drop');
h5.addEventListener('dragstart', e => { e.dataTransfer.setData('text/plain', 'h5'); log('dragstart'); });
drop.addEventListener('dragover', e => e.preventDefault());
drop.addEventListener('drop', e => { e.preventDefault(); log('drop:' + e.dataTransfer.getData('text/plain')); });
document.getElementById('range').addEventListener('input', e => log('range:' + e.target.value));
document.getElementById('form').addEventListener('submit', e => { e.preventDefault(); log('submit:' + document.getElementById('q').value); });
document.getElementById('alert').addEventListener('click', () => { alert('hi'); log('after-alert'); });
document.getElementById('confirm').addEventListener('click', () => log('confirm:' + confirm('sure?')));
window.__ready = 0;
window.addEventListener('message', e => { if (e.data === 'ready') { window.__ready++; } else { log('msg:' + e.data); } });
</script></body></html>`

// framePage is the content of both iframes: an input that reports its value
// to the parent page.
const framePage = `<!doctype html><html><body style="margin:0">
<input id="fi" style="position:absolute;left:10px;top:10px;width:180px;height:30px">
<script>
document.getElementById('fi').addEventListener('input', e => parent.postMessage(location.host + '=' + e.target.value, '*'));
parent.postMessage('ready', '*');
</script></body></html>`

// popupPage is what the target=_blank link opens; its button closes it.
const popupPage = `<!doctype html><html><head><title>popup</title></head><body style="margin:0">
<button id="close" style="position:absolute;left:20px;top:20px;width:100px;height:30px" onclick="window.close()">Close</button>
<script>window.__log = []; document.addEventListener('click', e => window.__log.push('popup-click'));</script>
</body></html>`

// fixture serves the pages: main on 127.0.0.1, and a second server whose
// iframe is loaded as localhost, another site (an out-of-process frame).
type fixture struct {
	main, cross *httptest.Server
	crossURL    string // http://localhost:port
	crossIP     string // http://127.0.0.1:port, the same server on another host name
	quit        chan struct{}

	mu        sync.Mutex
	crossHits []string // the paths the cross server was asked for
}

func newFixture() *fixture {
	f := &fixture{quit: make(chan struct{})}
	f.cross = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.crossHits = append(f.crossHits, r.URL.Path)
		f.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "text/html")
		_, _ = fmt.Fprint(w, framePage)
	}))
	_, port, _ := net.SplitHostPort(f.cross.Listener.Addr().String())
	f.crossURL = "http://localhost:" + port
	f.crossIP = "http://127.0.0.1:" + port
	f.main = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			_, _ = fmt.Fprint(w, strings.Replace(fixturePage, "CROSS", f.crossURL, 1))
		case "/frame":
			_, _ = fmt.Fprint(w, framePage)
		case "/slow":
			time.Sleep(1500 * time.Millisecond)
			_, _ = fmt.Fprint(w, `<!doctype html><title>slow</title>slow`)
		case "/popup":
			_, _ = fmt.Fprint(w, popupPage)
		case "/next":
			_, _ = fmt.Fprint(w, `<!doctype html><title>next</title><a id="far" href="`+f.crossURL+`/far" style="position:absolute;left:20px;top:20px;width:100px;height:30px">far</a>`)
		default:
			if page, ok := f.pages()[r.URL.Path]; ok {
				page(w, r)
				return
			}
			http.NotFound(w, r)
		}
	}))
	return f
}

// hits returns and forgets the paths the cross server was asked for.
func (f *fixture) hits() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.crossHits
	f.crossHits = nil
	return h
}

func (f *fixture) close() {
	close(f.quit) // the requests that never end, end
	f.main.Close()
	f.cross.Close()
}
