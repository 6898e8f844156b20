// Command cranfield-eval scores the vectorstore's retrieval on the Cranfield
// collection and prints nDCG@10, Recall@10 and MRR@10:
//
//	go run ./vectorstore/internal/cranfield-eval [-embedder none|hash|openai] [-keep-duplicates] [DIR]
//
// DIR defaults to ../shared/data/cranfield from the repository root. Each
// document (title and abstract) is one chunk; each query's text is searched
// with the embedded store. With -embedder the dense leg is added and the
// lexical, dense and hybrid paths are all reported; openai reads
// OPENAI_BASE_URL and OPENAI_API_KEY and sends the collection to that
// endpoint.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/internal/eval"
)

func main() {
	embedder := flag.String("embedder", "none", "dense leg: none, hash or openai")
	model := flag.String("model", "text-embedding-3-small", "embedding model for -embedder openai")
	dims := flag.Int("dims", 512, "vector dimensions for -embedder hash or openai")
	keep := flag.Bool("keep-duplicates", false, "keep the hits that repeat a better hit's text (the collection has a few repeated abstracts), as SearchRequest.KeepDuplicates")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cranfield-eval [flags] [DIR]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(context.Background(), flag.Arg(0), *embedder, *model, *dims, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "cranfield-eval:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, embedderName, model string, dims int, keep bool) error {
	if dir == "" {
		var err error
		if dir, err = eval.DefaultDir(); err != nil {
			return err
		}
	}
	c, err := eval.Load(dir)
	if err != nil {
		return err
	}
	var emb vectorstore.Embedder
	switch embedderName {
	case "none", "":
	case "hash":
		emb = vectorstore.NewHashEmbedder(dims)
	case "openai":
		emb, err = vectorstore.NewOpenAIEmbedder(model, &vectorstore.OpenAIEmbedderOptions{Dimensions: dims})
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown embedder %q (want none, hash or openai)", embedderName)
	}

	start := time.Now()
	st := vectorstore.NewMemory(nil)
	defer func() { _ = st.Close() }()
	spec := vectorstore.StoreSpec{ID: "cranfield"}
	if emb != nil {
		spec.Embedder, spec.Dims = emb.ID(), emb.Dims()
	}
	if err := st.EnsureStore(ctx, spec); err != nil {
		return err
	}
	chunks := make([]vectorstore.Chunk, len(c.Docs))
	texts := make([]string, len(c.Docs))
	for i, d := range c.Docs {
		texts[i] = d.Title + "\n" + d.Abstract
		chunks[i] = vectorstore.Chunk{StoreID: spec.ID, FileID: d.ID, Filename: "cran-" + d.ID, Text: texts[i]}
	}
	qvecs := map[int][]float32{}
	if emb != nil {
		vecs, err := emb.Embed(ctx, texts)
		if err != nil {
			return err
		}
		for i := range chunks {
			chunks[i].Vector = vecs[i]
		}
		qtexts := make([]string, len(c.Queries))
		for i, q := range c.Queries {
			qtexts[i] = q.Text
		}
		qv, err := emb.Embed(ctx, qtexts)
		if err != nil {
			return err
		}
		for i, q := range c.Queries {
			qvecs[q.Num] = qv[i]
		}
	}
	if err := st.Upsert(ctx, chunks); err != nil {
		return err
	}
	fmt.Printf("collection %s: %d docs, %d queries; indexed in %v\n", dir, len(c.Docs), len(c.Queries), time.Since(start).Round(time.Millisecond))

	type path struct {
		name               string
		textW, embW        float64
		useText, useVector bool
	}
	paths := []path{{"lexical", 1, 0, true, false}}
	if emb != nil {
		paths = append(paths, path{"dense", 0, 1, false, true}, path{"hybrid", 1, 1, true, true})
	}
	for _, p := range paths {
		t0 := time.Now()
		m, err := c.Evaluate(ctx, 10, func(ctx context.Context, q eval.Query) ([]string, error) {
			var query vectorstore.Query
			if p.useText {
				query.Text = q.Text
			}
			if p.useVector {
				query.Vector = qvecs[q.Num]
			}
			req := vectorstore.SearchRequest{StoreIDs: []string{spec.ID}, Queries: []vectorstore.Query{query},
				TextWeight: p.textW, EmbeddingWeight: p.embW, Limit: 10, KeepDuplicates: keep}
			if emb != nil {
				req.Embedder = emb.ID()
			}
			hits, err := st.Search(ctx, req)
			ids := make([]string, len(hits))
			for i, h := range hits {
				ids[i] = h.FileID
			}
			return ids, err
		})
		if err != nil {
			return err
		}
		fmt.Printf("%-8s %v  (%v)\n", p.name, m, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}
