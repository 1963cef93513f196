package metering

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisLedgerKeys lists the names of the Redis ledger's keys for the UTC days of [from, to) with
// shards shards per day (0 = the default 16): per day and shard the aggregate hash, the record
// stream and the 24 hourly id sets. Keys that were never written are listed too (a load report
// checks which exist and on which Cluster master they live).
func RedisLedgerKeys(from, to time.Time, shards int) []string {
	lay := redisLayout{Shards: shards}
	lay.defaults()
	var out []string
	for day := from.UTC().Truncate(24 * time.Hour); day.Before(to); day = day.Add(24 * time.Hour) {
		d := day.Format(time.DateOnly)
		for sh := range lay.Shards {
			_, agg, stream := shardKeys(d, sh, 0)
			out = append(out, agg, stream)
			for h := range 24 {
				ids, _, _ := shardKeys(d, sh, h)
				out = append(out, ids)
			}
		}
	}
	return out
}

// RedisLedgerCount is what the Redis ledger holds for a time range (Streamed and IDs: the sharded layout
// only; Records includes days of the unsharded layout too).
type RedisLedgerCount struct {
	// Records is the number of requests in the aggregates of the whole hours of the range: each
	// record counts once however often it was written or replayed.
	Records int64
	// Streamed is the number of entries in the record streams of the range's days (whole days; what
	// trimming left), IDs the number of request ids in the id sets of the range's hours (while their
	// retention keeps them). Streamed = IDs = Records, when nothing was trimmed or expired, shows that
	// no record was written twice.
	Streamed int64
	IDs      int64
}

// CountRedisLedger counts the Redis ledger's records of [from, to) (hours rounded outwards) with
// shards shards per day (0 = the default 16). For load tests: records sent vs recorded.
func CountRedisLedger(ctx context.Context, rdb redis.UniversalClient, from, to time.Time, shards int) (RedisLedgerCount, error) {
	var c RedisLedgerCount
	s := newRedisStore(LedgerOptions{Redis: rdb, Shards: shards})
	q := UsageQuery{From: from, To: to}
	if err := q.normalize(); err != nil {
		return c, err
	}
	rows, err := s.query(ctx, q)
	if err != nil {
		return c, err
	}
	for _, r := range rows {
		c.Records += r.Requests
	}
	pipe := rdb.Pipeline()
	var lens, cards []*redis.IntCmd
	for day := q.From.Truncate(24 * time.Hour); day.Before(q.To); day = day.Add(24 * time.Hour) {
		for sh := range s.lay.Shards {
			_, _, stream := shardKeys(day.Format(time.DateOnly), sh, 0)
			lens = append(lens, pipe.XLen(ctx, stream))
		}
	}
	for h := q.From; h.Before(q.To); h = h.Add(time.Hour) {
		for sh := range s.lay.Shards {
			ids, _, _ := shardKeys(h.Format(time.DateOnly), sh, h.Hour())
			cards = append(cards, pipe.SCard(ctx, ids))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return c, fmt.Errorf("count ledger in redis: %w", err)
	}
	for _, l := range lens {
		c.Streamed += l.Val()
	}
	for _, n := range cards {
		c.IDs += n.Val()
	}
	return c, nil
}
