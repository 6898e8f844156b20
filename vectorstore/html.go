package vectorstore

import "strings"

// htmlText extracts the readable text of a whole HTML document, as
// ingestion does (see extractHTML): the main content if the document marks
// one, without interface text. It is forgiving: malformed markup degrades
// to text, never to an error.
func htmlText(src string) string {
	mainOnly, _ := htmlMain(strings.NewReader(src))
	var b strings.Builder
	t := &tidy{out: &textOut{w: &b}}
	_ = extractHTML(strings.NewReader(src), t, mainOnly)
	_ = t.flush()
	return b.String()
}

// tidySpace collapses runs of spaces and tabs, trims lines and keeps at most
// one blank line between paragraphs.
func tidySpace(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if len(out) > 0 {
				blank = true
			}
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
