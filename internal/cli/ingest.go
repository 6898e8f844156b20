package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentloop/agentloop/internal/keyguard"
	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/qdrant"
)

// DefaultStorePath is the embedded file-search store used without --store
// or $AGENTLOOP_STORE.
const DefaultStorePath = ".agentloop/store.vs"

// DefaultStoreID is the store (OpenAI's vector_store_id) used without
// --store-id.
const DefaultStoreID = "docs"

// storeFlags are the flags ingest, search and run share to find the
// file-search store and reach the embeddings endpoint.
type storeFlags struct {
	path, id, qdrant, embedModel string
	embedDims                    int
	allowInsecure                bool
	// baseURL is the API base URL of the embeddings endpoint: run's, else
	// $OPENAI_BASE_URL, else OpenAI's.
	baseURL string
	env     *Env
}

// insecureEnv, set to 1 or true, is the default of --allow-insecure-http.
const insecureEnv = "AGENTLOOP_ALLOW_INSECURE_HTTP"

// addStoreFlags registers the store flags on fs.
func addStoreFlags(fs *flag.FlagSet, env *Env) *storeFlags {
	sf := &storeFlags{env: env}
	def := env.Getenv("AGENTLOOP_STORE")
	if def == "" {
		def = DefaultStorePath
	}
	fs.StringVar(&sf.path, "store", def, "file of the embedded file-search store; $AGENTLOOP_STORE sets the default")
	fs.StringVar(&sf.id, "store-id", DefaultStoreID, "store ID within the store file or Qdrant server")
	fs.StringVar(&sf.qdrant, "qdrant", "", "use the Qdrant server at this URL (such as http://localhost:6334; key in $QDRANT_API_KEY) instead of the embedded store")
	fs.StringVar(&sf.embedModel, "embed-model", "", "embed chunks and queries with this model of $OPENAI_BASE_URL/embeddings (such as text-embedding-3-small) for hybrid search; default: lexical only, offline")
	fs.IntVar(&sf.embedDims, "embed-dims", 0, "embedding dimensions to ask for (v3 models); 0: the model's own")
	allow := strings.ToLower(strings.TrimSpace(env.Getenv(insecureEnv)))
	fs.BoolVar(&sf.allowInsecure, "allow-insecure-http", allow == "1" || allow == "true",
		"send the API key over a plain-HTTP base URL to a host that is not loopback (a gateway on a trusted network); $"+insecureEnv+"=1 sets the default")
	return sf
}

// checkBaseURL refuses a plain-HTTP base URL to a host that is not
// loopback without --allow-insecure-http, saying what to do.
func (sf *storeFlags) checkBaseURL(base string) error {
	if err := keyguard.CheckBaseURL(base, sf.allowInsecure); err != nil {
		return fmt.Errorf("%w: %w; use https, or pass --allow-insecure-http (or set %s=1) if the network is trusted", errUsage, err, insecureEnv)
	}
	return nil
}

// where names the store for messages.
func (sf *storeFlags) where() string {
	if sf.qdrant != "" {
		return fmt.Sprintf("store %q on Qdrant %s", sf.id, sf.qdrant)
	}
	return fmt.Sprintf("store %q in %s", sf.id, sf.path)
}

// open opens the store: for writing with create set (an embedded store
// file is then locked until Close; a second writer fails at once, naming
// the first), read-only without, when a missing embedded store file is an
// error saying to run ingest first.
func (sf *storeFlags) open(create bool) (vectorstore.Store, error) {
	if sf.id == "" {
		return nil, fmt.Errorf("%w: --store-id is empty", errUsage)
	}
	if sf.qdrant != "" {
		st, err := qdrant.New(sf.qdrant, &qdrant.Options{APIKey: sf.env.Getenv("QDRANT_API_KEY")})
		if err != nil {
			return nil, fmt.Errorf("%w: --qdrant: %w", errUsage, err)
		}
		return st, nil
	}
	if sf.path == "" {
		return nil, fmt.Errorf("%w: --store is empty", errUsage)
	}
	if create {
		if err := os.MkdirAll(filepath.Dir(sf.path), 0o755); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(sf.path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no file-search store at %s: run `agentloop ingest DIR` first (or pass --store PATH)", sf.path)
	}
	// Searches open the file read-only: they take no lock, so they work
	// while an ingest writes it, and see its last save.
	st, err := vectorstore.Open(sf.path, &vectorstore.Options{ReadOnly: !create})
	if errors.Is(err, vectorstore.ErrLocked) {
		return nil, fmt.Errorf("%s; wait for it to finish, or pass another --store", strings.TrimPrefix(err.Error(), vectorstore.ErrLocked.Error()+": "))
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// embedder returns the embedder of --embed-model, nil without one, and a
// function that closes its idle connections.
func (sf *storeFlags) embedder() (vectorstore.Embedder, func(), error) {
	if sf.embedModel == "" {
		return nil, func() {}, nil
	}
	base := sf.baseURL
	if base == "" {
		base = sf.env.Getenv("OPENAI_BASE_URL")
	}
	if base == "" {
		base = vectorstore.DefaultOpenAIBaseURL
	}
	if err := sf.checkBaseURL(base); err != nil {
		return nil, nil, err
	}
	e, err := vectorstore.NewOpenAIEmbedder(sf.embedModel, &vectorstore.OpenAIEmbedderOptions{
		BaseURL:           base,
		APIKey:            sf.env.Getenv("OPENAI_API_KEY"),
		Dimensions:        sf.embedDims,
		AllowInsecureHTTP: sf.allowInsecure,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: --embed-model: %w", errUsage, err)
	}
	return e, func() { _ = e.Close() }, nil
}

// check makes sure the store exists and returns its number of files. With
// no embedder, it warns on stderr when the store holds embeddings that a
// lexical search leaves unused.
func (sf *storeFlags) check(ctx context.Context, st vectorstore.Store, emb vectorstore.Embedder) (int, error) {
	files, err := st.Files(ctx, sf.id)
	if errors.Is(err, vectorstore.ErrNotFound) {
		return 0, fmt.Errorf("no %s: run `agentloop ingest --store-id %s DIR` first", sf.where(), sf.id)
	}
	if err != nil {
		if sf.qdrant != "" {
			return 0, fmt.Errorf("%s: %w (is Qdrant running there? --qdrant takes its gRPC address, port 6334 by default)", sf.where(), err)
		}
		return 0, fmt.Errorf("%s: %w", sf.where(), err)
	}
	if sr, ok := st.(vectorstore.SpecReader); ok && emb == nil {
		if spec, err := sr.Spec(ctx, sf.id); err == nil && spec.Embedder != "" {
			fmt.Fprintf(sf.env.Stderr, "note: the %s holds embeddings (%s, %d dimensions); searching lexically only: pass --embed-model to use them\n", sf.where(), spec.Embedder, spec.Dims)
		}
	}
	return len(files), nil
}

func runIngest(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "ingest", "[flags] DIR|FILE...", "read files and folders into a file-search store, chunked (and embedded with --embed-model), for search and run --tools file_search")
	sf := addStoreFlags(fs, env)
	size := fs.Int("chunk-size", vectorstore.DefaultChunkSize, "chunk size in tokens (100..4096)")
	overlap := fs.Int("chunk-overlap", 0, "tokens shared by consecutive chunks, at most half the size; 0: half the size, -1: none")
	prune := fs.Bool("prune", false, "delete from the store the files this ingest did not find (the store mirrors exactly the paths given)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: a DIR (or files) to ingest is required, as in: agentloop ingest ./docs", errUsage)
	}
	chunker, err := vectorstore.NewChunker(&vectorstore.ChunkerOptions{Size: *size, Overlap: *overlap})
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	for _, p := range fs.Args() {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
	}
	emb, closeEmb, err := sf.embedder()
	if err != nil {
		return err
	}
	defer closeEmb()
	st, err := sf.open(true)
	if err != nil {
		return err
	}
	start := time.Now()
	statuses, ingestErr := vectorstore.Ingest(ctx, st, sf.id, fs.Args(), &vectorstore.IngestOptions{Embedder: emb, Chunker: chunker})
	var pruned []string
	if *prune && ingestErr == nil {
		pruned, ingestErr = pruneFiles(ctx, st, sf.id, statuses)
	}
	closeErr := st.Close()

	w := env.Stdout
	var changed, unchanged, skipped, failed, chunks int
	var bytes int64
	for _, s := range statuses {
		bytes += s.Bytes
		switch {
		case s.Status == vectorstore.StatusCompleted && s.Unchanged:
			unchanged++
			chunks += s.Chunks
			fmt.Fprintf(w, "  = %s  unchanged (%d chunks)\n", fileName(s.Filename), s.Chunks)
		case s.Status == vectorstore.StatusCompleted:
			changed++
			chunks += s.Chunks
			fmt.Fprintf(w, "  ✓ %s  %d chunks\n", fileName(s.Filename), s.Chunks)
		case s.Code == vectorstore.CodeUnsupportedFile:
			skipped++
			fmt.Fprintf(w, "  - %s  skipped: %s\n", fileName(s.Filename), printable(oneLine(trimPrefixes(s.Err, s.Path))))
		default:
			failed++
			fmt.Fprintf(w, "  ✗ %s  %s: %s\n", fileName(s.Filename), s.Code, printable(oneLine(trimPrefixes(s.Err, s.Path))))
		}
	}
	for _, name := range pruned {
		fmt.Fprintf(w, "  ✗ %s  deleted from the store (not found)\n", fileName(name))
	}
	elapsed := time.Since(start)
	fmt.Fprintf(w, "%d files into the %s: %d new or changed, %d unchanged, %d skipped, %d failed; %d chunks, %s read in %s\n",
		len(statuses), sf.where(), changed, unchanged, skipped, failed, chunks, fmtBytes(bytes), fmtDuration(elapsed))
	if ingestErr != nil {
		if errors.Is(ingestErr, vectorstore.ErrEmbedderMismatch) {
			return fmt.Errorf("the %s was built with another embedder (%w): pass the --embed-model it was built with, or another --store-id", sf.where(), ingestErr)
		}
		return ingestErr
	}
	if closeErr != nil {
		return fmt.Errorf("saving the %s: %w", sf.where(), closeErr)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed (listed above); the others were stored", failed, len(statuses))
	}
	return nil
}

// pruneFiles deletes the files of the store that are not among statuses
// and returns their names.
func pruneFiles(ctx context.Context, st vectorstore.Store, storeID string, statuses []vectorstore.FileStatus) ([]string, error) {
	seen := map[string]bool{}
	for _, s := range statuses {
		seen[s.FileID] = true
	}
	files, err := st.Files(ctx, storeID)
	if err != nil {
		return nil, err
	}
	var pruned []string
	for _, f := range files {
		if seen[f.ID] {
			continue
		}
		if err := st.DeleteFile(ctx, storeID, f.ID); err != nil {
			return pruned, err
		}
		pruned = append(pruned, f.Filename)
	}
	if fl, ok := st.(interface{ Flush(context.Context) error }); ok && len(pruned) > 0 {
		if err := fl.Flush(ctx); err != nil {
			return pruned, err
		}
	}
	return pruned, nil
}

// trimPrefixes shortens the ingestion error of the file at path for a line
// that already names it: "vectorstore: ingest PATH: " goes, and a
// "vectorstore: " after it.
func trimPrefixes(err error, path string) string {
	if err == nil {
		return ""
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	s := err.Error()
	if rest, ok := strings.CutPrefix(s, "vectorstore: ingest "+path+": "); ok {
		return strings.TrimPrefix(rest, "vectorstore: ")
	}
	return s
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
