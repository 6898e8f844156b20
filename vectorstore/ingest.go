package vectorstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
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

// ErrTooLarge: a file is larger than [IngestOptions].MaxFileSize, or
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
	// MaxFileSize skips larger files as invalid; zero means 32 MiB.
	MaxFileSize int64
	// MaxExpandedSize bounds what one file expands to once read: the
	// XML inflated from a .docx or .pptx, summed over all the parts read
	// (checked before inflating, against the sizes the archive declares
	// and archive/zip enforces), or the text decoded from any other file
	// (UTF-16 text grows by up to half; HTML only shrinks). A file going
	// past it fails (ErrTooLarge) and the others are ingested. Zero means
	// 64 MiB (DefaultMaxExpandedSize).
	MaxExpandedSize int64
	// EmbedBatch is the number of chunks embedded per call; zero means 256.
	EmbedBatch int
	// Concurrency is the number of files prepared (read, chunked, embedded)
	// at once; zero means GOMAXPROCS. The goroutines end before Ingest
	// returns.
	Concurrency int
}

// FileStatus reports what Ingest did with one file.
type FileStatus struct {
	Path     string // as found on disk
	FileID   string // "file-" + 24 hex digits derived from the absolute path
	Filename string // Path with forward slashes
	Status   string // StatusCompleted or StatusFailed
	// Unchanged is set when the file was already stored with the same
	// content and settings, and was left as it was.
	Unchanged bool
	Chunks    int    // chunks stored
	Bytes     int64  // size of the file
	Code      string // for failures: CodeUnsupportedFile, CodeInvalidFile or CodeServerError
	Err       error  // for failures: what went wrong
}

// Ingest reads the files and folders at paths (folders recursively,
// skipping hidden entries), chunks and embeds each supported file and stores
// it in storeID, which it creates if needed. It returns one status per file
// found, in path order.
//
// Supported: plain text and markup (.txt .md .markdown .rst .tex .csv .log
// and similar), HTML (tags stripped), JSON (validated), source code (.go .py
// .js .ts .java .c .cpp .cs .rb .php .sh .css .rs and more), and the text of
// .docx and .pptx files; a file without an extension is read if it is text.
// Text must be UTF-8 (a BOM is dropped) or UTF-16
// with a BOM. PDF, legacy Office formats and anything else are reported as
// unsupported (no small pure-Go PDF reader fits the core package): convert
// them to text first. A file larger than MaxFileSize, or expanding past
// MaxExpandedSize once read (a zip bomb), fails with [ErrTooLarge].
//
// A file's ID derives from its absolute path, so re-ingesting a changed file
// replaces its chunks, and a file whose content and settings are unchanged is
// skipped (Unchanged). One failing file never stops the others: it gets a
// failed status with a code and an error. The returned error is for what
// stops everything: an invalid store, a store embedder mismatch, a
// cancelled ctx. If st has a Flush(context.Context) error method (as
// [Memory]), Ingest calls it at the end.
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
	if o.MaxFileSize <= 0 {
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
	settings := o.Chunker.ID()
	if o.Embedder != nil {
		spec.Embedder, spec.Dims = o.Embedder.ID(), o.Embedder.Dims()
		settings += "|" + spec.Embedder
	}
	if err := st.EnsureStore(ctx, spec); err != nil {
		return nil, err
	}
	files, err := listFiles(paths)
	if err != nil {
		return nil, err
	}
	known := map[string]File{}
	existing, err := st.Files(ctx, storeID)
	if err != nil {
		return nil, err
	}
	for _, f := range existing {
		known[f.ID] = f
	}
	// Files are prepared (read, chunked, embedded) and written by up to
	// Concurrency workers; statuses keep the files' order.
	out := make([]FileStatus, len(files))
	done := make([]bool, len(files))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu    sync.Mutex
		next  int
		fatal error
		wg    sync.WaitGroup
	)
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
				fs := ingestFile(ctx, st, storeID, files[i], settings, known, &mu, &o)
				mu.Lock()
				out[i], done[i] = fs, true
				if fatal == nil && (errors.Is(fs.Err, ErrEmbedderMismatch) || errors.Is(fs.Err, ErrClosed) || errors.Is(fs.Err, ErrNotFound)) {
					fatal = fs.Err
					cancel(fatal)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if fatal == nil {
		fatal = context.Cause(ctx)
	}
	if fatal != nil {
		var partial []FileStatus
		for i := range out {
			if done[i] {
				partial = append(partial, out[i])
			}
		}
		return partial, fatal
	}
	if f, ok := st.(interface{ Flush(context.Context) error }); ok {
		if err := f.Flush(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

// listFiles expands paths into the sorted, de-duplicated files below them.
func listFiles(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("vectorstore: ingest: %w", err)
		}
		if !info.IsDir() {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && !seen[path] {
				seen[path] = true
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("vectorstore: ingest: %w", err)
		}
	}
	sort.Strings(out)
	return out, nil
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

// ingestFile reads, chunks, embeds and stores one file; known (the stored
// files by ID, guarded by mu) tells which are stored unchanged.
func ingestFile(ctx context.Context, st Store, storeID, path, settings string, known map[string]File, mu *sync.Mutex, o *IngestOptions) FileStatus {
	fs := FileStatus{Path: path, FileID: FileID(path), Filename: filepath.ToSlash(path), Status: StatusFailed}
	fail := func(code string, err error) FileStatus {
		fs.Code, fs.Err = code, err
		return fs
	}
	info, err := os.Stat(path)
	if err != nil {
		return fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w", path, err))
	}
	fs.Bytes = info.Size()
	if info.Size() > o.MaxFileSize {
		return fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w: %d bytes, over the %d-byte limit", path, ErrTooLarge, info.Size(), o.MaxFileSize))
	}
	kind := fileKind(path)
	if kind == kindUnsupported {
		return fail(CodeUnsupportedFile, fmt.Errorf("vectorstore: ingest %s: unsupported file type %q%s", path, filepath.Ext(path), unsupportedHint(path)))
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w", path, err))
	}
	var attrs Attributes
	if o.Attributes != nil {
		attrs = o.Attributes(path)
		if err := attrs.Validate(); err != nil {
			return fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w", path, err))
		}
	}
	sum := sha256.New()
	sum.Write(raw)
	sum.Write([]byte("\x00" + settings + "\x00"))
	if attrsJSON, err := json.Marshal(attrs.normalized()); err == nil {
		sum.Write(attrsJSON)
	}
	hash := hex.EncodeToString(sum.Sum(nil))
	mu.Lock()
	prev, ok := known[fs.FileID]
	mu.Unlock()
	if ok && prev.FileHash == hash {
		fs.Status, fs.Unchanged, fs.Chunks = StatusCompleted, true, prev.Chunks
		return fs
	}
	var text string
	if kind == kindOffice {
		text, err = officeText(raw, strings.ToLower(filepath.Ext(path)), o.MaxExpandedSize)
	} else {
		text, err = decodeText(raw)
	}
	if err != nil && kind == kindSniff {
		return fail(CodeUnsupportedFile, fmt.Errorf("vectorstore: ingest %s: no file extension and not text: %w", path, err))
	}
	if err != nil {
		return fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w", path, err))
	}
	if int64(len(text)) > o.MaxExpandedSize {
		return fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: %w: its text passes the %d-byte limit", path, ErrTooLarge, o.MaxExpandedSize))
	}
	switch kind {
	case kindHTML:
		text = htmlText(text)
	case kindJSON:
		if !json.Valid([]byte(text)) {
			return fail(CodeInvalidFile, fmt.Errorf("vectorstore: ingest %s: invalid JSON", path))
		}
	}
	pieces := o.Chunker.Split(text)
	chunks := make([]Chunk, len(pieces))
	for i, p := range pieces {
		chunks[i] = Chunk{StoreID: storeID, FileID: fs.FileID, Filename: fs.Filename, Ordinal: i, Text: p, Attributes: attrs, FileHash: hash}
	}
	if o.Embedder != nil {
		for start := 0; start < len(chunks); start += o.EmbedBatch {
			end := min(start+o.EmbedBatch, len(chunks))
			vecs, err := o.Embedder.Embed(ctx, pieces[start:end])
			if err == nil && len(vecs) != end-start {
				err = fmt.Errorf("embedder returned %d vectors for %d texts", len(vecs), end-start)
			}
			if err != nil {
				return fail(CodeServerError, fmt.Errorf("vectorstore: ingest %s: embedding: %w", path, err))
			}
			for i, v := range vecs {
				chunks[start+i].Vector = v
			}
		}
	}
	// Replace: the old version goes only once the new one is ready.
	if err := st.DeleteFile(ctx, storeID, fs.FileID); err != nil {
		return fail(CodeServerError, err)
	}
	if err := st.Upsert(ctx, chunks); err != nil {
		return fail(CodeServerError, err)
	}
	mu.Lock()
	known[fs.FileID] = File{ID: fs.FileID, FileHash: hash, Chunks: len(chunks)}
	mu.Unlock()
	fs.Status, fs.Chunks = StatusCompleted, len(chunks)
	return fs
}

type kind int

const (
	kindUnsupported kind = iota
	kindText
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

// decodeText returns raw as UTF-8: UTF-8 with or without a BOM, or UTF-16
// (LE or BE) with a BOM. Anything else, or text holding NUL bytes (binary),
// is an error.
func decodeText(raw []byte) (string, error) {
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		raw = raw[3:]
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}), bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		le := raw[0] == 0xFF
		raw = raw[2:]
		if len(raw)%2 != 0 {
			return "", errors.New("UTF-16 text with an odd number of bytes")
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			if le {
				u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
			} else {
				u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
			}
		}
		return string(utf16.Decode(u)), nil
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		return "", errors.New("binary content (NUL bytes); text must be UTF-8, or UTF-16 with a BOM")
	}
	if !utf8.Valid(raw) {
		return "", errors.New("not valid UTF-8; text must be UTF-8, or UTF-16 with a BOM")
	}
	return string(raw), nil
}
