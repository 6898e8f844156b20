package responses

import (
	"context"
	"errors"
	"fmt"
)

// Item and event types of compaction.
const (
	// ItemCompaction is a compaction item: the encrypted summary of the
	// items it replaces. A request that carries one needs no item before
	// it.
	ItemCompaction = "compaction"
	// ItemCompactionTrigger asks the server to compact the context; it
	// must be the last input item.
	ItemCompactionTrigger = "compaction_trigger"
	// EventCompactionCompacting: the server is compacting the context
	// (context_management); it carries no summary.
	EventCompactionCompacting = "response.compaction.compacting"
)

// ContextManagement is one entry of a request's context_management: with
// Type "compaction", the server compacts the context once it passes
// CompactThreshold tokens (at least 1000; zero leaves the server's
// default), and the response carries a compaction item.
type ContextManagement struct {
	Type             string `json:"type"`
	CompactThreshold int    `json:"compact_threshold,omitempty"`
}

// CompactRequest is the body of POST /v1/responses/compact.
type CompactRequest struct {
	Model        string
	Input        []Item
	Instructions string
	// PreviousResponseID compacts a stored conversation instead of Input.
	PreviousResponseID string
}

// CompactResponse is what POST /v1/responses/compact returns: the
// compacted window (the items to send instead of the ones compacted,
// among them a compaction item), and the usage of the compaction.
type CompactResponse struct {
	ID     string
	Output []Item
	Usage  *Usage
}

// appendJSON encodes the request.
func (r *CompactRequest) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"model":`...)
	b = appendString(b, r.Model)
	if r.PreviousResponseID != "" {
		b = append(b, `,"previous_response_id":`...)
		b = appendString(b, r.PreviousResponseID)
	}
	if r.Instructions != "" {
		b = append(b, `,"instructions":`...)
		b = appendString(b, r.Instructions)
	}
	if r.Input != nil {
		b = append(b, `,"input":[`...)
		for i := range r.Input {
			if i > 0 {
				b = append(b, ',')
			}
			ib, err := r.Input[i].MarshalJSON()
			if err != nil {
				return nil, fmt.Errorf("responses: compact: input item %d: %w", i, err)
			}
			b = append(b, ib...)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// Compact sends POST /v1/responses/compact (which OpenAI and the New API
// gateway route) and returns the compacted window, with the client's
// retries. A gateway without the route answers 404 or 405: the error then
// satisfies errors.Is(err, ErrCompactUnsupported).
func (c *Client) Compact(ctx context.Context, req *CompactRequest) (*CompactResponse, error) {
	if req == nil {
		return nil, errors.New("responses: nil compact request")
	}
	body, err := req.appendJSON(make([]byte, 0, 1024))
	if err != nil {
		return nil, err
	}
	rt := c.newRetrier(ctx, &Request{Model: req.Model})
	for {
		resp, err := c.createOnceAt(ctx, c.compactURL, body)
		if err == nil {
			return &CompactResponse{ID: resp.ID, Output: resp.Output, Usage: resp.Usage}, nil
		}
		err = redactError(err, c.apiKey)
		var apiErr *Error
		if errors.As(err, &apiErr) && (apiErr.StatusCode == 404 || apiErr.StatusCode == 405) {
			return nil, fmt.Errorf("%w: %w", ErrCompactUnsupported, err)
		}
		info, ok := rt.next(ctx, err)
		if !ok {
			if cerr := ctxErr(ctx); cerr != nil {
				return nil, cerr
			}
			return nil, err
		}
		if err := sleep(ctx, info.Delay); err != nil {
			return nil, err
		}
	}
}

// ErrCompactUnsupported means the endpoint has no POST /responses/compact.
var ErrCompactUnsupported = errors.New("responses: the endpoint does not support /responses/compact")
