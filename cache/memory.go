package cache

import (
	"time"

	"github.com/maypok86/otter/v2"
)

// memory is L1: otter bounded by the entries' bytes, each entry with its
// own TTL. otter over fastcache (docs/cache.md has the measurements): a hit
// returns the stored *Entry itself, no copy and no allocation, where
// fastcache copies the value out of its byte arena on every Get; and otter
// expires entries by TTL itself, where fastcache has no TTL (it would be
// checked and stored by hand in each value).
type memory struct {
	c *otter.Cache[Key, *memEntry]
}

type memEntry struct {
	e   *Entry
	ttl time.Duration
}

func newMemory(maxBytes int, onEvict func()) *memory {
	return &memory{c: otter.Must(&otter.Options[Key, *memEntry]{
		MaximumWeight: uint64(maxBytes),
		Weigher:       func(_ Key, m *memEntry) uint32 { return uint32(min(m.e.size()+96, 1<<31)) },
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[Key, *memEntry]) time.Duration {
			return e.Value.ttl
		}),
		// Atomic: a counter increment under the bucket lock, where OnDeletion
		// would start a goroutine per deletion.
		OnAtomicDeletion: func(e otter.DeletionEvent[Key, *memEntry]) {
			if e.Cause == otter.CauseOverflow {
				onEvict()
			}
		},
	})}
}

func (m *memory) get(k Key) *Entry {
	v, ok := m.c.GetIfPresent(k)
	if !ok {
		return nil
	}
	return v.e
}

func (m *memory) set(k Key, e *Entry, ttl time.Duration) {
	m.c.Set(k, &memEntry{e: e, ttl: ttl})
}

func (m *memory) del(k Key) { m.c.Invalidate(k) }

func (m *memory) clear() { m.c.InvalidateAll() }

func (m *memory) entries() int { return m.c.EstimatedSize() }

func (m *memory) bytes() uint64 { return m.c.WeightedSize() }

func (m *memory) resize(maxBytes int) { m.c.SetMaximum(uint64(maxBytes)) }
