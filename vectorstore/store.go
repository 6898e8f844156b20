package vectorstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
)

// Sentinel errors, wrapped (with %w) by every backend so callers can test
// them with errors.Is.
var (
	// ErrNotFound: the store (or, for SetAttributes, the file) does not exist.
	ErrNotFound = errors.New("vectorstore: not found")
	// ErrEmbedderMismatch: a store exists with another embedder or
	// dimension than the one given, or query vectors come from another
	// embedder than the store's.
	ErrEmbedderMismatch = errors.New("vectorstore: embedder mismatch")
	// ErrInvalid: a request, chunk, attribute set or filter is malformed.
	// The wrapping error says what and where.
	ErrInvalid = errors.New("vectorstore: invalid argument")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("vectorstore: store closed")
)

// Search limits, as OpenAI's max_num_results.
const (
	DefaultLimit = 10
	MaxLimit     = 50
)

// RRFK is the k constant of reciprocal-rank fusion: a hit at rank r (1-based)
// in one leg of one query scores weight/(RRFK+r).
const RRFK = 60

// StoreSpec describes a store. A store belongs to one embedder: its chunks'
// vectors and its queries' vectors must all come from it.
type StoreSpec struct {
	// ID names the store (OpenAI's vector_store_id). Required.
	ID string `json:"id"`
	// Embedder identifies the embedder of the store's vectors, such as
	// "openai:text-embedding-3-small:512" (see [Embedder.ID]). Empty means a
	// lexical-only store: chunks carry no vectors.
	Embedder string `json:"embedder,omitempty"`
	// Dims is the vector dimension; required when Embedder is set, zero
	// otherwise.
	Dims int `json:"dims,omitempty"`
}

// Chunk is a piece of a file's text, the unit stored and returned by search.
type Chunk struct {
	// ID is set by the store to ChunkID(StoreID, FileID, Ordinal); it is
	// ignored on Upsert.
	ID       string `json:"id,omitempty"`
	StoreID  string `json:"vector_store_id"`
	FileID   string `json:"file_id"`
	Filename string `json:"filename"`
	// Ordinal is the chunk's position in its file, from 0.
	Ordinal int    `json:"ordinal"`
	Text    string `json:"text"`
	// Attributes belong to the file: all chunks of a file share them, and
	// the last Upsert touching a file sets them (as do Filename and
	// FileHash). Numbers come back as float64.
	Attributes Attributes `json:"attributes,omitempty"`
	// FileHash is a digest of the whole file's content, set by ingestion so
	// re-ingesting an unchanged file can be skipped; opaque to stores.
	FileHash string `json:"file_hash,omitempty"`
	// Vector is the chunk's embedding: required (of the store's Dims) in a
	// store with an embedder, nil in a lexical-only one. Search results
	// leave it nil.
	Vector []float32 `json:"-"`
}

// File summarises one file of a store, as listed by [Store.Files].
type File struct {
	ID         string     `json:"id"`
	Filename   string     `json:"filename"`
	Attributes Attributes `json:"attributes,omitempty"`
	FileHash   string     `json:"file_hash,omitempty"`
	Chunks     int        `json:"chunks"` // number of chunks stored
}

// Query is one search query: its text for the lexical leg and, optionally,
// its embedding for the dense leg.
type Query struct {
	Text string
	// Vector is Text's embedding by the embedder named in
	// SearchRequest.Embedder; nil means lexical only.
	Vector []float32
}

// SearchRequest is one search over one or more stores.
type SearchRequest struct {
	// StoreIDs are the stores searched (at least one); a missing store is
	// an error wrapping ErrNotFound.
	StoreIDs []string
	// Queries are searched together and fused (the model sends up to 5
	// rephrasings); each needs Text, Vector or both.
	Queries []Query
	// Embedder is the ID of the embedder that made the query vectors. It
	// must equal the Embedder of each store searched that has one, else
	// Search fails with ErrEmbedderMismatch. Stores without an embedder are
	// searched lexically. Ignored when no query has a vector.
	Embedder string
	// Filter, if set, keeps only chunks whose attributes match. It is
	// applied during retrieval, so filtered-out chunks never crowd the
	// top results.
	Filter *Filter
	// Limit is the number of hits wanted, 1..50; zero means 10.
	Limit int
	// ScoreThreshold drops hits scoring below it, in [0, 1]. Scores are
	// rank-based (see [Hit].Score), so it filters far less than the same
	// threshold with OpenAI's reranked scores; to drop weak matches, filter
	// on [Hit].Relevance.
	ScoreThreshold float64
	// EmbeddingWeight and TextWeight weigh the dense and lexical legs in
	// the fusion (OpenAI's hybrid_search). Both zero means 1 and 1; a zero
	// weight beside a positive one turns that leg off. Negative is invalid.
	EmbeddingWeight float64
	TextWeight      float64
	// KeepDuplicates keeps hits that show the same content as a better
	// hit of another file; by default they are folded into it (see
	// [CollapseDuplicates] and [Hit].Duplicates), so that Limit counts
	// distinct content.
	KeepDuplicates bool
}

// Hit is one search result.
type Hit struct {
	Chunk
	// Score is in [0, 1]: the hit's weighted reciprocal-rank-fusion score
	// divided by the best attainable one (rank 1 in every leg of every
	// query), so 1 means first everywhere. It orders the hits, but says
	// where a chunk ranked, not how well it matches: see Relevance.
	Score float64 `json:"score"`
	// Relevance is in [0, 1] and says how well the chunk matches, on a
	// scale that means the same for every query and store: lexically, the
	// IDF-weighted share of the query's terms the chunk holds (see
	// [LexicalRelevance]); densely, the cosine similarity of the
	// embeddings; in a hybrid search, their weighted mean ([Relevance]);
	// the best over the queries. A hit holding every term of a query
	// scores about 1 lexically, one holding a common half of them well
	// under 0.5, whatever its rank.
	Relevance float64 `json:"relevance"`
	// Duplicates are the hits of other files folded into this one because
	// they show the same content (see [SearchRequest].KeepDuplicates).
	Duplicates []Duplicate `json:"duplicates,omitempty"`
	// DenseRank and LexicalRank are the hit's best 1-based rank in each leg
	// over all queries, 0 when absent from that leg; for evaluation and
	// debugging.
	DenseRank   int `json:"dense_rank,omitempty"`
	LexicalRank int `json:"lexical_rank,omitempty"`
}

// Store keeps stores of chunks and searches them. Implementations are safe
// for concurrent use, wrap the sentinel errors above, and pass
// vectorstoretest.Run.
type Store interface {
	// EnsureStore creates the store if it does not exist. If it exists with
	// another Embedder or Dims it fails with ErrEmbedderMismatch; with the
	// same, it does nothing.
	EnsureStore(ctx context.Context, spec StoreSpec) error
	// DeleteStore removes a store and all its chunks. Deleting a missing
	// store is not an error.
	DeleteStore(ctx context.Context, storeID string) error
	// Upsert adds or replaces chunks, keyed by (StoreID, FileID, Ordinal):
	// upserting the same chunks twice leaves the store as after once. The
	// stores must exist (ErrNotFound). Chunks are validated first (ids,
	// attributes, vectors of the store's Dims); nothing is written if one
	// is invalid.
	Upsert(ctx context.Context, chunks []Chunk) error
	// DeleteFile removes a file's chunks. Deleting a missing file is not an
	// error; a missing store is ErrNotFound.
	DeleteFile(ctx context.Context, storeID, fileID string) error
	// SetAttributes replaces a file's attributes on all its chunks. A
	// missing store or file is ErrNotFound.
	SetAttributes(ctx context.Context, storeID, fileID string, attrs Attributes) error
	// Files lists a store's files, sorted by ID.
	Files(ctx context.Context, storeID string) ([]File, error)
	// Search runs req, returning at most req.Limit hits, best first, ties
	// broken by (StoreID, FileID, Ordinal).
	Search(ctx context.Context, req SearchRequest) ([]Hit, error)
	// Close releases the store (and, for persistent stores, saves it).
	// Other methods fail with ErrClosed afterwards; Close is idempotent.
	Close() error
}

// SpecReader is implemented by backends that can report a store's spec:
// [Memory] and vectorstore/qdrant's Store. Callers reach it with a type
// assertion on a [Store], so a store can be inspected (to pick the query
// embedder, say) without EnsureStore's side effects.
type SpecReader interface {
	// Spec returns the spec storeID was created with (by EnsureStore). A
	// missing store is ErrNotFound; a closed one ErrClosed.
	Spec(ctx context.Context, storeID string) (StoreSpec, error)
}

// ChunkID derives a chunk's ID from its store, file and ordinal: a UUID
// (version 8, from SHA-256), so backends that need UUID keys, such as
// Qdrant, can use it as is.
func ChunkID(storeID, fileID string, ordinal int) string {
	h := sha256.New()
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(storeID)))
	h.Write(n[:])
	h.Write([]byte(storeID))
	binary.LittleEndian.PutUint64(n[:], uint64(len(fileID)))
	h.Write(n[:])
	h.Write([]byte(fileID))
	binary.LittleEndian.PutUint64(n[:], uint64(ordinal))
	h.Write(n[:])
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
