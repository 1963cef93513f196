package rollouts

import "sync/atomic"

// table is the rollouts by model, swapped whole on Update so Route reads
// it without a lock.
type table struct {
	byModel map[string]*rollout
	list    []*rollout // config order
}

type atomicTable struct{ p atomic.Pointer[table] }

var emptyTable = &table{byModel: map[string]*rollout{}}

func (a *atomicTable) load() *table {
	if t := a.p.Load(); t != nil {
		return t
	}
	return emptyTable
}

func (a *atomicTable) store(t *table) { a.p.Store(t) }
