package vectorstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
)

// CandidateDepth is how many candidates each leg of each query contributes
// to the fusion, as a multiple of the effective limit: every backend fuses
// the top CandidateDepth·[SearchRequest.EffectiveLimit] of each leg.
const CandidateDepth = 4

// Search implements [Store]: for each query, the lexical top 4·Limit (BM25)
// and the exact dense top 4·Limit over the chosen stores, with the filter
// applied during both scans, fused with weighted RRF (k = 60) across legs and
// queries, de-duplicated, normalised to [0, 1] and cut by ScoreThreshold and
// Limit.
func (m *Memory) Search(ctx context.Context, req SearchRequest) ([]Hit, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()

	stores := make([]*memStore, 0, len(req.StoreIDs))
	seen := map[string]bool{}
	for _, id := range req.StoreIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		s, err := m.store(id)
		if err != nil {
			return nil, err
		}
		stores = append(stores, s)
	}
	dims := 0
	for _, q := range req.Queries {
		if len(q.Vector) > 0 {
			dims = len(q.Vector)
		}
	}
	denseStores := false
	if dims > 0 {
		for _, s := range stores {
			if s.spec.Dims == 0 {
				continue
			}
			if req.Embedder != s.spec.Embedder {
				return nil, fmt.Errorf("%w: store %q was built with embedder %q, query vectors come from %q",
					ErrEmbedderMismatch, s.spec.ID, s.spec.Embedder, req.Embedder)
			}
			if dims != s.spec.Dims {
				return nil, fmt.Errorf("%w: store %q has %d dims, query vectors %d",
					ErrEmbedderMismatch, s.spec.ID, s.spec.Dims, dims)
			}
			denseStores = true
		}
	}

	masks := make([][]bool, len(stores))
	for i, s := range stores {
		masks[i] = s.mask(req.Filter)
	}

	wDense, wLex := req.Weights()
	limit := req.EffectiveLimit()
	depth := CandidateDepth * limit
	type key struct {
		store int
		doc   int32
	}
	keys := func(list []candidate) []key {
		list = topCandidates(list, depth)
		ks := make([]key, len(list))
		for i, c := range list {
			ks[i] = key{c.store, c.doc}
		}
		return ks
	}
	// The dense leg scores all query vectors in one pass over each slab.
	var qvs [][]float32
	if wDense > 0 && denseStores {
		for _, q := range req.Queries {
			if len(q.Vector) > 0 {
				qv := append([]float32(nil), q.Vector...)
				normalize(qv)
				qvs = append(qvs, qv)
			}
		}
	}
	denseLists := make([][]candidate, len(qvs))
	if len(qvs) > 0 {
		for i, s := range stores {
			if s.spec.Dims == 0 {
				continue
			}
			for qi, res := range denseSearch(s.slab, &s.q8, s.spec.Dims, qvs, depth, masks[i], m.workers) {
				for _, c := range res {
					denseLists[qi] = append(denseLists[qi], candidate{c.score, i, c.doc})
				}
			}
		}
	}
	// Legs in query order, each query's lexical leg before its dense one,
	// as every backend gives them to Fuse.
	var legs []FusionLeg[key]
	dense := 0
	for _, q := range req.Queries {
		if wLex > 0 && q.Text != "" {
			var list []candidate
			for i, s := range stores {
				mask := masks[i]
				var ok func(int32) bool
				if mask != nil {
					ok = func(d int32) bool { return mask[d] }
				}
				for _, c := range s.lex.search(q.Text, depth, ok) {
					list = append(list, candidate{c.score, i, c.doc})
				}
			}
			legs = append(legs, FusionLeg[key]{Keys: keys(list), Weight: wLex})
		}
		if len(qvs) > 0 && len(q.Vector) > 0 {
			legs = append(legs, FusionLeg[key]{Keys: keys(denseLists[dense]), Weight: wDense, Dense: true})
			dense++
		}
	}
	chunkOf := func(k key) (*memStore, *memDoc, *memFile) {
		s := stores[k.store]
		d := &s.docs[k.doc]
		return s, d, s.fileList[d.file]
	}
	fuseLimit := limit
	if !req.KeepDuplicates {
		fuseLimit = 0 // the duplicates folded leave room for others
	}
	fused := Fuse(legs, req.ScoreThreshold, fuseLimit, func(a, b key) int {
		sa, da, fa := chunkOf(a)
		sb, db, fb := chunkOf(b)
		if c := cmp.Compare(sa.spec.ID, sb.spec.ID); c != 0 {
			return c
		}
		if c := cmp.Compare(fa.id, fb.id); c != 0 {
			return c
		}
		return cmp.Compare(da.ordinal, db.ordinal)
	})
	hits := make([]Hit, 0, len(fused))
	keyOf := make(map[string]key, len(fused))
	for _, h := range fused {
		s, d, f := chunkOf(h.Key)
		id := ChunkID(s.spec.ID, f.id, int(d.ordinal))
		keyOf[id] = h.Key
		hits = append(hits, Hit{
			Chunk: Chunk{
				ID:         id,
				StoreID:    s.spec.ID,
				FileID:     f.id,
				Filename:   f.filename,
				Ordinal:    int(d.ordinal),
				Text:       d.text,
				Attributes: f.attrs,
				FileHash:   f.hash,
			},
			Score:       h.Score,
			DenseRank:   h.DenseRank,
			LexicalRank: h.LexicalRank,
		})
	}
	if !req.KeepDuplicates {
		texts := make([]string, 0, len(req.Queries))
		for _, q := range req.Queries {
			if q.Text != "" {
				texts = append(texts, q.Text)
			}
		}
		hits = CollapseDuplicates(hits, texts, limit)
	}
	lexLeg := wLex > 0 && slices.ContainsFunc(req.Queries, func(q Query) bool { return q.Text != "" })
	for i := range hits {
		h := &hits[i]
		h.Attributes = maps.Clone(h.Attributes)
		k := keyOf[h.ID]
		s := stores[k.store]
		var lex, dense float64
		if lexLeg {
			for _, q := range req.Queries {
				if q.Text != "" {
					lex = max(lex, s.lexRelevance(q.Text, k.doc))
				}
			}
		}
		denseLeg := len(qvs) > 0 && s.spec.Dims > 0
		if denseLeg {
			row := s.slab[int(k.doc)*s.spec.Dims : int(k.doc+1)*s.spec.Dims]
			dense = -1
			for _, qv := range qvs {
				dense = max(dense, float64(dot(row, qv)))
			}
		}
		h.Relevance = Relevance(lex, dense, wLex, wDense, lexLeg, denseLeg)
	}
	return hits, nil
}

// candidate is a document of one of the searched stores with its leg score.
type candidate struct {
	score float32
	store int
	doc   int32
}

// topCandidates sorts list best first (ties by store, then doc) and keeps n.
func topCandidates(list []candidate, n int) []candidate {
	slices.SortFunc(list, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.store, b.store); c != 0 {
			return c
		}
		return cmp.Compare(a.doc, b.doc)
	})
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// mask returns which docs are live and match f (each file's attributes
// matched once), or nil when every doc qualifies.
func (s *memStore) mask(f *Filter) []bool {
	if f == nil && s.dead == 0 {
		return nil
	}
	allowed := make([]bool, len(s.fileList))
	for i, file := range s.fileList {
		allowed[i] = file != nil && f.Match(file.attrs)
	}
	mask := make([]bool, len(s.docs))
	for i := range s.docs {
		d := &s.docs[i]
		mask[i] = d.alive && allowed[d.file]
	}
	return mask
}
