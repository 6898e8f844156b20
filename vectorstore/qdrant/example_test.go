package qdrant_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/qdrant"
	"github.com/agentloop/agentloop/vectorstore/qdrant/internal/fakeqdrant"
)

func Example() {
	// A real deployment passes its server's address, such as
	// os.Getenv("QDRANT_URL"); the example runs on the in-process test
	// server.
	srv, err := fakeqdrant.Start(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	st, err := qdrant.New(srv.Addr(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Fatal(err)
		}
	}()

	ctx := context.Background()
	if err := st.EnsureStore(ctx, vectorstore.StoreSpec{ID: "handbook"}); err != nil { // lexical only
		log.Fatal(err)
	}
	err = st.Upsert(ctx, []vectorstore.Chunk{
		{StoreID: "handbook", FileID: "file-1", Filename: "leave.md", Text: "Annual leave is 25 days, booked in the HR portal.",
			Attributes: vectorstore.Attributes{"team": "hr", "year": 2025}},
		{StoreID: "handbook", FileID: "file-2", Filename: "laptops.md", Text: "Laptops are renewed every three years.",
			Attributes: vectorstore.Attributes{"team": "it", "year": 2024}},
	})
	if err != nil {
		log.Fatal(err)
	}
	hits, err := st.Search(ctx, vectorstore.SearchRequest{
		StoreIDs: []string{"handbook"},
		Queries:  []vectorstore.Query{{Text: "how many days of leave?"}, {Text: "annual leave"}},
		Filter:   &vectorstore.Filter{Type: "gte", Key: "year", Value: 2025},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hits {
		fmt.Printf("%s %.2f %s\n", h.Filename, h.Score, h.Text)
	}
	fmt.Println(st.CollectionName(vectorstore.StoreSpec{ID: "handbook"}))
	// Output:
	// leave.md 1.00 Annual leave is 25 days, booked in the HR portal.
	// agentloop_lexical
}
