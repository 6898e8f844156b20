// Package eval loads the Cranfield test collection and scores rankings
// against its graded judgements (nDCG@k, Recall@k, MRR@k). The collection is
// read from a folder at run time (../shared/data/cranfield from the repository
// root by default) and never copied into the repository.
package eval

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Doc is one Cranfield document.
type Doc struct {
	ID       string // the .I number
	Title    string // .T
	Abstract string // .W
}

// Query is one Cranfield query. Num is its ordinal position (1..225), which
// is how the judgements number queries (not by the .I id).
type Query struct {
	Num  int
	ID   string // the .I id, e.g. "004"
	Text string
}

// Collection is a loaded test collection.
type Collection struct {
	Docs    []Doc
	Queries []Query
	// Qrels maps a query Num to its judged documents' relevance codes
	// (1 best .. 4); placeholders (-1) are dropped.
	Qrels map[int]map[string]int
}

// ErrMissing is returned by Load when the folder or a file is absent.
var ErrMissing = errors.New("eval: collection not found")

// DefaultDir returns ../shared/data/cranfield relative to the repository
// root, found by walking up from the working directory to the folder holding
// go.mod (the main module's, not a nested benchmark module's).
func DefaultDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/agentloop/agentloop\n") {
			return filepath.Join(dir, "..", "shared", "data", "cranfield"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no repository root above the working directory", ErrMissing)
		}
		dir = parent
	}
}

// Load reads cran.all.1400, cran.qry and cranqrel from dir.
func Load(dir string) (*Collection, error) {
	var c Collection
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%w: %w", ErrMissing, err)
		}
		return string(b), err
	}
	all, err := read("cran.all.1400")
	if err != nil {
		return nil, err
	}
	for _, rec := range records(all) {
		c.Docs = append(c.Docs, Doc{ID: rec.id, Title: rec.fields['T'], Abstract: rec.fields['W']})
	}
	qry, err := read("cran.qry")
	if err != nil {
		return nil, err
	}
	for i, rec := range records(qry) {
		c.Queries = append(c.Queries, Query{Num: i + 1, ID: rec.id, Text: rec.fields['W']})
	}
	rel, err := read("cranqrel")
	if err != nil {
		return nil, err
	}
	c.Qrels = map[int]map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(rel))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("eval: cranqrel: bad line %q", sc.Text())
		}
		q, err1 := strconv.Atoi(f[0])
		code, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("eval: cranqrel: bad line %q", sc.Text())
		}
		if code < 1 || code > 4 {
			continue // -1 placeholders
		}
		if c.Qrels[q] == nil {
			c.Qrels[q] = map[string]int{}
		}
		c.Qrels[q][strings.TrimLeft(f[1], "0")] = code
	}
	if len(c.Docs) == 0 || len(c.Queries) == 0 || len(c.Qrels) == 0 {
		return nil, fmt.Errorf("eval: %s: empty collection (%d docs, %d queries, %d judged queries)", dir, len(c.Docs), len(c.Queries), len(c.Qrels))
	}
	return &c, nil
}

type record struct {
	id     string
	fields map[byte]string
}

// records parses the .I/.T/.A/.B/.W format. A tag line repeating a tag the
// record already has (doc 240's stray .A and .B inside .W) is text of the
// current field, except a repeated .W, which continues the abstract.
func records(s string) []record {
	var out []record
	var cur *record
	var field byte
	seen := map[byte]bool{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, ".I ") || line == ".I" {
			out = append(out, record{id: strings.TrimLeft(strings.TrimSpace(strings.TrimPrefix(line, ".I")), "0"), fields: map[byte]string{}})
			cur = &out[len(out)-1]
			field = 0
			seen = map[byte]bool{}
			continue
		}
		if cur == nil {
			continue
		}
		if len(line) == 2 && line[0] == '.' && strings.ContainsRune("TABW", rune(line[1])) {
			tag := line[1]
			if tag == 'W' && seen['W'] {
				field = 'W'
				continue
			}
			if !seen[tag] {
				seen[tag] = true
				field = tag
				continue
			}
		}
		if field != 0 {
			if cur.fields[field] != "" {
				cur.fields[field] += " "
			}
			cur.fields[field] += strings.TrimSpace(line)
		}
	}
	for i := range out {
		for k, v := range out[i].fields {
			out[i].fields[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// Metrics are the mean scores over all queries.
type Metrics struct {
	Queries int
	NDCG    float64 // nDCG@k, gain 2^(5-code)-1
	Recall  float64 // Recall@k over documents with codes 1..4
	MRR     float64 // MRR@k
}

// String formats m on one line.
func (m Metrics) String() string {
	return fmt.Sprintf("queries %d  nDCG@10 %.4f  Recall@10 %.4f  MRR@10 %.4f", m.Queries, m.NDCG, m.Recall, m.MRR)
}

// Gain returns the graded gain of a relevance code: 15, 7, 3, 1 for 1..4.
func Gain(code int) float64 {
	if code < 1 || code > 4 {
		return 0
	}
	return math.Exp2(float64(5-code)) - 1
}

// Score scores one ranking (document ids, best first) against one query's
// judgements at cutoff k.
func Score(ranked []string, judged map[string]int, k int) (ndcg, recall, rr float64) {
	if len(ranked) > k {
		ranked = ranked[:k]
	}
	var dcg float64
	found := 0
	for i, id := range ranked {
		code, ok := judged[id]
		if !ok {
			continue
		}
		dcg += Gain(code) / math.Log2(float64(i+2))
		found++
		if rr == 0 {
			rr = 1 / float64(i+1)
		}
	}
	gains := make([]float64, 0, len(judged))
	for _, code := range judged {
		gains = append(gains, Gain(code))
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(gains)))
	var idcg float64
	for i, g := range gains {
		if i == k {
			break
		}
		idcg += g / math.Log2(float64(i+2))
	}
	if idcg > 0 {
		ndcg = dcg / idcg
	}
	if len(judged) > 0 {
		recall = float64(found) / float64(len(judged))
	}
	return ndcg, recall, rr
}

// Evaluate runs search for every query and averages the scores at cutoff k.
// search returns document ids, best first.
func (c *Collection) Evaluate(ctx context.Context, k int, search func(ctx context.Context, q Query) ([]string, error)) (Metrics, error) {
	var m Metrics
	for _, q := range c.Queries {
		ranked, err := search(ctx, q)
		if err != nil {
			return Metrics{}, fmt.Errorf("eval: query %d (.I %s): %w", q.Num, q.ID, err)
		}
		n, r, rr := Score(ranked, c.Qrels[q.Num], k)
		m.NDCG += n
		m.Recall += r
		m.MRR += rr
		m.Queries++
	}
	if m.Queries > 0 {
		d := float64(m.Queries)
		m.NDCG /= d
		m.Recall /= d
		m.MRR /= d
	}
	return m, nil
}
