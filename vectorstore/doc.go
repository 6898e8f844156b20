// Package vectorstore stores chunks of files and searches them the way
// OpenAI's hosted file_search does: lexical (BM25) and dense (embedding)
// retrieval fused with weighted reciprocal-rank fusion, attribute filters
// with OpenAI's semantics (eq ne gt gte lt lte in nin, nested and/or), and
// scores in [0, 1].
//
// [Store] is the interface every backend implements; the embedded default is
// [Memory] (see [Open] and [NewMemory]), and vectorstore/qdrant talks to a
// Qdrant server. Every backend passes the conformance suite in
// vectorstore/vectorstoretest.
//
// Above the Store sit chunking ([Chunker], 800 tokens with a 400-token
// overlap by default, as OpenAI), ingestion of files and folders ([Ingest])
// and embedders ([Embedder]: an OpenAI-compatible /v1/embeddings client and
// a deterministic hashing embedder for tests).
//
// Quick start, fully offline (lexical only):
//
//	st, err := vectorstore.Open("docs.vs", nil) // "" keeps it in memory
//	if err != nil { ... }
//	defer st.Close()
//	_, err = vectorstore.Ingest(ctx, st, "docs", []string{"./docs"}, nil)
//	hits, err := st.Search(ctx, vectorstore.SearchRequest{
//		StoreIDs: []string{"docs"},
//		Queries:  []vectorstore.Query{{Text: "how do I rotate keys?"}},
//	})
package vectorstore
