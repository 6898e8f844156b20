package vectorstore

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"unsafe"
)

// The file format, version 3, little-endian throughout:
//
//	magic "AGLVSTOR", uint32 version
//	uvarint stores; per store, in increasing ID order:
//	  string ID, string embedder, uvarint dims
//	  uvarint files; per file (IDs unique, in no set order): string ID,
//	    filename, hash; attributes
//	  uvarint docs; per doc (each file index and ordinal once):
//	    uvarint file index, uvarint ordinal, string text, uvarint length in terms
//	  if dims > 0, each block aligned to 4 bytes from the file's start by a
//	  pad (a byte n, then n zero bytes):
//	    pad, docs×dims float32 (the slab), docs×dims int8 (its codes),
//	    pad, docs float32 (code scales), docs float32 (code error norms)
//	  uvarint terms; per term, in increasing order: string term,
//	    uvarint postings (at least one); per posting, in increasing doc
//	    order: uvarint doc delta, uvarint term frequency (at least one)
//	uint32 CRC-32C of everything before it
//
// A string is a uvarint length and its bytes. Attributes are a uvarint count
// then, per key in increasing order, the key, a kind byte (0 string, 1
// number, 2 bool) and the value (a string, a float64's bits as uint64, a
// byte 0 or 1). A doc's length in terms is the sum of its term frequencies;
// vectors, scales and error norms are finite.
//
// Open checks all of this (see [ErrCorrupt]); what it does not check is
// that the postings are those of the texts.
//
// Version 3 has the layout of version 2; its terms are those of
// [TermsVersion] 2 (version 2's are of TermsVersion 1). Open reads both,
// and re-indexes the texts of a version 2 file (saving it as version 3 on
// the next save).
const (
	fileMagic   = "AGLVSTOR"
	fileVersion = 3
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Open returns a Memory store persisted to the single file at path, loading
// it if it exists. An empty path gives an in-memory store, as [NewMemory].
// opts may be nil.
//
// Changes are saved by [Memory.Flush] and [Memory.Close], atomically: the
// store is written to a temporary file in the same folder, synced, and
// renamed over path, so a crash leaves either the old or the new file, and
// a reader opening path meanwhile reads one or the other whole. Changes
// since the last save are lost on a crash.
//
// One writer at a time: unless opts.ReadOnly, Open takes an exclusive OS
// lock (flock(2); LockFileEx on Windows) on the file [LockPath](path),
// creating it if needed, and holds it until Close; the OS drops it if the
// process dies. A second writable Open of the same path, from this process
// or another, fails at once with an error wrapping [ErrLocked] that names
// the process holding it (its pid and program), rather than waiting: the
// caller decides whether to retry. Open loads the file once it holds the
// lock, so it sees the last writer's save. A folder where the lock file
// cannot be created (not writable) fails here too, before any work. With
// ReadOnly, Open takes no lock and every change fails with [ErrReadOnly].
// On systems without either lock call (Solaris, Plan 9, WebAssembly) no
// lock is taken.
func Open(path string, opts *Options) (*Memory, error) {
	m := NewMemory(opts)
	if path == "" {
		return m, nil
	}
	m.path = path
	m.readOnly = opts != nil && opts.ReadOnly
	if !m.readOnly {
		lock, err := acquireLock(path)
		if err != nil {
			return nil, err
		}
		m.lock = lock
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err == nil {
		m.stores, err = decodeStores(data)
		if err != nil {
			err = fmt.Errorf("vectorstore: open %s: %w", path, err)
		}
		// A file of an older version is saved in this one by the next
		// save of a writer.
		m.dirty = err == nil && !m.readOnly && binary.LittleEndian.Uint32(data[len(fileMagic):]) != fileVersion
	} else {
		err = fmt.Errorf("vectorstore: open: %w", err)
	}
	if err != nil {
		_ = m.lock.release()
		return nil, err
	}
	return m, nil
}

// Flush saves the store to its file if it changed since the last save; it
// does nothing for an in-memory store.
func (m *Memory) Flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	return m.flushLocked()
}

// flushLocked saves m if it is persistent and dirty; m.mu must be held.
func (m *Memory) flushLocked() error {
	if m.path == "" || !m.dirty || m.readOnly {
		return nil
	}
	dir := filepath.Dir(m.path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(m.path)+".*.tmp")
	if err != nil {
		return saveError{fmt.Errorf("vectorstore: save %s: %w", m.path, err)}
	}
	tmp := f.Name()
	// The temporary file is private (0600); a replaced file keeps its mode.
	if info, serr := os.Stat(m.path); serr == nil {
		err = f.Chmod(info.Mode().Perm())
	}
	if err == nil {
		err = m.encode(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return saveError{fmt.Errorf("vectorstore: save %s: %w", m.path, err)}
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable; best effort
		_ = d.Close()
	}
	m.dirty = false
	return nil
}

// encoder writes the format through a buffer, computing the checksum. The
// bufio.Writer's errors are sticky: the final Flush reports the first.
type encoder struct {
	w   *bufio.Writer
	crc hash.Hash32
	buf []byte
	n   int64 // bytes written
}

func (e *encoder) put(b []byte)       { n, _ := e.w.Write(b); e.n += int64(n) }
func (e *encoder) putString(s string) { n, _ := e.w.WriteString(s); e.n += int64(n) }
func (e *encoder) putByte(c byte) {
	if e.w.WriteByte(c) == nil {
		e.n++
	}
}

// align4 writes a pad so that the next byte's offset is a multiple of 4,
// letting a reader view float32 arrays in place.
func (e *encoder) align4() {
	pad := (4 - (e.n+1)%4) % 4
	e.putByte(byte(pad))
	for range pad {
		e.putByte(0)
	}
}

// float32s writes v as little-endian float32s.
func (e *encoder) float32s(v []float32) {
	raw := make([]byte, 0, 4*min(len(v), 16<<10))
	for i := 0; i < len(v); i += 16 << 10 {
		raw = raw[:0]
		for _, x := range v[i:min(i+16<<10, len(v))] {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
		}
		e.put(raw)
	}
}

func (e *encoder) uvarint(v uint64) {
	e.buf = binary.AppendUvarint(e.buf[:0], v)
	e.put(e.buf)
}

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.putString(s)
}

func (e *encoder) attrs(a Attributes) {
	e.uvarint(uint64(len(a)))
	for _, k := range a.keys() {
		e.str(k)
		switch v := a[k].(type) {
		case string:
			e.putByte(0)
			e.str(v)
		case bool:
			e.putByte(2)
			if v {
				e.putByte(1)
			} else {
				e.putByte(0)
			}
		default:
			f, _ := AsNumber(v)
			e.putByte(1)
			e.buf = binary.LittleEndian.AppendUint64(e.buf[:0], math.Float64bits(f))
			e.put(e.buf)
		}
	}
}

func (m *Memory) encode(f io.Writer) error {
	crc := crc32.New(castagnoli)
	e := &encoder{w: bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20), crc: crc}
	e.putString(fileMagic)
	e.buf = binary.LittleEndian.AppendUint32(e.buf[:0], fileVersion)
	e.put(e.buf)
	ids := slices.Sorted(maps.Keys(m.stores))
	e.uvarint(uint64(len(ids)))
	for _, id := range ids {
		s := m.stores[id]
		e.str(s.spec.ID)
		e.str(s.spec.Embedder)
		e.uvarint(uint64(s.spec.Dims))
		// Removed files and chunks are left out and the rest renumbered,
		// so the file holds a compact store without a rebuild here.
		fileIdx := make([]uint64, len(s.fileList))
		nf := 0
		for i, f := range s.fileList {
			if f != nil {
				fileIdx[i] = uint64(nf)
				nf++
			}
		}
		docIdx := make([]int32, len(s.docs))
		nd := 0
		for i := range s.docs {
			docIdx[i] = -1
			if s.docs[i].alive {
				docIdx[i] = int32(nd)
				nd++
			}
		}
		e.uvarint(uint64(nf))
		for _, f := range s.fileList {
			if f == nil {
				continue
			}
			e.str(f.id)
			e.str(f.filename)
			e.str(f.hash)
			e.attrs(f.attrs)
		}
		e.uvarint(uint64(nd))
		for i, d := range s.docs {
			if !d.alive {
				continue
			}
			e.uvarint(fileIdx[d.file])
			e.uvarint(uint64(d.ordinal))
			e.str(d.text)
			e.uvarint(uint64(s.lex.docLen[i]))
		}
		if dims := s.spec.Dims; dims > 0 {
			e.align4()
			for i, d := range s.docs {
				if d.alive {
					e.float32s(s.slab[i*dims : (i+1)*dims])
				}
			}
			for i, d := range s.docs {
				if d.alive {
					codes := s.q8.codes[i*dims : (i+1)*dims]
					e.put(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(codes))), len(codes)))
				}
			}
			e.align4()
			for i, d := range s.docs {
				if d.alive {
					e.float32s(s.q8.scale[i : i+1])
				}
			}
			for i, d := range s.docs {
				if d.alive {
					e.float32s(s.q8.err[i : i+1])
				}
			}
		}
		// The postings written are counted rather than taken from df, so
		// that the file reads back whatever df says.
		var terms []string
		for t, p := range s.lex.postings {
			if livePostings(p, docIdx) > 0 {
				terms = append(terms, t)
			}
		}
		slices.Sort(terms)
		e.uvarint(uint64(len(terms)))
		for _, t := range terms {
			p := s.lex.postings[t]
			e.str(t)
			e.uvarint(uint64(livePostings(p, docIdx)))
			prev := int32(0)
			for i, d := range p.docs {
				nd := docIdx[d]
				if nd < 0 {
					continue
				}
				e.uvarint(uint64(nd - prev))
				e.uvarint(uint64(p.tfs[i]))
				prev = nd
			}
		}
	}
	if err := e.w.Flush(); err != nil {
		return err
	}
	_, err := f.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

// livePostings counts the postings of p to docs that are written (docIdx
// not -1).
func livePostings(p *posting, docIdx []int32) int {
	n := 0
	for _, d := range p.docs {
		if docIdx[d] >= 0 {
			n++
		}
	}
	return n
}

// decoder reads the format from memory; the first error sticks and every
// later read returns zero values.
type decoder struct {
	b    []byte
	size int // of the whole file: the offset of b is size-len(b)
	err  error
}

// align4 skips a pad written by encoder.align4.
func (d *decoder) align4() {
	p := d.bytes(1)
	if d.err != nil {
		return
	}
	pad := d.bytes(int(p[0]))
	if d.err == nil && (p[0] > 3 || (d.size-len(d.b))%4 != 0 || slices.ContainsFunc(pad, func(c byte) bool { return c != 0 })) {
		d.fail()
	}
}

// float32s views b (little-endian float32s) as a []float32: in place, with
// its capacity capped, when the host is little-endian and b is aligned (the
// slices then share the file's buffer), else as a copy.
func float32s(b []byte) []float32 {
	n := len(b) / 4
	if n == 0 {
		return nil
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 && uintptr(p)%4 == 0 {
		return unsafe.Slice((*float32)(p), n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// ErrSave means a [Memory] could not save its file (a folder not writable, a
// full disk). [Memory.Flush], [Memory.Close] and [Ingest] wrap it; the
// changes since the last save are not in the file.
var ErrSave = errors.New("vectorstore: save failed")

// saveError is a failed save: it reads as its cause and is ErrSave too.
type saveError struct{ err error }

func (e saveError) Error() string   { return e.err.Error() }
func (e saveError) Unwrap() []error { return []error{ErrSave, e.err} }

// ErrCorrupt means a store file does not decode, or breaks an invariant of the
// format (duplicate IDs, unsorted terms, counts that disagree), though its
// checksum may be right. [Open] wraps it, saying what is wrong and where.
var ErrCorrupt = errors.New("vectorstore: corrupt store file")

// fail records a truncated or malformed read.
func (d *decoder) fail() {
	d.failf("truncated or malformed at byte %d", d.size-len(d.b))
}

// failf records a broken invariant, unless an error is already recorded.
func (d *decoder) failf(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a uvarint count and checks it against the bytes left, each
// item taking at least min bytes, so a corrupt count cannot allocate wildly.
func (d *decoder) count(minBytes int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/max(minBytes, 1)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.fail()
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) str() string {
	return string(d.bytes(d.count(1)))
}

func (d *decoder) attrs() Attributes {
	n := d.count(3)
	if n == 0 || d.err != nil {
		return nil
	}
	if n > MaxAttributes {
		d.failf("%d attributes, at most %d allowed", n, MaxAttributes)
		return nil
	}
	a := make(Attributes, n)
	prev := ""
	for i := range n {
		k := d.str()
		kind := d.bytes(1)
		if d.err != nil {
			return nil
		}
		if i > 0 && k <= prev {
			d.failf("attribute keys %q and %q out of order", prev, k)
			return nil
		}
		prev = k
		switch kind[0] {
		case 0:
			a[k] = d.str()
		case 1:
			b := d.bytes(8)
			if d.err == nil {
				a[k] = math.Float64frombits(binary.LittleEndian.Uint64(b))
			}
		case 2:
			b := d.bytes(1)
			if d.err == nil && b[0] > 1 {
				d.failf("attribute %q: bool byte %d", k, b[0])
			}
			if d.err == nil {
				a[k] = b[0] == 1
			}
		default:
			d.failf("attribute %q: kind %d", k, kind[0])
		}
	}
	if d.err == nil {
		if err := a.Validate(); err != nil {
			d.failf("%w", err)
		}
	}
	return a
}

// decodeStores reads a store file, checking the format's invariants.
func decodeStores(data []byte) (map[string]*memStore, error) {
	if len(data) < len(fileMagic)+8 || string(data[:len(fileMagic)]) != fileMagic {
		return nil, errors.New("not a vectorstore file")
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w (checksum mismatch)", ErrCorrupt)
	}
	v := binary.LittleEndian.Uint32(body[len(fileMagic):])
	if v != fileVersion && v != 2 {
		return nil, fmt.Errorf("file format version %d, this build reads 2 and %d", v, fileVersion)
	}
	d := &decoder{b: body[len(fileMagic)+4:], size: len(data)}
	stores := map[string]*memStore{}
	n := d.count(3)
	prev := ""
	for i := range n {
		spec := StoreSpec{ID: d.str(), Embedder: d.str(), Dims: int(d.uvarint())}
		if d.err != nil {
			break
		}
		if spec.Validate() != nil {
			// Not wrapped: ErrInvalid is for callers' arguments.
			d.failf("store %q: embedder %q with %d dims", spec.ID, spec.Embedder, spec.Dims)
			break
		}
		if i > 0 && spec.ID <= prev {
			d.failf("store IDs %q and %q out of order or repeated", prev, spec.ID)
			break
		}
		prev = spec.ID
		s := d.store(spec)
		if d.err != nil {
			break
		}
		stores[spec.ID] = s
	}
	if d.err == nil && len(d.b) != 0 {
		d.failf("%d bytes after the last store", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	if v == 2 {
		// Terms of another analyzer: index the texts again.
		for _, st := range stores {
			st.reindex()
		}
	}
	return stores, nil
}

// reindex rebuilds the lexical index from the documents' texts.
func (s *memStore) reindex() {
	s.lex = newLexIndex()
	for i := range s.docs {
		s.lex.add(int32(i), s.docs[i].text)
		if !s.docs[i].alive {
			s.lex.remove(int32(i), s.docs[i].text)
		}
	}
}

// store reads the files, docs, vectors and postings of the store spec.
func (d *decoder) store(spec StoreSpec) *memStore {
	s := newMemStore(spec)
	// Errors say which store, and which file or term, they are about.
	where := func(format string, args ...any) {
		d.failf("store %q: "+format, append([]any{spec.ID}, args...)...)
	}
	nf := d.count(4)
	for i := range nf {
		f := &memFile{idx: int32(i), id: d.str(), filename: d.str(), hash: d.str(), chunks: map[int]int32{}}
		f.attrs = d.attrs()
		if d.err != nil {
			return nil
		}
		if f.id == "" {
			where("file %d has no ID", i)
			return nil
		}
		if s.files[f.id] != nil {
			where("file ID %q repeated", f.id)
			return nil
		}
		s.files[f.id] = f
		s.fileList = append(s.fileList, f)
	}
	nd := d.count(4)
	s.docs = make([]memDoc, nd)
	s.lex.docLen = make([]int32, nd)
	for i := range nd {
		fi, ord := d.uvarint(), d.uvarint()
		text := d.str()
		l := d.uvarint()
		if d.err != nil {
			return nil
		}
		if fi >= uint64(len(s.fileList)) || ord > math.MaxInt32 || l > math.MaxInt32 {
			where("doc %d: file index %d of %d, ordinal %d, length %d", i, fi, len(s.fileList), ord, l)
			return nil
		}
		f := s.fileList[fi]
		if _, dup := f.chunks[int(ord)]; dup {
			where("file %q: chunk %d repeated", f.id, ord)
			return nil
		}
		s.docs[i] = memDoc{file: int32(fi), ordinal: int32(ord), alive: true, text: text}
		f.chunks[int(ord)] = int32(i)
		s.lex.docLen[i] = int32(l)
		s.lex.totalLen += int64(l)
	}
	s.lex.live = nd
	if dims := spec.Dims; dims > 0 {
		if nd > 0 && uint64(dims) > uint64(len(d.b)/5)/uint64(nd) {
			d.fail()
			return nil
		}
		n := nd * dims
		d.align4()
		s.slab = float32s(d.bytes(4 * n))
		codes := d.bytes(n)
		d.align4()
		scale, errs := float32s(d.bytes(4*nd)), float32s(d.bytes(4*nd))
		if d.err != nil {
			return nil
		}
		if i := notFinite(s.slab); i >= 0 {
			where("doc %d: vector not finite", i/dims)
			return nil
		}
		for i := range nd {
			if !(scale[i] >= 0 && errs[i] >= 0) || notFinite(scale[i:i+1]) >= 0 || notFinite(errs[i:i+1]) >= 0 {
				where("doc %d: quantization scale %v, error %v", i, scale[i], errs[i])
				return nil
			}
		}
		s.q8 = quantized{codes: unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(codes))), n), scale: scale, err: errs}
	}
	// Each doc's term frequencies must add up to its length.
	sums := make([]int64, nd)
	nt := d.count(2)
	prev := ""
	for i := range nt {
		t := d.str()
		np := d.count(2)
		if d.err != nil {
			return nil
		}
		if i > 0 && t <= prev {
			where("terms %q and %q out of order or repeated", prev, t)
			return nil
		}
		if t == "" || np == 0 {
			where("term %d (%q) is empty or has no postings", i, t)
			return nil
		}
		prev = t
		p := &posting{docs: make([]int32, np), tfs: make([]int32, np), df: np}
		doc := uint64(0)
		for j := range np {
			delta, tf := d.uvarint(), d.uvarint()
			if d.err != nil {
				return nil
			}
			if j > 0 && delta == 0 || delta >= uint64(nd)-doc || tf == 0 || tf > math.MaxInt32 {
				where("term %q: posting %d: doc %d + %d of %d, frequency %d", t, j, doc, delta, nd, tf)
				return nil
			}
			doc += delta
			p.docs[j], p.tfs[j] = int32(doc), int32(tf)
			sums[doc] += int64(tf)
		}
		s.lex.postings[t] = p
	}
	for i, sum := range sums {
		if sum != int64(s.lex.docLen[i]) {
			where("doc %d: length %d terms, postings say %d", i, s.lex.docLen[i], sum)
			return nil
		}
	}
	return s
}

// notFinite returns the index of the first NaN or infinity in v, or -1.
func notFinite(v []float32) int {
	for i, x := range v {
		if math.Float32bits(x)&0x7f800000 == 0x7f800000 {
			return i
		}
	}
	return -1
}
