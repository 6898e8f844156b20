// Package vectorstoretest is the conformance suite every vectorstore.Store
// backend runs:
//
//	func TestConformance(t *testing.T) {
//		vectorstoretest.Run(t, func(t *testing.T) vectorstore.Store {
//			s, err := mybackend.New(...)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		}, nil)
//	}
package vectorstoretest

import (
	"testing"

	"github.com/agentloop/agentloop/vectorstore"
)

// Options tunes Run for a backend's abilities. The zero value runs everything
// but persistence.
type Options struct {
	// Reopen, when set, closes s and returns a new Store reading the same
	// persisted data (the suite does not close s itself). Nil skips the
	// persistence tests.
	Reopen func(t *testing.T, s vectorstore.Store) vectorstore.Store
}

// Run runs the conformance suite as subtests of t. newStore must return a
// fresh, empty store each time it is called; the suite closes every store it
// gets. opts may be nil.
func Run(t *testing.T, newStore func(t *testing.T) vectorstore.Store, opts *Options) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	_ = newStore
}
