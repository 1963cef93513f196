package evals

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisSink appends records to a Redis stream (XADD, trimmed with MAXLEN
// ~ maxLen): field "r" holds the JSON record. Sharded, it writes each batch
// to the next of several streams (ShardStreams), so that on a Redis Cluster
// the samples spread over the masters instead of loading the one that holds
// a single stream.
type RedisSink struct {
	rdb     redis.UniversalClient
	streams []string
	maxLen  int64 // per stream
	next    atomic.Uint64
	timeout time.Duration
}

// NewRedisSink writes to stream on rdb (not closed by Close: the app
// owns it).
func NewRedisSink(rdb redis.UniversalClient, stream string, maxLen int64) *RedisSink {
	return NewShardedRedisSink(rdb, stream, maxLen, 1)
}

// NewShardedRedisSink writes to the shards streams of ShardStreams, keeping
// about maxLen records in all of them together.
func NewShardedRedisSink(rdb redis.UniversalClient, stream string, maxLen int64, shards int) *RedisSink {
	ss := ShardStreams(stream, shards)
	per := (maxLen + int64(len(ss)) - 1) / int64(len(ss))
	return &RedisSink{rdb: rdb, streams: ss, maxLen: max(per, 1), timeout: 2 * time.Second}
}

// ShardStreams names the streams of a sink with shards shards: stream itself
// for one, else stream:{s00} … with a hash tag each, so each shard has its
// own Cluster slot.
func ShardStreams(stream string, shards int) []string {
	if shards <= 1 {
		return []string{stream}
	}
	out := make([]string, shards)
	for i := range out {
		out[i] = fmt.Sprintf("%s:{s%02d}", stream, i)
	}
	return out
}

// Write sends the batch in one pipeline, to one stream (one node).
func (r *RedisSink) Write(lines [][]byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	stream := r.streams[(r.next.Add(1)-1)%uint64(len(r.streams))]
	p := r.rdb.Pipeline()
	for _, l := range lines {
		p.XAdd(ctx, &redis.XAddArgs{Stream: stream, MaxLen: r.maxLen, Approx: true, Values: []any{"r", l}})
	}
	_, err := p.Exec(ctx)
	return err
}

// Close does nothing: the Redis client is shared.
func (r *RedisSink) Close() error { return nil }
