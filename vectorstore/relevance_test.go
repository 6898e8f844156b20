package vectorstore

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLexicalRelevance(t *testing.T) {
	idf := map[string]float64{"nil": 3, "channel": 1, "close": 2, "ferri": 4}
	w := func(t string) float64 { return idf[t] }
	tests := []struct {
		query, text string
		idf         func(string) float64
		want        float64
	}{
		{"close nil channel", "closing the nil channel panics", w, 1},
		{"close nil channel", "the nil channel blocks", w, 4.0 / 6},
		{"close nil channel", "ferries cross the channel", w, 1.0 / 6},
		{"close nil channel", "ferries cross the channel", nil, 1.0 / 3},
		{"the of", "the of", w, 0}, // stopwords only
		{"nil nil channel", "nil", w, 6.0 / 7},
	}
	for _, tt := range tests {
		if got := LexicalRelevance(tt.query, tt.text, tt.idf, 0); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("LexicalRelevance(%q, %q) = %v, want %v", tt.query, tt.text, got, tt.want)
		}
	}
	// A single mention in a long chunk counts less than in one of average
	// length; several mentions count in full.
	long := "nil " + strings.Repeat("word ", 30)
	if got := LexicalRelevance("nil", long, w, 8); got >= 0.5 {
		t.Errorf("one mention in a chunk 4 times the average: %v", got)
	}
	if got := LexicalRelevance("nil", strings.Repeat("nil ", 5)+strings.Repeat("word ", 27), w, 8); got != 1 {
		t.Errorf("five mentions: %v", got)
	}
}

func TestRelevanceCombines(t *testing.T) {
	for _, tt := range []struct {
		lex, dense, wt, we float64
		lexLeg, denseLeg   bool
		want               float64
	}{
		{0.8, 0.4, 1, 1, true, true, 0.6},
		{0.8, 0.4, 3, 1, true, true, 0.7},
		{0.8, -0.3, 1, 1, true, true, 0.4},
		{0.8, 0.4, 1, 1, true, false, 0.8},
		{0.8, 0.4, 1, 1, false, true, 0.4},
		{0.8, 0.4, 1, 1, false, false, 0},
	} {
		if got := Relevance(tt.lex, tt.dense, tt.wt, tt.we, tt.lexLeg, tt.denseLeg); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Relevance(%+v) = %v, want %v", tt, got, tt.want)
		}
	}
}

func TestBestPassage(t *testing.T) {
	text := "Close\n\nFor a channel ch, the built-in function close(ch) records that no more values will be sent on the channel. " +
		"It is an error if ch is a receive-only channel. Sending to or closing a closed channel causes a run-time panic. " +
		"Closing the nil channel also causes a run-time panic. After calling close, and after any previously sent values " +
		"have been received, receive operations will return the zero value for the channel's type without blocking."
	p := BestPassage(text, []string{"what happens when you close a nil channel"}, 120)
	if !strings.HasPrefix(p.Text, "Closing the nil channel also causes a run-time panic.") || len(p.Text) > 120 {
		t.Errorf("passage %q", p.Text)
	}
	if text[p.Start:p.End] != p.Text {
		t.Errorf("offsets %d..%d do not give the text", p.Start, p.End)
	}
	var marked []string
	for _, m := range p.Marks {
		marked = append(marked, p.Text[m[0]:m[1]])
	}
	if diff := cmp.Diff([]string{"Closing", "nil", "channel"}, marked[:3]); diff != "" {
		t.Errorf("marks (-want +got):\n%s", diff)
	}

	// Identifiers: the whole is marked, or the parts that match, one mark
	// when they touch.
	code := "Use http.createServer() to make one; server.listen() starts it."
	p = BestPassage(code, []string{"create http server"}, 200)
	marked = nil
	for _, m := range p.Marks {
		marked = append(marked, p.Text[m[0]:m[1]])
	}
	if diff := cmp.Diff([]string{"http", "createServer", "server"}, marked); diff != "" {
		t.Errorf("identifier marks (-want +got):\n%s", diff)
	}

	// No term: the start.
	if p := BestPassage("alpha beta gamma", []string{"zeta"}, 10); p.Text != "alpha beta" && p.Start != 0 {
		t.Errorf("no match: %+v", p)
	}
}

func TestCollapseDuplicates(t *testing.T) {
	page := "The server emits the close event once every connection has ended; call server.close() to stop accepting."
	hits := []Hit{
		{Chunk: Chunk{StoreID: "s", FileID: "a", Filename: "net.md", Text: "# Net\n\n`server.close()` " + page}},
		{Chunk: Chunk{StoreID: "s", FileID: "a", Filename: "net.md", Ordinal: 1, Text: page}}, // the overlap of chunks 0 and 1
		{Chunk: Chunk{StoreID: "s", FileID: "a", Filename: "net.md", Ordinal: 2, Text: "Sockets: a server's close event fires after its sockets end, and the event loop may then exit."}},
		{Chunk: Chunk{StoreID: "s", FileID: "b", Filename: "net.html", Text: "Net | Docs\n\nserver.close() " + page + " Other text follows."}},
		{Chunk: Chunk{StoreID: "s", FileID: "c", Filename: "all.html", Text: "Everything.\n" + page}},
		{Chunk: Chunk{StoreID: "s", FileID: "d", Filename: "http.md", Text: "The close event of an HTTP server follows the one of net servers."}},
	}
	got := CollapseDuplicates(hits, []string{"server close event"}, 0)
	type row struct {
		File string
		Dups []string
	}
	var rows []row
	for _, h := range got {
		r := row{File: h.Filename}
		for _, d := range h.Duplicates {
			r.Dups = append(r.Dups, d.Filename)
		}
		rows = append(rows, r)
	}
	want := []row{{"net.md", []string{"net.md", "net.html", "all.html"}}, {"net.md", nil}, {"http.md", nil}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("collapsed (-want +got):\n%s", diff)
	}
	if got := CollapseDuplicates(hits, []string{"server close event"}, 2); len(got) != 2 {
		t.Errorf("limit 2: %d hits", len(got))
	}
}
