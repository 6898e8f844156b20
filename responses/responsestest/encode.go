package responsestest

import (
	"strconv"
	"unicode/utf8"

	"github.com/agentloop/agentloop/responses"
)

// This file builds response objects and SSE bodies by appending bytes: the
// server runs under benchmarks and the demo, so it avoids reflection.

// reply is a response about to be sent.
type reply struct {
	id           string
	createdAt    int64
	model        string
	instructions string
	prevID       string
	parallel     bool
	tools        []responses.Tool
	status       string
	reason       string
	errCode      string
	errMessage   string
	errType      string
	transforms   []responses.InputTransformation
	usage        responses.Usage
	items        []responses.Item // with ids assigned
	itemBytes    [][]byte         // each item's encoding, as sent
	chunks       int
}

// appendResponse appends the response object. When final is false it is the
// in-progress snapshot of response.created: no output, no usage.
func (r *reply) appendResponse(b []byte, final bool) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, r.id)
	b = append(b, `,"object":"response","created_at":`...)
	b = strconv.AppendInt(b, r.createdAt, 10)
	status := responses.StatusInProgress
	if final {
		status = r.status
	}
	b = append(b, `,"status":`...)
	b = appendString(b, status)
	b = append(b, `,"error":`...)
	if final && r.status == responses.StatusFailed {
		b = append(b, `{"code":`...)
		b = appendStringOrNull(b, r.errCode)
		b = append(b, `,"message":`...)
		b = appendString(b, r.errMessage)
		if r.errType != "" {
			b = append(b, `,"type":`...)
			b = appendString(b, r.errType)
		}
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"incomplete_details":`...)
	if final && r.status == responses.StatusIncomplete {
		b = append(b, `{"reason":`...)
		b = appendString(b, r.reason)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"instructions":`...)
	b = appendStringOrNull(b, r.instructions)
	b = append(b, `,"model":`...)
	b = appendString(b, r.model)
	b = append(b, `,"output":[`...)
	if final {
		for i, it := range r.itemBytes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, it...)
		}
	}
	b = append(b, `],"parallel_tool_calls":`...)
	b = strconv.AppendBool(b, r.parallel)
	b = append(b, `,"previous_response_id":`...)
	b = appendStringOrNull(b, r.prevID)
	b = append(b, `,"tools":[`...)
	for i, t := range r.tools {
		enc, err := t.MarshalJSON()
		if err != nil {
			continue
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, enc...)
	}
	b = append(b, `],"usage":`...)
	if final {
		b = appendUsage(b, &r.usage)
	} else {
		b = append(b, "null"...)
	}
	if final && len(r.transforms) > 0 {
		b = append(b, `,"input_transformations":[`...)
		for i, t := range r.transforms {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendString(b, t.ID)
			b = append(b, `,"action":`...)
			b = appendString(b, t.Action)
			b = append(b, `,"reason":`...)
			b = appendString(b, t.Reason)
			b = append(b, `,"type":`...)
			b = appendString(b, t.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendUsage(b []byte, u *responses.Usage) []byte {
	b = append(b, `{"input_tokens":`...)
	b = strconv.AppendInt(b, u.InputTokens, 10)
	b = append(b, `,"input_tokens_details":{"cached_tokens":`...)
	b = strconv.AppendInt(b, u.InputTokensDetails.CachedTokens, 10)
	// The newer counts are sent when set, so that other bodies stay as
	// they were.
	if d := &u.InputTokensDetails; d.CacheWriteTokens != 0 || d.CacheWriteTokensDetails != (responses.CacheWriteTokensDetails{}) {
		b = append(b, `,"cache_write_tokens":`...)
		b = strconv.AppendInt(b, d.CacheWriteTokens, 10)
		b = append(b, `,"cache_write_tokens_details":{"ttl_30m_tokens":`...)
		b = strconv.AppendInt(b, d.CacheWriteTokensDetails.TTL30mTokens, 10)
		b = append(b, `,"ttl_12h_tokens":`...)
		b = strconv.AppendInt(b, d.CacheWriteTokensDetails.TTL12hTokens, 10)
		b = append(b, '}')
	}
	b = append(b, `},"output_tokens":`...)
	b = strconv.AppendInt(b, u.OutputTokens, 10)
	b = append(b, `,"output_tokens_details":{"reasoning_tokens":`...)
	b = strconv.AppendInt(b, u.OutputTokensDetails.ReasoningTokens, 10)
	b = append(b, `},"total_tokens":`...)
	b = strconv.AppendInt(b, u.TotalTokens, 10)
	if tu := &u.ToolUsage; *tu != (responses.ToolUsage{}) {
		b = append(b, `,"tool_usage":{"image_gen":{"input_tokens":`...)
		b = strconv.AppendInt(b, tu.ImageGen.InputTokens, 10)
		b = append(b, `,"output_tokens":`...)
		b = strconv.AppendInt(b, tu.ImageGen.OutputTokens, 10)
		b = append(b, `,"total_tokens":`...)
		b = strconv.AppendInt(b, tu.ImageGen.TotalTokens, 10)
		b = append(b, `},"web_search":{"num_requests":`...)
		b = strconv.AppendInt(b, tu.WebSearch.NumRequests, 10)
		b = append(b, "}}"...)
	}
	return append(b, '}')
}

// events accumulates an SSE body and where each event ends.
type events struct {
	b    []byte
	seq  int64
	ends []int
}

// begin opens an event of type typ, through its sequence_number.
func (w *events) begin(typ string) {
	w.b = append(w.b, "event: "...)
	w.b = append(w.b, typ...)
	w.b = append(w.b, "\ndata: {\"type\":\""...)
	w.b = append(w.b, typ...)
	w.b = append(w.b, `","sequence_number":`...)
	w.b = strconv.AppendInt(w.b, w.seq, 10)
	w.seq++
}

func (w *events) end() {
	w.b = append(w.b, "}\n\n"...)
	w.ends = append(w.ends, len(w.b))
}

func (w *events) key(k string) {
	w.b = append(w.b, ',', '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *events) str(k, v string) {
	w.key(k)
	w.b = appendString(w.b, v)
}

func (w *events) int(k string, v int) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *events) raw(k string, v []byte) {
	w.key(k)
	w.b = append(w.b, v...)
}

// at opens an event about one item: type, sequence_number, item_id,
// output_index.
func (w *events) at(typ, itemID string, index int) {
	w.begin(typ)
	w.str("item_id", itemID)
	w.int("output_index", index)
}

// appendEvents appends the whole stream of r in the official order. When
// errorEvent is set, an error event with code and message replaces the
// terminal event.
func (r *reply) appendEvents(w *events, errorEvent bool) {
	w.begin(responses.EventResponseCreated)
	w.raw("response", r.appendResponse(nil, false))
	w.end()
	w.begin(responses.EventResponseInProgress)
	w.raw("response", r.appendResponse(nil, false))
	w.end()
	for i := range r.items {
		if r.items[i].Type == responses.ItemCompaction {
			w.begin(responses.EventCompactionCompacting)
			w.str("item_id", r.items[i].ID)
			w.int("output_index", i)
			w.end()
		}
		r.appendItemEvents(w, i)
	}
	if errorEvent {
		appendErrorEvent(w, r.errType, r.errCode, r.errMessage)
		return
	}
	typ := responses.EventResponseCompleted
	switch r.status {
	case responses.StatusIncomplete:
		typ = responses.EventResponseIncomplete
	case responses.StatusFailed:
		typ = responses.EventResponseFailed
	}
	w.begin(typ)
	w.raw("response", r.appendResponse(nil, true))
	w.end()
}

func appendErrorEvent(w *events, typ, code, message string) {
	w.begin(responses.EventError)
	if typ != "" {
		w.key("error")
		w.b = append(w.b, `{"type":`...)
		w.b = appendString(w.b, typ)
		w.b = append(w.b, `,"code":`...)
		w.b = appendStringOrNull(w.b, code)
		w.b = append(w.b, `,"message":`...)
		w.b = appendString(w.b, message)
		w.b = append(w.b, `,"param":null}`...)
		w.end()
		return
	}
	w.key("code")
	w.b = appendStringOrNull(w.b, code)
	w.str("message", message)
	w.raw("param", []byte("null"))
	w.end()
}

func (r *reply) appendItemEvents(w *events, i int) {
	it := &r.items[i]
	w.begin(responses.EventOutputItemAdded)
	w.int("output_index", i)
	w.raw("item", addedItem(it, r.itemBytes[i]))
	w.end()
	switch it.Type {
	case responses.ItemMessage:
		for j := range it.Content {
			p := &it.Content[j]
			var empty, deltaType, doneType, doneKey, text string
			switch p.Type {
			case responses.ContentOutputText:
				empty = `{"type":"output_text","text":"","annotations":[],"logprobs":[]}`
				deltaType, doneType, doneKey, text = responses.EventOutputTextDelta, responses.EventOutputTextDone, "text", p.Text
			case responses.ContentRefusal:
				empty = `{"type":"refusal","refusal":""}`
				deltaType, doneType, doneKey, text = responses.EventRefusalDelta, responses.EventRefusalDone, "refusal", p.Refusal
			default:
				continue
			}
			w.at(responses.EventContentPartAdded, it.ID, i)
			w.int("content_index", j)
			w.raw("part", []byte(empty))
			w.end()
			for _, d := range split(text, r.chunks) {
				w.at(deltaType, it.ID, i)
				w.int("content_index", j)
				w.str("delta", d)
				if doneKey == "text" {
					w.raw("logprobs", []byte("[]"))
				}
				w.end()
			}
			w.at(doneType, it.ID, i)
			w.int("content_index", j)
			w.str(doneKey, text)
			if doneKey == "text" {
				w.raw("logprobs", []byte("[]"))
			}
			w.end()
			part, err := p.MarshalJSON()
			if err != nil {
				part = []byte(empty)
			}
			w.at(responses.EventContentPartDone, it.ID, i)
			w.int("content_index", j)
			w.raw("part", part)
			w.end()
		}
	case responses.ItemFunctionCall:
		for _, d := range split(it.Arguments, r.chunks) {
			w.at(responses.EventFunctionCallArgumentsDelta, it.ID, i)
			w.str("delta", d)
			w.end()
		}
		w.at(responses.EventFunctionCallArgumentsDone, it.ID, i)
		w.str("name", it.Name)
		w.str("arguments", it.Arguments)
		w.end()
	case responses.ItemCustomToolCall:
		for _, d := range split(it.Input, r.chunks) {
			w.at(responses.EventCustomToolCallInputDelta, it.ID, i)
			w.str("delta", d)
			w.end()
		}
		w.at(responses.EventCustomToolCallInputDone, it.ID, i)
		w.str("input", it.Input)
		w.end()
	case responses.ItemReasoning:
		for j := range it.Summary {
			text := it.Summary[j].Text
			w.at(responses.EventReasoningSummaryPartAdded, it.ID, i)
			w.int("summary_index", j)
			w.raw("part", []byte(`{"type":"summary_text","text":""}`))
			w.end()
			for _, d := range split(text, r.chunks) {
				w.at(responses.EventReasoningSummaryTextDelta, it.ID, i)
				w.int("summary_index", j)
				w.str("delta", d)
				w.end()
			}
			w.at(responses.EventReasoningSummaryTextDone, it.ID, i)
			w.int("summary_index", j)
			w.str("text", text)
			w.end()
			w.at(responses.EventReasoningSummaryPartDone, it.ID, i)
			w.int("summary_index", j)
			w.key("part")
			w.b = append(w.b, `{"type":"summary_text","text":`...)
			w.b = appendString(w.b, text)
			w.b = append(w.b, '}')
			w.end()
		}
		for j := range it.Content {
			if it.Content[j].Type != responses.ContentReasoningText {
				continue
			}
			text := it.Content[j].Text
			for _, d := range split(text, r.chunks) {
				w.at(responses.EventReasoningTextDelta, it.ID, i)
				w.int("content_index", j)
				w.str("delta", d)
				w.end()
			}
			w.at(responses.EventReasoningTextDone, it.ID, i)
			w.int("content_index", j)
			w.str("text", text)
			w.end()
		}
	case responses.ItemShellCall:
		// Each command: added (empty), its deltas, done (in full).
		if it.ShellAction == nil {
			break
		}
		for j, cmd := range it.ShellAction.Commands {
			w.begin(responses.EventShellCallCommandAdded)
			w.int("output_index", i)
			w.int("command_index", j)
			w.str("command", "")
			w.end()
			for _, d := range split(cmd, r.chunks) {
				w.begin(responses.EventShellCallCommandDelta)
				w.int("output_index", i)
				w.int("command_index", j)
				w.str("delta", d)
				w.end()
			}
			w.begin(responses.EventShellCallCommandDone)
			w.int("output_index", i)
			w.int("command_index", j)
			w.str("command", cmd)
			w.end()
		}
	case responses.ItemFileSearchCall:
		for _, typ := range []string{responses.EventFileSearchCallInProgress,
			responses.EventFileSearchCallSearching, responses.EventFileSearchCallCompleted} {
			w.at(typ, it.ID, i)
			w.end()
		}
	case responses.ItemWebSearchCall:
		for _, typ := range []string{responses.EventWebSearchCallInProgress,
			responses.EventWebSearchCallSearching, responses.EventWebSearchCallCompleted} {
			w.at(typ, it.ID, i)
			w.end()
		}
	}
	w.begin(responses.EventOutputItemDone)
	w.int("output_index", i)
	w.raw("item", r.itemBytes[i])
	w.end()
}

// addedItem returns the item as output_item.added shows it: in progress,
// with no content, arguments, input or summary yet.
func addedItem(it *responses.Item, done []byte) []byte {
	a := *it
	a.ClearRaw()
	switch a.Type {
	case responses.ItemMessage:
		a.Content = []responses.ContentPart{}
		a.ContentText = ""
	case responses.ItemFunctionCall:
		a.Arguments = ""
	case responses.ItemCustomToolCall:
		a.Input = ""
	case responses.ItemReasoning:
		a.Summary = []responses.ContentPart{}
		a.Content = nil
		a.EncryptedContent = ""
	case responses.ItemFileSearchCall:
		a.Results = nil
	case responses.ItemShellCall:
		if a.ShellAction != nil {
			sa := *a.ShellAction
			sa.Commands = []string{}
			a.ShellAction = &sa
		}
	case responses.ItemComputerCall, responses.ItemWebSearchCall, responses.ItemApplyPatchCall, responses.ItemToolSearchCall:
	default:
		return done
	}
	if a.Status != "" {
		a.Status = responses.StatusInProgress
	}
	b, err := a.MarshalJSON()
	if err != nil {
		return done
	}
	return b
}

// split cuts s into about n pieces of similar size, on rune boundaries.
// An empty s has no pieces.
func split(s string, n int) []string {
	if s == "" {
		return nil
	}
	size := max(len(s)/max(n, 1), 8)
	var out []string
	for len(s) > size {
		cut := size
		for cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut++
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// errorBody appends an error body in OpenAI's shape.
func errorBody(b []byte, typ, code, message, param string) []byte {
	b = append(b, `{"error":{"message":`...)
	b = appendString(b, message)
	b = append(b, `,"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"param":`...)
	b = appendStringOrNull(b, param)
	b = append(b, `,"code":`...)
	b = appendStringOrNull(b, code)
	return append(b, "}}"...)
}

func appendStringOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

// appendString appends s as a JSON string. It escapes only what JSON
// requires (quotes, backslashes, control characters) and invalid UTF-8.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				const hex = "0123456789abcdef"
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
