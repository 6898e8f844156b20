package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Checkpointer saves a run's state whenever it changes durably: after a
// model response is recorded, before a call starts (the call is then
// recorded as started), after a call's output is known, when the run pauses
// and when it ends. A run never starts a call whose start was not saved: if
// Save fails, the run stops with its error.
//
// Save must write st out (or copy it) before it returns: the run goes on
// changing st afterwards. Save is called from the run's goroutine, one call
// at a time for a run; one Checkpointer may serve concurrent runs.
type Checkpointer interface {
	Save(ctx context.Context, st *State) error
}

// CheckpointFunc is a [Checkpointer] as a function.
type CheckpointFunc func(ctx context.Context, st *State) error

// Save returns f(ctx, st).
func (f CheckpointFunc) Save(ctx context.Context, st *State) error { return f(ctx, st) }

// FileCheckpointer saves a run's state to one file, as JSON (the bytes of
// [State.MarshalJSON]), replacing it atomically: it writes a temporary file
// in the same directory, syncs it, renames it over the file and syncs the
// directory, so the file always holds a whole state, the last one saved,
// even after a crash or a power loss. Use one FileCheckpointer per run.
type FileCheckpointer struct {
	// Path is the file to write. Its directory is created when missing.
	Path string
}

// Save writes st to f.Path.
func (f *FileCheckpointer) Save(_ context.Context, st *State) error {
	b, err := st.MarshalJSON()
	if err != nil {
		return err
	}
	return WriteFileAtomic(f.Path, b)
}

// WriteFileAtomic replaces the file at path with data: a temporary file in
// the same directory is written, synced and renamed over it, then the
// directory is synced. The file is created with mode 0600: a run's state
// holds the conversation.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("runner: checkpoint: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("runner: checkpoint: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("runner: checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("runner: checkpoint: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("runner: checkpoint: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("runner: checkpoint: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every file system syncs directories
		_ = d.Close()
	}
	return nil
}

// ReadStateFile reads a state saved by a [FileCheckpointer] (or any file
// holding a state's JSON).
func ReadStateFile(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("runner: reading state: %w", err)
	}
	st := new(State)
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}
