package vectorstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/vectorstoretest"
	"github.com/google/go-cmp/cmp"
)

func TestMemoryConformance(t *testing.T) {
	vectorstoretest.Run(t, func(t *testing.T) vectorstore.Store {
		return vectorstore.NewMemory(nil)
	}, nil)
}

func TestPersistentConformance(t *testing.T) {
	vectorstoretest.Run(t, func(t *testing.T) vectorstore.Store {
		s, err := vectorstore.Open(filepath.Join(t.TempDir(), "store.vs"), &vectorstore.Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, &vectorstoretest.Options{Reopen: reopen})
}

func reopen(t *testing.T, s vectorstore.Store) vectorstore.Store {
	t.Helper()
	path := s.(*vectorstore.Memory).Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := vectorstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s2
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "s.vs")
	s, err := vectorstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created the file before any change: %v", err)
	}
	if err := s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Upsert(ctx, []vectorstore.Chunk{{StoreID: "a", FileID: "f", Text: "hello world"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Files(ctx, "a"); !errors.Is(err, vectorstore.ErrClosed) {
		t.Errorf("Files after Close: %v", err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"s.vs", "s.vs.lock"}, names); diff != "" {
		t.Errorf("folder entries (-want +got), want only the store file and its lock:\n%s", diff)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"not a store", []byte("hello, this is text"), "not a vectorstore file"},
		{"flipped byte", flip(data, len(data)/2), "checksum mismatch"},
		{"truncated", data[:len(data)-7], "checksum mismatch"},
	} {
		p := filepath.Join(dir, tt.name)
		if err := os.WriteFile(p, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := vectorstore.Open(p, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Open error %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := vectorstore.Open(dir, nil); err == nil {
		t.Error("Open of a folder succeeded")
	}
}

// closeStore closes s, failing tb on error.
func closeStore(tb testing.TB, s vectorstore.Store) {
	tb.Helper()
	if err := s.Close(); err != nil {
		tb.Error(err)
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0xff
	return c
}

func TestSaveKeepsMode(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.vs")
	s, err := vectorstore.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v, want 0600", info.Mode().Perm())
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureStore(ctx, vectorstore.StoreSpec{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	closeStore(t, s)
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("replaced file mode %v, want 0640", info.Mode().Perm())
	}
}

// TestMemorySpec reads specs back, also after reopening a persistent store.
func TestMemorySpec(t *testing.T) {
	ctx := t.Context()
	st, err := vectorstore.Open(filepath.Join(t.TempDir(), "store.vs"), nil)
	if err != nil {
		t.Fatal(err)
	}
	specs := []vectorstore.StoreSpec{{ID: "d", Embedder: "hash:8", Dims: 8}, {ID: "l"}}
	for _, spec := range specs {
		if err := st.EnsureStore(ctx, spec); err != nil {
			t.Fatal(err)
		}
	}
	var s vectorstore.Store = st
	for _, reopened := range []bool{false, true} {
		if reopened {
			s = reopen(t, s)
		}
		sr, ok := s.(vectorstore.SpecReader)
		if !ok {
			t.Fatalf("%T is not a SpecReader", s)
		}
		for _, want := range specs {
			got, err := sr.Spec(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reopened %v: Spec(%q) (-want +got):\n%s", reopened, want.ID, diff)
			}
		}
		if _, err := sr.Spec(ctx, "missing"); !errors.Is(err, vectorstore.ErrNotFound) {
			t.Errorf("Spec(missing) error = %v, want ErrNotFound", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.(vectorstore.SpecReader).Spec(ctx, "d"); !errors.Is(err, vectorstore.ErrClosed) {
		t.Errorf("Spec after Close: error = %v, want ErrClosed", err)
	}
}
