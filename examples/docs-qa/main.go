// Command docs-qa answers a question about a folder of documents, citing
// them: it ingests the folder into an embedded vector store kept between
// runs (so only new or changed files are read again, and files gone from
// the folder are dropped), gives the model the file_search tool over it,
// streams the answer, and lists the files the answer cites.
//
//	OPENAI_API_KEY=sk-... go run ./examples/docs-qa [-dir DIR] [-store FILE] QUESTION
//
// The store is FILE, by default one per folder in the user's cache
// (~/.cache/agentloop/docs-qa/ on Linux). Progress goes to stderr, one
// line for the folder, one per file that could not be read; the answer
// to stdout.
//
// Needs:
//   - OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible gateway:
//     https://<gateway>/v1), for a model that calls function tools;
//   - a folder of text: .txt .md .html .json and source code (PDF and
//     Office files are skipped: convert them to text first). Default: the
//     current folder.
//
// Search is lexical (BM25) and offline by default; -embed-model
// text-embedding-3-small adds dense embeddings from the same endpoint's
// /embeddings for hybrid search.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/agentloop/agentloop/agent"
	"github.com/agentloop/agentloop/responses"
	"github.com/agentloop/agentloop/runner"
	"github.com/agentloop/agentloop/tools"
	"github.com/agentloop/agentloop/tools/filesearch"
	"github.com/agentloop/agentloop/vectorstore"
)

// config is what one run needs.
type config struct {
	BaseURL, APIKey string // empty: OPENAI_BASE_URL, OPENAI_API_KEY
	Model           string
	EmbedModel      string // empty: lexical search only
	Dir             string
	Store           string // the store file; empty: one per Dir in the user's cache
	Question        string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := config{BaseURL: os.Getenv("OPENAI_BASE_URL"), APIKey: os.Getenv("OPENAI_API_KEY")}
	flag.StringVar(&cfg.Dir, "dir", ".", "folder of documents to answer from")
	flag.StringVar(&cfg.Store, "store", "", "store file kept between runs (default: one per folder in the user's cache)")
	flag.StringVar(&cfg.Model, "model", "gpt-5-mini", "model")
	flag.StringVar(&cfg.EmbedModel, "embed-model", "", "embedding model for hybrid search (such as text-embedding-3-small); default lexical only")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "Usage: go run ./examples/docs-qa [-dir DIR] [-store FILE] [-model M] [-embed-model E] QUESTION")
		flag.PrintDefaults()
	}
	flag.Parse()
	cfg.Question = strings.TrimSpace(strings.Join(flag.Args(), " "))
	if cfg.Question == "" {
		flag.Usage()
		os.Exit(2)
	}
	if cfg.APIKey == "" {
		log.Fatal("OPENAI_API_KEY is not set")
	}
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, cfg config, out, progress io.Writer) error {
	path := cfg.Store
	if path == "" {
		var err error
		if path, err = defaultStore(cfg.Dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	st, err := vectorstore.Open(path, nil)
	if err != nil {
		return err
	}
	defer st.Close()

	var emb vectorstore.Embedder
	if cfg.EmbedModel != "" {
		oe, err := vectorstore.NewOpenAIEmbedder(cfg.EmbedModel, &vectorstore.OpenAIEmbedderOptions{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey})
		if err != nil {
			return err
		}
		defer oe.Close()
		emb = oe
	}
	statuses, err := vectorstore.Ingest(ctx, st, "docs", []string{cfg.Dir}, &vectorstore.IngestOptions{Embedder: emb, Prune: true})
	if err != nil {
		return err
	}
	files, unchanged, chunks := 0, 0, 0
	skipped := map[string]int{}
	for _, s := range statuses {
		switch {
		case s.Status == vectorstore.StatusCompleted:
			files++
			chunks += s.Chunks
			if s.Unchanged {
				unchanged++
			}
		case s.Code == vectorstore.CodeUnsupportedFile:
			skipped[filepath.Ext(s.Path)]++
		case s.Status == vectorstore.StatusFailed:
			// The error names the file already.
			fmt.Fprintf(progress, "[not read: %v]\n", s.Err)
		}
	}
	if files == 0 {
		return fmt.Errorf("no readable text file in %s", cfg.Dir)
	}
	line := fmt.Sprintf("[%s of %s in %s (%d unchanged since the last run): %s", plural(files, "file"), cfg.Dir, path, unchanged, plural(chunks, "chunk"))
	if len(skipped) > 0 {
		var kinds []string
		for ext, n := range skipped {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, ext))
		}
		sort.Strings(kinds)
		line += "; skipped, unsupported: " + strings.Join(kinds, ", ")
	}
	fmt.Fprintln(progress, line+"]")

	fs, err := filesearch.New(st, []string{"docs"}, &filesearch.Options{Embedder: emb, MaxNumResults: 8})
	if err != nil {
		return err
	}
	a := &agent.Agent{
		Name: "docs-qa",
		Instructions: "Answer the user's question from their files: search them with file_search (several phrasings help). " +
			"Cite every statement with the number of the result it comes from, like [1] or [2][3]. " +
			"If the files do not answer the question, say so rather than guessing.",
		Model: cfg.Model,
		Tools: []tools.Tool{fs},
	}
	client := responses.NewClient(&responses.Options{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey})
	defer client.Close()
	var res *runner.Result
	for ev, err := range runner.New(client, nil).Stream(ctx, a, runner.Text(cfg.Question)) {
		if err != nil {
			return err
		}
		switch ev.Type {
		case runner.EventItem:
			if ev.Item.Type == responses.ItemFileSearchCall {
				fmt.Fprintf(progress, "[file_search %q: %d results]\n", ev.Item.Queries, len(ev.Item.Results))
			}
		case runner.EventTextDelta:
			fmt.Fprint(out, ev.Delta)
		case runner.EventFinalOutput:
			res = ev.Result
		}
	}
	if res == nil || res.Final == nil {
		return errors.New("the run ended without an answer")
	}
	fmt.Fprintln(out)
	if srcs := sources(res); len(srcs) > 0 {
		fmt.Fprintln(out, "\nSources:")
		for _, s := range srcs {
			fmt.Fprintln(out, s)
		}
	}
	return nil
}

var (
	markerRE = regexp.MustCompile(`^(?:\[[\d,; ]+\]|【\d+(?:†[^】]*)?】)`)
	numberRE = regexp.MustCompile(`\d+`)
)

// sources lists what the final answer cites, in order of first citation:
// "[n] filename" for each result number cited, "- filename" for a file only
// named in the text.
func sources(res *runner.Result) []string {
	var calls [][]responses.FileSearchResult
	for _, it := range res.NewItems {
		if it.Type == responses.ItemFileSearchCall && it.Status == responses.StatusCompleted {
			calls = append(calls, it.Results)
		}
	}
	var out []string
	seen := map[string]bool{}
	named := map[string]int{} // file ID -> its "- filename" line
	cited := map[string]bool{}
	for _, p := range res.Final.Content {
		text := []rune(p.Text)
		for _, a := range p.Annotations {
			if a.Type != responses.AnnotationFileCitation || a.Index == nil || *a.Index > len(text) {
				continue
			}
			line := "- " + a.Filename
			marker := markerRE.FindString(string(text[*a.Index:]))
			for _, num := range numberRE.FindAllString(strings.SplitN(marker, "†", 2)[0], -1) {
				n, _ := strconv.Atoi(num)
				if r := result(calls, n); r != nil && r.FileID == a.FileID {
					line = fmt.Sprintf("[%d] %s", n, a.Filename)
					break
				}
			}
			switch {
			case seen[line]:
			case strings.HasPrefix(line, "- "):
				// A file named in the text: listed unless it is cited
				// by number too.
				if _, ok := named[a.FileID]; !ok && !cited[a.FileID] {
					named[a.FileID] = len(out)
					out = append(out, line)
				}
			default:
				if i, ok := named[a.FileID]; ok && !cited[a.FileID] {
					out[i] = line
				} else {
					out = append(out, line)
				}
				cited[a.FileID] = true
			}
			seen[line] = true
		}
	}
	return out
}

// plural returns "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// defaultStore returns the store file of dir in the user's cache: one per
// folder, named by a hash of its absolute path.
func defaultStore(dir string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the store (%w): pass -store FILE", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(cache, "agentloop", "docs-qa", hex.EncodeToString(sum[:8])+".vs"), nil
}

// result is result n of the latest call that had n results, as
// filesearch.Cite reads [n].
func result(calls [][]responses.FileSearchResult, n int) *responses.FileSearchResult {
	for j := len(calls) - 1; j >= 0; j-- {
		if n >= 1 && n <= len(calls[j]) {
			return &calls[j][n-1]
		}
	}
	return nil
}
