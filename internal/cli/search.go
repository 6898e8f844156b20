package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/responses/responsestest"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

func runSearch(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "search", "[flags] QUERY", "search a file-search store built by ingest and print the ranked chunks, as the file_search tool would find them: each with its relevance (0 to 1: how much of the query it holds, comparable across queries) and the passage that matches best, the query's words marked")
	sf := addStoreFlags(fs, env)
	k := fs.Int("k", 5, "number of chunks to print (1..50)")
	asJSON := fs.Bool("json", false, "print the hits as one JSON object per line, with the passage and its marks (byte offsets)")
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
	emb, closeEmb, err := sf.embedder()
	if err != nil {
		return err
	}
	defer closeEmb()
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
			p := vectorstore.BestPassage(h.Text, []string{query}, passageLen)
			if err := enc.Encode(struct {
				vectorstore.Hit
				Passage vectorstore.Passage `json:"passage"`
			}{h, p}); err != nil {
				return err
			}
		}
		return nil
	}
	if len(hits) == 0 {
		fmt.Fprintf(w, "no chunk of the %s matches %q\n", sf.where(), query)
		return nil
	}
	bold := env.StdoutIsTerminal
	for i, h := range hits {
		fmt.Fprintf(w, "%d. %s  relevance %.2f  chunk %d  %s\n", i+1, fileName(h.Filename), h.Relevance, h.Ordinal, printable(h.FileID))
		if len(h.Duplicates) > 0 {
			fmt.Fprintf(w, "   same text in: %s\n", sameText(h))
		}
		fmt.Fprintf(w, "   %s\n", markPassage(h.Text, vectorstore.BestPassage(h.Text, []string{query}, passageLen), bold))
	}
	return nil
}

// sameText lists the chunks folded into h by file, in order: "this file
// (chunk 10), x.html (chunk 3), all.html (chunks 899, 900)".
func sameText(h vectorstore.Hit) string {
	type file struct{ store, id string }
	var order []file
	names := map[file]string{}
	chunks := map[file][]string{}
	for _, d := range h.Duplicates {
		f := file{d.StoreID, d.FileID}
		if _, ok := names[f]; !ok {
			order = append(order, f)
			names[f] = fileName(d.Filename)
			if d.StoreID == h.StoreID && d.FileID == h.FileID {
				names[f] = "this file"
			}
		}
		chunks[f] = append(chunks[f], strconv.Itoa(d.Ordinal))
	}
	parts := make([]string, len(order))
	for i, f := range order {
		noun := "chunk"
		if len(chunks[f]) > 1 {
			noun = "chunks"
		}
		parts[i] = fmt.Sprintf("%s (%s %s)", names[f], noun, strings.Join(chunks[f], ", "))
	}
	return strings.Join(parts, ", ")
}

// passageLen bounds the passage shown of each hit, in bytes.
const passageLen = 240

// markPassage returns passage p of text on one line, its marks in bold on
// a terminal and between ** otherwise, with … where it cuts the text.
func markPassage(text string, p vectorstore.Passage, bold bool) string {
	open, close := "**", "**"
	if bold {
		open, close = "\x1b[1m", "\x1b[0m"
	}
	var b strings.Builder
	if p.Start > 0 {
		b.WriteString("…")
	}
	pos := 0
	for _, m := range p.Marks {
		b.WriteString(printable(spaces(p.Text[pos:m[0]])))
		b.WriteString(open)
		b.WriteString(printable(spaces(p.Text[m[0]:m[1]])))
		b.WriteString(close)
		pos = m[1]
	}
	b.WriteString(printable(spaces(p.Text[pos:])))
	if p.End < len(text) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// spaces turns each run of white space in s into one space.
func spaces(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// fileSearchTool is the file_search tool of `agentloop run --tools
// file_search`, over the store the flags name; close releases the store
// and the embedder's connections.
func fileSearchTool(ctx context.Context, sf *storeFlags) (t tools.Tool, close func() error, err error) {
	emb, closeEmb, err := sf.embedder()
	if err != nil {
		return nil, nil, err
	}
	st, err := sf.open(false)
	if err != nil {
		closeEmb()
		return nil, nil, err
	}
	closeAll := func() error {
		closeEmb()
		return st.Close()
	}
	if _, err := sf.check(ctx, st, emb); err != nil {
		_ = closeAll() // the check's error is the one to report
		return nil, nil, err
	}
	fs, err := filesearch.New(st, []string{sf.id}, &filesearch.Options{Embedder: emb})
	if err != nil {
		_ = closeAll() // the error above is the one to report
		return nil, nil, err
	}
	return fs, closeAll, nil
}

// docsQACorpus is the demo's folder of documents, written to a temporary
// directory and ingested for real.
var docsQACorpus = map[string]string{
	"refunds.md": "# Refunds\n\nYou can return any item within 30 days of delivery for a full refund. " +
		"The refund goes back to the original payment method within 5 business days of the return reaching us. " +
		"Sale items can be exchanged but not refunded.",
	"shipping.md": "# Shipping\n\nOrders placed before 2 pm ship the same business day. " +
		"Standard delivery takes 2 to 4 business days; express delivery takes one day and costs 9 euros.",
	"warranty.md": "# Warranty\n\nEvery device carries a two-year warranty against manufacturing defects. " +
		"Defective items can be returned for repair at any time during the warranty. " +
		"Accidental damage is not covered. Claims need the order number and a photo of the defect.",
	"accounts.md": "# Accounts\n\nYou can change your email address in Settings, under Profile. " +
		"Deleting an account is permanent and cancels open orders.",
}

// docsQADemoCase is the file-search step of `agentloop demo`: a folder
// ingested into an in-memory store, the file_search tool, and an answer
// whose [1] becomes a file_citation.
func docsQADemoCase() demoCase {
	return demoCase{
		name:   "docs-qa",
		blurb:  "file_search over a folder ingested for real; the answer's [1] becomes a file_citation",
		prompt: "How long do I have to return an item for a refund?",
		agent:  docsQAAgent,
		model:  docsQAModel,
		show: func(w io.Writer, res *runner.Result) {
			for _, it := range res.NewItems {
				if it.Type == responses.ItemFileSearchCall {
					fmt.Fprintf(w, "   file_search_call %s: %d queries, %d results (in the run's result only, never sent upstream)\n", it.ID, len(it.Queries), len(it.Results))
				}
			}
			if res.Final == nil {
				return
			}
			for _, p := range res.Final.Content {
				for _, a := range p.Annotations {
					if a.Type == responses.AnnotationFileCitation && a.Index != nil {
						fmt.Fprintf(w, "   citation: %s (%s) at character %d\n", fileName(path.Base(a.Filename)), a.FileID, *a.Index)
					}
				}
			}
		},
	}
}

func docsQAAgent() (*agent.Agent, func(), error) {
	dir, err := os.MkdirTemp("", "agentloop-demo-docs-")
	if err != nil {
		return nil, nil, err
	}
	st := vectorstore.NewMemory(nil)
	cleanup := func() {
		st.Close()
		os.RemoveAll(dir)
	}
	for name, text := range docsQACorpus {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	if _, err := vectorstore.Ingest(context.Background(), st, "docs", []string{dir}, nil); err != nil {
		cleanup()
		return nil, nil, err
	}
	fs, err := filesearch.New(st, []string{"docs"}, &filesearch.Options{MaxNumResults: 3})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return &agent.Agent{
		Name:         "docs-qa",
		Instructions: "Answer from the user's files with file_search, citing the results you use as [n].",
		Model:        "gpt-5-mini",
		Tools:        []tools.Tool{fs},
	}, cleanup, nil
}

// docsQAModel searches with the question and its keywords, then answers
// with the sentence of the top result that best matches the question,
// citing it as [1].
func docsQAModel(r *responsestest.Received) responsestest.Step {
	outs := toolOutputs(r.Request)
	if len(outs) == 0 {
		q := userText(r.Request)
		queries := []string{q}
		if kw := strings.Join(keywords(q), " "); kw != "" && kw != q {
			queries = append(queries, kw)
		}
		b, _ := json.Marshal(filesearch.Args{Queries: queries})
		return responsestest.Reply(responsestest.FunctionCall("call_fs1", filesearch.Name, string(b)))
	}
	top, ok := firstResult(outs[len(outs)-1])
	if !ok {
		return responsestest.Reply(responsestest.Message("The files do not say."))
	}
	final := responsestest.Message("According to the files: " + strings.TrimSuffix(bestSentence(top, keywords(userText(r.Request))), ".") + " [1].")
	final.Phase = responses.PhaseFinalAnswer
	return responsestest.Reply(final)
}

// firstResult returns the text of result [1] in a file_search output.
func firstResult(out string) (string, bool) {
	_, rest, ok := strings.Cut(out, "\n[1] ")
	if !ok {
		return "", false
	}
	_, text, ok := strings.Cut(rest, "\n")
	if !ok {
		return "", false
	}
	text, _, _ = strings.Cut(text, "\n\n[2] ")
	return strings.TrimSpace(text), true
}

// bestSentence returns the sentence of text sharing the most keywords
// with kws (the first one on ties), without Markdown headings.
func bestSentence(text string, kws []string) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			lines = append(lines, l)
		}
	}
	text = strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
	best, bestScore := text, -1
	for s := range strings.SplitSeq(text, ". ") {
		s = strings.TrimSuffix(strings.TrimSpace(s), ".") + "."
		score := 0
		for _, k := range keywords(s) {
			if slices.Contains(kws, k) {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	return best
}

// keywords returns the lower-cased words of s, without short and common
// words.
func keywords(s string) []string {
	stop := map[string]bool{"how": true, "long": true, "do": true, "have": true, "the": true, "and": true,
		"for": true, "what": true, "can": true, "you": true, "your": true, "with": true, "are": true, "does": true}
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) > 2 && !stop[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}
