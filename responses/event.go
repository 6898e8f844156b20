package responses

import (
	"encoding/json"
	"fmt"
	"time"
)

// Streaming event types, the values of [Event.Type]. Dispatch is always on the
// JSON "type", never on the SSE "event:" name.
const (
	EventResponseCreated    = "response.created"
	EventResponseInProgress = "response.in_progress"
	EventResponseQueued     = "response.queued"
	EventResponseCompleted  = "response.completed"
	EventResponseIncomplete = "response.incomplete"
	EventResponseFailed     = "response.failed"
	EventError              = "error"

	EventOutputItemAdded = "response.output_item.added"
	EventOutputItemDone  = "response.output_item.done"

	EventContentPartAdded = "response.content_part.added"
	EventContentPartDone  = "response.content_part.done"

	EventOutputTextDelta           = "response.output_text.delta"
	EventOutputTextDone            = "response.output_text.done"
	EventOutputTextAnnotationAdded = "response.output_text.annotation.added"

	EventRefusalDelta = "response.refusal.delta"
	EventRefusalDone  = "response.refusal.done"

	EventFunctionCallArgumentsDelta = "response.function_call_arguments.delta"
	EventFunctionCallArgumentsDone  = "response.function_call_arguments.done"

	EventCustomToolCallInputDelta = "response.custom_tool_call_input.delta"
	EventCustomToolCallInputDone  = "response.custom_tool_call_input.done"

	EventReasoningSummaryPartAdded = "response.reasoning_summary_part.added"
	EventReasoningSummaryPartDone  = "response.reasoning_summary_part.done"
	EventReasoningSummaryTextDelta = "response.reasoning_summary_text.delta"
	EventReasoningSummaryTextDone  = "response.reasoning_summary_text.done"
	EventReasoningTextDelta        = "response.reasoning_text.delta"
	EventReasoningTextDone         = "response.reasoning_text.done"

	EventFileSearchCallInProgress = "response.file_search_call.in_progress"
	EventFileSearchCallSearching  = "response.file_search_call.searching"
	EventFileSearchCallCompleted  = "response.file_search_call.completed"

	EventWebSearchCallInProgress = "response.web_search_call.in_progress"
	EventWebSearchCallSearching  = "response.web_search_call.searching"
	EventWebSearchCallCompleted  = "response.web_search_call.completed"

	EventCodeInterpreterCallInProgress   = "response.code_interpreter_call.in_progress"
	EventCodeInterpreterCallInterpreting = "response.code_interpreter_call.interpreting"
	EventCodeInterpreterCallCompleted    = "response.code_interpreter_call.completed"
	EventCodeInterpreterCallCodeDelta    = "response.code_interpreter_call_code.delta"
	EventCodeInterpreterCallCodeDone     = "response.code_interpreter_call_code.done"

	EventImageGenerationCallInProgress   = "response.image_generation_call.in_progress"
	EventImageGenerationCallGenerating   = "response.image_generation_call.generating"
	EventImageGenerationCallCompleted    = "response.image_generation_call.completed"
	EventImageGenerationCallPartialImage = "response.image_generation_call.partial_image"

	EventMCPCallInProgress      = "response.mcp_call.in_progress"
	EventMCPCallCompleted       = "response.mcp_call.completed"
	EventMCPCallFailed          = "response.mcp_call.failed"
	EventMCPCallArgumentsDelta  = "response.mcp_call_arguments.delta"
	EventMCPCallArgumentsDone   = "response.mcp_call_arguments.done"
	EventMCPListToolsInProgress = "response.mcp_list_tools.in_progress"
	EventMCPListToolsCompleted  = "response.mcp_list_tools.completed"
	EventMCPListToolsFailed     = "response.mcp_list_tools.failed"
	EventShellCallCommandAdded  = "response.shell_call_command.added"
	EventShellCallCommandDelta  = "response.shell_call_command.delta"
	EventShellCallCommandDone   = "response.shell_call_command.done"
	EventShellCallOutputDelta   = "response.shell_call_output_content.delta"
	EventShellCallOutputDone    = "response.shell_call_output_content.done"
	EventAudioDelta             = "response.audio.delta"
	EventAudioDone              = "response.audio.done"
	EventAudioTranscriptDelta   = "response.audio.transcript.delta"
	EventAudioTranscriptDone    = "response.audio.transcript.done"

	// EventRetry is not sent by the server: the client yields it when a
	// stream was cut or failed in a retryable way after some events had been
	// yielded, just before it sends the request again (Event.Retry says
	// why, and whether it goes to a fallback model). Consumers that built
	// state from earlier events (text shown so far) should discard it.
	EventRetry = "agentloop.retry"
)

// Event is one streaming event. Type says which of the fields are set; every
// event keeps its raw JSON in Raw, so fields this type does not name (the
// obfuscation padding, logprobs, partial images) are still readable.
type Event struct {
	Type           string `json:"type"`
	SequenceNumber int64  `json:"sequence_number"`

	// response.created, .in_progress, .queued, .completed, .incomplete, .failed
	Response *Response `json:"response,omitempty"`

	OutputIndex     int    `json:"output_index"`
	ContentIndex    int    `json:"content_index"`
	SummaryIndex    int    `json:"summary_index"`
	AnnotationIndex int    `json:"annotation_index"`
	ItemID          string `json:"item_id,omitempty"`

	// response.output_item.added / .done
	Item *Item `json:"item,omitempty"`
	// response.content_part.added / .done, response.reasoning_summary_part.*
	Part *ContentPart `json:"part,omitempty"`
	// response.output_text.annotation.added
	Annotation *Annotation `json:"annotation,omitempty"`

	Delta     string `json:"delta,omitempty"`     // every *.delta event with a string delta
	Text      string `json:"text,omitempty"`      // output_text.done, reasoning_*_text.done
	Refusal   string `json:"refusal,omitempty"`   // refusal.done
	Arguments string `json:"arguments,omitempty"` // function_call_arguments.done, mcp_call_arguments.done
	Name      string `json:"name,omitempty"`      // function_call_arguments.done
	Input     string `json:"input,omitempty"`     // custom_tool_call_input.done
	Code      string `json:"code,omitempty"`      // error, code_interpreter_call_code.done

	// response.shell_call_command.*: the command's position in the call's
	// commands, and the command (.added, .done); its .delta is in Delta.
	// response.shell_call_output_content.*: CommandIndex, and the output
	// written (ShellDelta for .delta, ShellOutput for .done).
	CommandIndex int                  `json:"command_index"`
	Command      string               `json:"command,omitempty"`
	ShellDelta   *ShellOutputDelta    `json:"-"`
	ShellOutput  []ShellCommandOutput `json:"-"`

	// error: code, message and param, at the top level or nested in "error"
	Message string `json:"message,omitempty"`
	Param   string `json:"param,omitempty"`

	// Retry is set on EventRetry events.
	Retry *RetryInfo `json:"-"`

	Raw json.RawMessage `json:"-"`
}

// RetryInfo describes a retry the client is about to make, or, given to
// [Options].RetryPolicy, one it may make.
type RetryInfo struct {
	Attempt    int           // 1 for the first retry; fallbacks count
	Err        error         // why the previous attempt failed
	Delay      time.Duration // how long the client waits before sending again
	StatusCode int           // the HTTP status of an *Error; 0 for a network error or a cut stream

	// Retryable is the client's default decision: Err is of a kind it
	// retries (see [Error.Retryable]; a cut stream and a network error are
	// too), or the retry is a fallback. A RetryPolicy may decide
	// otherwise, so a retry it chose can carry false.
	Retryable bool

	// FallbackModel is set when the request is sent to this model instead
	// of its own ([Options].FallbackModels), because Err said the model
	// could not serve it; empty for a retry with the same model.
	FallbackModel string
}

// IsTerminal reports whether the event ends a stream.
func (e *Event) IsTerminal() bool {
	switch e.Type {
	case EventResponseCompleted, EventResponseIncomplete, EventResponseFailed, EventError:
		return true
	}
	return false
}

// UnmarshalJSON decodes an event of any type and keeps its bytes. A shell
// output delta, an object, is read into ShellDelta. An error
// nested as {"type":"error","error":{…}} or sent as a bare {"error":{…}}
// is read into Code, Message and Param, and the bare form gets Type "error".
func (e *Event) UnmarshalJSON(b []byte) error { return e.decode(cloneBytes(b)) }

// decode decodes an event from b, which it keeps: Raw and the raw bytes of
// the items and responses inside alias b, so the caller must not modify it.
func (e *Event) decode(b []byte) error {
	var w struct {
		Type            string          `json:"type"`
		SequenceNumber  flexInt         `json:"sequence_number"`
		Response        *Response       `json:"response"`
		OutputIndex     int             `json:"output_index"`
		ContentIndex    int             `json:"content_index"`
		SummaryIndex    int             `json:"summary_index"`
		AnnotationIndex int             `json:"annotation_index"`
		ItemID          string          `json:"item_id"`
		Item            *Item           `json:"item"`
		Part            *ContentPart    `json:"part"`
		Annotation      *Annotation     `json:"annotation"`
		Delta           json.RawMessage `json:"delta"`
		Text            string          `json:"text"`
		Refusal         string          `json:"refusal"`
		Arguments       string          `json:"arguments"`
		Name            string          `json:"name"`
		Input           string          `json:"input"`
		Code            json.RawMessage `json:"code"`
		Message         string          `json:"message"`
		Param           json.RawMessage `json:"param"`
		Error           json.RawMessage `json:"error"`
		CommandIndex    int             `json:"command_index"`
		Command         string          `json:"command"`
		Output          json.RawMessage `json:"output"`
	}
	err := scanObject(b, func(key []byte, val []byte) error {
		var err error
		switch string(key) {
		case "type":
			w.Type, err = str(val)
		case "sequence_number":
			err = w.SequenceNumber.UnmarshalJSON(val)
		case "response":
			if !isNull(val) {
				w.Response = new(Response)
				err = w.Response.decode(val)
			}
		case "output_index":
			w.OutputIndex, err = plainInt(val)
		case "content_index":
			w.ContentIndex, err = plainInt(val)
		case "summary_index":
			w.SummaryIndex, err = plainInt(val)
		case "annotation_index":
			w.AnnotationIndex, err = plainInt(val)
		case "item_id":
			w.ItemID, err = str(val)
		case "item":
			if !isNull(val) {
				w.Item = new(Item)
				err = w.Item.decode(val)
			}
		case "part":
			if !isNull(val) {
				w.Part = new(ContentPart)
				err = w.Part.decode(val)
			}
		case "annotation":
			if !isNull(val) {
				w.Annotation = new(Annotation)
				err = w.Annotation.UnmarshalJSON(val)
			}
		case "delta":
			w.Delta = val
		case "text":
			w.Text, err = str(val)
		case "refusal":
			w.Refusal, err = str(val)
		case "arguments":
			w.Arguments, err = str(val)
		case "name":
			w.Name, err = str(val)
		case "input":
			w.Input, err = str(val)
		case "code":
			w.Code = val
		case "message":
			w.Message, err = str(val)
		case "param":
			w.Param = val
		case "error":
			w.Error = val
		case "command_index":
			w.CommandIndex, err = plainInt(val)
		case "command":
			w.Command, err = str(val)
		case "output":
			w.Output = val
		}
		if err != nil {
			return fmt.Errorf("event field %q: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*e = Event{
		Type: w.Type, SequenceNumber: int64(w.SequenceNumber), Response: w.Response,
		OutputIndex: w.OutputIndex, ContentIndex: w.ContentIndex, SummaryIndex: w.SummaryIndex,
		AnnotationIndex: w.AnnotationIndex, ItemID: w.ItemID, Item: w.Item, Part: w.Part,
		Annotation: w.Annotation, Text: w.Text, Refusal: w.Refusal, Arguments: w.Arguments,
		Name: w.Name, Input: w.Input, Message: w.Message,
		Code: looseString(w.Code), Param: looseString(w.Param),
		CommandIndex: w.CommandIndex, Command: w.Command, Raw: b,
	}
	if len(w.Delta) > 0 && w.Delta[0] == '"' {
		e.Delta, _ = str(w.Delta)
	}
	if len(w.Delta) > 0 && w.Delta[0] == '{' && e.Type == EventShellCallOutputDelta {
		e.ShellDelta = new(ShellOutputDelta)
		if err := json.Unmarshal(w.Delta, e.ShellDelta); err != nil {
			return fmt.Errorf("event %s: delta: %w", e.Type, err)
		}
	}
	if len(w.Output) > 0 && w.Output[0] == '[' && e.Type == EventShellCallOutputDone {
		if err := json.Unmarshal(w.Output, &e.ShellOutput); err != nil {
			return fmt.Errorf("event %s: output: %w", e.Type, err)
		}
	}
	if !isNull(w.Error) && w.Error[0] == '"' && (e.Type == "" || e.Type == EventError) {
		// {"error":"text"}: a gateway's error line
		e.Type = EventError
		if e.Message == "" {
			e.Message = looseString(w.Error)
		}
	}
	if !isNull(w.Error) && w.Error[0] == '{' && (e.Type == "" || e.Type == EventError) {
		var inner struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
			Param   json.RawMessage `json:"param"`
			Type    string          `json:"type"`
		}
		if json.Unmarshal(w.Error, &inner) == nil {
			e.Type = EventError
			if e.Code == "" {
				e.Code = looseString(inner.Code)
			}
			if e.Code == "" {
				e.Code = inner.Type
			}
			if e.Message == "" {
				e.Message = inner.Message
			}
			if e.Param == "" {
				e.Param = looseString(inner.Param)
			}
		}
	}
	return nil
}

// looseString reads a JSON string, or the text of a number; null is "".
func looseString(b json.RawMessage) string {
	if isNull(b) {
		return ""
	}
	if b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) == nil {
			return s
		}
		return ""
	}
	return string(b)
}
