package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Validator checks JSON documents against a JSON schema. It is compiled once
// and is safe for concurrent use.
//
// It implements the subset of JSON Schema that strict mode uses, plus a few
// common keywords: type, enum, const, properties, required,
// additionalProperties, items, minItems, maxItems, minLength, maxLength,
// pattern (Go regexp syntax), minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, multipleOf, anyOf, oneOf, allOf, format date-time, and
// local references ("#", "#/$defs/…", "#/definitions/…"). Other keywords are
// ignored.
type Validator struct {
	root *vnode
	// absentIsNull lets a required property be left out when null is a
	// valid value for it.
	absentIsNull bool
}

type propEntry struct {
	name     string
	n        *vnode
	required bool
	nullable bool // null is a valid value
}

// mayBeAbsent reports whether a required property may still be left out:
// when absentIsNull is set and null is valid for it.
func (p *propEntry) mayBeAbsent(absentIsNull bool) bool {
	return absentIsNull && p.nullable
}

type patternProp struct {
	re *regexp.Regexp
	n  *vnode
}

// vnode is one compiled schema.
type vnode struct {
	never    bool
	types    uint8 // kind bits; 0: any
	enum     []any
	enumText string
	hasConst bool
	constVal any

	props      map[string]*vnode
	propNames  []string // sorted
	propList   []propEntry
	propIndex  map[string]int // name to index in propList
	required   []string
	reqOther   []string // required names that are not properties
	noExtra    bool
	additional *vnode
	patterns   []patternProp

	items              *vnode
	minItems, maxItems int // -1: none
	minLen, maxLen     int // -1: none
	pattern            *regexp.Regexp
	dateTime           bool

	minimum, maximum, exclMin, exclMax, multipleOf *float64

	anyOf, oneOf, allOf []*vnode
	ref                 *vnode
}

const (
	kNull uint8 = 1 << iota
	kBool
	kInt
	kNumber // any number; kInt is implied
	kString
	kArray
	kObject
)

var kindNames = []string{"null", "boolean", "integer", "number", "string", "array", "object"}

func kindBit(name string) (uint8, bool) {
	i := slices.Index(kindNames, name)
	if i < 0 {
		return 0, false
	}
	return 1 << i, true
}

func kindsText(mask uint8) string {
	var names []string
	for i, n := range kindNames[1:] {
		if mask&(2<<i) != 0 {
			names = append(names, n)
		}
	}
	if mask&kNull != 0 {
		names = append(names, "null")
	}
	return strings.Join(names, " or ")
}

// NewValidator compiles schema. It returns an error when schema is not a
// JSON schema this package can check: invalid JSON, a keyword of the wrong
// shape, an unknown type, a pattern Go cannot compile, or a reference it
// cannot resolve.
func NewValidator(schema json.RawMessage) (*Validator, error) {
	var doc any
	if err := json.Unmarshal(schema, &doc); err != nil {
		return nil, fmt.Errorf("tools: schema is not valid JSON: %w", err)
	}
	c := &compiler{doc: doc, byPtr: map[string]*vnode{}}
	root, err := c.compile(doc, "#")
	if err != nil {
		return nil, fmt.Errorf("tools: schema: %w", err)
	}
	for len(c.pending) > 0 {
		p := c.pending[0]
		c.pending = c.pending[1:]
		target, err := c.resolve(p.ref)
		if err != nil {
			return nil, fmt.Errorf("tools: schema: %s: %w", p.at, err)
		}
		p.n.ref = target
	}
	for ptr, n := range c.byPtr {
		if loops(n, map[*vnode]bool{}) {
			return nil, fmt.Errorf("tools: schema: %s: a $ref loops back without descending into the document", ptr)
		}
	}
	for _, n := range c.byPtr {
		for i, p := range n.propList {
			st := state{quiet: true}
			st.validate(p.n, nil)
			n.propList[i].nullable = st.probs == nil
		}
	}
	return &Validator{root: root}, nil
}

// loops reports whether n reaches itself through references and anyOf,
// oneOf and allOf alone, which check the same value again.
func loops(n *vnode, onPath map[*vnode]bool) bool {
	if onPath[n] {
		return true
	}
	onPath[n] = true
	defer delete(onPath, n)
	if n.ref != nil && loops(n.ref, onPath) {
		return true
	}
	for _, list := range [][]*vnode{n.anyOf, n.oneOf, n.allOf} {
		for _, b := range list {
			if loops(b, onPath) {
				return true
			}
		}
	}
	return false
}

type pendingRef struct {
	n   *vnode
	ref string
	at  string
}

type compiler struct {
	doc     any
	byPtr   map[string]*vnode
	pending []pendingRef
}

func (c *compiler) resolve(ref string) (*vnode, error) {
	if n, ok := c.byPtr[ref]; ok {
		return n, nil
	}
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("unsupported reference %q: only local references are", ref)
	}
	cur := c.doc
	for _, seg := range strings.Split(rest, "/") {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("reference %q does not resolve", ref)
		}
		if cur, ok = m[seg]; !ok {
			return nil, fmt.Errorf("reference %q does not resolve", ref)
		}
	}
	return c.compile(cur, ref)
}

func (c *compiler) compile(v any, ptr string) (*vnode, error) {
	if n, ok := c.byPtr[ptr]; ok {
		return n, nil
	}
	n := &vnode{minItems: -1, maxItems: -1, minLen: -1, maxLen: -1}
	c.byPtr[ptr] = n
	switch s := v.(type) {
	case bool:
		n.never = !s
		return n, nil
	case map[string]any:
		return n, c.fill(n, s, ptr)
	}
	return nil, fmt.Errorf("%s: a schema must be an object or a boolean", ptr)
}

func escapePtr(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func (c *compiler) fill(n *vnode, s map[string]any, ptr string) error {
	bad := func(k string) error { return fmt.Errorf("%s: malformed %q", ptr, k) }
	if r, ok := s["$ref"]; ok {
		ref, ok := r.(string)
		if !ok {
			return bad("$ref")
		}
		c.pending = append(c.pending, pendingRef{n, ref, ptr})
	}
	switch t := s["type"].(type) {
	case nil:
	case string:
		b, ok := kindBit(t)
		if !ok {
			return fmt.Errorf("%s: unknown type %q", ptr, t)
		}
		n.types = b
	case []any:
		for _, e := range t {
			name, _ := e.(string)
			b, ok := kindBit(name)
			if !ok {
				return fmt.Errorf("%s: unknown type %v", ptr, e)
			}
			n.types |= b
		}
	default:
		return bad("type")
	}
	if e, ok := s["enum"]; ok {
		list, ok := e.([]any)
		if !ok {
			return bad("enum")
		}
		n.enum = list
		n.enumText = excerptValues(list)
	}
	if cv, ok := s["const"]; ok {
		n.hasConst, n.constVal = true, cv
	}
	if p, ok := s["properties"]; ok {
		m, ok := p.(map[string]any)
		if !ok {
			return bad("properties")
		}
		n.props = make(map[string]*vnode, len(m))
		for name, sub := range m {
			sn, err := c.compile(sub, ptr+"/properties/"+escapePtr(name))
			if err != nil {
				return err
			}
			n.props[name] = sn
			n.propNames = append(n.propNames, name)
		}
		slices.Sort(n.propNames)
	}
	if p, ok := s["patternProperties"]; ok {
		m, ok := p.(map[string]any)
		if !ok {
			return bad("patternProperties")
		}
		for _, pat := range slices.Sorted(mapKeys(m)) {
			re, err := regexp.Compile(pat)
			if err != nil {
				return fmt.Errorf("%s: patternProperties %q: %w", ptr, pat, err)
			}
			pn, err := c.compile(m[pat], ptr+"/patternProperties/"+escapePtr(pat))
			if err != nil {
				return err
			}
			n.patterns = append(n.patterns, patternProp{re, pn})
		}
	}
	if r, ok := s["required"]; ok {
		list, ok := r.([]any)
		if !ok {
			return bad("required")
		}
		for _, e := range list {
			name, ok := e.(string)
			if !ok {
				return bad("required")
			}
			n.required = append(n.required, name)
		}
	}
	if n.props != nil {
		n.propIndex = make(map[string]int, len(n.props))
	}
	for _, name := range n.propNames {
		n.propIndex[name] = len(n.propList)
		n.propList = append(n.propList, propEntry{name: name, n: n.props[name], required: slices.Contains(n.required, name)})
	}
	for _, r := range n.required {
		if _, ok := n.props[r]; !ok {
			n.reqOther = append(n.reqOther, r)
		}
	}
	if a, ok := s["additionalProperties"]; ok {
		if b, isBool := a.(bool); isBool && !b {
			n.noExtra = true
		} else if !isBool {
			an, err := c.compile(a, ptr+"/additionalProperties")
			if err != nil {
				return err
			}
			n.additional = an
		}
	}
	if it, ok := s["items"]; ok {
		in, err := c.compile(it, ptr+"/items")
		if err != nil {
			return err
		}
		n.items = in
	}
	ints := []struct {
		k   string
		dst *int
	}{{"minItems", &n.minItems}, {"maxItems", &n.maxItems}, {"minLength", &n.minLen}, {"maxLength", &n.maxLen}}
	for _, kv := range ints {
		if v, ok := s[kv.k]; ok {
			f, ok := v.(float64)
			if !ok || f < 0 || f != math.Trunc(f) {
				return bad(kv.k)
			}
			*kv.dst = int(min(f, math.MaxInt32))
		}
	}
	nums := []struct {
		k   string
		dst **float64
	}{{"minimum", &n.minimum}, {"maximum", &n.maximum}, {"exclusiveMinimum", &n.exclMin},
		{"exclusiveMaximum", &n.exclMax}, {"multipleOf", &n.multipleOf}}
	for _, kv := range nums {
		if v, ok := s[kv.k]; ok {
			f, ok := v.(float64)
			if !ok {
				return bad(kv.k)
			}
			*kv.dst = &f
		}
	}
	if p, ok := s["pattern"]; ok {
		str, ok := p.(string)
		if !ok {
			return bad("pattern")
		}
		re, err := regexp.Compile(str)
		if err != nil {
			return fmt.Errorf("%s: pattern %q: %w", ptr, str, err)
		}
		n.pattern = re
	}
	n.dateTime = s["format"] == "date-time"
	for _, kv := range []struct {
		k   string
		dst *[]*vnode
	}{{"anyOf", &n.anyOf}, {"oneOf", &n.oneOf}, {"allOf", &n.allOf}} {
		v, ok := s[kv.k]
		if !ok {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return bad(kv.k)
		}
		for i, b := range list {
			bn, err := c.compile(b, ptr+"/"+kv.k+"/"+strconv.Itoa(i))
			if err != nil {
				return err
			}
			*kv.dst = append(*kv.dst, bn)
		}
	}
	return nil
}

// closed reports whether every object schema under n rejects unknown
// properties.
func (n *vnode) closed(seen map[*vnode]bool) bool {
	if n == nil || seen[n] {
		return true
	}
	seen[n] = true
	if (n.props != nil || n.types&kObject != 0) && !n.noExtra && n.additional == nil && n.patterns == nil {
		return false
	}
	for _, p := range n.propList {
		if !p.n.closed(seen) {
			return false
		}
	}
	for _, list := range [][]*vnode{n.anyOf, n.oneOf, n.allOf, {n.items, n.additional, n.ref}} {
		for _, b := range list {
			if !b.closed(seen) {
				return false
			}
		}
	}
	for _, p := range n.patterns {
		if !p.n.closed(seen) {
			return false
		}
	}
	return true
}

// Validate checks the JSON document doc against the schema. The error lists
// every problem found (up to a limit), each with its JSON path, such as
// `$.unit: "kelvin" is not one of "c", "f", null`; a document that is not
// JSON gets an error quoting the bytes around the fault.
func (v *Validator) Validate(doc []byte) error {
	if v.fastValid(doc) {
		return nil
	}
	x, err := parseJSON(doc)
	if err != nil {
		return err
	}
	return v.check(x)
}

// parseJSON decodes doc, describing a syntax error with an excerpt around
// the offending byte.
func parseJSON(doc []byte) (any, error) {
	var x any
	if err := json.Unmarshal(doc, &x); err != nil {
		return nil, syntaxProblem(doc, err)
	}
	return x, nil
}

func syntaxProblem(doc []byte, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	msg := strings.TrimPrefix(se.Error(), "json: ")
	if msg == "unexpected end of JSON input" {
		return fmt.Errorf("not valid JSON: %s (the document is truncated: %s)", msg, excerptTail(doc))
	}
	// Offset counts the bytes read, the offending one included.
	at := max(int(se.Offset)-1, 0)
	return fmt.Errorf("not valid JSON: %s at byte %d, near %s", msg, at, excerptAround(doc, at))
}

func excerptTail(doc []byte) string {
	const n = 40
	s := string(bytes.TrimRight(doc, " \t\r\n"))
	if len(s) > n {
		s = "…" + validUTF8Suffix(s[len(s)-n:])
	}
	return strconv.Quote(s)
}

func excerptAround(doc []byte, off int) string {
	const n = 24
	lo, hi := max(off-n, 0), min(off+n, len(doc))
	s := string(doc[lo:hi])
	if lo > 0 {
		s = "…" + validUTF8Suffix(s)
	}
	if hi < len(doc) {
		s = strings.ToValidUTF8(s, "") + "…"
	}
	return strconv.Quote(s)
}

func validUTF8Suffix(s string) string {
	for len(s) > 0 && !utf8.RuneStart(s[0]) {
		s = s[1:]
	}
	return s
}

// maxProblems bounds the problems one error lists.
const maxProblems = 10

// problems is the error a [Validator] returns for a document that does not
// match its schema: one entry per problem, each starting with a JSON path.
type problems []string

func (p problems) Error() string {
	if len(p) == 1 {
		return p[0]
	}
	return strconv.Itoa(len(p)) + " problems: " + strings.Join(p, "; ")
}

func (v *Validator) check(x any) error {
	st := &state{path: make([]pathSeg, 0, 8), absentIsNull: v.absentIsNull}
	st.validate(v.root, x)
	if st.steps > maxSteps && !slices.Contains(st.probs, tooComplex) {
		// Only sub-validations saw the limit: say so here.
		st.probs = append(problems{tooComplex}, st.probs...)
	}
	if st.probs == nil {
		return nil
	}
	return st.probs
}

// state is one validation in progress: the JSON path to the current value
// and the problems found so far.
type state struct {
	path  []pathSeg
	probs problems
	depth int  // nesting of validate calls
	steps int  // validate calls so far, sub-validations included
	quiet bool // only whether there are problems matters, not their text

	absentIsNull bool // see Validator.absentIsNull
}

const tooComplex = "$: the schema is too complex to check this document"

// Bounds on one validation, against schemas whose branches multiply (an
// anyOf of several recursive schemas tries each on every level).
const (
	maxDepth = 2000
	maxSteps = 100_000
)

// pathSeg is one step of a JSON path.
type pathSeg struct {
	key   string
	index int // -1 for a key
}

func (st *state) push(key string, index int) { st.path = append(st.path, pathSeg{key, index}) }
func (st *state) pop()                       { st.path = st.path[:len(st.path)-1] }

// pathString renders the current path, such as $.items[2].name.
func (st *state) pathString() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range st.path {
		switch {
		case s.index >= 0:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case isIdent(s.key):
			b.WriteByte('.')
			b.WriteString(s.key)
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Quote(s.key))
			b.WriteByte(']')
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || c != '-' && (c < '0' || c > '9')) {
			return false
		}
	}
	return true
}

func (st *state) addProblem(format string, args ...any) {
	if st.quiet {
		if st.probs == nil {
			st.probs = problems{""}
		}
		return
	}
	if len(st.probs) == maxProblems {
		st.probs = append(st.probs, "(more problems not shown)")
	}
	if len(st.probs) > maxProblems {
		return
	}
	st.probs = append(st.probs, st.pathString()+": "+fmt.Sprintf(format, args...))
}

// matches reports whether x is valid for n, without recording problems.
func (st *state) matches(n *vnode, x any) bool {
	sub := state{path: st.path, depth: st.depth, steps: st.steps, quiet: true, absentIsNull: st.absentIsNull}
	sub.validate(n, x)
	st.steps = sub.steps
	return sub.probs == nil
}

func kindOf(x any) uint8 {
	switch x := x.(type) {
	case nil:
		return kNull
	case bool:
		return kBool
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return kInt | kNumber
		}
		return kNumber
	case string:
		return kString
	case []any:
		return kArray
	case map[string]any:
		return kObject
	}
	return 0
}

// typeOK reports whether a value of kind k is allowed by the type mask.
func typeOK(mask, k uint8) bool {
	return mask == 0 || mask&k != 0
}

func (st *state) validate(n *vnode, x any) {
	st.steps++
	if st.depth >= maxDepth {
		st.addProblem("the document nests too deeply to check")
		return
	}
	if st.steps > maxSteps {
		if st.steps == maxSteps+1 {
			st.probs = append(st.probs, tooComplex)
		}
		return
	}
	st.depth++
	st.validateNode(n, x)
	st.depth--
}

func (st *state) validateNode(n *vnode, x any) {
	for i := 0; n.ref != nil && i < 64; i++ {
		n = n.ref
	}
	if n.never {
		st.addProblem("no value is allowed here")
		return
	}
	k := kindOf(x)
	if !typeOK(n.types, k) {
		st.addProblem("expected %s, got %s", kindsText(n.types), describe(x))
		return
	}
	if n.enum != nil && !slices.ContainsFunc(n.enum, func(e any) bool { return jsonEqual(e, x) }) {
		st.addProblem("%s is not one of %s", excerptValue(x), n.enumText)
		return
	}
	if n.hasConst && !jsonEqual(n.constVal, x) {
		st.addProblem("expected %s, got %s", excerptValue(n.constVal), excerptValue(x))
		return
	}
	switch x := x.(type) {
	case map[string]any:
		st.validateObject(n, x)
	case []any:
		if n.minItems >= 0 && len(x) < n.minItems {
			st.addProblem("%d items, fewer than the minimum %d", len(x), n.minItems)
		}
		if n.maxItems >= 0 && len(x) > n.maxItems {
			st.addProblem("%d items, more than the maximum %d", len(x), n.maxItems)
		}
		if n.items != nil {
			for i, e := range x {
				st.push("", i)
				st.validate(n.items, e)
				st.pop()
			}
		}
	case string:
		if n.minLen >= 0 || n.maxLen >= 0 {
			l := utf8.RuneCountInString(x)
			if n.minLen >= 0 && l < n.minLen {
				st.addProblem("%d characters, fewer than the minimum %d", l, n.minLen)
			}
			if n.maxLen >= 0 && l > n.maxLen {
				st.addProblem("%d characters, more than the maximum %d", l, n.maxLen)
			}
		}
		if n.pattern != nil && !n.pattern.MatchString(x) {
			st.addProblem("%s does not match the pattern %q", excerptValue(x), n.pattern.String())
		}
		if n.dateTime {
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				st.addProblem("%s is not an RFC 3339 date-time such as \"2025-01-31T09:30:00Z\"", excerptValue(x))
			}
		}
	case float64:
		st.validateNumber(n, x)
	}
	if n.anyOf != nil {
		st.validateAnyOf(n.anyOf, x, k)
	}
	if n.oneOf != nil {
		matches := 0
		for _, b := range n.oneOf {
			if st.matches(b, x) {
				matches++
			}
		}
		if matches != 1 {
			st.addProblem("matches %d of the oneOf schemas, not exactly one", matches)
		}
	}
	for _, b := range n.allOf {
		st.validate(b, x)
	}
}

func (st *state) validateObject(n *vnode, x map[string]any) {
	found := 0
	for _, p := range n.propList {
		val, ok := x[p.name]
		if !ok {
			if p.required && !p.mayBeAbsent(st.absentIsNull) {
				st.addProblem("missing required property %q", p.name)
			}
			continue
		}
		found++
		st.push(p.name, -1)
		st.validate(p.n, val)
		st.pop()
	}
	for _, r := range n.reqOther {
		if _, ok := x[r]; !ok {
			st.addProblem("missing required property %q", r)
		}
	}
	open := !n.noExtra && n.additional == nil && n.patterns == nil
	if found == len(x) || open {
		return
	}
	var unknown []string
	for key := range x {
		if _, ok := n.props[key]; !ok {
			unknown = append(unknown, key)
		}
	}
	slices.Sort(unknown)
	for _, key := range unknown {
		matched := false
		for _, p := range n.patterns {
			if p.re.MatchString(key) {
				matched = true
				st.push(key, -1)
				st.validate(p.n, x[key])
				st.pop()
			}
		}
		switch {
		case matched:
		case n.noExtra:
			st.addProblem("unknown property %q (allowed: %s)", key, strings.Join(n.propNames, ", "))
		case n.additional != nil:
			st.push(key, -1)
			st.validate(n.additional, x[key])
			st.pop()
		}
	}
}

func (st *state) validateNumber(n *vnode, x float64) {
	if n.minimum == nil && n.maximum == nil && n.exclMin == nil && n.exclMax == nil && n.multipleOf == nil {
		return
	}
	num := strconv.FormatFloat(x, 'g', -1, 64)
	if n.minimum != nil && x < *n.minimum {
		st.addProblem("%s is less than the minimum %v", num, *n.minimum)
	}
	if n.maximum != nil && x > *n.maximum {
		st.addProblem("%s is greater than the maximum %v", num, *n.maximum)
	}
	if n.exclMin != nil && x <= *n.exclMin {
		st.addProblem("%s must be greater than %v", num, *n.exclMin)
	}
	if n.exclMax != nil && x >= *n.exclMax {
		st.addProblem("%s must be less than %v", num, *n.exclMax)
	}
	if n.multipleOf != nil && *n.multipleOf > 0 {
		q := x / *n.multipleOf
		if math.Abs(q-math.Round(q)) > 1e-9 {
			st.addProblem("%s is not a multiple of %v", num, *n.multipleOf)
		}
	}
}

// validateAnyOf reports, when no branch matches, the problems of the one
// branch whose type fits the value (the usual case: a nullable object), or
// a summary.
func (st *state) validateAnyOf(branches []*vnode, x any, k uint8) {
	var fitting []*vnode
	var types uint8
	for _, b := range branches {
		r := b
		for i := 0; r.ref != nil && i < 64; i++ {
			r = r.ref
		}
		types |= r.types
		if r.types == 0 {
			types = 0xff
		}
		if typeOK(r.types, k) {
			fitting = append(fitting, b)
		}
	}
	switch len(fitting) {
	case 0:
		st.addProblem("expected %s, got %s", kindsText(types), describe(x))
	case 1:
		st.validate(fitting[0], x)
	default:
		for _, b := range fitting {
			if st.matches(b, x) {
				return
			}
		}
		st.addProblem("%s matches none of the anyOf schemas", excerptValue(x))
	}
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case float64:
		bf, ok := b.(float64)
		return ok && a == bf
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case nil:
		return b == nil
	}
	return reflect.DeepEqual(a, b)
}

// excerptValue renders a decoded JSON value for a message, shortened.
func excerptValue(x any) string {
	var b bytes.Buffer
	writeJSON(&b, x)
	s := b.String()
	const n = 60
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	switch x.(type) {
	case map[string]any:
		return "object " + s
	case []any:
		return "array " + s
	case float64:
		return "number " + s
	case bool:
		return "boolean " + s
	}
	return s
}

// describe is excerptValue with the kind of a string or null named.
func describe(x any) string {
	switch x.(type) {
	case string:
		return "string " + excerptValue(x)
	case nil:
		return "null"
	}
	return excerptValue(x)
}

func excerptValues(list []any) string {
	parts := make([]string, 0, min(len(list), 20))
	for i, e := range list {
		if i == 20 {
			parts = append(parts, fmt.Sprintf("… (%d values)", len(list)))
			break
		}
		var b bytes.Buffer
		writeJSON(&b, e)
		parts = append(parts, b.String())
	}
	return strings.Join(parts, ", ")
}
