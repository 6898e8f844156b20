package vectorstore

import "context"

// Embedder turns texts into vectors. Implementations must be safe for
// concurrent use and return one vector of Dims() float32s per text, in order,
// L2-normalised.
type Embedder interface {
	// ID identifies the embedder and its settings, such as
	// "openai:text-embedding-3-small:512"; it is stored with each store
	// (StoreSpec.Embedder) so a store is never queried with another model.
	ID() string
	// Dims is the length of the vectors returned.
	Dims() int
	// Embed returns the embeddings of texts.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}
