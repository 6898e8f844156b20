package vectorstore

import (
	"html"
	"strings"
)

// blockTags end a line of text when they open or close.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "ul": true, "ol": true, "dl": true, "dt": true, "dd": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "tr": true, "table": true,
	"section": true, "article": true, "header": true, "footer": true, "nav": true, "aside": true, "main": true,
	"pre": true, "blockquote": true, "hr": true, "title": true, "figure": true, "figcaption": true,
	"form": true, "fieldset": true, "details": true, "summary": true, "caption": true, "address": true,
}

// skipTags have content that is not text.
var skipTags = map[string]bool{"script": true, "style": true, "template": true, "svg": true, "noscript": true}

// htmlText extracts the readable text of an HTML document with a small
// tokenizer: comments, doctype and the content of script, style, template,
// svg and noscript are dropped, block elements break lines, entities are
// decoded and runs of spaces collapse. It is forgiving: malformed markup
// degrades to text, never to an error. It takes time and memory linear in
// src, and the text is never longer than src (no entity decodes to more
// bytes than it is spelled with).
func htmlText(src string) string {
	var b strings.Builder
	i := 0
	for i < len(src) {
		lt := strings.IndexByte(src[i:], '<')
		if lt < 0 {
			b.WriteString(html.UnescapeString(src[i:]))
			break
		}
		b.WriteString(html.UnescapeString(src[i : i+lt]))
		i += lt
		rest := src[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				i = len(src)
			} else {
				i += 4 + end + 3
			}
			continue
		case strings.HasPrefix(rest, "<!") || strings.HasPrefix(rest, "<?"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				i = len(src)
			} else {
				i += end + 1
			}
			continue
		}
		name, closing, ok := tagName(rest)
		if !ok {
			b.WriteByte('<')
			i++
			continue
		}
		end := tagEnd(rest)
		if end < 0 {
			break // an unclosed tag ends the text
		}
		i += end
		if blockTags[name] {
			b.WriteByte('\n')
		} else if name == "td" || name == "th" {
			b.WriteByte('\t')
		}
		if !closing && skipTags[name] && !strings.HasSuffix(strings.TrimSpace(rest[:end-1]), "/") {
			close := indexEndTag(src[i:], name)
			if close < 0 {
				i = len(src)
			} else {
				i += close
			}
		}
	}
	return tidySpace(b.String())
}

// indexEndTag returns the index in s of the first "</name", the name in
// any case, or -1. (Lower-casing the rest of the document to search it
// would cost a copy of it per skipped element.)
func indexEndTag(s, name string) int {
	for k := 0; ; {
		j := strings.Index(s[k:], "</")
		if j < 0 {
			return -1
		}
		k += j
		if rest := s[k+2:]; len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
			return k
		}
		k += 2
	}
}

// tagName reads the element name of the tag starting s ("<name" or "</name").
func tagName(s string) (name string, closing, ok bool) {
	j := 1
	if len(s) > 1 && s[1] == '/' {
		closing = true
		j = 2
	}
	k := j
	for k < len(s) && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || k > j && (s[k] >= '0' && s[k] <= '9' || s[k] == '-' || s[k] == ':')) {
		k++
	}
	if k == j {
		return "", false, false
	}
	return strings.ToLower(s[j:k]), closing, true
}

// tagEnd returns the index just past the '>' closing the tag at the start of
// s, skipping quoted attribute values; -1 if there is none.
func tagEnd(s string) int {
	var quote byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return -1
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
