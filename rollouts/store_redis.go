package rollouts

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisStore shares rollouts between replicas. Keys (one rollout's share a
// hash slot through the {model} tag):
//
//	tg:rollout:{M}:state          hash v=version, s=record JSON
//	tg:rollout:{M}:decisions      list of Decision JSON, newest first, bounded
//	tg:rollout:{M}:analysis       the last Analysis JSON
//	tg:rollout:{M}:agg:K          hash replica → interval K's aggregates JSON (expires)
//	tg:rollout:{M}:baseline       stable's aggregate before the step to 100 %
//	tg:rollout:{M}:lock:K         SET NX PX: the replica judging interval K
//	tg:rollout:{M}:shadow:DAY     shadow spend of a UTC day, USD micros (expires)
type redisStore struct {
	rdb redis.UniversalClient
}

func rkey(model, suffix string) string { return "tg:rollout:{" + model + "}:" + suffix }

// commitScript writes a record if the stored version is the expected one,
// with its decision and analysis, atomically.
var commitScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], 'v')
if (v or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
if ARGV[4] ~= '' then
  redis.call('LPUSH', KEYS[2], ARGV[4])
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[6]) - 1)
end
if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5]) end
return 1
`)

func (s *redisStore) load(ctx context.Context, model string) (shared, bool, error) {
	pipe := s.rdb.Pipeline()
	st := pipe.HGet(ctx, rkey(model, "state"), "s")
	ds := pipe.LRange(ctx, rkey(model, "decisions"), 0, maxDecisions-1)
	an := pipe.Get(ctx, rkey(model, "analysis"))
	_, err := pipe.Exec(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		return shared{}, false, err
	}
	var out shared
	b, err := st.Bytes()
	if errors.Is(err, redis.Nil) {
		return out, false, nil
	}
	if err := json.Unmarshal(b, &out.rec); err != nil {
		return out, false, err
	}
	for _, d := range ds.Val() {
		var x Decision
		if json.Unmarshal([]byte(d), &x) == nil {
			out.decisions = append(out.decisions, x)
		}
	}
	if b, err := an.Bytes(); err == nil {
		a := new(Analysis)
		if json.Unmarshal(b, a) == nil {
			out.last = a
		}
	}
	return out, true, nil
}

func (s *redisStore) commit(ctx context.Context, model string, oldVersion int64, rec record, d *Decision, a *Analysis) (bool, error) {
	rb, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	var db, ab []byte
	if d != nil {
		if db, err = json.Marshal(d); err != nil {
			return false, err
		}
	}
	if a != nil {
		if ab, err = json.Marshal(a); err != nil {
			return false, err
		}
	}
	keys := []string{rkey(model, "state"), rkey(model, "decisions"), rkey(model, "analysis")}
	n, err := commitScript.Run(ctx, s.rdb, keys, strconv.FormatInt(oldVersion, 10), strconv.FormatInt(rec.Version, 10),
		rb, db, ab, maxDecisions).Int()
	return n == 1, err
}

func (s *redisStore) putAggregate(ctx context.Context, model string, interval int64, replica string, p *variantPair, ttl time.Duration) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	k := rkey(model, "agg:"+strconv.FormatInt(interval, 10))
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, k, replica, b)
	pipe.PExpire(ctx, k, ttl)
	_, err = pipe.Exec(ctx)
	return err
}

func (s *redisStore) aggregates(ctx context.Context, model string, from, to int64) ([]*variantPair, error) {
	pipe := s.rdb.Pipeline()
	var cmds []*redis.MapStringStringCmd
	for k := from; k <= to; k++ {
		cmds = append(cmds, pipe.HGetAll(ctx, rkey(model, "agg:"+strconv.FormatInt(k, 10))))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	var out []*variantPair
	for _, c := range cmds {
		for _, v := range c.Val() {
			p := new(variantPair)
			if err := json.Unmarshal([]byte(v), p); err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *redisStore) putBaseline(ctx context.Context, model string, a *aggregate) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return s.rdb.Set(ctx, rkey(model, "baseline"), b, 0).Err()
}

func (s *redisStore) baseline(ctx context.Context, model string) (*aggregate, error) {
	b, err := s.rdb.Get(ctx, rkey(model, "baseline")).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a := new(aggregate)
	return a, json.Unmarshal(b, a)
}

func (s *redisStore) lock(ctx context.Context, model string, interval int64, replica string, ttl time.Duration) (bool, error) {
	return s.rdb.SetNX(ctx, rkey(model, "lock:"+strconv.FormatInt(interval, 10)), replica, ttl).Result()
}

func (s *redisStore) addSpend(ctx context.Context, model, day string, micros int64) (int64, error) {
	k := rkey(model, "shadow:"+day)
	pipe := s.rdb.TxPipeline()
	n := pipe.IncrBy(ctx, k, micros)
	pipe.Expire(ctx, k, 48*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return n.Val(), nil
}
