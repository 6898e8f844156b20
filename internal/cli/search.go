package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/filesearch"
)

func runSearch(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "search", "[flags] QUERY", "search a file-search store built by ingest and print the ranked chunks, as the file_search tool would find them")
	sf := addStoreFlags(fs, env)
	k := fs.Int("k", 5, "number of chunks to print (1..50)")
	asJSON := fs.Bool("json", false, "print the hits as one JSON object per line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if query == "" {
		return fmt.Errorf("%w: a QUERY is required, as in: agentloop search \"how do I rotate API keys\"", errUsage)
	}
	if *k < 1 || *k > 50 {
		return fmt.Errorf("%w: --k %d out of range 1..50", errUsage, *k)
	}
	emb, err := sf.embedder()
	if err != nil {
		return err
	}
	st, err := sf.open(false)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := sf.check(ctx, st, emb); err != nil {
		return err
	}
	tool, err := filesearch.New(st, []string{sf.id}, &filesearch.Options{MaxNumResults: *k, Embedder: emb})
	if err != nil {
		return err
	}
	hits, err := tool.Search(ctx, []string{query})
	if err != nil {
		return err
	}
	w := env.Stdout
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, h := range hits {
			if err := enc.Encode(h); err != nil {
				return err
			}
		}
		return nil
	}
	if len(hits) == 0 {
		fmt.Fprintf(w, "no chunk of the %s matches %q\n", sf.where(), query)
		return nil
	}
	for i, h := range hits {
		fmt.Fprintf(w, "%d. %s  score %.3f  chunk %d  %s\n", i+1, h.Filename, h.Score, h.Ordinal, h.FileID)
		fmt.Fprintf(w, "   %s\n", clip(oneLine(h.Text), 200))
	}
	return nil
}

// fileSearchTool is the file_search tool of `agentloop run --tools
// file_search`, over the store the flags name; close releases the store.
func fileSearchTool(ctx context.Context, sf *storeFlags) (t tools.Tool, close func() error, err error) {
	emb, err := sf.embedder()
	if err != nil {
		return nil, nil, err
	}
	st, err := sf.open(false)
	if err != nil {
		return nil, nil, err
	}
	if _, err := sf.check(ctx, st, emb); err != nil {
		st.Close()
		return nil, nil, err
	}
	fs, err := filesearch.New(st, []string{sf.id}, &filesearch.Options{Embedder: emb})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return fs, st.Close, nil
}
