package vectorstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// File statuses and error codes, as OpenAI's vector store files.
const (
	StatusCompleted = "completed"
	StatusFailed    = "failed"

	CodeUnsupportedFile = "unsupported_file" // a type we cannot read
	CodeInvalidFile     = "invalid_file"     // unreadable, not text, bad encoding
	CodeServerError     = "server_error"     // embedding or storing failed
)

// Ingestion limits: DefaultMaxFileSize bounds the files Ingest reads,
// DefaultMaxExpandedSize what one file may expand to once read (see
// [IngestOptions]).
const (
	DefaultMaxFileSize     = 32 << 20
	DefaultMaxExpandedSize = 64 << 20
)

// ErrTooLarge means a file is larger than [IngestOptions].MaxFileSize, or
// expands past [IngestOptions].MaxExpandedSize once read (a zip bomb in a
// .docx or .pptx, say). Ingest fails that file only (CodeInvalidFile), with
// an error wrapping ErrTooLarge that names the file and the limit.
var ErrTooLarge = errors.New("vectorstore: file too large")

// IngestOptions configures [Ingest]. The zero value is valid: lexical only,
// OpenAI's default chunking, no attributes.
type IngestOptions struct {
	// Embedder embeds the chunks; nil makes a lexical-only store. The
	// store is created with (or must already have) this embedder.
	Embedder Embedder
	// Chunker splits the text; nil means NewChunker(nil) (800/400 tokens).
	Chunker *Chunker
	// Attributes, if set, returns the attributes of the file at path
	// (validated like any attributes; an error fails that file only).
	Attributes func(path string) Attributes
	// MaxFileSize fails larger files (ErrTooLarge); zero means 32 MiB
	// (DefaultMaxFileSize), negative means no limit. Files are read a
	// block at a time, so the limit bounds time and the store's size, not
	// the memory of ingestion.
	MaxFileSize int64
	// MaxExpandedSize bounds what one file expands to once read: the
	// XML inflated from a .docx or .pptx, summed over all the parts read
	// (checked before inflating, against the sizes the archive declares
	// and archive/zip enforces), or the text decoded from any other file
	// (UTF-16 text grows by up to half; HTML only shrinks). A file going
	// past it fails (ErrTooLarge) and the others are ingested. Zero means
	// 64 MiB (DefaultMaxExpandedSize).
	MaxExpandedSize int64
	// EmbedBatch is the number of chunks embedded and stored per call;
	// zero means 256.
	EmbedBatch int
	// Concurrency is the number of files prepared (read, chunked, embedded)
	// at once; zero means GOMAXPROCS. The goroutines end before Ingest
	// returns.
	Concurrency int
	// Progress, if set, is told how ingestion goes: once when the files
	// are listed (then once per folder that could not be read, with its
	// status), when each file is done (with its status), every MiB or so
	// read of a large file, and for each file pruned. Calls come from Ingest's goroutines, one
	// at a time, and should return quickly.
	Progress func(IngestProgress)
	// Prune deletes from the store the files ingested there before that
	// are not among the files found now (deleted or moved since), so the
	// store mirrors paths; each gets a status with StatusDeleted. Nothing
	// is pruned when a folder could not be read (its files may still
	// exist) or ingestion stopped early.
	Prune bool
}

// IngestProgress is what [IngestOptions].Progress is told.
type IngestProgress struct {
	// Files is the number of files found and FilesDone of those done
	// (stored, unchanged, skipped or failed).
	Files, FilesDone int
	// Bytes is the size of the files found and BytesDone of what was read
	// (a file stored unchanged counts as read).
	Bytes, BytesDone int64
	// File is the status of the file just done; nil for the other calls.
	File *FileStatus
}

// StatusDeleted is the status of a file [IngestOptions].Prune removed from
// the store (ours, not OpenAI's).
const StatusDeleted = "deleted"

// FileStatus reports what Ingest did with one file (or folder).
type FileStatus struct {
	Path     string // as found on disk
	FileID   string // "file-" + 24 hex digits derived from the absolute path
	Filename string // Path with forward slashes
	Status   string // StatusCompleted, StatusFailed or StatusDeleted
	// Unchanged is set when the file was already stored with the same
	// content and settings, and was left as it was.
	Unchanged bool
	// Dir is set for a folder that could not be read: its files were not
	// listed (Status is StatusFailed, Code CodeInvalidFile).
	Dir    bool
	Chunks int    // chunks stored
	Bytes  int64  // size of the file
	Code   string // for failures: CodeUnsupportedFile, CodeInvalidFile or CodeServerError
	Err    error  // for failures: what went wrong
}

// Ingest reads the files and folders at paths (folders recursively,
// skipping hidden entries), chunks and embeds each supported file and stores
// it in storeID, which it creates if needed (once a file is found). It
// returns one status per file found, in path order.
//
// Supported: plain text and markup (.txt .md .markdown .rst .tex .csv .log
// and similar), HTML (the text only: see below), JSON (validated), source
// code (.go .py .js .ts .java .c .cpp .cs .rb .php .sh .css .rs and more),
// and the text of .docx and .pptx files; a file without an extension is
// read if it is text. Text must be UTF-8 (a BOM is dropped) or UTF-16
// with a BOM. PDF, legacy Office formats and anything else are reported as
// unsupported (no small pure-Go PDF reader fits the core package): convert
// them to text first. A file larger than MaxFileSize, or expanding past
// MaxExpandedSize once read (a zip bomb), fails with [ErrTooLarge].
//
// HTML keeps what a reader reads: the main content when the page marks it
// (main, role="main"), without scripts, styles, controls (buttons,
// selects, labels), navigation, the page's header and footer, hidden
// elements and heading permalinks. Each chunk of a Markdown or HTML file
// starts with a line naming where it is, when it is past the start of a
// section: the document's title (HTML's title, YAML front matter's) and
// the headings it falls under, such as "HTTP › Class: http.Server ›
// server.close([callback])", then a blank line, so that a chunk deep in a
// section can be found by the section's name.
//
// Files are streamed: each is read twice, a block at a time (first to
// check and hash it, then to chunk it), and its chunks are embedded and
// stored EmbedBatch at a time as they are cut. Memory beyond the store
// grows with the chunk size and EmbedBatch, not with the file (except for
// .docx and .pptx, whose text is held whole, within MaxExpandedSize). A
// file of at most EmbedBatch chunks replaces its previous version at once;
// a larger one replaces it batch by batch, and if it fails part way (an
// embedding error, say), what was stored of it is removed and its previous
// version is gone too: its status says so.
//
// A file's ID derives from its absolute path, so re-ingesting a changed file
// replaces its chunks, and a file whose content and settings are unchanged is
// skipped (Unchanged). One failing file never stops the others: it gets a
// failed status with a code and an error; so does a folder that cannot be
// read (Dir), and the files beside it are ingested. The returned error is
// for what stops everything: a path that does not exist, an invalid
// store, a store embedder mismatch, a cancelled ctx. If st has a
// Flush(context.Context) error method (as [Memory]), Ingest calls it at the
// end and returns its error (with the statuses, wrapping [ErrSave] when
// the store could not be saved): the files were then not saved.
func Ingest(ctx context.Context, st Store, storeID string, paths []string, opts *IngestOptions) ([]FileStatus, error) {
	var o IngestOptions
	if opts != nil {
		o = *opts
	}
	if o.Chunker == nil {
		c, err := NewChunker(nil)
		if err != nil {
			return nil, err
		}
		o.Chunker = c
	}
	if o.MaxFileSize == 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxExpandedSize <= 0 {
		o.MaxExpandedSize = DefaultMaxExpandedSize
	}
	if o.EmbedBatch <= 0 {
		o.EmbedBatch = 256
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	spec := StoreSpec{ID: storeID}
	settings := ingestVersion + "|" + o.Chunker.ID()
	if o.Embedder != nil {
		spec.Embedder, spec.Dims = o.Embedder.ID(), o.Embedder.Dims()
		settings += "|" + spec.Embedder
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	files, dirs, err := listFiles(paths)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range files {
		total += f.size
	}
	progress := IngestProgress{Files: len(files), Bytes: total}
	if o.Progress != nil {
		o.Progress(progress)
		for i := range dirs {
			p := progress
			p.File = &dirs[i]
			o.Progress(p)
		}
	}
	known := map[string]File{}
	if len(files) > 0 {
		if err := st.EnsureStore(ctx, spec); err != nil {
			return nil, err
		}
		existing, err := st.Files(ctx, storeID)
		if err != nil {
			return nil, err
		}
		for _, f := range existing {
			known[f.ID] = f
		}
	}
	// Files are prepared (read, chunked, embedded) and written by up to
	// Concurrency workers; statuses keep the files' order.
	out := make([]FileStatus, len(files))
	done := make([]bool, len(files))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu    sync.Mutex // guards the rest, known and the Progress calls
		next  int
		fatal error
		wg    sync.WaitGroup
	)
	read := func(n int64) {
		mu.Lock()
		defer mu.Unlock()
		progress.BytesDone += n
		if o.Progress != nil {
			o.Progress(progress)
		}
	}
	for range min(o.Concurrency, len(files)) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				fi := &fileIngest{ctx: ctx, st: st, storeID: storeID, path: files[i].path, size: files[i].size,
					settings: settings, known: known, mu: &mu, o: &o, read: read}
				fs := fi.run()
				mu.Lock()
				out[i], done[i] = fs, true
				if fatal == nil && (errors.Is(fs.Err, ErrEmbedderMismatch) || errors.Is(fs.Err, ErrClosed) || errors.Is(fs.Err, ErrNotFound) || errors.Is(fs.Err, ErrReadOnly)) {
					fatal = fs.Err
					cancel(fatal)
				}
				progress.FilesDone++
				progress.BytesDone += fs.Bytes - fi.reported
				if o.Progress != nil {
					o.Progress(IngestProgress{Files: progress.Files, FilesDone: progress.FilesDone, Bytes: progress.Bytes, BytesDone: progress.BytesDone, File: &fs})
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if fatal == nil {
		fatal = context.Cause(ctx)
	}
	statuses := make([]FileStatus, 0, len(files)+len(dirs))
	for i := range out {
		if done[i] {
			statuses = append(statuses, out[i])
		}
	}
	statuses = append(statuses, dirs...)
	sort.SliceStable(statuses, func(i, j int) bool { return statuses[i].Path < statuses[j].Path })
	if fatal != nil {
		return statuses, fatal
	}
	if o.Prune && len(dirs) == 0 {
		pruned, err := prune(ctx, st, storeID, files)
		statuses = append(statuses, pruned...)
		for i := range pruned {
			if o.Progress != nil {
				p := progress
				p.File = &pruned[i]
				o.Progress(p)
			}
		}
		if err != nil {
			return statuses, err
		}
	}
	if f, ok := st.(interface{ Flush(context.Context) error }); ok {
		if err := f.Flush(ctx); err != nil {
			return statuses, err
		}
	}
	return statuses, nil
}

// ingestVersion names how Ingest turns a file into chunks, beyond the
// chunker's settings (text extraction, context lines); it is part of each
// file's hash, so that a new version re-ingests unchanged files.
const ingestVersion = "ingest2"

// prune deletes the files of the store that are not among files.
func prune(ctx context.Context, st Store, storeID string, files []foundFile) ([]FileStatus, error) {
	seen := map[string]bool{}
	for _, f := range files {
		seen[FileID(f.path)] = true
	}
	stored, err := st.Files(ctx, storeID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil // nothing was ever stored
	}
	if err != nil {
		return nil, err
	}
	var out []FileStatus
	for _, f := range stored {
		if seen[f.ID] {
			continue
		}
		if err := st.DeleteFile(ctx, storeID, f.ID); err != nil {
			return out, err
		}
		out = append(out, FileStatus{Path: filepath.FromSlash(f.Filename), FileID: f.ID, Filename: f.Filename, Status: StatusDeleted, Chunks: f.Chunks})
	}
	return out, nil
}

// foundFile is a file listed for ingestion.
type foundFile struct {
	path string
	size int64
}

// listFiles expands paths into the sorted, de-duplicated files below them
// (following symbolic links to files, not to folders), with a failed status
// for each folder that could not be read. A path that does not exist is an
// error.
func listFiles(paths []string) ([]foundFile, []FileStatus, error) {
	seen := map[string]bool{}
	var out []foundFile
	var dirs []FileStatus
	add := func(path string, info fs.FileInfo) {
		if !seen[path] {
			seen[path] = true
			out = append(out, foundFile{path, info.Size()})
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("vectorstore: ingest: %w", err)
		}
		if !info.IsDir() {
			add(p, info)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				// A folder that cannot be read (or vanished): it fails
				// alone, and the walk goes on.
				if d == nil || d.IsDir() {
					dirs = append(dirs, FileStatus{Path: path, FileID: FileID(path), Filename: filepath.ToSlash(path),
						Status: StatusFailed, Dir: true, Code: CodeInvalidFile,
						Err: fmt.Errorf("vectorstore: ingest %s: cannot read the folder: %w", path, err)})
				}
				return nil
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			switch {
			case d.Type().IsRegular():
				if info, err := d.Info(); err == nil {
					add(path, info)
				}
			case d.Type()&fs.ModeSymlink != 0:
				if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
					add(path, info)
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("vectorstore: ingest: %w", err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, dirs, nil
}

// FileID returns the file ID Ingest gives the file at path: "file-" and 24
// hex digits of the SHA-256 of its absolute, cleaned path.
func FileID(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	sum := sha256.Sum256([]byte(filepath.Clean(path)))
	return "file-" + hex.EncodeToString(sum[:12])
}

// fileIngest is the ingestion of one file.
type fileIngest struct {
	ctx           context.Context
	st            Store
	storeID, path string
	size          int64
	settings      string
	known         map[string]File // stored files by ID, guarded by mu
	mu            *sync.Mutex
	o             *IngestOptions
	read          func(n int64) // reports bytes read
	reported      int64         // bytes reported through read
	unreported    int64

	fs       FileStatus
	kind     kind
	mainOnly bool   // an HTML file marking its main content
	hash     string // of the content, settings and attributes
	attrs    Attributes

	batch   []Chunk
	ordinal int
	written bool // chunks of this version are in the store
	heads   headingStack
	out     *textOut
}

// run reads, chunks, embeds and stores the file.
func (f *fileIngest) run() FileStatus {
	f.fs = FileStatus{Path: f.path, FileID: FileID(f.path), Filename: filepath.ToSlash(f.path), Status: StatusFailed, Bytes: f.size}
	if f.o.MaxFileSize >= 0 && f.size > f.o.MaxFileSize {
		return f.fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w: %d bytes, over the %d-byte limit", f.path, ErrTooLarge, f.size, f.o.MaxFileSize))
	}
	f.kind = fileKind(f.path)
	if f.kind == kindUnsupported {
		return f.fail(CodeUnsupportedFile, fmt.Errorf("vectorstore: ingest %s: unsupported file type %q%s", f.path, filepath.Ext(f.path), unsupportedHint(f.path)))
	}
	if f.o.Attributes != nil {
		f.attrs = f.o.Attributes(f.path)
		if err := f.attrs.Validate(); err != nil {
			return f.fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w", f.path, err))
		}
	}
	hash, code, err := f.check()
	if err != nil {
		return f.fail(code, err)
	}
	f.hash = hash
	f.mu.Lock()
	prev, ok := f.known[f.fs.FileID]
	f.mu.Unlock()
	if ok && prev.FileHash == f.hash {
		f.fs.Status, f.fs.Unchanged, f.fs.Chunks = StatusCompleted, true, prev.Chunks
		return f.fs
	}
	if code, err := f.store(ok); err != nil {
		if f.written {
			// Part of the new version is stored: it goes, and with it
			// the old one (deleted before the first batch).
			if derr := f.st.DeleteFile(context.WithoutCancel(f.ctx), f.storeID, f.fs.FileID); derr != nil {
				err = fmt.Errorf("%w; removing what was stored of it failed too: %w", err, derr)
			} else if ok {
				err = fmt.Errorf("%w (its previous version is no longer in the store)", err)
			}
		}
		return f.fail(code, err)
	}
	f.mu.Lock()
	f.known[f.fs.FileID] = File{ID: f.fs.FileID, FileHash: f.hash, Chunks: f.ordinal}
	f.mu.Unlock()
	f.fs.Status, f.fs.Chunks = StatusCompleted, f.ordinal
	return f.fs
}

func (f *fileIngest) fail(code string, err error) FileStatus {
	f.fs.Code, f.fs.Err = code, err
	return f.fs
}

// open opens the file for one pass: the reader counts what is read
// against MaxFileSize (a file may grow after it was listed) and adds it to
// h.
func (f *fileIngest) open(h io.Writer, progress bool) (*os.File, io.Reader, error) {
	file, err := os.Open(f.path)
	if err != nil {
		return nil, nil, fmt.Errorf("vectorstore: ingest %s: %w", f.path, err)
	}
	var r io.Reader = file
	if f.o.MaxFileSize >= 0 {
		r = &limitedReader{r: r, max: f.o.MaxFileSize}
	}
	r = io.TeeReader(r, h)
	if progress {
		r = &progressReader{r: r, f: f}
	}
	return file, r, nil
}

// check reads the file once: it checks that it is what its type says
// (text in a supported encoding, valid JSON, a readable .docx), within the
// limits, and returns the hash that tells whether it changed.
func (f *fileIngest) check() (hash, code string, err error) {
	h := sha256.New()
	file, r, err := f.open(h, false)
	if err != nil {
		return "", CodeInvalidFile, err
	}
	defer func() { _ = file.Close() }()
	wrap := func(err error) error {
		if errors.Is(err, errTextLimit) {
			return fmt.Errorf("vectorstore: ingest %s: %w: its text passes the %d-byte limit", f.path, ErrTooLarge, f.o.MaxExpandedSize)
		}
		return fmt.Errorf("vectorstore: ingest %s: %w", f.path, err)
	}
	switch f.kind {
	case kindOffice:
		if _, err := io.Copy(io.Discard, r); err != nil {
			return "", CodeInvalidFile, wrap(err)
		}
		info, err := file.Stat()
		if err != nil {
			return "", CodeInvalidFile, wrap(err)
		}
		if _, err := officeTextAt(file, info.Size(), strings.ToLower(filepath.Ext(f.path)), f.o.MaxExpandedSize); err != nil {
			return "", CodeInvalidFile, wrap(err)
		}
	default:
		dr := newDecodeReader(r, f.o.MaxExpandedSize)
		switch f.kind {
		case kindJSON:
			err = checkJSON(dr)
			if err == nil {
				_, err = io.Copy(io.Discard, dr)
			}
		case kindHTML:
			f.mainOnly, err = htmlMain(dr)
			if err == nil {
				_, err = io.Copy(io.Discard, dr)
			}
		default:
			_, err = io.Copy(io.Discard, dr)
		}
		if err != nil {
			if f.kind == kindSniff && (errors.Is(err, errBinary) || errors.Is(err, errNotUTF8) || errors.Is(err, errOddUTF16)) {
				return "", CodeUnsupportedFile, fmt.Errorf("vectorstore: ingest %s: no file extension and not text: %w", f.path, err)
			}
			return "", CodeInvalidFile, wrap(err)
		}
	}
	h.Write([]byte("\x00" + f.settings + "\x00"))
	if attrsJSON, err := json.Marshal(f.attrs.normalized()); err == nil {
		h.Write(attrsJSON)
	}
	return hex.EncodeToString(h.Sum(nil)), "", nil
}

// checkJSON checks that r holds one JSON value, reading it a token at a
// time.
func checkJSON(r io.Reader) error {
	dec := json.NewDecoder(r)
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) && depth == 0 {
				return errors.New("invalid JSON: empty")
			}
			return fmt.Errorf("invalid JSON: %w", err)
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			break
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON: more than one value")
	}
	return nil
}

// store reads the file again, chunking it as it goes, and stores its
// chunks a batch at a time. replacing tells that an older version is
// stored.
func (f *fileIngest) store(replacing bool) (code string, err error) {
	h := sha256.New()
	file, r, err := f.open(h, true)
	if err != nil {
		return CodeInvalidFile, err
	}
	defer func() { _ = file.Close() }()
	sp := newSplitter(f.o.Chunker, runtime.GOMAXPROCS(0), f.chunk)
	f.out = &textOut{w: splitterWriter{sp}}
	switch f.kind {
	case kindOffice:
		if _, err = io.Copy(io.Discard, r); err == nil {
			var info os.FileInfo
			if info, err = file.Stat(); err == nil {
				var text string
				text, err = officeTextAt(file, info.Size(), strings.ToLower(filepath.Ext(f.path)), f.o.MaxExpandedSize)
				if err == nil {
					err = sp.WriteString(text)
				}
			}
		}
	case kindHTML:
		t := &tidy{out: f.out}
		if err = extractHTML(newDecodeReader(r, f.o.MaxExpandedSize), t, f.mainOnly); err == nil {
			err = t.flush()
		}
	case kindMarkdown:
		err = copyMarkdown(newDecodeReader(r, f.o.MaxExpandedSize), f.out)
	default:
		err = copyText(newDecodeReader(r, f.o.MaxExpandedSize), f.out)
	}
	if err == nil {
		err = sp.Close()
	}
	if err == nil && f.ctx.Err() == nil {
		if hash := f.settingsHash(h); hash != f.hash {
			err = errors.New("it changed while it was read; ingest it again")
		}
	}
	if err == nil {
		err = f.flush(true)
	}
	if err != nil {
		var se *storeError
		if errors.As(err, &se) {
			return CodeServerError, se.err
		}
		if errors.Is(err, errTextLimit) {
			return CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w: its text passes the %d-byte limit", f.path, ErrTooLarge, f.o.MaxExpandedSize)
		}
		if cerr := f.ctx.Err(); cerr != nil {
			return CodeServerError, fmt.Errorf("vectorstore: ingest %s: %w", f.path, context.Cause(f.ctx))
		}
		return CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w", f.path, err)
	}
	return "", nil
}

// settingsHash finishes a hash of the content as check does.
func (f *fileIngest) settingsHash(h hash.Hash) string {
	h.Write([]byte("\x00" + f.settings + "\x00"))
	if attrsJSON, err := json.Marshal(f.attrs.normalized()); err == nil {
		h.Write(attrsJSON)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// storeError marks an embedding or storing failure (CodeServerError).
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// chunk takes a chunk cut by the splitter: it is prefixed with its context
// line and batched.
func (f *fileIngest) chunk(piece string, start int64) error {
	if err := f.ctx.Err(); err != nil {
		return err
	}
	f.heads.advance(&f.out.headings, start)
	text := piece
	if ctx := f.heads.context(f.out.title); ctx != "" {
		text = ctx + "\n\n" + strings.TrimLeft(piece, " \t\r\n")
	}
	f.batch = append(f.batch, Chunk{StoreID: f.storeID, FileID: f.fs.FileID, Filename: f.fs.Filename,
		Ordinal: f.ordinal, Text: text, Attributes: f.attrs, FileHash: f.hash})
	f.ordinal++
	if len(f.batch) >= f.o.EmbedBatch {
		return f.flush(false)
	}
	return nil
}

// flush embeds and stores the batch. The first flush deletes the stored
// version of the file: with last set, the file fits in one batch and is
// replaced at once.
func (f *fileIngest) flush(last bool) error {
	if len(f.batch) == 0 && (f.written || !last) {
		return nil
	}
	if e := f.o.Embedder; e != nil && len(f.batch) > 0 {
		texts := make([]string, len(f.batch))
		for i := range f.batch {
			texts[i] = f.batch[i].Text
		}
		vecs, err := e.Embed(f.ctx, texts)
		if err == nil && len(vecs) != len(texts) {
			err = fmt.Errorf("embedder returned %d vectors for %d texts", len(vecs), len(texts))
		}
		if err != nil {
			return &storeError{fmt.Errorf("vectorstore: ingest %s: embedding: %w", f.path, err)}
		}
		for i, v := range vecs {
			f.batch[i].Vector = v
		}
	}
	if !f.written {
		// Replace: the old version goes only once the new one (or its
		// first batch) is ready.
		if err := f.st.DeleteFile(f.ctx, f.storeID, f.fs.FileID); err != nil {
			return &storeError{err}
		}
	}
	if len(f.batch) > 0 {
		f.written = true
		if err := f.st.Upsert(f.ctx, f.batch); err != nil {
			return &storeError{err}
		}
	}
	f.batch = f.batch[:0]
	return nil
}

// headingStack is the headings in force at a point of a document.
type headingStack [6]string

// advance applies the headings of *pending that start before offset at,
// and drops them from *pending.
func (s *headingStack) advance(pending *[]heading, at int64) {
	hs := *pending
	i := 0
	for ; i < len(hs) && hs[i].at < at; i++ {
		h := hs[i]
		s[h.level-1] = h.text
		for j := h.level; j < len(s); j++ {
			s[j] = ""
		}
	}
	*pending = hs[i:]
}

// context returns the line naming where a chunk is: the title (unless a
// first-level heading is in force, or the first heading starts it, as
// "HTTP" starts "HTTP | Node.js Documentation"), then the headings, joined
// by " › ".
func (s *headingStack) context(title string) string {
	var parts []string
	first := ""
	for _, h := range s {
		if h != "" {
			first = h
			break
		}
	}
	if title = cleanHeading(title); title != "" && s[0] == "" && (first == "" || !strings.HasPrefix(title, first)) {
		parts = append(parts, title)
	}
	for _, h := range s {
		if h != "" {
			parts = append(parts, h)
		}
	}
	line := strings.Join(parts, " › ")
	for len(line) > maxContextLen && len(parts) > 1 {
		parts = parts[1:]
		line = "… › " + strings.Join(parts, " › ")
	}
	return line
}

// splitterWriter is an io.Writer into a splitter.
type splitterWriter struct{ sp *splitter }

func (w splitterWriter) Write(p []byte) (int, error) {
	if err := w.sp.Write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// limitedReader fails with ErrTooLarge past max bytes (a file that grew
// after it was listed).
type limitedReader struct {
	r      io.Reader
	max, n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, fmt.Errorf("%w: it grew past the %d-byte limit while it was read", ErrTooLarge, l.max)
	}
	return n, err
}

// progressReader reports what is read to its file's ingestion every MiB.
type progressReader struct {
	r io.Reader
	f *fileIngest
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.f.unreported += int64(n)
	if p.f.unreported >= 1<<20 && p.f.read != nil {
		// Never past the file's size: the rest is counted when it is done.
		k := min(p.f.unreported, p.f.size-p.f.reported)
		p.f.read(k)
		p.f.reported += k
		p.f.unreported = 0
	}
	return n, err
}

type kind int

const (
	kindUnsupported kind = iota
	kindText
	kindMarkdown
	kindHTML
	kindJSON
	kindOffice
	kindSniff // no extension: text if it decodes as text
)

// textExtList are the extensions read as plain text: OpenAI's list of text
// and code types plus common relatives.
var textExtList = strings.Fields(`.txt .text .md .markdown .mdx .rst .adoc .org .tex .csv .tsv .log
	.go .py .pyi .js .mjs .cjs .jsx .ts .tsx .java .kt .kts .scala .c .h .cc .cpp .cxx .hpp .hh .cs .rb
	.php .sh .bash .zsh .fish .ps1 .css .scss .less .rs .swift .m .mm .lua .pl .pm .r .jl .dart .ex .exs
	.erl .hs .ml .mli .clj .sql .graphql .proto .yaml .yml .toml .ini .cfg .conf .xml .svg .vue .svelte
	.mod .sum .gradle .cmake .dockerfile .tf .nix .el .vim .bat`)

// fileKind tells how to read path from its extension (or its name, for
// extension-less files such as Makefile, README, LICENSE).
func fileKind(path string) kind {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".html", ".htm", ".xhtml":
		return kindHTML
	case ".docx", ".pptx":
		return kindOffice
	case ".md", ".markdown", ".mdx":
		return kindMarkdown
	case ".json", ".jsonl", ".ndjson", ".geojson":
		if ext == ".json" || ext == ".geojson" {
			return kindJSON
		}
		return kindText
	case "":
		switch strings.ToLower(filepath.Base(path)) {
		case "makefile", "dockerfile", "readme", "license", "copying", "authors", "notice", "changelog", "gemfile", "rakefile", "procfile":
			return kindText
		}
		return kindSniff
	}
	for _, e := range textExtList {
		if e == ext {
			return kindText
		}
	}
	return kindUnsupported
}

func unsupportedHint(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pdf":
		return " (PDF text extraction needs a PDF reader this module does not ship: convert to .txt first, e.g. with pdftotext)"
	case ".doc", ".ppt", ".xls", ".xlsx", ".odt", ".rtf":
		return " (convert it to .docx, text or markdown first)"
	}
	return ""
}
