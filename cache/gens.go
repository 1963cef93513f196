package cache

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// gens are the purge generations. An answer's key includes the sum of four
// counters: all, its tenant scope's, its model's and its (scope, model)'s.
// A purge increments one of them (one INCR on Redis), so every key it
// covers changes at once and the old entries are never found again (they
// expire on their own). Counters only grow, so a sum never repeats.
//
// Each replica reads the counters it uses from Redis every
// generation_refresh and when it first uses one; a purge on one replica
// reaches the others within that interval. Without Redis they are local.
// The counters are bounded by the configured tenants and models.
type gens struct {
	rdb     redis.UniversalClient
	timeout time.Duration

	mu   sync.RWMutex
	vals map[genID]uint64
}

type genKind uint8

const (
	genAll genKind = iota
	genTenant
	genModel
	genPair
)

type genID struct {
	kind         genKind
	scope, model string
}

func (g genID) redisKey() string {
	switch g.kind {
	case genTenant:
		return "tg:cache:gen:t:" + g.scope
	case genModel:
		return "tg:cache:gen:m:" + g.model
	case genPair: // length-prefixed: a tenant name may hold ':'
		return "tg:cache:gen:tm:" + strconv.Itoa(len(g.scope)) + ":" + g.scope + ":" + g.model
	}
	return "tg:cache:gen:all"
}

func newGens(rdb redis.UniversalClient, timeout time.Duration) *gens {
	return &gens{rdb: rdb, timeout: timeout, vals: map[genID]uint64{{kind: genAll}: 0}}
}

// of is the generation of (scope, model). No allocation once the counters
// are known; the first use reads them from Redis.
func (g *gens) of(scope, model string) uint64 {
	ids := [...]genID{{kind: genAll}, {genTenant, scope, ""}, {genModel, "", model}, {genPair, scope, model}}
	var sum uint64
	g.mu.RLock()
	for i, id := range ids {
		v, ok := g.vals[id]
		if !ok {
			g.mu.RUnlock()
			return g.learn(ids[i:], sum)
		}
		sum += v
	}
	g.mu.RUnlock()
	return sum
}

// learn adds counters seen for the first time, reading them from Redis.
func (g *gens) learn(seen []genID, sum uint64) uint64 {
	ids := append([]genID(nil), seen...) // the caller's array stays on its stack
	vals := make([]uint64, len(ids))
	if g.rdb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
		cmds := make([]*redis.StringCmd, len(ids))
		_, _ = g.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = p.Get(ctx, id.redisKey())
			}
			return nil
		})
		cancel()
		for i, c := range cmds {
			vals[i], _ = c.Uint64()
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, id := range ids {
		if v, ok := g.vals[id]; ok {
			vals[i] = v
		} else {
			g.vals[id] = vals[i]
		}
		sum += vals[i]
	}
	return sum
}

// bump is a purge: it increments the counter for (scope, model), either
// "" meaning every one, and returns the error Redis gave (the local
// counter moves regardless, so this replica forgets at once).
func (g *gens) bump(ctx context.Context, scope, model string) error {
	id := genID{kind: genAll}
	switch {
	case scope != "" && model != "":
		id = genID{genPair, scope, model}
	case scope != "":
		id = genID{kind: genTenant, scope: scope}
	case model != "":
		id = genID{kind: genModel, model: model}
	}
	var err error
	var v uint64
	if g.rdb != nil {
		var n int64
		n, err = g.rdb.Incr(ctx, id.redisKey()).Result()
		v = uint64(max(n, 0))
	}
	g.mu.Lock()
	if cur := g.vals[id]; err != nil || g.rdb == nil || v <= cur {
		v = cur + 1
	}
	g.vals[id] = v
	g.mu.Unlock()
	return err
}

// refresh re-reads every known counter from Redis (one pipeline).
func (g *gens) refresh(ctx context.Context) error {
	if g.rdb == nil {
		return nil
	}
	g.mu.RLock()
	ids := make([]genID, 0, len(g.vals))
	for id := range g.vals {
		ids = append(ids, id)
	}
	g.mu.RUnlock()
	cmds := make([]*redis.StringCmd, len(ids))
	_, err := g.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, id.redisKey())
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return err
	}
	g.mu.Lock()
	for i, c := range cmds {
		// Never backwards: a counter that went down (Redis flushed) would
		// bring purged answers back from memory.
		if v, err := c.Uint64(); err == nil && v > g.vals[ids[i]] {
			g.vals[ids[i]] = v
		}
	}
	g.mu.Unlock()
	return nil
}
