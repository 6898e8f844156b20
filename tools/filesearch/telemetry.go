package filesearch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/agentloop/agentloop/internal/genai"
	"github.com/agentloop/agentloop/vectorstore"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Own-namespace keys of the retrieval span (in internal/genai/keys.go, the
// file of every key).
const (
	keyHitCount   = genai.KeyRetrievalHitCount
	keyQueryCount = genai.KeyRetrievalQueryCount
)

// DBStore is implemented by stores that are clients of a database server,
// such as a Qdrant-backed one. The retrieval spans of the tool then carry
// db.system.name and server.address/port; a store that does not implement
// it (the embedded [vectorstore.Memory]) gets no db.* attributes.
type DBStore interface {
	// DBSystemName returns the db.system.name of the database, such as
	// "qdrant".
	DBSystemName() string
	// ServerAddress returns the host and port of the server, "" and 0 when
	// unknown.
	ServerAddress() (host string, port int)
}

// ToolType returns "datastore", the gen_ai.tool.type of the tool's
// execute_tool spans (the runner's TypedTool).
func (t *Tool) ToolType() string { return genai.ToolTypeDatastore }

// startRetrieval starts the "retrieval {stores}" span of a search, or
// returns a nil span when the span in ctx is not recording (then nothing is
// traced and no attribute is built).
func (t *Tool) startRetrieval(ctx context.Context, queries int) (context.Context, trace.Span) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, nil
	}
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, genai.KeyRequestTopK.Int(t.opts.MaxNumResults), keyQueryCount.Int(queries))
	if db, ok := t.store.(DBStore); ok {
		if name := db.DBSystemName(); name != "" {
			attrs = append(attrs, genai.KeyDBSystemName.String(name))
		}
		if host, port := db.ServerAddress(); host != "" {
			attrs = append(attrs, genai.KeyServerAddress.String(host))
			if port > 0 {
				attrs = append(attrs, genai.KeyServerPort.Int(port))
			}
		}
	}
	return genai.StartRetrieval(ctx, t.dataSource, attrs...)
}

// endRetrieval ends span (if not nil) with the hit count, or the error, and
// with content capture on, the queries and the ids and scores of the hits.
func endRetrieval(ctx context.Context, span trace.Span, queries []string, hits []vectorstore.Hit, err error) {
	if span == nil {
		return
	}
	run := genai.RunFrom(ctx)
	if run.CaptureContent {
		span.SetAttributes(genai.KeyRetrievalQuery.String(run.Fit(strings.Join(queries, "\n"))))
	}
	if err != nil {
		genai.SetError(span, err, retrievalErrorType(err), run.Secrets)
		span.End()
		return
	}
	span.SetAttributes(keyHitCount.Int(len(hits)))
	if run.CaptureContent {
		span.SetAttributes(genai.KeyRetrievalDocuments.String(documents(run, hits)))
	}
	span.End()
}

// document is one entry of gen_ai.retrieval.documents: the chunk's id, its
// file and its score (the hit's relevance), never its text.
type document struct {
	ID     string  `json:"id"`
	FileID string  `json:"file_id,omitempty"`
	Score  float64 `json:"score"`
}

// documents returns the hits as gen_ai.retrieval.documents, a JSON array
// bounded by the run's content size: the lowest-ranked hits are dropped
// first, so the array stays valid JSON and keeps the best ones.
func documents(run *genai.Run, hits []vectorstore.Hit) string {
	docs := make([]document, len(hits))
	for i := range hits {
		docs[i] = document{ID: hits[i].ID, FileID: hits[i].FileID, Score: hits[i].Relevance}
	}
	limit := run.MaxContentBytes
	if limit <= 0 {
		limit = genai.DefaultMaxContentBytes
	}
	for {
		b, err := json.Marshal(docs)
		if err != nil {
			return "[]"
		}
		if len(b) <= limit || len(docs) == 0 {
			return run.Redact(string(b))
		}
		// Keep the share of the documents that fits, at least one fewer.
		keep := min(len(docs)-1, len(docs)*limit/len(b))
		docs = docs[:keep]
	}
}

// retrievalErrorType classifies a failed search for error.type.
func retrievalErrorType(err error) string {
	switch {
	case errors.Is(err, vectorstore.ErrNotFound):
		return "not_found"
	case errors.Is(err, vectorstore.ErrEmbedderMismatch):
		return "embedder_mismatch"
	case errors.Is(err, vectorstore.ErrInvalid):
		return "invalid_request"
	case errors.Is(err, vectorstore.ErrClosed):
		return "store_closed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "_OTHER"
}
