package responses

import (
	"encoding/json"
	"fmt"
)

// Response statuses, the values of [Response.Status].
const (
	StatusCompleted  = "completed"
	StatusFailed     = "failed"
	StatusInProgress = "in_progress"
	StatusCancelled  = "cancelled"
	StatusQueued     = "queued"
	StatusIncomplete = "incomplete"
)

// Response is the response object. Every field is optional: gateways omit
// many of them. Raw holds the bytes it was decoded from.
type Response struct {
	ID                 string             `json:"id,omitempty"`
	Object             string             `json:"object,omitempty"`
	CreatedAt          int64              `json:"created_at,omitempty"`
	Status             string             `json:"status,omitempty"`
	Error              *ResponseError     `json:"error,omitempty"`
	IncompleteDetails  *IncompleteDetails `json:"incomplete_details,omitempty"`
	Model              string             `json:"model,omitempty"`
	Output             []Item             `json:"output"`
	Usage              *Usage             `json:"usage,omitempty"`
	PreviousResponseID string             `json:"previous_response_id,omitempty"`
	ServiceTier        string             `json:"service_tier,omitempty"`

	// InputTransformations lists the input items the API withheld from the
	// model, in input order: reasoning items it could not use here (another
	// organization, end user or model, a changed prefix). Nil when none.
	InputTransformations []InputTransformation `json:"input_transformations,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// InputTransformation is a change the API made to a request's input before
// the model saw it: so far, a reasoning item withheld ("removed"). A client
// that replays its history can drop the item (by ID) from later requests:
// it is not used, yet is still sent and billed as input, and removing it
// keeps the request prefix stable for caching.
type InputTransformation struct {
	ID     string `json:"id"`     // the input item's id, such as "rs_…"
	Type   string `json:"type"`   // the input item's type: "reasoning"
	Action string `json:"action"` // what was done to it: TransformRemoved
	Reason string `json:"reason"` // why: one of the Transform* reasons
}

// Values of [InputTransformation].Action and Reason.
const (
	// TransformRemoved: the item was withheld from the model.
	TransformRemoved = "removed"

	// TransformOrganizationMismatch: the item was made under another
	// organization, as when a gateway moves a conversation to another
	// upstream account.
	TransformOrganizationMismatch = "organization_mismatch"
	// TransformEndUserMismatch: the item was made for another end user
	// (safety_identifier).
	TransformEndUserMismatch = "end_user_mismatch"
	// TransformModelMismatch: the item was made by another model.
	TransformModelMismatch = "model_mismatch"
	// TransformPrefixMismatch: the input before the item changed since it
	// was made.
	TransformPrefixMismatch = "prefix_mismatch"
	// TransformTurnBoundary: the item belongs to an earlier turn, which the
	// model does not see reasoning from.
	TransformTurnBoundary = "turn_boundary"
)

// decodeInputTransformations reads input_transformations leniently: members
// it does not know and elements that are not objects are skipped.
func decodeInputTransformations(val []byte) ([]InputTransformation, error) {
	if isNull(val) {
		return nil, nil
	}
	out := make([]InputTransformation, 0, 2)
	err := scanArray(val, func(elem []byte) error {
		var t InputTransformation
		if scanObject(elem, func(key []byte, v []byte) error {
			switch string(key) {
			case "id":
				t.ID = looseString(v)
			case "type":
				t.Type = looseString(v)
			case "action":
				t.Action = looseString(v)
			case "reason":
				t.Reason = looseString(v)
			}
			return nil
		}) == nil {
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// ResponseError is the error of a failed response.
type ResponseError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`  // "invalid_request_error", …; often absent
	Param   string `json:"param,omitempty"` // the request parameter at fault, if any

	// Misalignment is the reason of a misalignment_policy_violation; nil
	// otherwise.
	Misalignment *Misalignment `json:"misalignment,omitempty"`
}

// UnmarshalJSON reads the error leniently: a code sent as a number, or
// null, decodes.
func (e *ResponseError) UnmarshalJSON(b []byte) error {
	var w ResponseError
	err := scanObject(b, func(key []byte, val []byte) error {
		switch string(key) {
		case "code":
			w.Code = looseString(val)
		case "message":
			w.Message = looseText(val)
		case "type":
			w.Type = looseString(val)
		case "param":
			w.Param = looseString(val)
		case "misalignment":
			w.Misalignment = decodeMisalignment(val)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*e = w
	return nil
}

// Misalignment is the structured reason of a misalignment_policy_violation
// error (error.misalignment): what the API's misalignment monitoring saw
// when it stopped the request. Every field may be empty.
type Misalignment struct {
	// ErrorType classifies the finding, such as
	// "potentially_unintended_data_access".
	ErrorType string `json:"error_type,omitempty"`
	// DetailedExplanation says what was seen, for a person to review.
	DetailedExplanation string `json:"detailed_explanation,omitempty"`
	// ReviewTarget is what the review was about, as sent (its shape is not
	// documented); nil when absent.
	ReviewTarget json.RawMessage `json:"review_target,omitempty"`
	// Steer is the guidance offered for going on (steer.message), if any.
	Steer string `json:"steer,omitempty"`
}

// decodeMisalignment reads an error's misalignment object leniently; nil
// for null, an absent member or a value that is not an object.
func decodeMisalignment(b []byte) *Misalignment {
	if isNull(b) {
		return nil
	}
	var m Misalignment
	err := scanObject(b, func(key []byte, val []byte) error {
		switch string(key) {
		case "error_type":
			m.ErrorType = looseString(val)
		case "detailed_explanation":
			m.DetailedExplanation = looseText(val)
		case "review_target":
			if !isNull(val) {
				m.ReviewTarget = cloneBytes(val)
			}
		case "steer":
			switch {
			case isNull(val):
			case val[0] == '{':
				var s struct {
					Message json.RawMessage `json:"message"`
				}
				if json.Unmarshal(val, &s) == nil {
					m.Steer = looseText(s.Message)
				}
			default:
				m.Steer = looseText(val)
			}
		}
		return nil
	})
	if err != nil {
		return nil
	}
	return &m
}

// IncompleteDetails says why a response is incomplete: one of the
// Incomplete* reasons.
type IncompleteDetails struct {
	Reason string `json:"reason"`
}

// Reasons a response is incomplete, the values of [IncompleteDetails.Reason].
// The first two cut the model's output off; the last two stop the response
// between output items (see [IncompleteDetails.AtBoundary]).
const (
	// IncompleteMaxOutputTokens: the output reached max_output_tokens; its
	// last item may be cut mid-way (a call's arguments invalid JSON).
	IncompleteMaxOutputTokens = "max_output_tokens"
	// IncompleteContentFilter: a content filter stopped the output.
	IncompleteContentFilter = "content_filter"
	// IncompleteMaxMessages: the response reached its limit of messages
	// and stopped after a whole item.
	IncompleteMaxMessages = "max_messages"
	// IncompleteSteered: the response stopped at a safe boundary after the
	// client steered it (a WebSocket response.steer).
	IncompleteSteered = "steered"
)

// AtBoundary reports whether the response stopped between output items, with
// every item whole: the reasons max_messages and steered. Such a response is
// not a model error; the calls in it are complete and can be run, and the
// conversation can go on. Any other reason (max_output_tokens,
// content_filter, one this package does not know, none) is not a boundary.
// A nil d is not either.
func (d *IncompleteDetails) AtBoundary() bool {
	return d != nil && (d.Reason == IncompleteMaxMessages || d.Reason == IncompleteSteered)
}

// Truncated reports whether the model's output was cut off: the status is
// "incomplete" and the response did not stop at a boundary (see
// [IncompleteDetails.AtBoundary]); an unknown or missing reason counts as
// cut. The last item of a truncated response may be partial: a call in it
// must not be run.
func (r *Response) Truncated() bool {
	return r.Status == StatusIncomplete && !r.IncompleteDetails.AtBoundary()
}

// Usage counts the tokens of a response, and what its hosted tools used.
type Usage struct {
	InputTokens         int64               `json:"input_tokens"`
	InputTokensDetails  InputTokensDetails  `json:"input_tokens_details"`
	OutputTokens        int64               `json:"output_tokens"`
	OutputTokensDetails OutputTokensDetails `json:"output_tokens_details"`
	TotalTokens         int64               `json:"total_tokens"`

	// ToolUsage counts what hosted tools used and are billed for apart
	// from the tokens above (tool_usage). Zero when not reported.
	ToolUsage ToolUsage `json:"tool_usage,omitzero"`
}

// InputTokensDetails breaks input tokens down.
type InputTokensDetails struct {
	// CachedTokens is how many input tokens were read from the prompt
	// cache.
	CachedTokens int64 `json:"cached_tokens"`
	// CacheWriteTokens is how many input tokens were written to the prompt
	// cache.
	CacheWriteTokens int64 `json:"cache_write_tokens,omitzero"`
	// CacheWriteTokensDetails breaks CacheWriteTokens down by how long the
	// cache keeps them.
	CacheWriteTokensDetails CacheWriteTokensDetails `json:"cache_write_tokens_details,omitzero"`
}

// CacheWriteTokensDetails breaks the tokens written to the prompt cache down
// by their lifetime.
type CacheWriteTokensDetails struct {
	TTL30mTokens int64 `json:"ttl_30m_tokens,omitzero"` // kept for 30 minutes
	TTL12hTokens int64 `json:"ttl_12h_tokens,omitzero"` // kept for 12 hours
}

// OutputTokensDetails breaks output tokens down.
type OutputTokensDetails struct {
	ReasoningTokens int64 `json:"reasoning_tokens"`
}

// ToolUsage counts what hosted tools used in a response.
type ToolUsage struct {
	ImageGen  ImageGenUsage  `json:"image_gen,omitzero"`  // the image_generation tool
	WebSearch WebSearchUsage `json:"web_search,omitzero"` // the web_search tool
}

// ImageGenUsage counts the tokens of the image_generation tool.
type ImageGenUsage struct {
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
	TotalTokens  int64 `json:"total_tokens"`
}

// WebSearchUsage counts the web_search tool's billable searches.
type WebSearchUsage struct {
	NumRequests int64 `json:"num_requests"`
}

// Add adds u2's counts to u.
func (u *Usage) Add(u2 *Usage) {
	if u2 == nil {
		return
	}
	u.InputTokens += u2.InputTokens
	u.OutputTokens += u2.OutputTokens
	u.TotalTokens += u2.TotalTokens
	in, in2 := &u.InputTokensDetails, &u2.InputTokensDetails
	in.CachedTokens += in2.CachedTokens
	in.CacheWriteTokens += in2.CacheWriteTokens
	in.CacheWriteTokensDetails.TTL30mTokens += in2.CacheWriteTokensDetails.TTL30mTokens
	in.CacheWriteTokensDetails.TTL12hTokens += in2.CacheWriteTokensDetails.TTL12hTokens
	u.OutputTokensDetails.ReasoningTokens += u2.OutputTokensDetails.ReasoningTokens
	img, img2 := &u.ToolUsage.ImageGen, &u2.ToolUsage.ImageGen
	img.InputTokens += img2.InputTokens
	img.OutputTokens += img2.OutputTokens
	img.TotalTokens += img2.TotalTokens
	u.ToolUsage.WebSearch.NumRequests += u2.ToolUsage.WebSearch.NumRequests
}

// UnmarshalJSON reads usage leniently: counts sent as strings or floats (as
// some gateways do) and null details decode.
func (u *Usage) UnmarshalJSON(b []byte) error {
	var w Usage
	err := scanObject(b, func(key []byte, val []byte) error {
		var err error
		switch string(key) {
		case "input_tokens":
			w.InputTokens, err = intValue(val)
		case "output_tokens":
			w.OutputTokens, err = intValue(val)
		case "total_tokens":
			w.TotalTokens, err = intValue(val)
		case "input_tokens_details":
			err = scanCounts(val, func(k []byte, v []byte) (err error) {
				d := &w.InputTokensDetails
				switch string(k) {
				case "cached_tokens":
					d.CachedTokens, err = intValue(v)
				case "cache_write_tokens":
					d.CacheWriteTokens, err = intValue(v)
				case "cache_write_tokens_details":
					err = scanCounts(v, func(k []byte, v []byte) (err error) {
						switch string(k) {
						case "ttl_30m_tokens":
							d.CacheWriteTokensDetails.TTL30mTokens, err = intValue(v)
						case "ttl_12h_tokens":
							d.CacheWriteTokensDetails.TTL12hTokens, err = intValue(v)
						}
						return err
					})
				}
				return err
			})
		case "output_tokens_details":
			err = scanCounts(val, func(k []byte, v []byte) (err error) {
				if string(k) == "reasoning_tokens" {
					w.OutputTokensDetails.ReasoningTokens, err = intValue(v)
				}
				return err
			})
		case "tool_usage":
			err = scanCounts(val, func(k []byte, v []byte) error {
				switch string(k) {
				case "image_gen":
					img := &w.ToolUsage.ImageGen
					return scanCounts(v, func(k []byte, v []byte) (err error) {
						switch string(k) {
						case "input_tokens":
							img.InputTokens, err = intValue(v)
						case "output_tokens":
							img.OutputTokens, err = intValue(v)
						case "total_tokens":
							img.TotalTokens, err = intValue(v)
						}
						return err
					})
				case "web_search":
					return scanCounts(v, func(k []byte, v []byte) (err error) {
						if string(k) == "num_requests" {
							w.ToolUsage.WebSearch.NumRequests, err = intValue(v)
						}
						return err
					})
				}
				return nil
			})
		}
		if err != nil {
			return fmt.Errorf("usage field %q: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*u = w
	return nil
}

// scanCounts calls fn with each member of a usage details object; null is
// an empty object.
func scanCounts(val []byte, fn func(key []byte, val []byte) error) error {
	if isNull(val) {
		return nil
	}
	return scanObject(val, fn)
}

// UnmarshalJSON decodes a response and keeps its bytes in Raw.
func (r *Response) UnmarshalJSON(b []byte) error { return r.decode(cloneBytes(b)) }

// decode decodes a response from b and keeps b as its Raw (and slices of it
// as the raw bytes of its items), so the caller must not modify b.
func (r *Response) decode(b []byte) error {
	var w Response
	err := scanObject(b, func(key []byte, val []byte) error {
		var err error
		switch string(key) {
		case "id":
			w.ID, err = str(val)
		case "object":
			w.Object, err = str(val)
		case "created_at":
			w.CreatedAt, err = intValue(val)
		case "status":
			w.Status, err = str(val)
		case "error":
			switch {
			case isNull(val):
			case val[0] == '"': // a gateway's {"error":"text"}
				w.Error = &ResponseError{Message: looseString(val)}
			default:
				w.Error = new(ResponseError)
				err = w.Error.UnmarshalJSON(val)
			}
		case "incomplete_details":
			if !isNull(val) {
				w.IncompleteDetails = new(IncompleteDetails)
				err = json.Unmarshal(val, w.IncompleteDetails)
			}
		case "model":
			w.Model, err = str(val)
		case "output":
			if isNull(val) {
				return nil
			}
			w.Output = make([]Item, 0, 4)
			err = scanArray(val, func(elem []byte) error {
				w.Output = append(w.Output, Item{})
				return w.Output[len(w.Output)-1].decode(elem)
			})
		case "usage":
			if !isNull(val) {
				w.Usage = new(Usage)
				err = w.Usage.UnmarshalJSON(val)
			}
		case "previous_response_id":
			w.PreviousResponseID, err = str(val)
		case "service_tier":
			w.ServiceTier, err = str(val)
		case "input_transformations":
			w.InputTransformations, err = decodeInputTransformations(val)
		}
		if err != nil {
			return fmt.Errorf("response field %q: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.Raw = b
	*r = w
	return nil
}

// OutputText returns the text of the last assistant message in the output.
func (r *Response) OutputText() string {
	for i := len(r.Output) - 1; i >= 0; i-- {
		if r.Output[i].IsMessage() && r.Output[i].Role == RoleAssistant {
			return r.Output[i].Text()
		}
	}
	return ""
}

// Reasoned reports whether the response shows that its model reasoned: a
// reasoning item in its output, or reasoning tokens in its usage. It is
// evidence one way only: a reasoning model may answer without reasoning
// (effort "none", a trivial input, a gateway that drops reasoning items and
// the token count), so false does not prove that the model cannot reason.
// A caller that guessed from the model's name that it does not reason can
// correct the guess when this is true (and ask for encrypted reasoning from
// then on).
func (r *Response) Reasoned() bool {
	if r.Usage != nil && r.Usage.OutputTokensDetails.ReasoningTokens > 0 {
		return true
	}
	for i := range r.Output {
		if r.Output[i].Type == ItemReasoning {
			return true
		}
	}
	return false
}
