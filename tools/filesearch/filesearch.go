package filesearch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/vectorstore"
)

// Name is the name of the tool, as the hosted tool's type.
const Name = "file_search"

// MaxQueries is the most queries the model may send in one call, as the
// hosted tool's.
const MaxQueries = 5

// DefaultDescription is the tool's description unless
// [Options.Description] replaces it.
const DefaultDescription = "Search the user's files (a knowledge base of documents) for passages relevant to the question. " +
	"Send 1 to 5 queries: the question itself and rephrasings with other words or synonyms, each self-contained. " +
	"Results are numbered passages with their filename; cite the ones you use by number in square brackets, like [1] or [2][3]."

// Options configure a [Tool]. A nil *Options is valid; zero fields mean the
// documented defaults. These are the settings the hosted tool takes from its
// definition; the model never sees or sets them.
type Options struct {
	// MaxNumResults is the number of results of one call, 1..50; zero
	// means 10.
	MaxNumResults int
	// ScoreThreshold drops results whose relevance is below it, in [0, 1]:
	// the store's [vectorstore.Hit].Relevance, which is also the score the
	// model and the file_search_call item see (how much of the query a
	// result holds, the same way for every query), not the rank fusion
	// score that orders them.
	ScoreThreshold float64
	// Filter keeps only the files whose attributes match (OpenAI's
	// comparison and compound filters).
	Filter *vectorstore.Filter
	// EmbeddingWeight and TextWeight weigh the dense and lexical legs in
	// the fusion, as the hosted ranking_options.hybrid_search; both zero
	// means equal weights.
	EmbeddingWeight float64
	TextWeight      float64
	// Embedder embeds the queries for the dense leg. It must be the
	// embedder the stores were built with (the store refuses another, and
	// the run ends with that error); nil searches lexically only.
	Embedder vectorstore.Embedder
	// Description replaces [DefaultDescription].
	Description string
}

// Tool is the file_search function tool. It is safe for concurrent use, and
// implements tools.Tool, tools.ExtraItemsCaller, tools.FinalEditor and the
// runner's TypedTool ([Tool.ToolType]).
type Tool struct {
	store    vectorstore.Store
	storeIDs []string
	// dataSource is gen_ai.data_source.id of the retrieval spans: the
	// store IDs joined by commas.
	dataSource string
	opts       Options
	def        responses.Tool
	args       *tools.Validator
}

var (
	_ tools.Tool             = (*Tool)(nil)
	_ tools.ExtraItemsCaller = (*Tool)(nil)
	_ tools.FinalEditor      = (*Tool)(nil)
)

// Args are the arguments the model sends.
type Args struct {
	Queries []string `json:"queries" jsonschema:"minItems=1,maxItems=5,description=1 to 5 search queries: the user's question and rephrasings of it"`
}

// New returns the file_search tool over the stores storeIDs of store. opts
// may be nil. New checks the options but not that the stores exist: a
// search of a missing store ends the run with an error wrapping
// vectorstore.ErrNotFound.
func New(store vectorstore.Store, storeIDs []string, opts *Options) (*Tool, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if store == nil {
		return nil, errors.New("filesearch: nil store")
	}
	if len(storeIDs) == 0 {
		return nil, errors.New("filesearch: no store IDs")
	}
	for i, id := range storeIDs {
		if id == "" {
			return nil, fmt.Errorf("filesearch: store ID %d is empty", i)
		}
	}
	if o.MaxNumResults == 0 {
		o.MaxNumResults = vectorstore.DefaultLimit
	}
	if o.MaxNumResults < 1 || o.MaxNumResults > vectorstore.MaxLimit {
		return nil, fmt.Errorf("filesearch: MaxNumResults %d out of range 1..%d", o.MaxNumResults, vectorstore.MaxLimit)
	}
	if math.IsNaN(o.ScoreThreshold) || o.ScoreThreshold < 0 || o.ScoreThreshold > 1 {
		return nil, fmt.Errorf("filesearch: ScoreThreshold %v out of range [0, 1]", o.ScoreThreshold)
	}
	if !(o.EmbeddingWeight >= 0) || !(o.TextWeight >= 0) || math.IsInf(o.EmbeddingWeight, 0) || math.IsInf(o.TextWeight, 0) {
		return nil, fmt.Errorf("filesearch: hybrid weights must be finite and non-negative, got embedding %v, text %v", o.EmbeddingWeight, o.TextWeight)
	}
	if err := o.Filter.Validate(); err != nil {
		return nil, fmt.Errorf("filesearch: %w", err)
	}
	if o.Description == "" {
		o.Description = DefaultDescription
	}
	schema, err := tools.SchemaFor[Args]()
	if err != nil {
		return nil, fmt.Errorf("filesearch: %w", err)
	}
	v, err := tools.NewValidator(schema)
	if err != nil {
		return nil, fmt.Errorf("filesearch: %w", err)
	}
	return &Tool{
		store:      store,
		storeIDs:   append([]string(nil), storeIDs...),
		dataSource: strings.Join(storeIDs, ","),
		opts:       o,
		def: responses.Tool{Type: responses.ToolFunction, Name: Name, Description: o.Description,
			Parameters: schema, Strict: responses.Ptr(true)},
		args: v,
	}, nil
}

// Definition returns the function tool definition: file_search with a
// strict schema taking queries, an array of 1 to 5 strings.
func (t *Tool) Definition() responses.Tool { return t.def }

// Call runs one call: it is [Tool.CallWithItems] without the synthetic
// item.
func (t *Tool) Call(ctx context.Context, arguments string) (responses.ToolOutput, error) {
	out, _, err := t.CallWithItems(ctx, arguments)
	return out, err
}

// CallWithItems runs one call of the tool: it checks the arguments, searches
// the queries (fused into one ranking), and returns the numbered results
// for the model and a synthetic file_search_call item for the run's result.
//
// Bad arguments return a *tools.ArgumentError (the model is told and can
// retry) and no item. A failed search returns its error, shown to the
// model (redacted, as [Tool.Search] says), and a file_search_call with
// status "failed", except for errors no retry of the model can fix, which
// end the run: a missing or closed store and an embedder that is not the
// store's (they wrap tools.ErrAbort as well as the vectorstore sentinel).
func (t *Tool) CallWithItems(ctx context.Context, arguments string) (responses.ToolOutput, []responses.Item, error) {
	queries, err := t.parse(arguments)
	if err != nil {
		return responses.ToolOutput{}, nil, err
	}
	item := responses.Item{Type: responses.ItemFileSearchCall, ID: newID(), Queries: queries}
	hits, err := t.Search(ctx, queries)
	if err != nil {
		item.Status = responses.StatusFailed
		if errors.Is(err, vectorstore.ErrNotFound) || errors.Is(err, vectorstore.ErrEmbedderMismatch) ||
			errors.Is(err, vectorstore.ErrClosed) || errors.Is(err, vectorstore.ErrInvalid) {
			err = fmt.Errorf("%w: %w", tools.ErrAbort, err)
		}
		return responses.ToolOutput{}, []responses.Item{item}, err
	}
	item.Status = responses.StatusCompleted
	item.Results = make([]responses.FileSearchResult, len(hits))
	for i, h := range hits {
		item.Results[i] = responses.FileSearchResult{FileID: h.FileID, Filename: h.Filename,
			Score: h.Relevance, Text: h.Text, Attributes: h.Attributes}
	}
	return responses.ToolOutput{Text: Format(queries, item.Results)}, []responses.Item{item}, nil
}

// parse checks the arguments against the schema and returns the queries,
// trimmed, without empty ones and duplicates.
func (t *Tool) parse(arguments string) ([]string, error) {
	argErr := func(err error) error { return &tools.ArgumentError{Tool: Name, Err: err} }
	if strings.TrimSpace(arguments) == "" {
		return nil, argErr(errors.New(`the arguments are empty; send {"queries": ["…"]}`))
	}
	if err := t.args.Validate([]byte(arguments)); err != nil {
		return nil, argErr(err)
	}
	var a Args
	if err := json.Unmarshal([]byte(arguments), &a); err != nil {
		return nil, argErr(err)
	}
	var queries []string
	seen := map[string]bool{}
	for _, q := range a.Queries {
		q = strings.TrimSpace(q)
		if q == "" || seen[q] {
			continue
		}
		seen[q] = true
		queries = append(queries, q)
	}
	if len(queries) == 0 {
		return nil, argErr(errors.New("$.queries: every query is empty; send at least one non-empty query"))
	}
	return queries, nil
}

// Search runs queries (1 to 5) over the tool's stores with its options and
// returns the fused hits, best first. The queries go to the store in one
// request, which ranks them together (weighted reciprocal-rank fusion across
// queries and legs, de-duplicated), so a chunk found by several queries
// ranks higher, and folds the hits that repeat a better one's content (the
// same page as .md and .html, say); with an Embedder, the queries are
// embedded in one batch first. Hits whose Relevance is under
// [Options].ScoreThreshold are dropped.
//
// When the span in ctx is recording (the runner's execute_tool span), the
// store's search is a "retrieval {store IDs}" CLIENT span below it, beside
// the embedder's own span if it has one: gen_ai.data_source.id (the store
// IDs, comma-separated), gen_ai.request.top_k, the hit count, db.* and
// server.* for a [DBStore], error.type on failure, and with the run's content
// capture on, the queries (one per line) and the hits' ids and scores.
//
// An error's text has what looks like a credential ("Bearer …", "sk-…",
// api_key=…) redacted, whatever the embedder or the store put in it: the
// tool's errors are shown to the model.
func (t *Tool) Search(ctx context.Context, queries []string) ([]vectorstore.Hit, error) {
	hits, err := t.search(ctx, queries)
	return hits, genai.RedactError(err, genai.RunFrom(ctx).Secrets...)
}

func (t *Tool) search(ctx context.Context, queries []string) ([]vectorstore.Hit, error) {
	if len(queries) == 0 || len(queries) > MaxQueries {
		return nil, fmt.Errorf("filesearch: %d queries, want 1..%d", len(queries), MaxQueries)
	}
	req := vectorstore.SearchRequest{
		StoreIDs:        t.storeIDs,
		Queries:         make([]vectorstore.Query, len(queries)),
		Filter:          t.opts.Filter,
		Limit:           t.opts.MaxNumResults,
		EmbeddingWeight: t.opts.EmbeddingWeight,
		TextWeight:      t.opts.TextWeight,
	}
	for i, q := range queries {
		req.Queries[i].Text = q
	}
	if e := t.opts.Embedder; e != nil {
		vecs, err := e.Embed(ctx, queries)
		if err != nil {
			return nil, fmt.Errorf("filesearch: embedding the queries: %w", err)
		}
		if len(vecs) != len(queries) {
			return nil, fmt.Errorf("filesearch: embedding the queries: %d vectors for %d queries", len(vecs), len(queries))
		}
		for i := range vecs {
			req.Queries[i].Vector = vecs[i]
		}
		req.Embedder = e.ID()
	}
	sctx, span := t.startRetrieval(ctx, len(queries))
	hits, err := t.store.Search(sctx, req)
	endRetrieval(ctx, span, queries, hits, err)
	if err != nil {
		return nil, fmt.Errorf("filesearch: %w", err)
	}
	if th := t.opts.ScoreThreshold; th > 0 {
		kept := hits[:0]
		for _, h := range hits {
			if h.Relevance >= th {
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	return hits, nil
}

// Format returns the text the model reads for results: a header naming the
// queries, how to cite, and the results numbered from [1], each with its
// filename, file ID and score (the hit's relevance: how much of the query
// it holds, comparable across queries), then its text.
func Format(queries []string, results []responses.FileSearchResult) string {
	var b strings.Builder
	quoted := make([]string, len(queries))
	for i, q := range queries {
		quoted[i] = strconv.Quote(q)
	}
	if len(results) == 0 {
		fmt.Fprintf(&b, "No results for %s. Try other queries (other words, synonyms, a narrower or broader question), or tell the user the files do not say.", strings.Join(quoted, ", "))
		return b.String()
	}
	noun := "results"
	if len(results) == 1 {
		noun = "result"
	}
	fmt.Fprintf(&b, "%d %s for %s, best first. Cite the results you use by their number in square brackets right after the statement they support, like [1] or [2][3]; do not cite results you did not use.\n", len(results), noun, strings.Join(quoted, ", "))
	for i, r := range results {
		fmt.Fprintf(&b, "\n[%d] filename=%s file_id=%s score=%.3f", i+1, strconv.Quote(r.Filename), r.FileID, r.Score)
		if len(r.Attributes) > 0 {
			if a, err := json.Marshal(r.Attributes); err == nil {
				fmt.Fprintf(&b, " attributes=%s", a)
			}
		}
		b.WriteString("\n")
		b.WriteString(strings.TrimSpace(r.Text))
		b.WriteString("\n")
	}
	return b.String()
}

// newID returns a fresh file_search_call id: "fs_" and 24 hex digits.
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "fs_" + hex.EncodeToString(b[:])
}
