package filesearch

import (
	"cmp"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentloop/agentloop/responses"
)

// EditFinal implements tools.FinalEditor: it returns [Cite](msg, extra).
func (t *Tool) EditFinal(msg responses.Item, extra []responses.Item) responses.Item {
	return Cite(msg, extra)
}

// Cite returns msg with a file_citation annotation (file ID, filename and
// index) for each citation, in its output_text parts, of a result of the
// completed file_search_call items among calls (other items are ignored):
//
//   - a marker [n], or a list [n, m], cites result n, as the results were
//     numbered for the model (see [Format]); 【n】 and 【n†source】 too. The
//     annotation's index is the marker's position. A marker followed by
//     "(" (a Markdown link) is not a citation. When several calls returned
//     results, [n] means result n of the latest call that had n results,
//     since each call numbers its results from 1.
//   - the mention of a result's filename, in full or, when no two results'
//     files share it, its base name with an extension ("refunds.md"). The
//     annotation's index is the start of the name.
//
// Indexes count Unicode code points (characters, as the API's) from the
// start of the part's text, not bytes. The text itself is left as it is.
// Annotations already on a part are kept, and an annotation equal to one
// of them is not added again, so Cite may be applied twice.
//
// When it adds nothing, Cite returns msg unchanged (with the bytes it was
// decoded from); otherwise it returns a new item built from fields (msg is
// not modified), as a message to report rather than one to replay.
func Cite(msg responses.Item, calls []responses.Item) responses.Item {
	if !msg.IsMessage() || len(msg.Content) == 0 {
		return msg
	}
	var results [][]responses.FileSearchResult
	for i := range calls {
		c := &calls[i]
		if c.Type == responses.ItemFileSearchCall && c.Status == responses.StatusCompleted && len(c.Results) > 0 {
			results = append(results, c.Results)
		}
	}
	if len(results) == 0 {
		return msg
	}
	var parts []responses.ContentPart
	for i, p := range msg.Content {
		if p.Type != responses.ContentOutputText || p.Text == "" {
			continue
		}
		merged := merge(p.Annotations, citations(p.Text, results))
		if len(merged) == len(p.Annotations) {
			continue
		}
		if parts == nil {
			parts = slices.Clone(msg.Content)
		}
		parts[i] = responses.ContentPart{Type: p.Type, Text: p.Text, Annotations: merged, Logprobs: p.Logprobs}
	}
	if parts == nil {
		return msg
	}
	out := msg
	out.ClearRaw()
	out.Content = parts
	return out
}

var (
	// bracketRE matches [1], [1, 2], [1; 2] and [1][2] (twice).
	bracketRE = regexp.MustCompile(`\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]`)
	// lenticularRE matches 【1】 and 【1†source】.
	lenticularRE = regexp.MustCompile(`【\s*(\d{1,3})\s*(?:†[^】]*)?】`)
	numberRE     = regexp.MustCompile(`\d+`)
)

// mention is a citation found at byte offset off of a text.
type mention struct {
	off              int
	fileID, filename string
}

// citations finds the citations in text of the results of calls (in call
// order) and returns their annotations, ordered by position.
func citations(text string, calls [][]responses.FileSearchResult) []responses.Annotation {
	var found []mention
	resolve := func(n int) *responses.FileSearchResult {
		for j := len(calls) - 1; j >= 0; j-- {
			if n >= 1 && n <= len(calls[j]) {
				return &calls[j][n-1]
			}
		}
		return nil
	}
	for _, loc := range bracketRE.FindAllStringSubmatchIndex(text, -1) {
		if end := loc[1]; end < len(text) && text[end] == '(' {
			continue // a Markdown link: [1](https://…)
		}
		for _, num := range numberRE.FindAllString(text[loc[2]:loc[3]], -1) {
			n, _ := strconv.Atoi(num)
			if r := resolve(n); r != nil {
				found = append(found, mention{loc[0], r.FileID, r.Filename})
			}
		}
	}
	for _, loc := range lenticularRE.FindAllStringSubmatchIndex(text, -1) {
		n, _ := strconv.Atoi(text[loc[2]:loc[3]])
		if r := resolve(n); r != nil {
			found = append(found, mention{loc[0], r.FileID, r.Filename})
		}
	}
	found = append(found, filenameMentions(text, calls)...)

	slices.SortStableFunc(found, func(a, b mention) int { return cmp.Compare(a.off, b.off) })
	out := make([]responses.Annotation, 0, len(found))
	// Offsets are in bytes; annotations count code points.
	runes, last := 0, 0
	for _, m := range found {
		runes += utf8.RuneCountInString(text[last:m.off])
		last = m.off
		idx := runes
		a := responses.Annotation{Type: responses.AnnotationFileCitation, FileID: m.fileID, Filename: m.filename, Index: &idx}
		if !slices.ContainsFunc(out, func(b responses.Annotation) bool { return sameAnnotation(a, b) }) {
			out = append(out, a)
		}
	}
	return out
}

// filenameMentions finds where text names the files of the results: by
// their full filename, or by a base name with an extension that no other
// file of the results shares.
func filenameMentions(text string, calls [][]responses.FileSearchResult) []mention {
	type file struct{ id, name string }
	var files []file
	baseCount := map[string]int{}
	seen := map[file]bool{}
	for _, rs := range calls {
		for _, r := range rs {
			f := file{r.FileID, r.Filename}
			if seen[f] || r.Filename == "" {
				continue
			}
			seen[f] = true
			files = append(files, f)
			baseCount[path.Base(r.Filename)]++
		}
	}
	var out []mention
	var covered [][2]int // byte ranges of full-name mentions
	for _, f := range files {
		for _, off := range wordIndexes(text, f.name) {
			out = append(out, mention{off, f.id, f.name})
			covered = append(covered, [2]int{off, off + len(f.name)})
		}
	}
	for _, f := range files {
		base := path.Base(f.name)
		if base == f.name || baseCount[base] > 1 || !hasExtension(base) {
			continue
		}
	next:
		for _, off := range wordIndexes(text, base) {
			for _, c := range covered {
				if off >= c[0] && off < c[1] {
					continue next
				}
			}
			out = append(out, mention{off, f.id, f.name})
		}
	}
	return out
}

// hasExtension reports whether name looks like "stem.ext", so that a base
// name without one (README, a plain word) is never matched in prose.
func hasExtension(name string) bool {
	dot := strings.LastIndexByte(name, '.')
	return dot > 0 && dot < len(name)-1 && len(name) >= 4
}

// wordIndexes returns the byte offsets of the occurrences of word in text
// that are not part of a longer name (no letter, digit, '_', '-' or '.'
// followed by one of those right before or after).
func wordIndexes(text, word string) []int {
	var out []int
	for from := 0; ; {
		i := strings.Index(text[from:], word)
		if i < 0 {
			return out
		}
		start, end := from+i, from+i+len(word)
		from = start + 1
		if r, _ := utf8.DecodeLastRuneInString(text[:start]); start > 0 && isNameRune(r) {
			continue
		}
		if end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if isNameRune(r) && r != '.' {
				continue
			}
			// "file.md." ends a sentence; "file.mdx" is another name.
			if r == '.' {
				if next, _ := utf8.DecodeRuneInString(text[end+size:]); end+size < len(text) && isNameRune(next) && next != '.' {
					continue
				}
			}
		}
		out = append(out, start)
	}
}

func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.'
}

// merge returns existing plus the annotations of added not already in it,
// ordered by position (a stable sort: existing ones first at equal
// positions). It returns existing itself when nothing is added.
func merge(existing, added []responses.Annotation) []responses.Annotation {
	var fresh []responses.Annotation
	for _, a := range added {
		if !slices.ContainsFunc(existing, func(b responses.Annotation) bool { return sameAnnotation(a, b) }) {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) == 0 {
		return existing
	}
	out := append(slices.Clone(existing), fresh...)
	slices.SortStableFunc(out, func(a, b responses.Annotation) int { return cmp.Compare(position(a), position(b)) })
	return out
}

// position is where an annotation applies: its index or start index.
func position(a responses.Annotation) int {
	switch {
	case a.Index != nil:
		return *a.Index
	case a.StartIndex != nil:
		return *a.StartIndex
	}
	return 0
}

func sameAnnotation(a, b responses.Annotation) bool {
	return a.Type == b.Type && a.FileID == b.FileID && a.Filename == b.Filename &&
		(a.Index == nil) == (b.Index == nil) && (a.Index == nil || *a.Index == *b.Index)
}
