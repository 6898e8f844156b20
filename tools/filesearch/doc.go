// Package filesearch is a client-side stand-in for OpenAI's hosted
// file_search tool: a function tool named file_search that searches
// [vectorstore.Store] stores and makes the run look as if the hosted tool had
// run.
//
// The hosted file_search cannot be answered by a client (there is no
// file_search_call_output item), so [Tool] is a plain function tool taking
// `queries` (1 to 5 strings the model writes). Everything else that the
// hosted tool takes from its definition (the stores, max_num_results, the
// score threshold, the attribute filter, the hybrid weights) comes from Go
// [Options], never from the model. The queries are searched together, in one
// request the store fuses (weighted reciprocal-rank fusion across queries
// and the lexical and dense legs), and the model reads numbered results:
//
//	[1] filename="docs/refunds.md" file_id=file-… score=0.923
//	Customers may return any item within 30 days…
//
// Beside that function_call_output, each call reports a synthetic
// file_search_call item (id fs_…, status, queries and results with file_id,
// filename, score, text and attributes, as the hosted tool's with
// include=["file_search_call.results"]). The runner puts it in
// runner.Result.NewItems and the event stream, never in the history sent
// upstream ([Tool.CallWithItems], tools.ExtraItemsCaller).
//
// When the run ends, the final message's citations of those results, [n]
// markers (also [1, 2] and 【n】) or the mention of a result's filename,
// become file_citation annotations on its output_text parts, as the hosted
// tool's ([Tool.EditFinal], tools.FinalEditor, and [Cite] for loops of
// one's own):
//
//	st, err := vectorstore.Open("docs.vs", nil)
//	if err != nil { ... }
//	defer st.Close()
//	fs, err := filesearch.New(st, []string{"docs"}, &filesearch.Options{MaxNumResults: 5})
//	if err != nil { ... }
//	a := &agent.Agent{Name: "docs", Model: "gpt-5-mini", Tools: []tools.Tool{fs},
//		Instructions: "Answer from the files, citing them."}
//	res, err := runner.New(client, nil).Run(ctx, a, runner.Text("How long do refunds take?"))
//	for _, p := range res.Final.Content {
//		for _, an := range p.Annotations { fmt.Println(an.Filename, *an.Index) }
//	}
//
// With an [Options.Embedder] (the one the store was built with: the store
// refuses another), queries are embedded for the dense leg; without one the
// search is lexical (BM25) only and fully offline.
//
// Called by a traced run, each search is a "retrieval {store}" span below the
// call's execute_tool span (whose gen_ai.tool.type is "datastore", see
// [Tool.ToolType]), with the embedder's "embeddings {model}" span beside it
// when the embedder traces (vectorstore.OpenAIEmbedder does). The queries and
// the hits' ids and scores go on the span only with the run's content capture
// on; chunk texts never do. See [Tool.Search] and [DBStore].
package filesearch
