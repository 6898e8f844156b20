package vectorstore_test

import (
	"testing"

	"github.com/agentloop/agentloop/vectorstore"
	"github.com/agentloop/agentloop/vectorstore/vectorstoretest"
)

func TestMemoryConformance(t *testing.T) {
	vectorstoretest.Run(t, func(t *testing.T) vectorstore.Store {
		return vectorstore.NewMemory(nil)
	}, nil)
}
