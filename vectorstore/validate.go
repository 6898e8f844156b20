package vectorstore

import (
	"fmt"
	"math"
)

// Validate reports whether spec is well formed: an ID, and Dims > 0 exactly
// when Embedder is set. Errors wrap ErrInvalid.
func (spec StoreSpec) Validate() error {
	switch {
	case spec.ID == "":
		return fmt.Errorf("%w: store spec without an ID", ErrInvalid)
	case spec.Embedder != "" && spec.Dims <= 0:
		return fmt.Errorf("%w: store %q: embedder %q needs Dims > 0, got %d", ErrInvalid, spec.ID, spec.Embedder, spec.Dims)
	case spec.Embedder == "" && spec.Dims != 0:
		return fmt.Errorf("%w: store %q: Dims %d without an embedder", ErrInvalid, spec.ID, spec.Dims)
	}
	return nil
}

// Validate checks what can be checked of c without its store: the store
// and file IDs, the ordinal, the attributes and that the vector (if any) is
// finite. Errors wrap ErrInvalid.
func (c *Chunk) Validate() error {
	switch {
	case c.StoreID == "":
		return fmt.Errorf("%w: chunk without a store ID", ErrInvalid)
	case c.FileID == "":
		return fmt.Errorf("%w: chunk in store %q without a file ID", ErrInvalid, c.StoreID)
	case c.Ordinal < 0:
		return fmt.Errorf("%w: chunk %s/%s: negative ordinal %d", ErrInvalid, c.StoreID, c.FileID, c.Ordinal)
	}
	if err := c.Attributes.Validate(); err != nil {
		return fmt.Errorf("%w: chunk %s/%s#%d: %w", ErrInvalid, c.StoreID, c.FileID, c.Ordinal, err)
	}
	for i, x := range c.Vector {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("%w: chunk %s/%s#%d: vector[%d] is not finite", ErrInvalid, c.StoreID, c.FileID, c.Ordinal, i)
		}
	}
	return nil
}

// Validate checks req without its stores: store IDs, queries, limit,
// threshold, weights and filter. Errors wrap ErrInvalid.
func (req *SearchRequest) Validate() error {
	if len(req.StoreIDs) == 0 {
		return fmt.Errorf("%w: search without a store ID", ErrInvalid)
	}
	for i, id := range req.StoreIDs {
		if id == "" {
			return fmt.Errorf("%w: search: StoreIDs[%d] is empty", ErrInvalid, i)
		}
	}
	if len(req.Queries) == 0 {
		return fmt.Errorf("%w: search without a query", ErrInvalid)
	}
	dims := -1
	for i, q := range req.Queries {
		if q.Text == "" && len(q.Vector) == 0 {
			return fmt.Errorf("%w: search: query %d has neither text nor vector", ErrInvalid, i)
		}
		if len(q.Vector) == 0 {
			continue
		}
		if dims >= 0 && len(q.Vector) != dims {
			return fmt.Errorf("%w: search: query vectors of different lengths (%d and %d)", ErrInvalid, dims, len(q.Vector))
		}
		dims = len(q.Vector)
		for j, x := range q.Vector {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("%w: search: query %d: vector[%d] is not finite", ErrInvalid, i, j)
			}
		}
	}
	if req.Limit < 0 || req.Limit > MaxLimit {
		return fmt.Errorf("%w: search: limit %d out of range 1..%d", ErrInvalid, req.Limit, MaxLimit)
	}
	if math.IsNaN(req.ScoreThreshold) || req.ScoreThreshold < 0 || req.ScoreThreshold > 1 {
		return fmt.Errorf("%w: search: score threshold %v out of range [0, 1]", ErrInvalid, req.ScoreThreshold)
	}
	if !(req.EmbeddingWeight >= 0) || !(req.TextWeight >= 0) || math.IsInf(req.EmbeddingWeight, 0) || math.IsInf(req.TextWeight, 0) {
		return fmt.Errorf("%w: search: hybrid weights must be finite and non-negative, got embedding %v, text %v", ErrInvalid, req.EmbeddingWeight, req.TextWeight)
	}
	if err := req.Filter.Validate(); err != nil {
		return fmt.Errorf("%w: search: %w", ErrInvalid, err)
	}
	return nil
}

// Weights returns the effective (dense, text) fusion weights: both
// EmbeddingWeight and TextWeight zero means 1 and 1; otherwise they are
// used as they are, a zero one turning its leg off.
func (req *SearchRequest) Weights() (dense, text float64) {
	if req.EmbeddingWeight == 0 && req.TextWeight == 0 {
		return 1, 1
	}
	return req.EmbeddingWeight, req.TextWeight
}

// EffectiveLimit returns the number of hits wanted: Limit, or
// [DefaultLimit] when it is zero.
func (req *SearchRequest) EffectiveLimit() int {
	if req.Limit == 0 {
		return DefaultLimit
	}
	return req.Limit
}
