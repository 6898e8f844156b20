package vectorstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// Options configures a [Memory] store. The zero value is valid.
type Options struct {
	// Workers bounds the goroutines of one dense scan; zero means
	// GOMAXPROCS.
	Workers int
	// ReadOnly opens a store file for searching only: [Open] takes no
	// lock, so it succeeds while another process writes the file (and
	// sees the file as last saved), and every change fails with
	// [ErrReadOnly]. Ignored without a path.
	ReadOnly bool
}

// Memory is the embedded default [Store]: everything is held in memory, one
// contiguous float32 slab per store scanned exactly (recall 1.0) in
// parallel, a BM25 inverted index per store for the lexical leg, attribute
// filters applied during both scans and weighted reciprocal-rank fusion.
// Opened with a path, it persists to that single file (see [Open]).
//
// A Memory is safe for concurrent use: searches share a read lock, writes
// take it exclusively.
type Memory struct {
	path     string
	workers  int
	readOnly bool
	lock     *fileLock // held while open, when persistent and writable

	mu     sync.RWMutex
	stores map[string]*memStore
	dirty  bool
	closed bool
}

var (
	_ Store      = (*Memory)(nil)
	_ SpecReader = (*Memory)(nil)
)

// memStore is one store of a Memory.
type memStore struct {
	spec  StoreSpec
	files map[string]*memFile
	// fileList maps a file index (memDoc.file) to its file; nil once
	// deleted, until compaction.
	fileList []*memFile
	docs     []memDoc
	slab     []float32 // len(docs)*spec.Dims, row i is docs[i]'s vector
	q8       quantized // int8 copy of slab for the first pass of dense search
	lex      *lexIndex
	dead     int // docs removed but not compacted away
}

type memFile struct {
	idx      int32
	id       string
	filename string
	hash     string
	attrs    Attributes    // normalised, shared read-only by hits' copies
	chunks   map[int]int32 // ordinal -> doc
}

type memDoc struct {
	file    int32
	ordinal int32
	alive   bool
	text    string
}

// NewMemory returns an empty in-memory store that is not persisted. opts may
// be nil.
func NewMemory(opts *Options) *Memory {
	m := &Memory{stores: map[string]*memStore{}}
	if opts != nil {
		m.workers = opts.Workers
	}
	return m
}

// Path returns the file m persists to, "" if none.
func (m *Memory) Path() string { return m.path }

func newMemStore(spec StoreSpec) *memStore {
	return &memStore{spec: spec, files: map[string]*memFile{}, lex: newLexIndex()}
}

// EnsureStore implements [Store].
func (m *Memory) EnsureStore(ctx context.Context, spec StoreSpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.writable(); err != nil {
		return err
	}
	if s, ok := m.stores[spec.ID]; ok {
		if s.spec != spec {
			return fmt.Errorf("%w: store %q has embedder %q (%d dims), not %q (%d dims)",
				ErrEmbedderMismatch, spec.ID, s.spec.Embedder, s.spec.Dims, spec.Embedder, spec.Dims)
		}
		return nil
	}
	m.stores[spec.ID] = newMemStore(spec)
	m.dirty = true
	return nil
}

// DeleteStore implements [Store].
func (m *Memory) DeleteStore(ctx context.Context, storeID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.writable(); err != nil {
		return err
	}
	if _, ok := m.stores[storeID]; ok {
		delete(m.stores, storeID)
		m.dirty = true
	}
	return nil
}

// writable fails unless m may change: open and not read-only; m.mu must
// be held.
func (m *Memory) writable() error {
	if m.closed {
		return ErrClosed
	}
	if m.readOnly {
		return fmt.Errorf("%w: %s", ErrReadOnly, m.path)
	}
	return nil
}

// store returns the store named id; m.mu must be held.
func (m *Memory) store(id string) (*memStore, error) {
	if m.closed {
		return nil, ErrClosed
	}
	s, ok := m.stores[id]
	if !ok {
		return nil, fmt.Errorf("%w: store %q", ErrNotFound, id)
	}
	return s, nil
}

// Upsert implements [Store].
func (m *Memory) Upsert(ctx context.Context, chunks []Chunk) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range chunks {
		if err := chunks[i].Validate(); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.writable(); err != nil {
		return err
	}
	for i := range chunks {
		c := &chunks[i]
		s, err := m.store(c.StoreID)
		if err != nil {
			return err
		}
		if len(c.Vector) != s.spec.Dims {
			if s.spec.Dims == 0 {
				return fmt.Errorf("%w: chunk %s/%s#%d has a vector but the store has no embedder", ErrInvalid, c.StoreID, c.FileID, c.Ordinal)
			}
			return fmt.Errorf("%w: chunk %s/%s#%d: vector of %d dims, store %q (embedder %q) has %d",
				ErrInvalid, c.StoreID, c.FileID, c.Ordinal, len(c.Vector), s.spec.ID, s.spec.Embedder, s.spec.Dims)
		}
	}
	touched := map[*memStore]bool{}
	for i := range chunks {
		s := m.stores[chunks[i].StoreID]
		s.upsert(&chunks[i])
		touched[s] = true
	}
	for s := range touched {
		s.maybeCompact()
	}
	if len(chunks) > 0 {
		m.dirty = true
	}
	return nil
}

func (s *memStore) upsert(c *Chunk) {
	f := s.files[c.FileID]
	if f == nil {
		f = &memFile{idx: int32(len(s.fileList)), id: c.FileID, chunks: map[int]int32{}}
		s.files[c.FileID] = f
		s.fileList = append(s.fileList, f)
	}
	f.filename = c.Filename
	f.hash = c.FileHash
	f.attrs = c.Attributes.normalized()
	if old, ok := f.chunks[c.Ordinal]; ok {
		if s.docs[old].text == c.Text && s.sameVector(old, c.Vector) {
			return // unchanged: idempotent without growth
		}
		s.kill(old)
	}
	doc := int32(len(s.docs))
	s.docs = append(s.docs, memDoc{file: f.idx, ordinal: int32(c.Ordinal), alive: true, text: c.Text})
	if s.spec.Dims > 0 {
		start := len(s.slab)
		s.slab = append(s.slab, c.Vector...)
		normalize(s.slab[start:])
		s.q8.appendRow(s.slab[start:])
	}
	s.lex.add(doc, c.Text)
	f.chunks[c.Ordinal] = doc
}

// sameVector reports whether doc's stored vector is v normalised.
func (s *memStore) sameVector(doc int32, v []float32) bool {
	if s.spec.Dims == 0 {
		return true
	}
	n := append([]float32(nil), v...)
	normalize(n)
	return slices.Equal(n, s.slab[int(doc)*s.spec.Dims:int(doc+1)*s.spec.Dims])
}

// kill removes doc from search; compaction reclaims it later.
func (s *memStore) kill(doc int32) {
	d := &s.docs[doc]
	if !d.alive {
		return
	}
	d.alive = false
	s.lex.remove(doc, d.text)
	s.dead++
}

// maybeCompact rebuilds the store without dead documents once they
// outnumber the live ones (and are more than a few).
func (s *memStore) maybeCompact() {
	if s.dead > 1024 && s.dead > len(s.docs)-s.dead {
		s.compact()
	}
}

// compact rebuilds docs, slab, files and index from the live documents.
func (s *memStore) compact() {
	if s.dead == 0 && len(s.fileList) == len(s.files) {
		return
	}
	old := s.docs
	oldSlab := s.slab
	dims := s.spec.Dims
	s.docs = make([]memDoc, 0, len(old)-s.dead)
	s.slab = nil
	if dims > 0 {
		s.slab = make([]float32, 0, (len(old)-s.dead)*dims)
	}
	s.lex = newLexIndex()
	s.q8 = quantized{}
	s.dead = 0
	ids := slices.Sorted(maps.Keys(s.files))
	s.fileList = s.fileList[:0]
	for _, id := range ids {
		f := s.files[id]
		f.idx = int32(len(s.fileList))
		s.fileList = append(s.fileList, f)
		ords := slices.Sorted(maps.Keys(f.chunks))
		for _, o := range ords {
			od := f.chunks[o]
			doc := int32(len(s.docs))
			d := old[od]
			d.file = f.idx
			s.docs = append(s.docs, d)
			if dims > 0 {
				s.slab = append(s.slab, oldSlab[int(od)*dims:int(od+1)*dims]...)
				s.q8.appendRow(s.slab[len(s.slab)-dims:])
			}
			s.lex.add(doc, d.text)
			f.chunks[o] = doc
		}
	}
}

// DeleteFile implements [Store].
func (m *Memory) DeleteFile(ctx context.Context, storeID, fileID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.writable(); err != nil {
		return err
	}
	s, err := m.store(storeID)
	if err != nil {
		return err
	}
	f := s.files[fileID]
	if f == nil {
		return nil
	}
	for _, d := range f.chunks {
		s.kill(d)
	}
	delete(s.files, fileID)
	s.fileList[f.idx] = nil
	s.maybeCompact()
	m.dirty = true
	return nil
}

// SetAttributes implements [Store].
func (m *Memory) SetAttributes(ctx context.Context, storeID, fileID string, attrs Attributes) error {
	if err := attrs.Validate(); err != nil {
		return fmt.Errorf("%w: file %s/%s: %w", ErrInvalid, storeID, fileID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.writable(); err != nil {
		return err
	}
	s, err := m.store(storeID)
	if err != nil {
		return err
	}
	f := s.files[fileID]
	if f == nil {
		return fmt.Errorf("%w: file %q in store %q", ErrNotFound, fileID, storeID)
	}
	f.attrs = attrs.normalized()
	m.dirty = true
	return nil
}

// Files implements [Store].
func (m *Memory) Files(ctx context.Context, storeID string) ([]File, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, err := m.store(storeID)
	if err != nil {
		return nil, err
	}
	out := make([]File, 0, len(s.files))
	for _, f := range s.files {
		out = append(out, File{ID: f.id, Filename: f.filename, Attributes: maps.Clone(f.attrs), FileHash: f.hash, Chunks: len(f.chunks)})
	}
	slices.SortFunc(out, func(a, b File) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Spec implements [SpecReader]: the spec storeID was created with.
func (m *Memory) Spec(ctx context.Context, storeID string) (StoreSpec, error) {
	if err := ctx.Err(); err != nil {
		return StoreSpec{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, err := m.store(storeID)
	if err != nil {
		return StoreSpec{}, err
	}
	return s.spec, nil
}

// Close implements [Store]: it saves a persistent store (see [Memory.Flush]),
// releases its lock and the memory. A failed save is returned; the
// changes since the last save are then lost.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	err := m.flushLocked()
	if lerr := m.lock.release(); err == nil && lerr != nil {
		err = fmt.Errorf("vectorstore: close %s: %w", m.path, lerr)
	}
	m.closed = true
	m.stores = nil
	return err
}
