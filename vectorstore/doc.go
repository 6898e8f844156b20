// Package vectorstore stores chunks of files and searches them the way
// OpenAI's hosted file_search does: lexical (BM25) and dense (embedding)
// retrieval fused with weighted reciprocal-rank fusion, attribute filters
// with OpenAI's semantics, and scores in [0, 1].
//
// # Quick start
//
// Fully offline (lexical only):
//
//	st, err := vectorstore.Open("docs.vs", nil) // "" keeps it in memory only
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//	statuses, err := vectorstore.Ingest(ctx, st, "docs", []string{"./docs"}, nil)
//	if err != nil {
//		return err
//	}
//	hits, err := st.Search(ctx, vectorstore.SearchRequest{
//		StoreIDs: []string{"docs"},
//		Queries:  []vectorstore.Query{{Text: "how do I rotate keys?"}},
//	})
//
// Hybrid: pass an [Embedder] such as [NewOpenAIEmbedder] in
// [IngestOptions].Embedder, embed the query texts with the same embedder,
// and set [SearchRequest].Embedder to its ID.
//
// # Backends
//
// [Store] is the interface every backend implements. [Memory] is the
// embedded default ([Open], [NewMemory]); vectorstore/qdrant talks to a
// Qdrant server. Every backend passes the conformance suite in
// vectorstore/vectorstoretest.
//
// [Memory] keeps each store's vectors in one contiguous float32 slab and
// scans it exactly (recall 1.0) in parallel, with AVX2/FMA on amd64 and all
// query vectors of a search in one pass; it keeps its own BM25 index (k1 1.2,
// b 0.75; lowercase, a small English stopword list, Porter stemming, the
// words of camel-case identifiers). Filters
// are applied during both scans. With a path it persists to a single
// versioned, checksummed file, written atomically on [Memory.Flush] and
// [Memory.Close]; [Open] checks the file's invariants, not only its
// checksum, and refuses a damaged one with [ErrCorrupt].
//
// # Search semantics
//
// For each query, the lexical leg and the dense leg each contribute their
// top 4·Limit chunks ([CandidateDepth]); a chunk at rank r in a leg of
// weight w earns w/(60+r) ([RRFK]). Sums over legs and queries are divided
// by the best attainable sum (rank 1 everywhere), so [Hit].Score is in
// [0, 1]. [SearchRequest].ScoreThreshold then drops low scores and Limit
// (default 10, at most 50) cuts the list. [Fuse] is this fusion, shared by
// every backend, and [Terms] the lexical analyzer, so backends rank alike.
//
// Scores are rank-based: they say where a chunk ranked in each leg, not
// how relevant it is. A chunk ranked first by one leg of a hybrid search
// scores about 0.5 however weak the match, and the 40th chunk of a leg
// still scores about 0.6 of the 1st. ScoreThreshold therefore filters far
// less than it does with OpenAI's hosted tool, whose scores come from a
// reranker; keep it low (or zero) and rely on Limit.
//
// [Hit].Relevance is the number to show and to filter on: in [0, 1], it
// says how well the chunk matches on a scale that is the same for every
// query. Lexically it is the IDF-weighted share of the query's terms the
// chunk holds ([LexicalRelevance]: about 1 when every term is there, under
// 0.5 when half the query's weight is missing, a term found nowhere
// weighing as a rare one); densely, the cosine similarity of
// the embeddings; hybrid, their mean weighted as the legs ([Relevance]);
// the best over the queries. Ranking stays with the fusion (BM25 ranks
// better than coverage), so relevances need not decrease down the list.
//
// Hits of other files that show the same content as a better hit (one
// page as x.md and x.html, or inside a file concatenating several) are
// folded into it ([Hit].Duplicates, [CollapseDuplicates]), so that Limit
// counts distinct content; [SearchRequest].KeepDuplicates keeps them.
// [BestPassage] finds the part of a hit's text that matches, with the
// query terms marked, for display.
//
// A store embeds with one embedder only ([StoreSpec].Embedder): queries
// from another are refused with [ErrEmbedderMismatch]. Backends
// implementing [SpecReader] (all of this module's) report a store's spec,
// so callers can pick the query embedder without calling EnsureStore.
//
// # Filters
//
// [Filter] mirrors OpenAI's comparison and compound filters and decodes from
// their JSON; see [Filter] for the rules on values and absent keys.
// [Attributes] follow OpenAI's limits (16 keys; string, number or bool).
//
// # Ingestion
//
// [Ingest] reads files and folders (text, markdown, HTML, JSON, source
// code, .docx, .pptx), splits them with a [Chunker] (tiktoken o200k_base,
// 800 tokens overlapping by 400, as OpenAI), embeds them if an embedder is
// given and stores them, reporting a [FileStatus] per file (and per folder
// it could not read) and its progress ([IngestOptions].Progress). Files are
// streamed: memory grows with the chunk size and the batch, not the file.
// HTML keeps its readable text, without navigation, controls and the
// like; chunks of Markdown and HTML start with the title and headings they
// fall under. Re-ingesting replaces changed files and skips unchanged
// ones; Prune removes the files gone. A file larger than
// [IngestOptions].MaxFileSize (32 MiB by default; negative: no limit), or
// inflating past MaxExpandedSize (64 MiB, a zip bomb posing as a .pptx),
// fails alone with [ErrTooLarge].
//
// # Files and locking
//
// [Open] persists a [Memory] to one file, saved atomically (readers see the
// old file or the new, whole). One writer at a time: a writable Open locks
// the file (an OS lock on PATH.lock, dropped if the process dies) and a
// second writer fails at once with [ErrLocked] naming the holder's pid;
// [Options].ReadOnly opens for searching, beside a writer.
//
// # Embedders
//
// [OpenAIEmbedder] calls any OpenAI-compatible /v1/embeddings endpoint. It
// keeps its key as the responses client does: never sent to another origin
// on a redirect, nor over plain HTTP to a host that is not loopback without
// [OpenAIEmbedderOptions].AllowInsecureHTTP, and never in its errors (which
// the file_search tool shows the model). [OpenAIEmbedder.Close] closes its
// idle connections. [HashEmbedder] is deterministic and offline, for tests
// only: it carries no semantics.
package vectorstore
