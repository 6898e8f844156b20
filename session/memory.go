package session

import (
	"context"
	"fmt"
	"sync"

	"github.com/agentloop/agentloop/responses"
)

// Memory is a [Session] held in memory, for tests and for conversations
// that need not outlive the process. It keeps each item's bytes and decodes
// them again on [Memory.Items], so it behaves like the stored sessions: the
// items it returns are the caller's to change. It is safe for concurrent use.
type Memory struct {
	mu    sync.Mutex
	items [][]byte
}

var _ Session = (*Memory)(nil)

// NewMemory returns an empty session held in memory.
func NewMemory() *Memory { return &Memory{} }

// Items returns the stored items in order.
func (m *Memory) Items(ctx context.Context) ([]responses.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	m.mu.Lock()
	enc := m.items[:len(m.items):len(m.items)]
	m.mu.Unlock()
	return decode(enc)
}

// Append adds items after the first after items; see [Session.Append].
func (m *Memory) Append(ctx context.Context, after int, items []responses.Item) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	enc, err := encode(items)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	write, err := position(len(m.items), after, enc, func(i int) ([]byte, error) { return m.items[i], nil })
	if write {
		// Readers hold a prefix capped at its length: appending never
		// changes what they see.
		m.items = append(m.items, enc...)
	}
	return err
}

// Replace swaps the history for items if the session holds after items;
// see [Session.Replace].
func (m *Memory) Replace(ctx context.Context, after int, items []responses.Item) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	enc, err := encode(items)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := replaceable(len(m.items), after); err != nil {
		return err
	}
	m.items = enc
	return nil
}

// Clear removes every item.
func (m *Memory) Clear(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	m.mu.Lock()
	m.items = nil
	m.mu.Unlock()
	return nil
}
