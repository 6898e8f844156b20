package vectorstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentloop/agentloop/vectorstore"
)

func Example() {
	ctx := context.Background()
	st := vectorstore.NewMemory(nil) // vectorstore.Open(path, nil) persists
	defer func() { _ = st.Close() }()

	// A lexical-only store: no embedder, fully offline.
	if err := st.EnsureStore(ctx, vectorstore.StoreSpec{ID: "handbook"}); err != nil {
		panic(err)
	}
	err := st.Upsert(ctx, []vectorstore.Chunk{
		{StoreID: "handbook", FileID: "f1", Filename: "travel.md", Text: "Book flights through the travel portal at least two weeks ahead.",
			Attributes: vectorstore.Attributes{"team": "ops", "year": 2024}},
		{StoreID: "handbook", FileID: "f2", Filename: "expenses.md", Text: "Submit expense reports for flights and hotels within 30 days.",
			Attributes: vectorstore.Attributes{"team": "finance", "year": 2025}},
		{StoreID: "handbook", FileID: "f3", Filename: "security.md", Text: "Rotate your keys every 90 days.",
			Attributes: vectorstore.Attributes{"team": "ops", "year": 2025}},
	})
	if err != nil {
		panic(err)
	}
	hits, err := st.Search(ctx, vectorstore.SearchRequest{
		StoreIDs: []string{"handbook"},
		Queries:  []vectorstore.Query{{Text: "how do I book a flight?"}, {Text: "flight expenses"}},
		Filter:   &vectorstore.Filter{Type: "gte", Key: "year", Value: 2024},
	})
	if err != nil {
		panic(err)
	}
	// Each file ranks first for one query and second for the other: both
	// score (1/61 + 1/62) / (2/61). security.md matches no query.
	for _, h := range hits {
		fmt.Printf("%s %.3f lexical rank %d\n", h.Filename, h.Score, h.LexicalRank)
	}
	// Output:
	// travel.md 0.992 lexical rank 1
	// expenses.md 0.992 lexical rank 1
}

func ExampleFilter() {
	var f vectorstore.Filter
	err := json.Unmarshal([]byte(`{"type": "and", "filters": [
		{"type": "in", "key": "lang", "value": ["go", "rust"]},
		{"type": "gte", "key": "stars", "value": 100}]}`), &f)
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Match(vectorstore.Attributes{"lang": "go", "stars": 250}))
	fmt.Println(f.Match(vectorstore.Attributes{"lang": "go", "stars": 12}))

	err = json.Unmarshal([]byte(`{"type": "gt", "key": "stars"}`), &f)
	fmt.Println(err)
	// Output:
	// true
	// false
	// vectorstore: filter.value: comparison "gt" needs a value
}

func ExampleChunker_Split() {
	c, err := vectorstore.NewChunker(&vectorstore.ChunkerOptions{Size: 100, Overlap: 50})
	if err != nil {
		panic(err)
	}
	text := strings.Repeat("All work and no play makes Jack a dull boy. ", 40) // 441 tokens
	chunks := c.Split(text)
	fmt.Println(c.Count(text), "tokens,", len(chunks), "chunks")
	// Output:
	// 441 tokens, 8 chunks
}

func ExampleIngest() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ingest")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	for name, content := range map[string]string{
		"guide.md":   "# Guide\n\nPress the red button to start.",
		"index.html": "<h1>Home</h1><p>Welcome!</p>",
		"scan.pdf":   "%PDF-1.7",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			panic(err)
		}
	}

	st := vectorstore.NewMemory(nil)
	defer func() { _ = st.Close() }()
	statuses, err := vectorstore.Ingest(ctx, st, "docs", []string{dir}, &vectorstore.IngestOptions{
		Attributes: func(path string) vectorstore.Attributes {
			return vectorstore.Attributes{"ext": filepath.Ext(path)}
		},
	})
	if err != nil {
		panic(err)
	}
	for _, s := range statuses {
		fmt.Println(strings.TrimSpace(fmt.Sprint(filepath.Base(s.Path), " ", s.Status, " ", s.Chunks, " ", s.Code)))
	}
	hits, _ := st.Search(ctx, vectorstore.SearchRequest{StoreIDs: []string{"docs"}, Queries: []vectorstore.Query{{Text: "red button"}}})
	fmt.Println(filepath.Base(hits[0].Filename), hits[0].Attributes["ext"])
	// Output:
	// guide.md completed 1
	// index.html completed 1
	// scan.pdf failed 0 unsupported_file
	// guide.md .md
}

func ExampleTerms() {
	fmt.Println(vectorstore.Terms("The Flows of Heated Gases, 2nd edition"))
	// Output: [flow heat gase 2nd edit]
}

func ExampleBestPassage() {
	text := "Sending to or closing a closed channel causes a run-time panic. " +
		"Closing the nil channel also causes a run-time panic. After calling close, receives return the zero value."
	p := vectorstore.BestPassage(text, []string{"what happens when you close a nil channel"}, 60)
	fmt.Println(p.Text)
	for _, m := range p.Marks {
		fmt.Printf("[%s] ", p.Text[m[0]:m[1]])
	}
	fmt.Println()
	// Output:
	// Closing the nil channel also causes a run-time panic.
	// [Closing] [nil] [channel]
}

func ExampleLexicalRelevance() {
	// Without IDFs, every term weighs alike: two terms of three, 0.67.
	fmt.Printf("%.2f\n", vectorstore.LexicalRelevance("nil channel panic", "a nil channel blocks", nil, 0))
	fmt.Printf("%.2f\n", vectorstore.LexicalRelevance("nil channel panic", "closing a nil channel: panic", nil, 0))
	// Output:
	// 0.67
	// 1.00
}
