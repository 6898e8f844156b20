package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
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
	if create && errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("cannot write the store %s (%w): pass --store with a path in a folder you can write", sf.path, err)
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
	fs := newFlags(env, "ingest", "[flags] DIR|FILE...", "read files and folders into a file-search store, chunked (and embedded with --embed-model), for search and run --tools file_search; progress goes to stderr, the summary to stdout")
	sf := addStoreFlags(fs, env)
	size := fs.Int("chunk-size", vectorstore.DefaultChunkSize, "chunk size in tokens (100..4096)")
	overlap := fs.Int("chunk-overlap", 0, "tokens shared by consecutive chunks, at most half the size; 0: half the size, -1: none")
	prune := fs.Bool("prune", false, "delete from the store the files this ingest did not find (the store mirrors exactly the paths given); nothing is deleted if a folder could not be read")
	maxSize := fs.String("max-file-size", "32MiB", "fail files larger than this (such as 100MB, 2GiB; 0 or none: no limit); files are streamed, so the limit bounds time and the store's size, not memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: a DIR (or files) to ingest is required, as in: agentloop ingest ./docs", errUsage)
	}
	limit, err := parseSize(*maxSize)
	if err != nil {
		return fmt.Errorf("%w: --max-file-size: %w", errUsage, err)
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
	prog := newIngestProgress(env.Stderr, isTerminal(env.Stderr))
	statuses, ingestErr := vectorstore.Ingest(ctx, st, sf.id, fs.Args(), &vectorstore.IngestOptions{
		Embedder: emb, Chunker: chunker, MaxFileSize: limit, Prune: *prune, Progress: prog.update})
	prog.done()
	// Saved before anything is summed up: the summary is only printed for
	// files that are in the store.
	closeErr := st.Close()

	var changed, unchanged, skipped, failed, dirs, deleted, chunks int
	var bytes int64
	skippedExt := map[string]int{}
	for _, s := range statuses {
		bytes += s.Bytes
		switch {
		case s.Status == vectorstore.StatusDeleted:
			deleted++
		case s.Status == vectorstore.StatusCompleted && s.Unchanged:
			unchanged++
			chunks += s.Chunks
		case s.Status == vectorstore.StatusCompleted:
			changed++
			chunks += s.Chunks
		case s.Code == vectorstore.CodeUnsupportedFile:
			skipped++
			ext := strings.ToLower(filepath.Ext(s.Path))
			if ext == "" {
				ext = "no extension"
			}
			skippedExt[ext]++
		case s.Dir:
			dirs++
		default:
			failed++
		}
	}
	files := len(statuses) - dirs - deleted
	where := sf.where()
	if errors.Is(ingestErr, vectorstore.ErrSave) && closeErr != nil {
		// Close tried to save again, and failed alike: one error says it.
		closeErr, ingestErr = ingestErr, nil
	}
	switch {
	case ingestErr != nil && errors.Is(ingestErr, vectorstore.ErrEmbedderMismatch):
		return fmt.Errorf("the %s was built with another embedder (%w): pass the --embed-model it was built with, or another --store-id", where, ingestErr)
	case ingestErr != nil && errors.Is(ingestErr, context.Canceled):
		if closeErr != nil {
			return fmt.Errorf("interrupted, and saving the %s failed too: %w; nothing of this ingest was stored", where, closeErr)
		}
		return fmt.Errorf("interrupted: %s stored in the %s, the rest not read; run the same ingest again to finish (stored files are skipped)",
			plural(changed+unchanged, "file"), where)
	case ingestErr != nil:
		if closeErr != nil {
			return fmt.Errorf("%w; saving the %s failed too: %w", ingestErr, where, closeErr)
		}
		return ingestErr
	case closeErr != nil:
		return fmt.Errorf("saving the %s failed: %w; the %s read were not stored (make its folder writable, or pass another --store)", where, closeErr, plural(files, "file"))
	}
	if files == 0 && dirs == 0 {
		return fmt.Errorf("no files found in %s (hidden files and folders are skipped): nothing to store", strings.Join(quoteAll(fs.Args()), ", "))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s into the %s: %d new or changed, %d unchanged, %d skipped", plural(files, "file"), where, changed, unchanged, skipped)
	if skipped > 0 {
		fmt.Fprintf(&b, " (unsupported: %s)", countsOf(skippedExt))
	}
	fmt.Fprintf(&b, ", %d failed", failed)
	if dirs > 0 {
		fmt.Fprintf(&b, ", %s unreadable", plural(dirs, "folder"))
	}
	if deleted > 0 {
		fmt.Fprintf(&b, ", %d deleted (gone from disk)", deleted)
	}
	fmt.Fprintf(&b, "; %s, %s read in %s", plural(chunks, "chunk"), fmtBytes(bytes), fmtDuration(time.Since(start)))
	fmt.Fprintln(env.Stdout, b.String())
	switch {
	case failed > 0 && dirs > 0:
		return fmt.Errorf("%s and %s could not be read (listed above); the other files were stored", plural(failed, "file"), plural(dirs, "folder"))
	case dirs > 0:
		return fmt.Errorf("%s could not be read (listed above); the other files were stored", plural(dirs, "folder"))
	case failed > 0:
		return fmt.Errorf("%d of %s failed (listed above); the others were stored", failed, plural(files, "file"))
	case changed+unchanged == 0:
		return fmt.Errorf("none of the %s could be stored: convert them to text, Markdown, HTML or .docx first (PDF: pdftotext)", plural(files, "file"))
	}
	return nil
}

// quoteAll returns names as fileName prints them.
func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fileName(n)
	}
	return out
}

// countsOf returns counts as "12 .gz, 3 .png", most first.
func countsOf(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// parseSize reads a size such as 32MiB, 100MB, 1.5GB or 4096 (bytes); 0
// or "none" means no limit (-1).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	switch t {
	case "0", "none", "unlimited", "off":
		return -1, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}}
	mult := 1.0
	for _, u := range units {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || v*mult > math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size (such as 512KiB, 100MB, 2GiB, or 0 for no limit)", s)
	}
	if v == 0 {
		return -1, nil
	}
	return int64(v * mult), nil
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// ingestProgress shows an ingest's progress on stderr: on a terminal, a
// bar redrawn in place, with the files that fail printed above it; else a
// line per file as it is done, and one saying how far it is when nothing
// was printed for quietFor (a large file being read).
type ingestProgress struct {
	w        io.Writer
	terminal bool
	now      func() time.Time
	start    time.Time
	last     time.Time // of the last bar drawn, or line printed
	p        vectorstore.IngestProgress
	drawn    bool
}

// quietFor is how long progress lines may pause while a file is read.
const quietFor = 10 * time.Second

func newIngestProgress(w io.Writer, terminal bool) *ingestProgress {
	pr := &ingestProgress{w: w, terminal: terminal, now: time.Now}
	pr.start = pr.now()
	pr.last = pr.start
	return pr
}

// update is the Progress callback: calls come one at a time.
func (pr *ingestProgress) update(p vectorstore.IngestProgress) {
	pr.p = p
	now := pr.now()
	if f := p.File; f != nil {
		if line := fileLine(f, pr.terminal); line != "" {
			pr.clear()
			fmt.Fprintln(pr.w, line)
			if !pr.terminal {
				pr.last = now
			}
		}
	}
	switch {
	case pr.terminal && (now.Sub(pr.last) >= 100*time.Millisecond || p.FilesDone == p.Files || !pr.drawn):
		pr.last = now
		pr.draw()
	case !pr.terminal && p.File == nil && p.BytesDone > 0 && now.Sub(pr.last) >= quietFor:
		pr.last = now
		fmt.Fprintf(pr.w, "  … %d/%d files done, %s of %s read, %s\n", p.FilesDone, p.Files, fmtBytes(p.BytesDone), fmtBytes(p.Bytes), now.Sub(pr.start).Round(time.Second))
	}
}

// fileLine is the line about a file done; on a terminal only failures
// and deletions get one (the bar counts the rest).
func fileLine(s *vectorstore.FileStatus, terminal bool) string {
	name := fileName(s.Filename)
	switch {
	case s.Status == vectorstore.StatusDeleted:
		return fmt.Sprintf("  ✗ %s  deleted from the store (not found)", name)
	case s.Status == vectorstore.StatusCompleted && s.Unchanged:
		if terminal {
			return ""
		}
		return fmt.Sprintf("  = %s  unchanged (%s)", name, plural(s.Chunks, "chunk"))
	case s.Status == vectorstore.StatusCompleted:
		if terminal {
			return ""
		}
		return fmt.Sprintf("  ✓ %s  %s", name, plural(s.Chunks, "chunk"))
	case s.Code == vectorstore.CodeUnsupportedFile:
		if terminal {
			return ""
		}
		return fmt.Sprintf("  - %s  skipped: %s", name, printable(oneLine(trimPrefixes(s.Err, s.Path))))
	case s.Dir:
		why := trimPrefixes(s.Err, s.Path)
		if pe := (*fs.PathError)(nil); errors.As(s.Err, &pe) {
			why = pe.Err.Error()
		}
		return fmt.Sprintf("  ✗ %s/  folder not read: %s", name, printable(oneLine(why)))
	}
	return fmt.Sprintf("  ✗ %s  %s: %s", name, s.Code, printable(oneLine(trimPrefixes(s.Err, s.Path))))
}

func (pr *ingestProgress) draw() {
	p := pr.p
	const width = 24
	frac := 0.0
	if p.Bytes > 0 {
		frac = float64(p.BytesDone) / float64(p.Bytes)
	} else if p.Files > 0 {
		frac = float64(p.FilesDone) / float64(p.Files)
	}
	n := min(int(frac*width), width)
	fmt.Fprintf(pr.w, "\r\x1b[K[%s%s] %d/%d files, %s of %s, %s", strings.Repeat("#", n), strings.Repeat("-", width-n),
		p.FilesDone, p.Files, fmtBytes(p.BytesDone), fmtBytes(p.Bytes), pr.now().Sub(pr.start).Round(time.Second))
	pr.drawn = true
}

// clear erases the bar before a line is printed.
func (pr *ingestProgress) clear() {
	if pr.drawn {
		fmt.Fprint(pr.w, "\r\x1b[K")
		pr.drawn = false
	}
}

// done erases the bar for good.
func (pr *ingestProgress) done() { pr.clear() }

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
