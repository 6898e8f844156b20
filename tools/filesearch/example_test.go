package filesearch_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

// The tool over an in-memory store: what the model reads, the synthetic
// file_search_call, and the citation of the answer.
func Example() {
	ctx := context.Background()
	st := vectorstore.NewMemory(nil)
	defer st.Close()
	if err := st.EnsureStore(ctx, vectorstore.StoreSpec{ID: "docs"}); err != nil {
		log.Fatal(err)
	}
	err := st.Upsert(ctx, []vectorstore.Chunk{
		{StoreID: "docs", FileID: "file-1", Filename: "refunds.md", Text: "Refunds are paid within 5 business days."},
		{StoreID: "docs", FileID: "file-2", Filename: "shipping.md", Text: "Orders ship within 2 business days."},
	})
	if err != nil {
		log.Fatal(err)
	}

	fs, err := filesearch.New(st, []string{"docs"}, &filesearch.Options{MaxNumResults: 1})
	if err != nil {
		log.Fatal(err)
	}
	out, items, err := fs.CallWithItems(ctx, `{"queries":["when are refunds paid"]}`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Text)
	fmt.Println(items[0].Type, items[0].Status, items[0].Results[0].Filename)

	answer := responses.Item{Type: responses.ItemMessage, Role: responses.RoleAssistant, Content: []responses.ContentPart{
		{Type: responses.ContentOutputText, Text: "Within 5 business days [1]."}}}
	cited := fs.EditFinal(answer, items)
	for _, a := range cited.Content[0].Annotations {
		fmt.Println(a.Type, a.FileID, a.Filename, *a.Index)
	}
	// Output:
	// 1 result for "when are refunds paid", best first. Cite the results you use by their number in square brackets right after the statement they support, like [1] or [2][3]; do not cite results you did not use.
	//
	// [1] filename="refunds.md" file_id=file-1 score=1.000
	// Refunds are paid within 5 business days.
	//
	// file_search_call completed refunds.md
	// file_citation file-1 refunds.md 23
}
