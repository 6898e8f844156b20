// Package toolsearch is a tool search the client runs: it declares
// {"type":"tool_search","execution":"client",…} and answers the model's
// tool_search_call items with tool_search_output items that load the
// deferred tools matching the search.
//
// Mark the tools to load on demand with [tools.WithDeferLoading], and give
// them both to the agent (the runner calls them by name once loaded) and to
// the search:
//
//	weather, _ := tools.NewFunc("get_weather", "Current weather for a city", getWeather, tools.WithDeferLoading())
//	stocks, _ := tools.NewFunc("get_quote", "Latest stock quote", getQuote, tools.WithDeferLoading())
//	deferred := []tools.Tool{weather, stocks}
//	a := &agent.Agent{Name: "assistant", Model: "gpt-5.4",
//		Tools: append(deferred, toolsearch.New(deferred, nil))}
//
// As the API documents it, deferred tools stay declared in every request
// with "defer_loading": true: the model sees their names and descriptions,
// not their parameters, until a tool_search_output in the conversation
// loads them; it can call them from the next turn on, and the request's
// tools never change (the prompt cache holds). For models or gateways that
// do not know defer_loading, Options.LeaveOut leaves the deferred tools out
// of each request until a tool search of the conversation found them.
package toolsearch

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
)

// Defaults of [Options].
const (
	DefaultDescription = "Search the tools available for this task by keywords (what you want to do, or a tool's name). The tools found can be called from the next turn on."
	DefaultParameters  = `{"type":"object","properties":{"query":{"type":"string","description":"Keywords describing the tool you need, or its name."}},"required":["query"],"additionalProperties":false}`
	DefaultMaxResults  = 5
)

// Options configures a [Tool]. The zero value is valid.
type Options struct {
	// Description tells the model what the search finds. Empty means
	// [DefaultDescription].
	Description string

	// Parameters is the JSON schema of a search's arguments. Nil means
	// [DefaultParameters], one "query" string.
	Parameters json.RawMessage

	// Search finds the tools a tool_search_call asks for, given its
	// arguments (a JSON object following Parameters) and the definitions
	// of the deferred tools. Nil means [Match] on the arguments' string
	// values, keeping the best MaxResults.
	Search func(ctx context.Context, arguments string, deferred []responses.Tool) ([]responses.Tool, error)

	// MaxResults bounds the tools the default search loads. Zero means
	// [DefaultMaxResults].
	MaxResults int

	// LeaveOut leaves the deferred tools out of each request until a
	// tool_search_output among the request's input items loads them. It
	// reads the input, so it holds across a pause and a resume; with
	// previous_response_id (only new items in the input), tools found in
	// earlier responses are left out again.
	LeaveOut bool
}

// Tool is the client tool search. It implements [tools.Tool],
// [tools.ItemTyper], [tools.ItemCaller] and [tools.RequestEditor]. It is
// safe for concurrent use.
type Tool struct {
	defs  []responses.Tool
	names map[string]bool
	opts  Options
}

// New returns a tool search over the definitions of deferred. Options may
// be nil.
func New(deferred []tools.Tool, opts *Options) *Tool {
	t := &Tool{names: map[string]bool{}}
	if opts != nil {
		t.opts = *opts
	}
	t.opts.Description = cmp.Or(t.opts.Description, DefaultDescription)
	if t.opts.Parameters == nil {
		t.opts.Parameters = json.RawMessage(DefaultParameters)
	}
	if t.opts.MaxResults <= 0 {
		t.opts.MaxResults = DefaultMaxResults
	}
	for _, d := range deferred {
		def := d.Definition()
		t.defs = append(t.defs, def)
		if def.Name != "" {
			t.names[def.Name] = true
		}
	}
	return t
}

// Definition returns {"type":"tool_search","execution":"client",
// "description":…,"parameters":…}.
func (t *Tool) Definition() responses.Tool {
	return responses.Tool{Type: responses.ToolToolSearch, Execution: responses.ExecutionClient,
		Description: t.opts.Description, Parameters: t.opts.Parameters}
}

// ItemTypes returns the call type the tool answers: tool_search_call.
func (t *Tool) ItemTypes() []string { return []string{responses.ItemToolSearchCall} }

var errNotFunction = errors.New("toolsearch: tool searches arrive as tool_search_call items; the runner must use CallItem")

// Call returns an error: searches are items, answered by [Tool.CallItem].
func (t *Tool) Call(context.Context, string) (responses.ToolOutput, error) {
	return responses.ToolOutput{}, errNotFunction
}

// CallItem runs the search and answers with a tool_search_output loading
// the tools found (none when nothing matches). When the search fails, the
// output loads none and the error is for the model to read beside it.
func (t *Tool) CallItem(ctx context.Context, call *responses.Item) (responses.Item, error) {
	if call.Type != responses.ItemToolSearchCall {
		return responses.Item{}, fmt.Errorf("toolsearch: cannot answer a %s", call.Type)
	}
	var found []responses.Tool
	var err error
	if t.opts.Search != nil {
		found, err = t.opts.Search(ctx, call.Arguments, slices.Clone(t.defs))
	} else {
		var q string
		q, err = queryOf(call.Arguments)
		found = Match(q, t.defs, t.opts.MaxResults)
	}
	out := responses.Item{Type: responses.ItemToolSearchOutput, CallID: call.CallID, Execution: responses.ExecutionClient,
		Status: responses.StatusCompleted, Tools: slices.Clip(append([]responses.Tool{}, found...))}
	if err != nil {
		out.Tools = []responses.Tool{}
		return out, fmt.Errorf("toolsearch: %w", err)
	}
	return out, nil
}

// EditRequest leaves out of req.Tools, with Options.LeaveOut, the deferred
// tools no tool_search_output of req.Input.Items loaded. It replaces
// req.Tools with a new slice when it changes it.
func (t *Tool) EditRequest(req *responses.Request) {
	if !t.opts.LeaveOut {
		return
	}
	found := map[string]bool{}
	for i := range req.Input.Items {
		if it := &req.Input.Items[i]; it.Type == responses.ItemToolSearchOutput {
			for _, d := range it.Tools {
				found[d.Name] = true
			}
		}
	}
	keep := make([]responses.Tool, 0, len(req.Tools))
	for _, d := range req.Tools {
		if d.Name != "" && t.names[d.Name] && !found[d.Name] {
			continue
		}
		keep = append(keep, d)
	}
	if len(keep) != len(req.Tools) {
		req.Tools = keep
	}
}

// queryOf returns the string values of a search's arguments, joined: the
// query, whatever the parameters call it.
func queryOf(arguments string) (string, error) {
	if strings.TrimSpace(arguments) == "" {
		return "", nil
	}
	var v any
	if err := json.Unmarshal([]byte(arguments), &v); err != nil {
		return "", fmt.Errorf("the arguments are not JSON: %w", err)
	}
	var parts []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			parts = append(parts, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(x[k])
			}
		}
	}
	walk(v)
	return strings.Join(parts, " "), nil
}

// Match returns the definitions that match query best: each
// word of the query scores 3 for a word of a tool's name, 2 for a part of
// its name, and 1 for a word of its description that starts with it; the
// tools that score are returned best first, ties in their order, at most
// limit. A query that names a tool exactly returns it first.
func Match(query string, defs []responses.Tool, limit int) []responses.Tool {
	words := tokens(query)
	type scored struct {
		i, score int
	}
	var hits []scored
	for i, d := range defs {
		name := strings.ToLower(d.Name)
		nameWords := tokens(d.Name)
		descWords := tokens(d.Description)
		score := 0
		if strings.EqualFold(strings.TrimSpace(query), d.Name) {
			score += 100
		}
		for _, w := range words {
			switch {
			case slices.Contains(nameWords, w):
				score += 3
			case len(w) >= 3 && strings.Contains(name, w):
				score += 2
			case slices.ContainsFunc(descWords, func(dw string) bool { return len(w) >= 3 && strings.HasPrefix(dw, w) || dw == w }):
				score++
			}
		}
		if score > 0 {
			hits = append(hits, scored{i, score})
		}
	}
	slices.SortStableFunc(hits, func(a, b scored) int { return b.score - a.score })
	out := make([]responses.Tool, 0, min(len(hits), limit))
	for _, h := range hits[:min(len(hits), limit)] {
		out = append(out, defs[h.i])
	}
	return out
}

// tokens splits s into lower-case words of letters and digits, also at
// underscores, hyphens, dots and camelCase humps, leaving out common
// English words.
func tokens(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			w := string(cur)
			if !stopWord(w) {
				words = append(words, w)
			}
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range s {
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, unicode.ToLower(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, unicode.ToLower(r))
		default:
			flush()
		}
		prev = r
	}
	flush()
	return words
}

func stopWord(w string) bool {
	switch w {
	case "a", "an", "the", "of", "for", "to", "in", "on", "and", "or", "by", "with", "is", "it", "me", "my", "i",
		"what", "how", "tool", "tools", "use", "find", "get", "need", "want":
		return true
	}
	return false
}
