package tools

import (
	"bytes"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/agentloop/agentloop/internal/jsonscan"
)

// fastValid reports whether doc is a JSON document that matches the schema,
// reading the bytes once without building a tree or any message. It covers
// what function arguments usually hold; on anything unusual (an escaped
// key, an escaped string under a string constraint, an enum of objects, a
// syntax error, a mismatch) it answers false, and the caller runs the full
// check, which has the last word and explains the problems. It must never
// answer true for a document the full check rejects.
func (v *Validator) fastValid(doc []byte) bool {
	s := scan{data: doc, absentIsNull: v.absentIsNull}
	if !s.value(v.root) {
		return false
	}
	s.ws()
	return s.pos == len(s.data)
}

type scan struct {
	data         []byte
	pos          int
	steps, depth int
	absentIsNull bool
}

func (s *scan) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scan) value(n *vnode) bool {
	s.steps++
	if s.steps > maxSteps || s.depth >= maxDepth {
		return false
	}
	for i := 0; n.ref != nil && i < 64; i++ {
		n = n.ref
	}
	if n.never {
		return false
	}
	s.ws()
	if s.pos >= len(s.data) {
		return false
	}
	start := s.pos
	s.depth++
	ok := s.own(n)
	s.depth--
	if !ok {
		return false
	}
	end := s.pos
	if (n.enum != nil || n.hasConst) && !s.enumOK(n, s.data[start:end]) {
		return false
	}
	if n.anyOf != nil {
		found := false
		for _, b := range n.anyOf {
			s.pos = start
			if s.value(b) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if n.oneOf != nil {
		matches := 0
		for _, b := range n.oneOf {
			s.pos = start
			if s.value(b) {
				matches++
			}
		}
		if matches != 1 {
			return false
		}
	}
	for _, b := range n.allOf {
		s.pos = start
		if !s.value(b) {
			return false
		}
	}
	s.pos = end
	return true
}

// own reads one value, checking the keywords of n other than enum, const
// and the combinators.
func (s *scan) own(n *vnode) bool {
	switch c := s.data[s.pos]; {
	case c == '{':
		return typeOK(n.types, kObject) && s.object(n)
	case c == '[':
		return typeOK(n.types, kArray) && s.array(n)
	case c == '"':
		return typeOK(n.types, kString) && s.str(n)
	case c == 't':
		return typeOK(n.types, kBool) && s.lit("true")
	case c == 'f':
		return typeOK(n.types, kBool) && s.lit("false")
	case c == 'n':
		return typeOK(n.types, kNull) && s.lit("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number(n)
	}
	return false
}

func (s *scan) lit(word string) bool {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(word)) {
		return false
	}
	s.pos += len(word)
	return true
}

func (s *scan) object(n *vnode) bool {
	s.pos++ // {
	if len(n.reqOther) > 0 || len(n.propList) > 64 {
		return false
	}
	var seen uint64
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return s.requiredOK(n, seen)
	}
	for {
		s.ws()
		key, ok := s.rawString()
		if !ok || bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return false
		}
		s.pos++
		if i, known := n.propIndex[string(key)]; known {
			seen |= 1 << i
			if !s.value(n.propList[i].n) {
				return false
			}
		} else if !s.extra(n, key) {
			return false
		}
		s.ws()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return s.requiredOK(n, seen)
		default:
			return false
		}
	}
}

// extra checks the value of a property n does not declare.
func (s *scan) extra(n *vnode, key []byte) bool {
	start := s.pos
	end := -1
	matched := false
	for _, p := range n.patterns {
		if p.re.Match(key) {
			matched = true
			s.pos = start
			if !s.value(p.n) {
				return false
			}
			end = s.pos
		}
	}
	switch {
	case matched:
		s.pos = end
		return true
	case n.noExtra:
		return false
	case n.additional != nil:
		return s.value(n.additional)
	}
	return s.skip()
}

func (s *scan) requiredOK(n *vnode, seen uint64) bool {
	for i, p := range n.propList {
		if p.required && seen&(1<<i) == 0 && !p.mayBeAbsent(s.absentIsNull) {
			return false
		}
	}
	return true
}

func (s *scan) array(n *vnode) bool {
	s.pos++ // [
	count := 0
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return s.countOK(n, count)
	}
	for {
		var ok bool
		if n.items != nil {
			ok = s.value(n.items)
		} else {
			ok = s.skip()
		}
		if !ok {
			return false
		}
		count++
		s.ws()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return s.countOK(n, count)
		default:
			return false
		}
	}
}

func (s *scan) countOK(n *vnode, count int) bool {
	return (n.minItems < 0 || count >= n.minItems) && (n.maxItems < 0 || count <= n.maxItems)
}

// rawString reads a string and returns its bytes between the quotes, as
// they are (escapes included).
func (s *scan) rawString() ([]byte, bool) {
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false
	}
	end, _, err := jsonscan.String(s.data, s.pos)
	if err != nil {
		return nil, false
	}
	raw := s.data[s.pos+1 : end-1]
	s.pos = end
	return raw, true
}

func (s *scan) str(n *vnode) bool {
	raw, ok := s.rawString()
	if !ok {
		return false
	}
	constrained := n.minLen >= 0 || n.maxLen >= 0 || n.pattern != nil || n.dateTime
	if !constrained {
		return true
	}
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		return false // the full check decodes it
	}
	if n.minLen >= 0 || n.maxLen >= 0 {
		l := utf8.RuneCount(raw)
		if n.minLen >= 0 && l < n.minLen || n.maxLen >= 0 && l > n.maxLen {
			return false
		}
	}
	if n.pattern != nil && !n.pattern.Match(raw) {
		return false
	}
	if n.dateTime {
		if _, err := time.Parse(time.RFC3339Nano, string(raw)); err != nil {
			return false
		}
	}
	return true
}

func (s *scan) number(n *vnode) bool {
	x, ok := s.scanNumber()
	if !ok {
		return false
	}
	k := kNumber
	if x == math.Trunc(x) && !math.IsInf(x, 0) {
		k |= kInt
	}
	if !typeOK(n.types, k) {
		return false
	}
	if n.minimum != nil && x < *n.minimum || n.maximum != nil && x > *n.maximum ||
		n.exclMin != nil && x <= *n.exclMin || n.exclMax != nil && x >= *n.exclMax {
		return false
	}
	if n.multipleOf != nil && *n.multipleOf > 0 {
		q := x / *n.multipleOf
		if math.Abs(q-math.Round(q)) > 1e-9 {
			return false
		}
	}
	return true
}

// scanNumber reads a number as JSON spells it.
func (s *scan) scanNumber() (float64, bool) {
	start := s.pos
	if s.data[s.pos] == '-' {
		s.pos++
	}
	digits := func() int {
		d := 0
		for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
			s.pos++
			d++
		}
		return d
	}
	if s.pos < len(s.data) && s.data[s.pos] == '0' {
		s.pos++
	} else if digits() == 0 {
		return 0, false
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return 0, false
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(string(s.data[start:s.pos]), 64)
	return x, err == nil
}

// enumOK checks a scalar against n's enum and const; false for anything it
// cannot compare without decoding.
func (s *scan) enumOK(n *vnode, raw []byte) bool {
	var x any
	switch c := raw[0]; {
	case c == '"':
		inner := raw[1 : len(raw)-1]
		if bytes.IndexByte(inner, '\\') >= 0 || !utf8.Valid(inner) {
			return false
		}
		// Compare without boxing the string.
		if n.hasConst {
			if c, ok := n.constVal.(string); !ok || c != string(inner) {
				return false
			}
		}
		if n.enum == nil {
			return true
		}
		for _, e := range n.enum {
			if es, ok := e.(string); ok && es == string(inner) {
				return true
			}
		}
		return false
	case c == 't':
		x = true
	case c == 'f':
		x = false
	case c == 'n':
		x = nil
	case c == '-' || '0' <= c && c <= '9':
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return false
		}
		x = f
	default:
		return false
	}
	if n.hasConst && !jsonEqual(n.constVal, x) {
		return false
	}
	if n.enum != nil {
		for _, e := range n.enum {
			if jsonEqual(e, x) {
				return true
			}
		}
		return false
	}
	return true
}

// skip reads any JSON value, checking only its syntax.
func (s *scan) skip() bool {
	s.steps++
	if s.steps > maxSteps || s.depth >= maxDepth {
		return false
	}
	s.ws()
	end, err := jsonscan.Value(s.data, s.pos, s.depth)
	if err != nil {
		return false
	}
	s.pos = end
	return true
}
