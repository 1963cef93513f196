package policy

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// sharedBaseCache is a topdown.BaseCache shared by every evaluation of one
// revision. OPA's default is a fresh cache per evaluation, so each decision
// re-reads and re-caches the same data documents (~35 allocations with the
// examples). The store of a revision never changes, so what one evaluation
// read stays valid for all; only found documents are put (OPA does not cache
// misses), so the cache is bounded by the data document, and capped anyway.
type sharedBaseCache struct {
	mu    sync.RWMutex
	root  baseNode
	nodes int
}

type baseNode struct {
	value    ast.Value
	children map[ast.Value]*baseNode
}

const maxBaseCacheNodes = 1 << 16

var _ topdown.BaseCache = (*sharedBaseCache)(nil)

func (c *sharedBaseCache) Get(ref ast.Ref) ast.Value {
	c.mu.RLock()
	defer c.mu.RUnlock()
	node := &c.root
	for i := range ref {
		node = node.children[ref[i].Value]
		if node == nil {
			return nil
		}
		if node.value != nil {
			v, err := node.value.Find(ref[i+1:])
			if err != nil {
				return nil
			}
			return v
		}
	}
	return nil
}

func (c *sharedBaseCache) Put(ref ast.Ref, value ast.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nodes+len(ref) > maxBaseCacheNodes {
		return
	}
	node := &c.root
	for i := range ref {
		child := node.children[ref[i].Value]
		if child == nil {
			child = &baseNode{}
			if node.children == nil {
				node.children = map[ast.Value]*baseNode{}
			}
			node.children[ref[i].Value] = child
			c.nodes++
		}
		node = child
	}
	node.value = value
	node.children = nil // the value covers everything below
}
