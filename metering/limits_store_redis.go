package metering

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisLimitStore runs memStore's check-then-add in one Lua script: one round trip, atomic across
// replicas. All keys of a plan carry the tenant's hash tag, so they share a Cluster slot.
type redisLimitStore struct {
	rdb    redis.UniversalClient
	prefix string // this replica's random prefix of rate-log entry names
	seq    atomic.Int64
}

func newRedisLimitStore(rdb redis.UniversalClient) *redisLimitStore {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &redisLimitStore{rdb: rdb, prefix: hex.EncodeToString(b[:]) + "."}
}

// Counter types in the scripts' arguments.
const (
	typBudget = 0
	typRPM    = 1
	typTPM    = 2
)

func counterType(c *counter) int {
	switch c.kind {
	case KindRequests:
		return typRPM
	case KindTokens:
		return typTPM
	}
	return typBudget
}

// reserveScript: KEYS = marker, then per counter its key (TPM: log and sum). ARGV = now ms, window ms,
// entry name, then per counter: type, limit, inc, ttl ms. Returns per counter its use after the request
// and, for the rate counters the headers show, ms until its oldest entry leaves the window (others 0);
// or {-i, use, wait ms} for the denying counter.
// The marker makes a retry after a lost reply idempotent: if it exists the request was already counted
// and the script only reads.
var reserveScript = redis.NewScript(`
local now, win, name = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local cut = now - win
local n = (#ARGV - 3) / 4
local again = redis.call('EXISTS', KEYS[1]) == 1
local used, keys, sums = {}, {}, {}
local ki = 2
local function weight(m) return tonumber(string.match(m, ':(%d+)$')) end
for i = 1, n do
  local typ, limit, inc = tonumber(ARGV[4*i]), tonumber(ARGV[4*i+1]), tonumber(ARGV[4*i+2])
  local k = KEYS[ki]; ki = ki + 1; keys[i] = k
  local cur
  if typ == 0 then
    cur = tonumber(redis.call('GET', k) or '0')
  elseif typ == 1 then
    redis.call('ZREMRANGEBYSCORE', k, '-inf', cut)
    cur = redis.call('ZCARD', k)
  else
    local s = KEYS[ki]; ki = ki + 1; sums[i] = s
    local gone = redis.call('ZRANGEBYSCORE', k, '-inf', cut)
    if #gone > 0 then
      local w = 0
      for _, m in ipairs(gone) do w = w + weight(m) end
      redis.call('ZREMRANGEBYSCORE', k, '-inf', cut)
      redis.call('DECRBY', s, w)
    end
    cur = tonumber(redis.call('GET', s) or '0')
  end
  used[i] = cur
  if not again and limit > 0 and cur + inc > limit then
    local wait, need = win, cur + inc - limit
    if typ == 1 then
      local e = redis.call('ZRANGE', k, need - 1, need - 1, 'WITHSCORES')
      if #e == 2 then wait = tonumber(e[2]) + win - now end
    elseif typ == 2 then
      local es, acc = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES'), 0
      for j = 1, #es, 2 do
        acc = acc + weight(es[j])
        if acc >= need then wait = tonumber(es[j+1]) + win - now; break end
      end
    end
    return {-i, cur, wait}
  end
end
local out, tight, least = {}, {}, {}
for i = 1, n do
  local typ, limit, inc, ttl = tonumber(ARGV[4*i]), tonumber(ARGV[4*i+1]), tonumber(ARGV[4*i+2]), tonumber(ARGV[4*i+3])
  local k, v = keys[i], used[i]
  out[n + i] = 0
  if typ == 0 then
    if not again then
      v = redis.call('INCRBY', k, inc)
      if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
    end
  else
    if not again then
      redis.call('ZADD', k, now, name .. ':' .. inc)
      redis.call('PEXPIRE', k, win + 1000)
      if typ == 2 then
        v = redis.call('INCRBY', sums[i], inc)
        redis.call('PEXPIRE', sums[i], win + 1000)
      else
        v = v + 1
      end
    end
    -- the headers show the scope with the least left per kind (first on ties, as RateHeaders.observe)
    if least[typ] == nil or limit - v < least[typ] then least[typ], tight[typ] = limit - v, i end
  end
  out[i] = v
end
for _, i in pairs(tight) do -- reset: until the oldest entry of that log leaves the window
  local o = redis.call('ZRANGE', keys[i], 0, 0, 'WITHSCORES')
  if #o == 2 then out[n + i] = tonumber(o[2]) + win - now end
end
if not again then redis.call('SET', KEYS[1], '1', 'PX', win) end
return out
`)

// adjustScript: KEYS per item: a budget counter, or a TPM log and its sum. ARGV = entry name, then per
// item: type, a, b (budget: delta; TPM: the entry's weight from a to b). A budget counter that expired
// is not recreated; an entry that left the window is not re-weighed.
var adjustScript = redis.NewScript(`
local name, ki = ARGV[1], 1
for i = 1, (#ARGV - 1) / 3 do
  local typ, a, b = tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i]), tonumber(ARGV[3*i+1])
  local k = KEYS[ki]; ki = ki + 1
  if typ == 0 then
    if a ~= 0 and redis.call('EXISTS', k) == 1 then redis.call('INCRBY', k, a) end
  else
    local s = KEYS[ki]; ki = ki + 1
    local m = name .. ':' .. a
    local at = redis.call('ZSCORE', k, m)
    if at and a ~= b then
      redis.call('ZREM', k, m)
      redis.call('ZADD', k, at, name .. ':' .. b)
      redis.call('INCRBY', s, b - a)
    end
  end
end
return 1
`)

// leaseScript moves budget leases: KEYS per move: the budget counter and its leased sum (key..":l", so
// Spend can leave leases out). ARGV per move: limit, delta, ttl ms, leased delta. A positive delta is
// granted as far as the limit allows (and added to the leased sum); a negative one is given back, and
// the leased sum moves by the leased delta (what was drawn from the lease becomes plain spend). A
// period that expired is not recreated. Returns per move the amount moved and the counter after.
var leaseScript = redis.NewScript(`
local out = {}
for i = 1, #KEYS / 2 do
  local limit, d, ttl, ld = tonumber(ARGV[4*i-3]), tonumber(ARGV[4*i-2]), tonumber(ARGV[4*i-1]), tonumber(ARGV[4*i])
  local k, kl = KEYS[2*i-1], KEYS[2*i]
  local v = tonumber(redis.call('GET', k) or '0')
  local g = 0
  if d > 0 then
    g = math.max(math.min(d, limit - v), 0)
    ld = g
  elseif redis.call('EXISTS', k) == 0 then
    ld = 0
  else
    g = d
  end
  if g ~= 0 then v = redis.call('INCRBY', k, g) end
  if ld ~= 0 then redis.call('INCRBY', kl, ld) end
  if ttl > 0 and g > 0 then
    if redis.call('PTTL', k) < 0 then redis.call('PEXPIRE', k, ttl) end
    if redis.call('PTTL', kl) < 0 then redis.call('PEXPIRE', kl, ttl) end
  end
  out[2*i-1] = g
  out[2*i] = v
end
return out
`)

func (s *redisLimitStore) entryName(id int64) string {
	return s.prefix + strconv.FormatInt(id, 36)
}

func (s *redisLimitStore) reserve(ctx context.Context, p *plan) (reserveResult, error) {
	if p.id == 0 { // a retry keeps the first attempt's id, so the marker makes it idempotent
		p.id = s.seq.Add(1)
	}
	name := s.entryName(p.id)
	keys := make([]string, 1, 1+2*len(p.counters))
	keys[0] = p.marker + name
	args := make([]any, 3, 3+4*len(p.counters))
	args[0], args[1], args[2] = p.now.UnixMilli(), windowMillis(), name
	for i := range p.counters {
		c := &p.counters[i]
		keys = append(keys, c.key)
		if c.sumKey != "" {
			keys = append(keys, c.sumKey)
		}
		args = append(args, counterType(c), c.limit, c.inc, c.ttl.Milliseconds())
	}
	res, err := reserveScript.Run(ctx, s.rdb, keys, args...).Int64Slice()
	if err != nil {
		return reserveResult{}, fmt.Errorf("limits script: %w", err)
	}
	n := len(p.counters)
	if len(res) == 3 && res[0] < 0 {
		return reserveResult{denied: int(-res[0]) - 1, current: res[1], wait: time.Duration(res[2]) * time.Millisecond}, nil
	}
	if len(res) != 2*n {
		return reserveResult{}, fmt.Errorf("limits script returned %d values for %d counters", len(res), n)
	}
	r := reserveResult{denied: -1}
	copy(r.values[:], res[:n])
	for i, ms := range res[n:] {
		r.resets[i] = time.Duration(ms) * time.Millisecond
	}
	return r, nil
}

func (s *redisLimitStore) adjust(ctx context.Context, st settlement) error {
	keys := make([]string, 0, 2*len(st.items))
	args := make([]any, 1, 1+3*len(st.items))
	args[0] = s.entryName(st.id)
	for _, it := range st.items {
		keys = append(keys, it.key)
		if it.tokens {
			keys = append(keys, it.sumKey)
			args = append(args, typTPM, it.from, it.to)
		} else {
			args = append(args, typBudget, it.delta, 0)
		}
	}
	if err := adjustScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("limits adjust script: %w", err)
	}
	return nil
}

// get reads budget counters without the leases replicas hold on them (settled spend plus in-flight
// reservations).
func (s *redisLimitStore) get(ctx context.Context, keys []string) ([]int64, error) {
	all := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		all = append(all, k, leasedKey(k))
	}
	vals, err := s.rdb.MGet(ctx, all...).Result()
	if err != nil {
		return nil, fmt.Errorf("read spend: %w", err)
	}
	num := func(v any) int64 {
		str, _ := v.(string)
		n, _ := strconv.ParseInt(str, 10, 64)
		return n
	}
	out := make([]int64, len(keys))
	for i := range keys {
		out[i] = num(vals[2*i]) - num(vals[2*i+1])
	}
	return out, nil
}

// leaseMove is one budget lease change for leaseScript.
type leaseMove struct {
	key          string
	limit, delta int64 // delta > 0: grant up to it; < 0: give back
	leased       int64 // give-backs: how much the leased sum drops (what was left + what was drawn)
	ttl          time.Duration
}

func leasedKey(key string) string { return key + ":l" }

// moveLeases grants (delta > 0) or returns (delta < 0) leases; all keys must share one tenant. It
// returns the amounts moved and the counters after.
func (s *redisLimitStore) moveLeases(ctx context.Context, moves []leaseMove) (moved, values []int64, err error) {
	keys := make([]string, 0, 2*len(moves))
	args := make([]any, 0, 4*len(moves))
	for _, m := range moves {
		keys = append(keys, m.key, leasedKey(m.key))
		args = append(args, m.limit, m.delta, m.ttl.Milliseconds(), m.leased)
	}
	res, err := leaseScript.Run(ctx, s.rdb, keys, args...).Int64Slice()
	if err != nil {
		return nil, nil, fmt.Errorf("limits lease script: %w", err)
	}
	if len(res) != 2*len(moves) {
		return nil, nil, fmt.Errorf("limits lease script returned %d values for %d keys", len(res), len(moves))
	}
	moved, values = make([]int64, len(moves)), make([]int64, len(moves))
	for i := range moves {
		moved[i], values[i] = res[2*i], res[2*i+1]
	}
	return moved, values, nil
}
