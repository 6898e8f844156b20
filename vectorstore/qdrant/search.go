package qdrant

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/agentloop/agentloop/vectorstore"
	qc "github.com/qdrant/go-client/qdrant"
	"golang.org/x/sync/errgroup"
)

// Search implements [vectorstore.Store].
//
// Retrieval runs in Qdrant, fusion here. Each collection involved gets one
// QueryBatch holding, per query, a nearest search on the "bm25" sparse
// vector (when the query has text and the text weight is not zero) and one
// on the "dense" vector (when it has a vector, the collection has one and
// the embedding weight is not zero), each with the store clause
// (vector_store_id in StoreIDs, on the tenant index) and the mapped
// attribute filter, returning the top [vectorstore.CandidateDepth]·Limit
// ids. The legs are fused here by [vectorstore.Fuse], the embedded store's
// weighted RRF, w/(60 + rank) summed over the legs of every query,
// normalised by the best attainable sum, so scores, ranks
// (Hit.DenseRank, Hit.LexicalRank) and ties (by store, file, ordinal) mean
// the same with either backend. Then one Get per collection fetches the
// payload of the hits kept (and their dense vectors), more when duplicates
// are folded ([vectorstore.CollapseDuplicates], unless KeepDuplicates).
//
// Hit.Relevance is the embedded store's too: the cosine of the fetched
// vectors, and [vectorstore.LexicalRelevance] with the collection's IDF,
// which Qdrant applies but does not report: each query term is probed in
// the same QueryBatch (its sparse index alone, top 1), and the probe's score
// divided by that chunk's saturated term frequency is the IDF. A term no
// chunk of the stores holds weighs as a term of one point of the
// collection (one Count), as the embedded store weighs it.
//
// Qdrant's own RRF (Query: Rrf{K, Weights} over prefetches) is not used: it
// weighs a leg by dividing positions, 1/((pos+1)/w + k - 1), not by
// multiplying its contribution, so OpenAI-style hybrid weights (the
// embedded store's w/(k + rank)) cannot be expressed with it, and it
// returns no per-leg ranks.
func (s *Store) Search(ctx context.Context, req vectorstore.SearchRequest) ([]vectorstore.Hit, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	storeIDs := slices.Compact(slices.Sorted(slices.Values(req.StoreIDs)))
	found, err := s.need(ctx, storeIDs...)
	if err != nil {
		return nil, err
	}
	dims := 0
	for _, q := range req.Queries {
		if len(q.Vector) > 0 {
			dims = len(q.Vector)
		}
	}
	// Group the stores by collection; check the dense ones' embedder.
	collStores := map[string][]string{}
	var colls []string
	denseColl := ""
	for _, id := range storeIDs {
		info := found[id]
		if _, ok := collStores[info.collection]; !ok {
			colls = append(colls, info.collection)
		}
		collStores[info.collection] = append(collStores[info.collection], id)
		if dims > 0 && info.spec.Dims > 0 {
			if req.Embedder != info.spec.Embedder {
				return nil, fmt.Errorf("%w: store %q was built with embedder %q, query vectors come from %q",
					vectorstore.ErrEmbedderMismatch, id, info.spec.Embedder, req.Embedder)
			}
			if dims != info.spec.Dims {
				return nil, fmt.Errorf("%w: store %q has %d dims, query vectors %d",
					vectorstore.ErrEmbedderMismatch, id, info.spec.Dims, dims)
			}
			denseColl = info.collection
		}
	}

	wDense, wLex := req.Weights()
	if wLex > 0 && slices.ContainsFunc(req.Queries, func(q vectorstore.Query) bool { return q.Text != "" }) {
		// The lexical leg needs sparse vectors made by this build's Terms.
		for _, id := range storeIDs {
			if err := found[id].checkTerms(); err != nil {
				return nil, err
			}
		}
	}

	var attr *qc.Condition
	want := map[string]indexKind{}
	if req.Filter != nil {
		attr, err = mapFilter(req.Filter, func(path string, kind indexKind) {
			if _, ok := want[path]; !ok {
				want[path] = kind
			}
		})
		if err != nil {
			return nil, err
		}
	}

	limit := req.EffectiveLimit()
	depth := uint64(vectorstore.CandidateDepth * limit)

	// leg identifies one ranked list: query qi, dense or lexical.
	type leg struct {
		qi    int
		dense bool
	}
	lists := map[leg][]cand{}
	// Each collection's IDF of the queries' terms, for Hit.Relevance:
	// Qdrant applies it but does not tell it, so one probe per term (its
	// sparse index alone, the top chunk of the stores) is batched with the
	// legs; its score is idf × the chunk's saturated frequency, which is
	// recomputed from the chunk's text.
	var probeTerms []string
	if wLex > 0 {
		seen := map[string]bool{}
		for _, q := range req.Queries {
			for _, t := range vectorstore.Terms(q.Text) {
				if !seen[t] {
					seen[t] = true
					probeTerms = append(probeTerms, t)
				}
			}
		}
	}
	idfs := map[string]map[string]float64{} // collection -> term -> IDF
	var mu sync.Mutex                       // guards lists and idfs
	err = eachColl(ctx, colls, func(ctx context.Context, coll string) error {
		f := &qc.Filter{Must: []*qc.Condition{qc.NewMatchKeywords(keyStoreID, collStores[coll]...)}}
		if attr != nil {
			f.Must = append(f.Must, attr)
			s.ensureIndexes(ctx, coll, want)
		}
		var qs []*qc.QueryPoints
		var legs []leg
		for qi, q := range req.Queries {
			if wLex > 0 && q.Text != "" {
				if sv := queryVector(q.Text); len(sv.indices) > 0 {
					qs = append(qs, legQuery(coll, qc.NewQueryNearest(qc.NewVectorInputSparse(sv.indices, sv.values)), sparseVector, f, depth))
					legs = append(legs, leg{qi, false})
				}
			}
			if wDense > 0 && len(q.Vector) > 0 && coll == denseColl {
				lq := legQuery(coll, qc.NewQueryDense(q.Vector), denseVector, f, depth)
				if s.set.exact {
					lq.Params = &qc.SearchParams{Exact: qc.PtrOf(true)}
				}
				qs = append(qs, lq)
				legs = append(legs, leg{qi, true})
			}
		}
		if len(qs) == 0 {
			return nil
		}
		legQueries := len(qs)
		store := qc.NewFilterAsCondition(&qc.Filter{Must: []*qc.Condition{qc.NewMatchKeywords(keyStoreID, collStores[coll]...)}})
		for _, t := range probeTerms {
			qs = append(qs, &qc.QueryPoints{CollectionName: coll,
				Query:       qc.NewQueryNearest(qc.NewVectorInputSparse([]uint32{termIndex(t)}, []float32{1})),
				Using:       qc.PtrOf(sparseVector),
				Filter:      &qc.Filter{Must: []*qc.Condition{store}},
				Limit:       qc.PtrOf(uint64(1)),
				WithPayload: qc.NewWithPayloadInclude(keyStoreID, keyText)})
		}
		var res []*qc.BatchResult
		err := s.set.retry(ctx, "query", func(ctx context.Context) error {
			var err error
			res, err = s.client.QueryBatch(ctx, &qc.QueryBatchPoints{CollectionName: coll, QueryPoints: qs})
			return err
		})
		if err != nil {
			return fmt.Errorf("qdrant: search %s: %w", coll, err)
		}
		if len(res) != len(qs) {
			return fmt.Errorf("qdrant: search %s: %d results for %d queries", coll, len(res), len(qs))
		}
		idf, err := s.probeIDF(ctx, coll, found, probeTerms, res[legQueries:])
		if err != nil {
			return err
		}
		res = res[:legQueries]
		mu.Lock()
		defer mu.Unlock()
		idfs[coll] = idf
		for i, r := range res {
			for _, p := range r.GetResult() {
				pl := p.GetPayload()
				lists[legs[i]] = append(lists[legs[i]], cand{leg: p.GetScore(), chunkKey: chunkKey{
					coll: coll, id: p.GetId().GetUuid(),
					store: pl[keyStoreID].GetStringValue(), file: pl[keyFileID].GetStringValue(), ordinal: payloadInt(pl, keyOrdinal),
				}})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Weighted RRF across legs and queries, in the embedded store's leg
	// order.
	var fl []vectorstore.FusionLeg[chunkKey]
	fuseLeg := func(list []cand, w float64, dense bool) {
		sortCands(list)
		if uint64(len(list)) > depth {
			list = list[:depth]
		}
		keys := make([]chunkKey, len(list))
		for i, c := range list {
			keys[i] = c.chunkKey
		}
		fl = append(fl, vectorstore.FusionLeg[chunkKey]{Keys: keys, Weight: w, Dense: dense})
	}
	for qi, q := range req.Queries {
		if wLex > 0 && q.Text != "" {
			fuseLeg(lists[leg{qi, false}], wLex, false)
		}
		if wDense > 0 && len(q.Vector) > 0 && denseColl != "" {
			fuseLeg(lists[leg{qi, true}], wDense, true)
		}
	}
	fuseLimit := limit
	if !req.KeepDuplicates {
		fuseLimit = 0 // the duplicates folded leave room for others
	}
	all := vectorstore.Fuse(fl, req.ScoreThreshold, fuseLimit, compareChunks)
	if len(all) == 0 {
		return []vectorstore.Hit{}, nil
	}
	var texts []string
	for _, q := range req.Queries {
		if q.Text != "" {
			texts = append(texts, q.Text)
		}
	}
	// Fetch the hits' payloads (and dense vectors, for Hit.Relevance), as
	// many as the limit asks, then more while duplicates folded leave
	// room.
	var hits []vectorstore.Hit
	vecs := map[string][]float32{}
	fetched := 0
	for {
		n := len(all)
		if !req.KeepDuplicates {
			n = min(len(all), max(2*limit, 2*fetched))
		}
		more, err := s.fetchHits(ctx, colls, all[fetched:n], denseColl != "" && wDense > 0, vecs)
		if err != nil {
			return nil, err
		}
		hits = append(hits, more...)
		fetched = n
		if req.KeepDuplicates {
			hits = hits[:min(len(hits), limit)]
			break
		}
		if out := vectorstore.CollapseDuplicates(hits, texts, limit); len(out) == limit || fetched == len(all) {
			hits = out
			break
		}
	}
	lexLeg := wLex > 0 && len(texts) > 0
	var qvs [][]float32
	if wDense > 0 && denseColl != "" {
		for _, q := range req.Queries {
			if len(q.Vector) > 0 {
				qvs = append(qvs, unit(q.Vector))
			}
		}
	}
	for i := range hits {
		h := &hits[i]
		info := found[h.StoreID]
		var lex, dense float64
		if lexLeg {
			idf := idfs[info.collection]
			w := func(t string) float64 { return idf[t] }
			for _, q := range texts {
				lex = max(lex, vectorstore.LexicalRelevance(q, h.Text, w, s.avgLen(info)))
			}
		}
		v, denseLeg := vecs[h.ID]
		denseLeg = denseLeg && len(qvs) > 0
		if denseLeg {
			dense = -1
			v = unit(v)
			for _, qv := range qvs {
				dense = max(dense, float64(dot(v, qv)))
			}
		}
		h.Relevance = vectorstore.Relevance(lex, dense, wLex, wDense, lexLeg, denseLeg)
	}
	return hits, nil
}

// fetchHits fetches the payloads of the fused hits all (with their dense
// vectors into vecs, by chunk ID, when withVectors) and returns the hits in
// all's order, without those deleted since the query.
func (s *Store) fetchHits(ctx context.Context, colls []string, all []vectorstore.Fused[chunkKey], withVectors bool, vecs map[string][]float32) ([]vectorstore.Hit, error) {
	byColl := map[string][]*qc.PointId{}
	for _, h := range all {
		byColl[h.Key.coll] = append(byColl[h.Key.coll], qc.NewIDUUID(h.Key.id))
	}
	var mu sync.Mutex
	payloads := map[string]map[string]*qc.Value{}
	err := eachColl(ctx, colls, func(ctx context.Context, coll string) error {
		ids := byColl[coll]
		if len(ids) == 0 {
			return nil
		}
		get := &qc.GetPoints{CollectionName: coll, Ids: ids, WithPayload: qc.NewWithPayload(true)}
		if withVectors {
			get.WithVectors = qc.NewWithVectorsInclude(denseVector)
		}
		var pts []*qc.RetrievedPoint
		err := s.set.retry(ctx, "get", func(ctx context.Context) error {
			var err error
			pts, err = s.client.Get(ctx, get)
			return err
		})
		if err != nil {
			return fmt.Errorf("qdrant: search %s: fetch hits: %w", coll, err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range pts {
			payloads[p.GetId().GetUuid()] = p.GetPayload()
			if vo := p.GetVectors().GetVectors().GetVectors()[denseVector]; vo != nil {
				v := vo.GetDense().GetData()
				if len(v) == 0 {
					v = vo.GetData() //nolint:staticcheck // deprecated, but what servers before 1.13 send
				}
				vecs[p.GetId().GetUuid()] = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	hits := make([]vectorstore.Hit, 0, len(all))
	for _, f := range all {
		h := f.Key
		pl, ok := payloads[h.id]
		if !ok {
			continue // deleted between the query and the fetch
		}
		id := vectorstore.ChunkID(h.store, h.file, h.ordinal)
		if v, ok := vecs[h.id]; ok && id != h.id {
			vecs[id] = v
		}
		hits = append(hits, vectorstore.Hit{
			Chunk: vectorstore.Chunk{
				ID:         id,
				StoreID:    h.store,
				FileID:     h.file,
				Filename:   pl[keyFilename].GetStringValue(),
				Ordinal:    h.ordinal,
				Text:       pl[keyText].GetStringValue(),
				Attributes: attrsFrom(pl[keyAttributes]),
				FileHash:   pl[keyFileHash].GetStringValue(),
			},
			Score:       f.Score,
			DenseRank:   f.DenseRank,
			LexicalRank: f.LexicalRank,
		})
	}
	return hits, nil
}

// probeIDF reads the IDF of each term from its probe's result (see
// Search): the top chunk's score divided by the chunk's saturated
// frequency of the term, as docVector computed it. A term no chunk of the
// stores holds gets the IDF of a term held by one of the collection's
// points, as the embedded store weighs it.
func (s *Store) probeIDF(ctx context.Context, coll string, found map[string]storeInfo, terms []string, res []*qc.BatchResult) (map[string]float64, error) {
	idf := map[string]float64{}
	absent := false
	for i, t := range terms {
		var r []*qc.ScoredPoint
		if i < len(res) {
			r = res[i].GetResult()
		}
		if len(r) == 0 {
			absent = true
			continue
		}
		pl := r[0].GetPayload()
		counts, n := countTerms(pl[keyText].GetStringValue())
		tf := float64(counts[termIndex(t)])
		if tf == 0 {
			absent = true
			continue
		}
		avg := s.avgLen(found[pl[keyStoreID].GetStringValue()])
		norm := vectorstore.BM25K1 * (1 - vectorstore.BM25B + vectorstore.BM25B*float64(n)/avg)
		idf[t] = float64(r[0].GetScore()) / (tf * (vectorstore.BM25K1 + 1) / (tf + norm))
	}
	if absent {
		var count uint64
		err := s.set.retry(ctx, "count", func(ctx context.Context) error {
			c, err := s.client.Count(ctx, &qc.CountPoints{CollectionName: coll, Exact: qc.PtrOf(true)})
			count = c
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("qdrant: search %s: count: %w", coll, err)
		}
		n := float64(count)
		for _, t := range terms {
			if _, ok := idf[t]; !ok {
				idf[t] = math.Log(1 + (n-1+0.5)/1.5)
			}
		}
	}
	return idf, nil
}

// avgLen is the average chunk length the store's sparse vectors were
// written with.
func (s *Store) avgLen(info storeInfo) float64 {
	switch {
	case s.set.avgChunkTerms > 0:
		return s.set.avgChunkTerms
	case info.avgTerms > 0:
		return info.avgTerms
	}
	return fallbackAvgTerms
}

// unit returns v scaled to length 1 (a copy).
func unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	inv := 1 / math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range min(len(a), len(b)) {
		s += a[i] * b[i]
	}
	return s
}

func legQuery(coll string, q *qc.Query, using string, f *qc.Filter, limit uint64) *qc.QueryPoints {
	return &qc.QueryPoints{
		CollectionName: coll,
		Query:          q,
		Using:          qc.PtrOf(using),
		Filter:         f,
		Limit:          qc.PtrOf(limit),
		WithPayload:    qc.NewWithPayloadInclude(keyStoreID, keyFileID, keyOrdinal),
	}
}

// chunkKey identifies one point of a leg's results.
type chunkKey struct {
	coll    string
	id      string
	store   string
	file    string
	ordinal int
}

// cand is one point of a leg's results with the leg's own score.
type cand struct {
	leg float32
	chunkKey
}

func compareChunks(a, b chunkKey) int {
	if c := cmp.Compare(a.store, b.store); c != 0 {
		return c
	}
	if c := cmp.Compare(a.file, b.file); c != 0 {
		return c
	}
	return cmp.Compare(a.ordinal, b.ordinal)
}

// sortCands orders a leg's candidates (possibly from several collections)
// best first, ties by store, file and ordinal.
func sortCands(list []cand) {
	slices.SortStableFunc(list, func(a, b cand) int {
		if c := cmp.Compare(b.leg, a.leg); c != 0 {
			return c
		}
		return compareChunks(a.chunkKey, b.chunkKey)
	})
}

// eachColl runs f for each collection, concurrently when there are several
// (their requests are independent), and returns the first error once all
// are done.
func eachColl(ctx context.Context, colls []string, f func(ctx context.Context, coll string) error) error {
	if len(colls) == 1 {
		return f(ctx, colls[0])
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, coll := range colls {
		g.Go(func() error { return f(ctx, coll) })
	}
	return g.Wait()
}
