package applypatch

import (
	"fmt"
	"strings"
)

// HunkError says why a hunk of an update diff does not apply, for the model
// to correct it.
type HunkError struct {
	// Hunk is the hunk's position in the diff, from 1.
	Hunk int
	// Header is its "@@" line, if any.
	Header string
	// Reason says what went wrong: a line the file lacks, the closest
	// match found, a line of the diff that is not a diff line.
	Reason string
}

// Error returns "hunk N (@@ header): reason".
func (e *HunkError) Error() string {
	h := fmt.Sprintf("hunk %d", e.Hunk)
	if e.Header != "" {
		h += " (" + e.Header + ")"
	}
	return h + ": " + e.Reason
}

// CreateContent returns the content of a new file from a create_file diff,
// whose every line is the file's line prefixed with "+". The content ends
// with a newline unless it is empty.
func CreateContent(diff string) (string, error) {
	lines := diffLines(diff)
	var b strings.Builder
	for i, l := range lines {
		text, ok := strings.CutPrefix(l, "+")
		if !ok {
			return "", fmt.Errorf("line %d of the diff, %q, does not start with \"+\": every line of a new file's diff must", i+1, clip(l))
		}
		b.WriteString(text)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// diffLines splits a diff into lines, without "\r" line ends or a last
// empty line.
func diffLines(diff string) []string {
	if diff == "" {
		return nil
	}
	lines := strings.Split(diff, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// hunk is one section of an update diff.
type hunk struct {
	n       int
	anchors []string // the text of its "@@ " headers
	header  string
	context []string // the lines it expects: context and removed lines
	edits   []edit   // in order, positions relative to context
	eof     bool     // "*** End of File": context ends the file
	line    int      // line of the diff its body starts at
}

// edit replaces del lines at context position at with ins.
type edit struct {
	at       int
	del, ins []string
}

const endOfFile = "*** End of File"

// parseHunks splits the lines of an update diff into hunks.
func parseHunks(lines []string) ([]hunk, error) {
	var hunks []hunk
	i := 0
	for i < len(lines) {
		h := hunk{n: len(hunks) + 1}
		var headers []string
		for i < len(lines) && (lines[i] == "@@" || strings.HasPrefix(lines[i], "@@ ")) {
			headers = append(headers, lines[i])
			if a := strings.TrimPrefix(lines[i], "@@"); strings.TrimSpace(a) != "" {
				h.anchors = append(h.anchors, a[1:])
			}
			i++
		}
		h.header = strings.Join(headers, " ")
		if headers == nil && len(hunks) > 0 {
			return nil, &HunkError{Hunk: h.n, Reason: fmt.Sprintf("line %d of the diff, %q, is not a diff line", i+1, clip(lines[i]))}
		}
		h.line = i + 1
		var del, ins []string
		flush := func() {
			if len(del)+len(ins) > 0 {
				h.edits = append(h.edits, edit{at: len(h.context) - len(del), del: del, ins: ins})
				del, ins = nil, nil
			}
		}
	body:
		for ; i < len(lines); i++ {
			l := lines[i]
			switch {
			case l == "@@" || strings.HasPrefix(l, "@@ "):
				break body
			case l == endOfFile:
				h.eof = true
				i++
				break body
			case l == "":
				// An empty context line whose space an editor trimmed.
				flush()
				h.context = append(h.context, "")
			case l[0] == ' ':
				flush()
				h.context = append(h.context, l[1:])
			case l[0] == '-':
				if len(ins) > 0 {
					// "+" then "-": a new edit starts after this one.
					flush()
				}
				del = append(del, l[1:])
				h.context = append(h.context, l[1:])
			case l[0] == '+':
				ins = append(ins, l[1:])
			default:
				return nil, &HunkError{Hunk: h.n, Header: h.header,
					Reason: fmt.Sprintf("line %d of the diff, %q, does not start with ' ', '-' or '+'", i+1, clip(l))}
			}
		}
		flush()
		if len(h.context) == 0 && len(h.edits) == 0 {
			return nil, &HunkError{Hunk: h.n, Header: h.header, Reason: "the hunk is empty"}
		}
		hunks = append(hunks, h)
	}
	return hunks, nil
}

// ApplyDiff applies a V4A update diff, the body of a "*** Update File"
// section, to a file's content and returns the new content. The diff is a
// list of hunks, each introduced by one or more "@@" lines (optionally
// naming a line of the file, such as a function's signature, the hunk
// comes after), then lines starting with " " (context), "-" (removed) or
// "+" (added); "*** End of File" after a hunk anchors it at the file's end.
// Context is matched exactly, else ignoring trailing, then surrounding,
// white space; each hunk is looked for after the previous one. Line ends
// are kept as the file has them (CRLF or LF).
//
// A hunk that does not apply is a [*HunkError] saying which and why.
func ApplyDiff(original, diff string) (string, error) {
	nl := "\n"
	if strings.Contains(original, "\r\n") {
		nl = "\r\n"
	}
	hunks, err := parseHunks(diffLines(diff))
	if err != nil {
		return "", err
	}
	if len(hunks) == 0 {
		return "", &HunkError{Hunk: 1, Reason: "the diff is empty"}
	}
	lines := strings.Split(strings.ReplaceAll(original, "\r\n", "\n"), "\n")
	type change struct {
		at       int
		del, ins []string
	}
	var changes []change
	cursor := 0
	for _, h := range hunks {
		for _, a := range h.anchors {
			at := findAnchor(lines, a, cursor)
			if at < 0 {
				return "", &HunkError{Hunk: h.n, Header: h.header,
					Reason: fmt.Sprintf("%s has no line %q for its @@ header", after(cursor), clip(a))}
			}
			cursor = at + 1
		}
		at := findContext(lines, h.context, cursor, h.eof)
		if at < 0 {
			return "", &HunkError{Hunk: h.n, Header: h.header, Reason: mismatch(lines, h.context, cursor, h.eof)}
		}
		for _, e := range h.edits {
			changes = append(changes, change{at: at + e.at, del: e.del, ins: e.ins})
		}
		cursor = at + len(h.context)
	}
	out := make([]string, 0, len(lines))
	pos := 0
	for _, c := range changes {
		if c.at < pos {
			return "", &HunkError{Hunk: len(hunks), Reason: fmt.Sprintf("two hunks change line %d", c.at+1)}
		}
		out = append(out, lines[pos:c.at]...)
		out = append(out, c.ins...)
		pos = c.at + len(c.del)
	}
	out = append(out, lines[pos:]...)
	return strings.Join(out, nl), nil
}

// findAnchor returns the index of the first line at or after from that is
// the anchor (exactly, then trimmed, then starting with it), or -1.
func findAnchor(lines []string, anchor string, from int) int {
	a := strings.TrimSpace(anchor)
	for _, match := range [...]func(string) bool{
		func(l string) bool { return l == anchor },
		func(l string) bool { return strings.TrimSpace(l) == a },
		func(l string) bool { return a != "" && strings.HasPrefix(strings.TrimSpace(l), a) },
	} {
		for i := from; i < len(lines); i++ {
			if match(lines[i]) {
				return i
			}
		}
	}
	return -1
}

// findContext returns where the context lines start, at or after from (at
// the end of the file when eof is set, if they are there), or -1. Empty
// context matches at from (or at the end, for eof).
func findContext(lines, context []string, from int, eof bool) int {
	end := len(lines)
	if end > 0 && lines[end-1] == "" {
		end-- // the empty string after a final newline
	}
	if len(context) == 0 {
		if eof {
			return end
		}
		return from
	}
	// Exactly, then without trailing, then without surrounding white space.
	normalizers := [...]func(string) string{
		func(s string) string { return s },
		func(s string) string { return strings.TrimRight(s, " \t") },
		strings.TrimSpace,
	}
	for _, norm := range normalizers {
		if eof {
			if at := end - len(context); at >= from && equal(lines[at:end], context, norm) {
				return at
			}
			continue
		}
		for at := from; at+len(context) <= len(lines); at++ {
			if equal(lines[at:at+len(context)], context, norm) {
				return at
			}
		}
	}
	return -1
}

func equal(a, b []string, norm func(string) string) bool {
	for i := range b {
		if norm(a[i]) != norm(b[i]) {
			return false
		}
	}
	return true
}

// mismatch explains why context was not found: the closest place,
// ignoring surrounding white space, and its first line that differs; or,
// when no line of the context starts a match, the line the file has where
// the hunk was looked for.
func mismatch(lines, context []string, from int, eof bool) string {
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1] // the empty string after a final newline
	}
	best, bestAt := 0, -1
	for at := from; at < len(lines); at++ {
		n := 0
		for n < len(context) && at+n < len(lines) && strings.TrimSpace(lines[at+n]) == strings.TrimSpace(context[n]) {
			n++
		}
		if n > best {
			best, bestAt = n, at
		}
	}
	where := after(from)
	if eof {
		where += " (at its end: the hunk ends with *** End of File)"
	}
	const prefix = "its context and removed lines do not match "
	switch {
	case bestAt < 0 && from < len(lines):
		return fmt.Sprintf(prefix+"%s: it has no line %q (line %d is %q)", where, clip(context[0]), from+1, clip(lines[from]))
	case bestAt < 0:
		return fmt.Sprintf(prefix+"%s: it has no line %q", where, clip(context[0]))
	case bestAt+best >= len(lines):
		return fmt.Sprintf(prefix+"%s: the closest match starts at line %d, and the file ends after %d of its %d lines",
			where, bestAt+1, best, len(context))
	}
	return fmt.Sprintf(prefix+"%s: the closest match starts at line %d, where line %d is %q but the hunk expects %q",
		where, bestAt+1, bestAt+best+1, clip(lines[bestAt+best]), clip(context[best]))
}

// after names the part of the file a hunk is looked for in.
func after(line int) string {
	if line == 0 {
		return "the file"
	}
	return fmt.Sprintf("the file after line %d", line)
}

func clip(s string) string {
	const n = 120
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
