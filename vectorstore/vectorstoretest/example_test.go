package vectorstoretest_test

import (
	"path/filepath"
	"testing"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/vectorstoretest"
)

// A backend's conformance test, here the persistent embedded store's. In a
// _test.go file it reads:
//
//	func TestConformance(t *testing.T) { ... }
func ExampleRun() {
	_ = func(t *testing.T) {
		vectorstoretest.Run(t, func(t *testing.T) vectorstore.Store {
			s, err := vectorstore.Open(filepath.Join(t.TempDir(), "store.vs"), nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, &vectorstoretest.Options{
			Reopen: func(t *testing.T, s vectorstore.Store) vectorstore.Store {
				path := s.(*vectorstore.Memory).Path()
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				s2, err := vectorstore.Open(path, nil)
				if err != nil {
					t.Fatal(err)
				}
				return s2
			},
		})
	}
}
