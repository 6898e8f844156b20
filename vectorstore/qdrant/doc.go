// Package qdrant is a [vectorstore.Store] kept in a Qdrant server, reached
// over gRPC with github.com/qdrant/go-client. It is the backend for stores
// too large or too shared for the embedded default; it behaves like it
// (same filters, fusion, scores and ranks), which the conformance suite in
// vectorstore/vectorstoretest checks.
//
//	st, err := qdrant.New(os.Getenv("QDRANT_URL"), &qdrant.Options{APIKey: os.Getenv("QDRANT_API_KEY")})
//	if err != nil { ... }
//	defer st.Close()
//	err = st.EnsureStore(ctx, vectorstore.StoreSpec{ID: "docs", Embedder: emb.ID(), Dims: emb.Dims()})
//	err = st.Upsert(ctx, chunks)
//	hits, err := st.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"docs"}, ...})
//
// # Layout in Qdrant
//
//   - One collection per embedder and dimension ([Store.CollectionName]),
//     shared by every store built with it, so a search over several stores
//     is one request: a named dense vector "dense" (cosine) and a named
//     sparse vector "bm25" (IDF modifier). Lexical-only stores share a
//     collection with only "bm25".
//   - One point per chunk, its id the chunk's [vectorstore.ChunkID] (a
//     UUID derived from store, file and ordinal), so upserts are
//     idempotent; payload {vector_store_id, file_id, filename, chunk_index,
//     text, file_hash, chunk_id, attributes: {...}}.
//   - Payload indexes: vector_store_id (keyword, is_tenant), file_id
//     (keyword), and each filtered attribute (keyword, float, bool or
//     datetime, created on first use, best effort).
//   - A registry collection, "<prefix>stores", with one point per store
//     holding its spec, average chunk length and terms version, so a
//     reopened Store finds its stores.
//
// # Lexical leg
//
// BM25 sparse vectors are built on the client rather than by Qdrant's
// server-side inference (Document{Model: "qdrant/bm25"}): any Qdrant server
// will do, no inference endpoint is needed, and the in-process test server
// scores them exactly as Qdrant does. A chunk's value for a term is BM25's
// saturated term frequency (k1 1.2, b 0.75, the store's average chunk
// length, see Options.AvgChunkTerms), a query's is the term's count, and the
// collection's IDF modifier supplies the IDF, so the dot product is the BM25
// score. Terms are the embedded store's ([vectorstore.Terms]: lowercase,
// stopwords, Porter stemming). Unlike the embedded store, the average length
// is fixed when a store is first written and the IDF counts all the stores
// of a collection; on Cranfield the lexical leg scores nDCG@10 0.3611, as the
// embedded store. The registry records each store's
// [vectorstore.TermsVersion]; a store indexed by another version (or before
// versions were recorded) refuses lexical searches and upserts with
// [vectorstore.ErrEmbedderMismatch] until it is deleted and ingested again.
//
// # Search
//
// One QueryBatch per collection searched holds every leg of every query
// (sparse and dense nearest searches, each with the store clause and the
// mapped filter); the legs are fused here with the embedded store's
// weighted RRF, and one Get fetches the hits' payloads. See [Store.Search]
// for why Qdrant's own RRF is not used, and [FilterCondition] for the
// filter mapping.
//
// # Failures
//
// Calls failing with Unavailable, ResourceExhausted (honouring the
// server's retry-after) or DeadlineExceeded are retried with jittered
// exponential backoff; cancelling the context stops a backoff at once. See
// [Options].
//
// # Testing
//
// The package's tests run the conformance suite against an in-process
// server built from the client module's generated gRPC service interfaces
// (internal/fakeqdrant), and against a real server when QDRANT_URL is set.
package qdrant
