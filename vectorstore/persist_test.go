package vectorstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rawStore is one store of a hand-written store file: what encode would
// write, without its checks.
type rawStore struct {
	id, embedder string
	dims         uint64
	files        []rawFile
	docs         []rawDoc
	vecs         []float32 // len(docs)*dims
	scales, errs []float32 // len(docs) each
	pad          byte      // written in the first pad's bytes, 0 normally
	terms        []rawTerm
}

type rawFile struct {
	id    string
	attrs []rawAttr
}

type rawAttr struct {
	key  string
	kind byte
	val  []byte // as written after the kind
}

type rawDoc struct {
	file, ord uint64
	text      string
	length    uint64
}

type rawTerm struct {
	term     string
	postings [][2]uint64 // doc delta, term frequency
}

// storeFile returns the file holding stores, then trailing, with a valid
// checksum.
func storeFile(stores []rawStore, trailing string) []byte {
	var buf bytes.Buffer
	crc := crc32.New(castagnoli)
	e := &encoder{w: bufio.NewWriter(io.MultiWriter(&buf, crc)), crc: crc}
	e.putString(fileMagic)
	e.put(binary.LittleEndian.AppendUint32(nil, fileVersion))
	e.uvarint(uint64(len(stores)))
	for _, s := range stores {
		e.str(s.id)
		e.str(s.embedder)
		e.uvarint(s.dims)
		e.uvarint(uint64(len(s.files)))
		for _, f := range s.files {
			e.str(f.id)
			e.str(f.id + ".txt")
			e.str("hash")
			e.uvarint(uint64(len(f.attrs)))
			for _, a := range f.attrs {
				e.str(a.key)
				e.putByte(a.kind)
				e.put(a.val)
			}
		}
		e.uvarint(uint64(len(s.docs)))
		for _, d := range s.docs {
			e.uvarint(d.file)
			e.uvarint(d.ord)
			e.str(d.text)
			e.uvarint(d.length)
		}
		if s.dims > 0 {
			pad := (4 - (e.n+1)%4) % 4
			e.putByte(byte(pad))
			for range pad {
				e.putByte(s.pad)
			}
			e.float32s(s.vecs)
			for _, x := range s.vecs {
				e.putByte(byte(int8(x * 127)))
			}
			e.align4()
			e.float32s(s.scales)
			e.float32s(s.errs)
		}
		e.uvarint(uint64(len(s.terms)))
		for _, t := range s.terms {
			e.str(t.term)
			e.uvarint(uint64(len(t.postings)))
			for _, p := range t.postings {
				e.uvarint(p[0])
				e.uvarint(p[1])
			}
		}
	}
	e.putString(trailing)
	if err := e.w.Flush(); err != nil {
		panic(err)
	}
	return binary.LittleEndian.AppendUint32(buf.Bytes(), crc.Sum32())
}

// validStore is a well-formed store of two files, three chunks and 2-dim
// vectors; tests break one invariant of a copy.
func validStore() rawStore {
	return rawStore{
		id: "docs", embedder: "hash", dims: 2,
		files: []rawFile{
			{id: "file-b", attrs: []rawAttr{{"lang", 0, []byte("\x02en")}, {"n", 1, binary.LittleEndian.AppendUint64(nil, math.Float64bits(3))}, {"ok", 2, []byte{1}}}},
			{id: "file-a"},
		},
		docs: []rawDoc{
			{0, 0, "alpha beta", 2},
			{0, 1, "beta", 1},
			{1, 0, "gamma gamma", 2},
		},
		vecs:   []float32{1, 0, 0, 1, 0.6, 0.8},
		scales: []float32{1.0 / 127, 1.0 / 127, 0.8 / 127},
		errs:   []float32{0, 0, 0.001},
		terms: []rawTerm{
			{"alpha", [][2]uint64{{0, 1}}},
			{"beta", [][2]uint64{{0, 1}, {1, 1}}},
			{"gamma", [][2]uint64{{2, 2}}},
		},
	}
}

// encodeStores encodes stores as Memory.encode does.
func encodeStores(t testing.TB, stores map[string]*memStore) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (&Memory{stores: stores}).encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeValidates(t *testing.T) {
	valid := storeFile([]rawStore{validStore()}, "")
	stores, err := decodeStores(valid)
	if err != nil {
		t.Fatalf("valid file: %v", err)
	}
	if !bytes.Equal(encodeStores(t, stores), valid) {
		t.Fatal("the valid file does not re-encode to itself")
	}

	tests := []struct {
		name   string
		change func(s *rawStore) []rawStore
		want   string
	}{
		{"repeated store", func(s *rawStore) []rawStore { return []rawStore{*s, *s} }, `store IDs "docs" and "docs" out of order or repeated`},
		{"unsorted stores", func(s *rawStore) []rawStore {
			t := *s
			t.id = "a"
			return []rawStore{*s, t}
		}, `store IDs "docs" and "a" out of order`},
		{"bad spec", func(s *rawStore) []rawStore { s.embedder = ""; return nil }, `store "docs": embedder "" with 2 dims`},
		{"repeated file", func(s *rawStore) []rawStore { s.files[1].id = "file-b"; return nil }, `file ID "file-b" repeated`},
		{"file without ID", func(s *rawStore) []rawStore { s.files[1].id = ""; return nil }, "file 1 has no ID"},
		{"repeated chunk", func(s *rawStore) []rawStore { s.docs[1].ord = 0; return nil }, `file "file-b": chunk 0 repeated`},
		{"file index", func(s *rawStore) []rawStore { s.docs[2].file = 2; return nil }, "doc 2: file index 2 of 2"},
		{"unsorted attributes", func(s *rawStore) []rawStore {
			a := s.files[0].attrs
			a[0], a[1] = a[1], a[0]
			return nil
		}, `attribute keys "n" and "lang" out of order`},
		{"repeated attribute", func(s *rawStore) []rawStore { s.files[0].attrs[1].key = "lang"; return nil }, `attribute keys "lang" and "lang" out of order`},
		{"attribute kind", func(s *rawStore) []rawStore { s.files[0].attrs[2].kind = 3; return nil }, `attribute "ok": kind 3`},
		{"attribute bool", func(s *rawStore) []rawStore { s.files[0].attrs[2].val = []byte{2}; return nil }, `attribute "ok": bool byte 2`},
		{"attribute NaN", func(s *rawStore) []rawStore {
			s.files[0].attrs[1].val = binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN()))
			return nil
		}, `attribute "n": number NaN is not finite`},
		{"too many attributes", func(s *rawStore) []rawStore {
			s.files[1].attrs = nil
			for i := range MaxAttributes + 1 {
				s.files[1].attrs = append(s.files[1].attrs, rawAttr{string(rune('a' + i)), 2, []byte{0}})
			}
			return nil
		}, "17 attributes, at most 16 allowed"},
		{"vector NaN", func(s *rawStore) []rawStore { s.vecs[3] = float32(math.NaN()); return nil }, "doc 1: vector not finite"},
		{"negative scale", func(s *rawStore) []rawStore { s.scales[2] = -1; return nil }, "doc 2: quantization scale -1"},
		{"pad", func(s *rawStore) []rawStore { s.pad = 1; return nil }, "truncated or malformed"},
		{"unsorted terms", func(s *rawStore) []rawStore {
			s.terms[0], s.terms[1] = s.terms[1], s.terms[0]
			return nil
		}, `terms "beta" and "alpha" out of order or repeated`},
		{"repeated term", func(s *rawStore) []rawStore { s.terms[2].term = "beta"; return nil }, `terms "beta" and "beta" out of order or repeated`},
		{"term without postings", func(s *rawStore) []rawStore { s.terms[0].postings = nil; return nil }, `term 0 ("alpha") is empty or has no postings`},
		{"repeated posting", func(s *rawStore) []rawStore { s.terms[1].postings[1][0] = 0; return nil }, `term "beta": posting 1: doc 0 + 0 of 3`},
		{"posting past the docs", func(s *rawStore) []rawStore { s.terms[2].postings[0][0] = 3; return nil }, `term "gamma": posting 0: doc 0 + 3 of 3`},
		{"posting wrapping around", func(s *rawStore) []rawStore { s.terms[1].postings[1][0] = math.MaxUint64; return nil }, `term "beta": posting 1`},
		{"zero frequency", func(s *rawStore) []rawStore { s.terms[0].postings[0][1] = 0; return nil }, `term "alpha": posting 0: doc 0 + 0 of 3, frequency 0`},
		{"length", func(s *rawStore) []rawStore { s.docs[0].length = 3; return nil }, "doc 0: length 3 terms, postings say 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validStore()
			stores := tt.change(&s)
			if stores == nil {
				stores = []rawStore{s}
			}
			_, err := decodeStores(storeFile(stores, ""))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("decode error %v, want ErrCorrupt with %q", err, tt.want)
			}
		})
	}
	if _, err := decodeStores(storeFile([]rawStore{validStore()}, "x")); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "1 bytes after the last store") {
		t.Errorf("trailing byte: %v", err)
	}
}

// TestOpenRepeatedChunk: a file holding the same chunk twice, with a valid
// checksum, used to open; after deleting its file and saving, the store
// could not be opened any more. It is refused on open.
func TestOpenRepeatedChunk(t *testing.T) {
	s := validStore()
	s.dims, s.embedder = 0, ""
	s.files, s.docs, s.terms = s.files[:1], s.docs[:2], s.terms[:2]
	s.docs[1].ord = 0
	path := filepath.Join(t.TempDir(), "s.vs")
	if err := os.WriteFile(path, storeFile([]rawStore{s}, ""), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Open(path, nil)
	if err == nil {
		// What used to happen.
		if err := m.DeleteFile(t.Context(), "docs", "file-b"); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = Open(path, nil)
		t.Fatalf("a repeated chunk was accepted; after a delete and a save, Open says: %v", err)
	}
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `chunk 0 repeated`) {
		t.Errorf("Open error %v, want ErrCorrupt naming the file and the chunk", err)
	}
}

// TestSaveCountsPostings: a store whose document frequencies drifted from
// its postings still saves a file that opens.
func TestSaveCountsPostings(t *testing.T) {
	m := NewMemory(nil)
	ctx := t.Context()
	if err := m.EnsureStore(ctx, StoreSpec{ID: "docs"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Upsert(ctx, []Chunk{{StoreID: "docs", FileID: "f", Text: "alpha beta"}, {StoreID: "docs", FileID: "g", Text: "beta"}}); err != nil {
		t.Fatal(err)
	}
	m.stores["docs"].lex.postings["beta"].df = 5
	stores, err := decodeStores(encodeStores(t, m.stores))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(2, stores["docs"].lex.postings["beta"].df); diff != "" {
		t.Errorf("df (-want +got):\n%s", diff)
	}
}

// fuzzSeeds returns store files written by Memory: empty, lexical with
// attributes and a deleted file, dense, and several stores together.
func fuzzSeeds(t testing.TB) [][]byte {
	ctx := context.Background()
	build := func(specs []StoreSpec, chunks []Chunk, deleteFile string) []byte {
		m := NewMemory(nil)
		for _, spec := range specs {
			if err := m.EnsureStore(ctx, spec); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Upsert(ctx, chunks); err != nil {
			t.Fatal(err)
		}
		if deleteFile != "" {
			if err := m.DeleteFile(ctx, specs[0].ID, deleteFile); err != nil {
				t.Fatal(err)
			}
		}
		return encodeStores(t, m.stores)
	}
	emb := NewHashEmbedder(4)
	vecs, err := emb.Embed(ctx, []string{"the quick fox", "jumps over", "the lazy dog"})
	if err != nil {
		t.Fatal(err)
	}
	lexical := []Chunk{
		{StoreID: "docs", FileID: "file-b", Filename: "b.md", Ordinal: 0, Text: "Refunds within 30 days", Attributes: Attributes{"lang": "en", "n": 3, "ok": true}, FileHash: "h1"},
		{StoreID: "docs", FileID: "file-b", Filename: "b.md", Ordinal: 1, Text: "refund the refund"},
		{StoreID: "docs", FileID: "file-a", Filename: "a.txt", Ordinal: 0, Text: "shipping takes two days"},
		{StoreID: "docs", FileID: "file-c", Filename: "c.txt", Ordinal: 0, Text: "deleted"},
	}
	dense := []Chunk{
		{StoreID: "vec", FileID: "f1", Ordinal: 0, Text: "the quick fox", Vector: vecs[0]},
		{StoreID: "vec", FileID: "f1", Ordinal: 2, Text: "jumps over", Vector: vecs[1]},
		{StoreID: "vec", FileID: "f2", Ordinal: 0, Text: "the lazy dog", Vector: vecs[2]},
	}
	return [][]byte{
		build(nil, nil, ""),
		build([]StoreSpec{{ID: "docs"}}, lexical, "file-c"),
		build([]StoreSpec{{ID: "vec", Embedder: emb.ID(), Dims: 4}}, dense, ""),
		build([]StoreSpec{{ID: "docs"}, {ID: "empty"}, {ID: "vec", Embedder: emb.ID(), Dims: 4}}, append(lexical, dense...), ""),
		storeFile([]rawStore{validStore()}, ""),
	}
}

// FuzzDecode feeds the store decoder files with a valid header and
// checksum around the fuzzed body. Decoding never panics and fails only
// with ErrCorrupt; whatever decodes re-encodes to a file that decodes to
// the same stores and encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	header := len(fileMagic) + 4
	for i, seed := range fuzzSeeds(f) {
		if _, err := decodeStores(seed); err != nil {
			f.Fatalf("seed %d: %v", i, err)
		}
		f.Add(seed[header : len(seed)-4])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		data := append([]byte(fileMagic), binary.LittleEndian.AppendUint32(nil, fileVersion)...)
		data = append(data, body...)
		data = binary.LittleEndian.AppendUint32(data, crc32.Checksum(data, castagnoli))
		stores, err := decodeStores(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		enc := encodeStores(t, stores)
		again, err := decodeStores(enc)
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		opts := cmp.AllowUnexported(memStore{}, memFile{}, memDoc{}, lexIndex{}, posting{}, quantized{})
		if diff := cmp.Diff(stores, again, opts); diff != "" {
			t.Fatalf("decode(encode(decode(x))) differs (-first +second):\n%s", diff)
		}
		if !bytes.Equal(encodeStores(t, again), enc) {
			t.Fatal("encoding is not stable")
		}
	})
}

// TestOpenVersion2: a file of version 2 (terms without camel-case parts)
// opens with its texts indexed again, and a writer saves it as version 3.
func TestOpenVersion2(t *testing.T) {
	ctx := t.Context()
	old := rawStore{id: "docs", files: []rawFile{{id: "f"}},
		docs:  []rawDoc{{0, 0, "call createServer", 2}},
		terms: []rawTerm{{"call", [][2]uint64{{0, 1}}}, {"createserv", [][2]uint64{{0, 1}}}}}
	data := storeFile([]rawStore{old}, "")
	binary.LittleEndian.PutUint32(data[len(fileMagic):], 2)
	binary.LittleEndian.PutUint32(data[len(data)-4:], crc32.Checksum(data[:len(data)-4], castagnoli))
	path := filepath.Join(t.TempDir(), "s.vs")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, readOnly := range []bool{true, false} {
		st, err := Open(path, &Options{ReadOnly: readOnly})
		if err != nil {
			t.Fatal(err)
		}
		hits, err := st.Search(ctx, SearchRequest{StoreIDs: []string{"docs"}, Queries: []Query{{Text: "server"}}})
		if err != nil || len(hits) != 1 {
			t.Errorf("read-only %v: search of a camel-case part: %d hits, %v", readOnly, len(hits), err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		saved, _ := os.ReadFile(path)
		want := uint32(2)
		if !readOnly {
			want = fileVersion
		}
		if v := binary.LittleEndian.Uint32(saved[len(fileMagic):]); v != want {
			t.Errorf("read-only %v: file version %d after Close, want %d", readOnly, v, want)
		}
	}
}
