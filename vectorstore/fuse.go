package vectorstore

import (
	"cmp"
	"slices"
)

// FusionLeg is one ranked list given to [Fuse]: the candidates of one leg
// (lexical or dense) of one query, best first, already cut to the
// candidate depth ([CandidateDepth]·[SearchRequest.EffectiveLimit]).
type FusionLeg[K comparable] struct {
	// Keys identify the leg's candidates, best first. A leg searched but
	// without candidates (say, a query made only of stopwords) is still
	// given: it counts towards the best attainable score.
	Keys []K
	// Weight is the leg's weight ([SearchRequest.Weights]); legs weighing
	// zero are ignored.
	Weight float64
	// Dense tells a dense leg from a lexical one, for the ranks reported.
	Dense bool
}

// Fused is one candidate as scored by [Fuse].
type Fused[K comparable] struct {
	// Key is the candidate, as given in the legs.
	Key K
	// Score is in [0, 1], as [Hit].Score.
	Score float64
	// DenseRank and LexicalRank are the candidate's best 1-based rank over
	// the dense and the lexical legs, 0 when absent, as in [Hit].
	DenseRank, LexicalRank int
}

// Fuse is the score fusion of every backend: weighted reciprocal-rank
// fusion normalised by the best attainable score. A key at rank r (from 1)
// in a leg of weight w earns w/([RRFK]+r); its sum over the legs is divided
// by the sum of w/(RRFK+1) over the legs (rank 1 everywhere), so scores are
// in [0, 1]. Keys scoring below threshold are dropped, the rest sorted best
// first, ties broken by compare (by store, file and ordinal for hits), and
// cut to limit when limit > 0. Legs are summed in the order given, so
// backends giving the same legs in the same order get the same scores, bit
// for bit.
func Fuse[K comparable](legs []FusionLeg[K], threshold float64, limit int, compare func(a, b K) int) []Fused[K] {
	best := 0.0
	index := map[K]int{}
	var out []Fused[K]
	for _, leg := range legs {
		if !(leg.Weight > 0) {
			continue
		}
		best += leg.Weight / float64(RRFK+1)
		for r, k := range leg.Keys {
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				out = append(out, Fused[K]{Key: k})
			}
			f := &out[i]
			f.Score += leg.Weight / float64(RRFK+r+1)
			rank := &f.LexicalRank
			if leg.Dense {
				rank = &f.DenseRank
			}
			if *rank == 0 || r+1 < *rank {
				*rank = r + 1
			}
		}
	}
	if best == 0 {
		return nil
	}
	kept := out[:0]
	for _, f := range out {
		f.Score = min(f.Score/best, 1)
		if f.Score >= threshold {
			kept = append(kept, f)
		}
	}
	slices.SortFunc(kept, func(a, b Fused[K]) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return compare(a.Key, b.Key)
	})
	if limit > 0 && len(kept) > limit {
		kept = kept[:limit]
	}
	return kept
}
