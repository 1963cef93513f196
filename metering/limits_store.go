package metering

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// limitStore applies plans atomically. reserve returns the counters' new values, or the index of the
// first counter that would pass its limit and its current value.
type limitStore interface {
	reserve(ctx context.Context, p plan) (values []int64, denied int, current int64, err error)
	adjust(ctx context.Context, keys []string, deltas []int64) error
	get(ctx context.Context, keys []string) ([]int64, error)
}

// memStore is the embedded store: one mutex over a map, with expiry swept lazily.
type memStore struct {
	mu        sync.Mutex
	m         map[string]*memCounter
	lastSweep time.Time
	now       func() time.Time
}

type memCounter struct {
	v   int64
	exp time.Time // zero: never
}

const memSweepEvery = 30 * time.Second

func newMemStore(now func() time.Time) *memStore {
	return &memStore{m: map[string]*memCounter{}, now: now}
}

func (s *memStore) live(key string, now time.Time) *memCounter {
	c := s.m[key]
	if c != nil && !c.exp.IsZero() && !now.Before(c.exp) {
		delete(s.m, key)
		return nil
	}
	return c
}

func (s *memStore) sweep(now time.Time) {
	if now.Sub(s.lastSweep) < memSweepEvery {
		return
	}
	s.lastSweep = now
	for k, c := range s.m {
		if !c.exp.IsZero() && !now.Before(c.exp) {
			delete(s.m, k)
		}
	}
}

func (s *memStore) reserve(_ context.Context, p plan) ([]int64, int, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(p.now)
	for i, c := range p.counters {
		var cur int64
		if mc := s.live(c.key, p.now); mc != nil {
			cur = mc.v
		}
		if c.limit > 0 && cur+c.inc > c.limit {
			return nil, i, cur, nil
		}
	}
	vals := make([]int64, len(p.counters))
	for i, c := range p.counters {
		mc := s.live(c.key, p.now)
		if mc == nil {
			mc = &memCounter{}
			s.m[c.key] = mc
		}
		mc.v += c.inc
		if c.ttl > 0 {
			mc.exp = p.now.Add(c.ttl)
		}
		vals[i] = mc.v
	}
	return vals, -1, 0, nil
}

func (s *memStore) adjust(_ context.Context, keys []string, deltas []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for i, k := range keys {
		if mc := s.live(k, now); mc != nil { // an expired window is not recreated
			mc.v += deltas[i]
		}
	}
	return nil
}

func (s *memStore) get(_ context.Context, keys []string) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]int64, len(keys))
	for i, k := range keys {
		if mc := s.live(k, now); mc != nil {
			out[i] = mc.v
		}
	}
	return out, nil
}

// redisStore runs the same check-then-add as memStore in one Lua script: one round trip, atomic across
// replicas. All keys of a plan carry the tenant's hash tag, so they share a Cluster slot.
type redisLimitStore struct {
	rdb redis.UniversalClient
}

// ARGV per key: limit, inc, ttl_ms. Returns the new values, or {-i, current} for the first key over limit.
var reserveScript = redis.NewScript(`
local n = #KEYS
local cur = redis.call('MGET', unpack(KEYS))
for i = 1, n do
  local limit = tonumber(ARGV[3*i-2])
  local c = tonumber(cur[i] or '0')
  if limit > 0 and c + tonumber(ARGV[3*i-1]) > limit then return {-i, c} end
end
local out = {}
for i = 1, n do
  out[i] = redis.call('INCRBY', KEYS[i], ARGV[3*i-1])
  local ttl = tonumber(ARGV[3*i])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return out
`)

// adjustScript adds deltas to counters that still exist (an expired window is not recreated without TTL).
var adjustScript = redis.NewScript(`
for i = 1, #KEYS do
  local d = tonumber(ARGV[i])
  if d ~= 0 and redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], d) end
end
return 1
`)

func (s *redisLimitStore) reserve(ctx context.Context, p plan) ([]int64, int, int64, error) {
	keys := make([]string, len(p.counters))
	args := make([]any, 0, 3*len(p.counters))
	for i, c := range p.counters {
		keys[i] = c.key
		args = append(args, c.limit, c.inc, c.ttl.Milliseconds())
	}
	res, err := reserveScript.Run(ctx, s.rdb, keys, args...).Int64Slice()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("limits script: %w", err)
	}
	if len(res) == 2 && res[0] < 0 {
		return nil, int(-res[0]) - 1, res[1], nil
	}
	if len(res) != len(keys) {
		return nil, 0, 0, fmt.Errorf("limits script returned %d values for %d keys", len(res), len(keys))
	}
	return res, -1, 0, nil
}

func (s *redisLimitStore) adjust(ctx context.Context, keys []string, deltas []int64) error {
	args := make([]any, len(deltas))
	for i, d := range deltas {
		args[i] = d
	}
	if err := adjustScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("limits adjust script: %w", err)
	}
	return nil
}

func (s *redisLimitStore) get(ctx context.Context, keys []string) ([]int64, error) {
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("read spend: %w", err)
	}
	out := make([]int64, len(keys))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[i], _ = strconv.ParseInt(str, 10, 64)
		}
	}
	return out, nil
}
