package policy

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// pooledVirtualCache is a topdown.VirtualCache (rule results of one
// evaluation) whose maps and node slices are reused across evaluations
// instead of re-allocated per rule (~75 allocations a decision with the
// examples). Keys are the scalar elements of a ref; a ref with a composite
// element is simply not cached (a miss re-evaluates: never a wrong hit).
type pooledVirtualCache struct {
	frames []vframe
}

type vframe struct {
	index map[vkey]int32 // (parent node, ref element) → node
	nodes []vnode        // nodes[0] is the root
}

type vkey struct {
	parent int32
	kind   uint8
	s      string
}

type vnode struct {
	parent    int32
	key       *ast.Term
	value     *ast.Term
	undefined bool
}

var _ topdown.VirtualCache = (*pooledVirtualCache)(nil)

var virtualCachePool = sync.Pool{New: func() any {
	c := &pooledVirtualCache{}
	c.Push()
	return c
}}

func acquireVirtualCache() *pooledVirtualCache { return virtualCachePool.Get().(*pooledVirtualCache) }

// releaseVirtualCache empties c (dropping every term it points to) and pools it.
func releaseVirtualCache(c *pooledVirtualCache) {
	for len(c.frames) > 1 {
		c.Pop()
	}
	c.frames[0].reset()
	virtualCachePool.Put(c)
}

func (f *vframe) reset() {
	clear(f.index)
	clear(f.nodes) // drop term pointers
	f.nodes = append(f.nodes[:0], vnode{parent: -1})
}

func (c *pooledVirtualCache) Push() {
	if len(c.frames) < cap(c.frames) { // reuse a popped frame's storage
		c.frames = c.frames[:len(c.frames)+1]
	} else {
		c.frames = append(c.frames, vframe{index: map[vkey]int32{}})
	}
	c.frames[len(c.frames)-1].reset()
}

func (c *pooledVirtualCache) Pop() {
	c.frames[len(c.frames)-1].reset()
	c.frames = c.frames[:len(c.frames)-1]
}

// elemKey maps a scalar ref element to a comparable key.
func elemKey(parent int32, t *ast.Term) (vkey, bool) {
	switch v := t.Value.(type) {
	case ast.String:
		return vkey{parent, 1, string(v)}, true
	case ast.Number:
		return vkey{parent, 2, string(v)}, true
	case ast.Var:
		return vkey{parent, 3, string(v)}, true
	case ast.Boolean:
		if v {
			return vkey{parent, 4, "t"}, true
		}
		return vkey{parent, 4, "f"}, true
	case ast.Null:
		return vkey{parent, 5, ""}, true
	}
	return vkey{}, false
}

func (c *pooledVirtualCache) Get(ref ast.Ref) (*ast.Term, bool) {
	f := &c.frames[len(c.frames)-1]
	node := int32(0)
	for _, t := range ref {
		k, ok := elemKey(node, t)
		if !ok {
			return nil, false
		}
		if node, ok = f.index[k]; !ok {
			return nil, false
		}
	}
	n := &f.nodes[node]
	if n.undefined {
		return nil, true
	}
	return n.value, false
}

func (c *pooledVirtualCache) Put(ref ast.Ref, value *ast.Term) {
	f := &c.frames[len(c.frames)-1]
	node := int32(0)
	for _, t := range ref {
		k, ok := elemKey(node, t)
		if !ok {
			return
		}
		next, ok := f.index[k]
		if !ok {
			next = int32(len(f.nodes))
			f.nodes = append(f.nodes, vnode{parent: node, key: t})
			f.index[k] = next
		}
		node = next
	}
	if value != nil {
		f.nodes[node].value = value
	} else {
		f.nodes[node].undefined = true
	}
}

func (c *pooledVirtualCache) Keys() []ast.Ref {
	f := &c.frames[len(c.frames)-1]
	var keys []ast.Ref
	for i := 1; i < len(f.nodes); i++ {
		if f.nodes[i].value == nil {
			continue
		}
		var ref ast.Ref
		for n := int32(i); n > 0; n = f.nodes[n].parent {
			ref = append(ast.Ref{f.nodes[n].key}, ref...)
		}
		keys = append(keys, ref)
	}
	return keys
}
