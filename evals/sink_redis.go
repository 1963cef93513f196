package evals

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisSink appends records to a Redis stream (XADD, trimmed with MAXLEN
// ~ maxLen): field "r" holds the JSON record.
type RedisSink struct {
	rdb     redis.UniversalClient
	stream  string
	maxLen  int64
	timeout time.Duration
}

// NewRedisSink writes to stream on rdb (not closed by Close: the app
// owns it).
func NewRedisSink(rdb redis.UniversalClient, stream string, maxLen int64) *RedisSink {
	return &RedisSink{rdb: rdb, stream: stream, maxLen: maxLen, timeout: 2 * time.Second}
}

// Write sends the batch in one pipeline.
func (r *RedisSink) Write(lines [][]byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	p := r.rdb.Pipeline()
	for _, l := range lines {
		p.XAdd(ctx, &redis.XAddArgs{Stream: r.stream, MaxLen: r.maxLen, Approx: true, Values: []any{"r", l}})
	}
	_, err := p.Exec(ctx)
	return err
}

// Close does nothing: the Redis client is shared.
func (r *RedisSink) Close() error { return nil }
