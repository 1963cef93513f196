package rollouts

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// memStore is the store of a single gateway (no Redis).
type memStore struct {
	mu     sync.Mutex
	shared map[string]shared
	aggs   map[string]map[int64]map[string][]byte // model → interval → replica → JSON
	base   map[string][]byte
	locks  map[string]int64
	spend  map[string]int64
}

func newMemStore() *memStore {
	return &memStore{
		shared: map[string]shared{},
		aggs:   map[string]map[int64]map[string][]byte{},
		base:   map[string][]byte{},
		locks:  map[string]int64{},
		spend:  map[string]int64{},
	}
}

func (m *memStore) load(_ context.Context, model string) (shared, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.shared[model]
	s.decisions = append([]Decision(nil), s.decisions...)
	return s, ok, nil
}

func (m *memStore) commit(_ context.Context, model string, oldVersion int64, rec record, d *Decision, a *Analysis) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a != nil { // round-trip like the Redis store, so both fail alike
		b, err := json.Marshal(a)
		if err != nil {
			return false, err
		}
		a = new(Analysis)
		if err := json.Unmarshal(b, a); err != nil {
			return false, err
		}
	}
	s := m.shared[model]
	if s.rec.Version != oldVersion {
		return false, nil
	}
	s.rec = rec
	if d != nil {
		s.decisions = append([]Decision{*d}, s.decisions...)
		if len(s.decisions) > maxDecisions {
			s.decisions = s.decisions[:maxDecisions]
		}
	}
	if a != nil {
		s.last = a
	}
	m.shared[model] = s
	return true, nil
}

func (m *memStore) putAggregate(_ context.Context, model string, interval int64, replica string, p *variantPair, _ time.Duration) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	byK := m.aggs[model]
	if byK == nil {
		byK = map[int64]map[string][]byte{}
		m.aggs[model] = byK
	}
	if byK[interval] == nil {
		byK[interval] = map[string][]byte{}
	}
	byK[interval][replica] = b
	for k := range byK { // keep a bounded history
		if k < interval-maxWindowIntervals-2 {
			delete(byK, k)
		}
	}
	return nil
}

func (m *memStore) aggregates(_ context.Context, model string, from, to int64) ([]*variantPair, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*variantPair
	for k := from; k <= to; k++ {
		for _, b := range m.aggs[model][k] {
			p := new(variantPair)
			if err := json.Unmarshal(b, p); err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func (m *memStore) putBaseline(_ context.Context, model string, a *aggregate) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.base[model] = b
	m.mu.Unlock()
	return nil
}

func (m *memStore) baseline(_ context.Context, model string) (*aggregate, error) {
	m.mu.Lock()
	b := m.base[model]
	m.mu.Unlock()
	if b == nil {
		return nil, nil
	}
	a := new(aggregate)
	return a, json.Unmarshal(b, a)
}

func (m *memStore) lock(_ context.Context, model string, interval int64, _ string, _ time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.locks[model]; ok && k >= interval {
		return false, nil
	}
	m.locks[model] = interval
	return true, nil
}

func (m *memStore) addSpend(_ context.Context, model, day string, micros int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := model + "\x00" + day
	if _, ok := m.spend[k]; !ok {
		for old := range m.spend { // a new day: forget the others of this model
			if strings.HasPrefix(old, model+"\x00") {
				delete(m.spend, old)
			}
		}
	}
	m.spend[k] += micros
	return m.spend[k], nil
}
