package vectorstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// A document's text reaches the chunker through a textOut, with the
// headings found in it; ingestion prefixes each chunk with the headings in
// force where it starts (see chunkContext).

// heading is a section heading of a document, starting at byte offset at
// of its extracted text.
type heading struct {
	at    int64
	level int // 1..6
	text  string
}

// textOut receives a document's extracted text, in order, and its
// headings; the text goes on to w.
type textOut struct {
	w        io.Writer
	n        int64 // bytes written so far
	headings []heading
	title    string
}

func (o *textOut) Write(p []byte) (int, error) {
	o.n += int64(len(p))
	return o.w.Write(p)
}

// heading records a heading starting at the current offset.
func (o *textOut) heading(level int, text string) {
	text = cleanHeading(text)
	if text == "" || level < 1 || level > 6 {
		return
	}
	o.headings = append(o.headings, heading{at: o.n, level: level, text: text})
}

// Bounds on the context line of a chunk: each heading and the whole line.
const (
	maxHeadingLen = 160
	maxContextLen = 400
)

// cleanHeading makes a heading one plain line: Markdown's inline marks
// (code spans, emphasis, links and images) reduced to their text, spaces
// collapsed, and cut to maxHeadingLen bytes.
func cleanHeading(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '`' || c == '*':
			i++
			continue
		case c == '_' && (i == 0 || i+1 == len(s) || s[i-1] == ' ' || s[i+1] == ' ' || s[i+1] == '_' || s[i-1] == '_'):
			i++ // emphasis, not the underscore of an identifier
			continue
		case c == '!' && i+1 < len(s) && s[i+1] == '[':
			i++
			continue
		case c == '[':
			// [text](url) -> text
			if end := strings.IndexByte(s[i:], ']'); end > 0 && i+end+1 < len(s) && s[i+end+1] == '(' {
				if close := strings.IndexByte(s[i+end+1:], ')'); close > 0 {
					b.WriteString(s[i+1 : i+end])
					i += end + 1 + close + 1
					continue
				}
			}
		}
		b.WriteByte(c)
		i++
	}
	t := strings.Join(strings.Fields(b.String()), " ")
	if len(t) > maxHeadingLen {
		t = strings.TrimSpace(t[:runeStart(t, maxHeadingLen)]) + "…"
	}
	return t
}

// tidy collapses the whitespace of text written to it, as tidySpace does
// a whole text, but streaming: runs of spaces and tabs become one space,
// lines are trimmed, and at most one blank line separates paragraphs, with
// none at the start or the end. Headings given to it start where the next
// character written goes.
type tidy struct {
	out     *textOut
	started bool // a character was written
	nl      int  // line breaks since the last character
	space   bool // a space since the last character
	heads   []heading
	buf     []byte
}

func (t *tidy) Write(p []byte) (int, error) {
	for i := 0; i < len(p); {
		c := p[i]
		size := 1
		isSpace := false
		switch {
		case c == '\n':
			t.nl++
			t.space = false
			i++
			continue
		case c < utf8.RuneSelf:
			isSpace = c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
		default:
			var r rune
			r, size = utf8.DecodeRune(p[i:])
			isSpace = unicode.IsSpace(r)
		}
		if isSpace {
			t.space = true
			i += size
			continue
		}
		if t.started {
			switch {
			case t.nl >= 2:
				t.buf = append(t.buf, '\n', '\n')
			case t.nl == 1:
				t.buf = append(t.buf, '\n')
			case t.space:
				t.buf = append(t.buf, ' ')
			}
		}
		t.started, t.nl, t.space = true, 0, false
		if len(t.heads) > 0 {
			if err := t.flush(); err != nil {
				return 0, err
			}
			for _, h := range t.heads {
				t.out.heading(h.level, h.text)
			}
			t.heads = t.heads[:0]
		}
		t.buf = append(t.buf, p[i:i+size]...)
		i += size
		if len(t.buf) >= 32<<10 {
			if err := t.flush(); err != nil {
				return 0, err
			}
		}
	}
	return len(p), nil
}

func (t *tidy) WriteString(s string) error {
	_, err := t.Write([]byte(s))
	return err
}

// heading records a heading that starts with the next character written.
func (t *tidy) heading(level int, text string) {
	t.heads = append(t.heads, heading{level: level, text: text})
}

func (t *tidy) flush() error {
	if len(t.buf) == 0 {
		return nil
	}
	_, err := t.out.Write(t.buf)
	t.buf = t.buf[:0]
	return err
}

// copyText copies r's text to out as it is (plain text, source code, JSON).
func copyText(r io.Reader, out *textOut) error {
	_, err := io.Copy(out, r)
	return err
}

// maxMarkdownLine bounds the lines the Markdown scanner looks at for
// headings; a longer line is copied through without being examined.
const maxMarkdownLine = 4 << 10

// copyMarkdown copies r's Markdown text to out as it is, recording its ATX
// (# Title) and setext (Title over === or ---) headings outside fenced
// code blocks, and the title of a YAML front matter block (title: …).
func copyMarkdown(r io.Reader, out *textOut) error {
	s := &mdScanner{out: out}
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if werr := s.write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return s.close()
		}
		if err != nil {
			return err
		}
	}
}

type mdScanner struct {
	out     *textOut
	line    []byte // the current line, up to maxMarkdownLine bytes
	long    bool   // the current line passed maxMarkdownLine and was copied through
	prev    []byte // the last line, held back: it may be a setext heading's text
	lines   int
	front   bool // inside a YAML front matter block
	fence   byte // '`' or '~' inside a fenced code block
	fenceN  int
	pending bool // prev holds a line not yet written
}

func (s *mdScanner) write(p []byte) error {
	for len(p) > 0 {
		if s.long {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				_, err := s.out.Write(p)
				return err
			}
			if _, err := s.out.Write(p[:i+1]); err != nil {
				return err
			}
			s.long = false
			s.lines++
			p = p[i+1:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.line = append(s.line, p...)
			p = nil
		} else {
			s.line = append(s.line, p[:i+1]...)
			p = p[i+1:]
		}
		if len(s.line) > maxMarkdownLine && (len(s.line) == 0 || s.line[len(s.line)-1] != '\n') {
			// Too long to be a heading: copy it through.
			if err := s.flushPrev(); err != nil {
				return err
			}
			if _, err := s.out.Write(s.line); err != nil {
				return err
			}
			s.line = s.line[:0]
			s.long = true
			continue
		}
		if i >= 0 {
			if err := s.endLine(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *mdScanner) close() error {
	if len(s.line) > 0 {
		if err := s.endLine(); err != nil {
			return err
		}
	}
	return s.flushPrev()
}

// flushPrev writes the line held back.
func (s *mdScanner) flushPrev() error {
	if !s.pending {
		return nil
	}
	s.pending = false
	_, err := s.out.Write(s.prev)
	return err
}

// endLine examines the complete line in s.line.
func (s *mdScanner) endLine() error {
	line := s.line
	s.line = s.line[:0]
	s.lines++
	text := strings.TrimRight(string(line), " \t\r\n")
	trimmed := strings.TrimLeft(text, " ")
	indent := len(text) - len(trimmed)
	switch {
	case s.lines == 1 && text == "---":
		s.front = true
	case s.front:
		if text == "---" || text == "..." {
			s.front = false
		} else if v, ok := strings.CutPrefix(text, "title:"); ok && s.out.title == "" {
			s.out.title = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	case s.fence != 0:
		if indent < 4 && fenceLen(trimmed, s.fence) >= s.fenceN && strings.TrimLeft(trimmed, string(s.fence)) == "" {
			s.fence = 0
		}
	case indent < 4 && (fenceLen(trimmed, '`') >= 3 || fenceLen(trimmed, '~') >= 3):
		s.fence = trimmed[0]
		s.fenceN = fenceLen(trimmed, s.fence)
	case indent < 4 && s.pending && len(trimmed) > 0 && (strings.Trim(trimmed, "=") == "" || strings.Trim(trimmed, "-") == ""):
		// Setext: the line held back is a heading.
		level := 1
		if trimmed[0] == '-' {
			level = 2
		}
		s.out.heading(level, strings.TrimSpace(string(s.prev)))
		if err := s.flushPrev(); err != nil {
			return err
		}
		_, err := s.out.Write(line)
		return err
	case indent < 4 && strings.HasPrefix(trimmed, "#"):
		level := fenceLen(trimmed, '#')
		rest := trimmed[level:]
		if level <= 6 && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			if err := s.flushPrev(); err != nil {
				return err
			}
			// A closing sequence of #s goes.
			rest = strings.TrimSpace(rest)
			if t := strings.TrimRight(rest, "#"); t == "" || strings.HasSuffix(t, " ") {
				rest = strings.TrimSpace(t)
			}
			s.out.heading(level, rest)
			_, err := s.out.Write(line)
			return err
		}
	}
	if err := s.flushPrev(); err != nil {
		return err
	}
	// Hold back a line that could be a setext heading's text.
	if s.fence == 0 && !s.front && indent < 4 && len(line) <= 256 && paragraphLine(trimmed) {
		s.prev = append(s.prev[:0], line...)
		s.pending = true
		return nil
	}
	_, err := s.out.Write(line)
	return err
}

// paragraphLine reports whether a line may be a paragraph's, and so the
// text of a setext heading: not blank, nor a list item, quote, table row,
// fence or HTML.
func paragraphLine(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '-', '*', '+', '>', '|', '`', '~', '<', '#', '=':
		return false
	}
	return true
}

// fenceLen counts the c bytes s starts with.
func fenceLen(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

// HTML elements whose content is not the document's text: scripts and
// styles, and interface (controls, navigation, media).
var htmlSkipTags = map[string]bool{
	"script": true, "style": true, "template": true, "svg": true, "noscript": true, "head": true,
	"button": true, "select": true, "textarea": true, "label": true, "nav": true, "dialog": true,
	"iframe": true, "object": true, "embed": true, "canvas": true, "audio": true, "video": true,
}

// ARIA roles of interface regions (WAI-ARIA landmark and widget roles).
var htmlSkipRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "search": true, "menu": true, "menubar": true,
	"toolbar": true, "tablist": true, "dialog": true, "alertdialog": true, "tooltip": true,
}

// htmlBlockTags end a line of text when they open or close.
var htmlBlockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "ul": true, "ol": true, "dl": true, "dt": true, "dd": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "tr": true, "table": true,
	"section": true, "article": true, "header": true, "footer": true, "nav": true, "aside": true, "main": true,
	"pre": true, "blockquote": true, "hr": true, "title": true, "figure": true, "figcaption": true,
	"form": true, "fieldset": true, "details": true, "summary": true, "caption": true, "address": true,
}

// htmlVoidTags have no end tag.
var htmlVoidTags = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true, "keygen": true,
}

// htmlSectioning scope a header or footer to their section: outside them,
// a header is the page's banner and a footer its contentinfo (interface).
var htmlSectioning = map[string]bool{"article": true, "aside": true, "main": true, "nav": true, "section": true}

// htmlSelfClosing elements close an open element of the same name.
var htmlSelfClosing = map[string]bool{"p": true, "li": true, "dt": true, "dd": true, "option": true, "tr": true, "td": true, "th": true}

// maxHTMLDepth bounds the open elements tracked; deeper ones are not.
const maxHTMLDepth = 512

// htmlMain reports whether an HTML document marks its main content (a main
// element, or an element with role="main").
func htmlMain(r io.Reader) (bool, error) {
	z := html.NewTokenizer(r)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return false, nil
			}
			return false, z.Err()
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) == "main" {
				return true, nil
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "role" && strings.EqualFold(strings.TrimSpace(string(v)), "main") {
					return true, nil
				}
			}
		}
	}
}

// htmlElem is an open element of the document.
type htmlElem struct {
	name      string
	skip      bool // its content is not text
	main      bool // the main content
	sectioned bool // a sectioning element
}

// extractHTML writes the readable text of the HTML document read from r to
// t, records its headings (h1 to h6) and title, and drops what is not
// text: comments, scripts and styles, and interface: controls (button,
// select, label…), navigation (nav, role="navigation"…), the page's header
// and footer (outside any article or section), hidden elements (hidden,
// aria-hidden="true") and heading permalinks (an a holding only #, ¶, §).
// With mainOnly (the document has a main element, see htmlMain), only the
// text inside it is kept. It reads r a token at a time: memory is bounded
// by the longest token, not the document.
func extractHTML(r io.Reader, t *tidy, mainOnly bool) error {
	z := html.NewTokenizer(r)
	var (
		stack     []htmlElem
		skip      int // open elements skipping their content
		main      int // open main elements
		sections  int // open sectioning elements
		title     strings.Builder
		inTitle   bool
		titleDone bool
		head      strings.Builder // the heading being read
		headLevel int
		anchor    []byte // the text of an open a, while it may be a permalink
		inAnchor  bool
		first     = true
	)
	emit := func(p []byte) error {
		if inAnchor {
			if len(anchor)+len(p) <= 8 {
				anchor = append(anchor, p...)
				return nil
			}
			inAnchor = false
			p = append(anchor, p...)
			anchor = nil
		}
		if headLevel > 0 {
			if head.Len()+len(p) <= maxHeadingLen*4 {
				head.Write(p)
				return nil
			}
			// Too long for a heading: it is text.
			headLevel = 0
			if _, err := t.Write([]byte(head.String())); err != nil {
				return err
			}
			head.Reset()
		}
		_, err := t.Write(p)
		return err
	}
	endAnchor := func(drop bool) error {
		if !inAnchor {
			return nil
		}
		inAnchor = false
		a := anchor
		anchor = nil
		if drop {
			switch strings.TrimSpace(string(a)) {
			case "#", "¶", "§", "🔗", "":
				return nil
			}
		}
		return emit(a)
	}
	endHeading := func() error {
		if headLevel == 0 {
			return nil
		}
		level := headLevel
		text := head.String()
		headLevel = 0
		head.Reset()
		t.heading(level, text)
		if err := t.WriteString("\n"); err != nil {
			return err
		}
		if err := emit([]byte(text)); err != nil {
			return err
		}
		return t.WriteString("\n")
	}
	pop := func(i int) error {
		// Close stack[i:] (implied end tags).
		for j := len(stack) - 1; j >= i; j-- {
			e := stack[j]
			if e.skip {
				skip--
			}
			if e.main {
				main--
			}
			if e.sectioned {
				sections--
			}
			switch {
			case e.name == "a":
				if err := endAnchor(true); err != nil {
					return err
				}
			case len(e.name) == 2 && e.name[0] == 'h' && e.name[1] >= '1' && e.name[1] <= '6':
				if err := endHeading(); err != nil {
					return err
				}
			case e.name == "title" && inTitle:
				inTitle = false
				titleDone = true
				t.out.title = strings.Join(strings.Fields(title.String()), " ")
			}
		}
		stack = stack[:i]
		return nil
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return err
			}
			return pop(0)
		case html.CommentToken:
			// The Go website's pages start with a comment holding their
			// metadata as JSON: {"Title": …}.
			if first {
				var meta struct{ Title string }
				if json.Unmarshal(z.Text(), &meta) == nil && meta.Title != "" && !titleDone {
					titleDone = true
					t.out.title = strings.Join(strings.Fields(meta.Title), " ")
				}
			}
		case html.TextToken:
			if inTitle {
				title.Write(z.Text())
				continue
			}
			if skip > 0 || mainOnly && main == 0 {
				continue
			}
			if err := emit(z.Text()); err != nil {
				return err
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			nameB, hasAttr := z.TagName()
			name := string(nameB)
			e := htmlElem{name: name, skip: htmlSkipTags[name], main: name == "main", sectioned: htmlSectioning[name]}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "hidden":
					e.skip = true
				case "aria-hidden":
					e.skip = e.skip || strings.EqualFold(string(v), "true")
				case "role":
					role := strings.ToLower(strings.TrimSpace(string(v)))
					e.skip = e.skip || htmlSkipRoles[role]
					e.main = e.main || role == "main"
				}
			}
			if (name == "header" || name == "footer") && sections == 0 {
				e.skip = true
			}
			if name == "title" && tt == html.StartTagToken && !titleDone {
				inTitle = true
				stack = append(stack, e)
				continue
			}
			visible := skip == 0 && !e.skip && (!mainOnly || main > 0 || e.main)
			if visible {
				if htmlBlockTags[name] {
					if err := endAnchor(false); err != nil {
						return err
					}
					if err := t.WriteString("\n"); err != nil {
						return err
					}
				} else if name == "td" || name == "th" {
					if err := t.WriteString("\t"); err != nil {
						return err
					}
				}
			}
			if tt == html.SelfClosingTagToken || htmlVoidTags[name] {
				continue
			}
			if htmlSelfClosing[name] && len(stack) > 0 && stack[len(stack)-1].name == name {
				if err := pop(len(stack) - 1); err != nil {
					return err
				}
			}
			if len(stack) >= maxHTMLDepth {
				continue
			}
			if visible {
				switch {
				case name == "a":
					if err := endAnchor(false); err != nil {
						return err
					}
					inAnchor = true
				case len(name) == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6':
					if err := endHeading(); err != nil {
						return err
					}
					headLevel = int(name[1] - '0')
				}
			}
			stack = append(stack, e)
			if e.skip {
				skip++
			}
			if e.main {
				main++
			}
			if e.sectioned {
				sections++
			}
		case html.EndTagToken:
			nameB, _ := z.TagName()
			name := string(nameB)
			i := len(stack) - 1
			for i >= 0 && stack[i].name != name {
				i--
			}
			if i < 0 {
				continue // a stray end tag
			}
			visible := skip == 0 && (!mainOnly || main > 0)
			if err := pop(i); err != nil {
				return err
			}
			if visible && htmlBlockTags[name] {
				if err := t.WriteString("\n"); err != nil {
					return err
				}
			}
		}
		if tt != html.CommentToken && tt != html.DoctypeToken {
			if tt != html.TextToken || len(bytes.TrimSpace(z.Raw())) > 0 {
				first = false
			}
		}
	}
}
