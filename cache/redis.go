package cache

import (
	"context"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// shared is L2: encoded, compressed entries on Redis under
// tg:cache:e:<hex key>, written with SET … EX by a background writer so no
// request waits on a store. Keys are single: no hash tags, so they spread
// over a cluster's slots. A lookup waits at most timeout; after a failure
// Redis is skipped for downPause (L1 only), so a down Redis costs one
// timeout per pause, never a failed request.
type shared struct {
	rdb     redis.UniversalClient
	timeout time.Duration
	writes  chan write
	done    chan struct{}
	wg      sync.WaitGroup

	downUntil atomic.Int64 // unix nanos: skip Redis until then
}

type write struct {
	key string
	val []byte
	ttl time.Duration
}

// downPause is how long a failed Redis is left alone.
const downPause = time.Second

// writeQueue bounds the stores waiting for Redis; more are dropped (counted).
const writeQueue = 1024

func newShared(rdb redis.UniversalClient, timeout time.Duration) *shared {
	s := &shared{rdb: rdb, timeout: timeout, writes: make(chan write, writeQueue), done: make(chan struct{})}
	s.wg.Add(1)
	go s.writer()
	return s
}

func redisKey(k Key) string {
	var b [11 + 64]byte
	copy(b[:], "tg:cache:e:")
	hex.Encode(b[11:], k[:])
	return string(b[:])
}

func (s *shared) available() bool { return time.Now().UnixNano() >= s.downUntil.Load() }

func (s *shared) failed() { s.downUntil.Store(time.Now().Add(downPause).UnixNano()) }

// get looks k up: nil when absent, unreachable or corrupt (a corrupt value
// is deleted and counted).
func (s *shared) get(k Key) *Entry {
	if !s.available() {
		l2Skipped.Inc()
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	key := redisKey(k)
	b, err := s.rdb.Get(ctx, key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil
	case err != nil:
		l2Errors.Inc()
		s.failed()
		return nil
	}
	e, err := DecodeEntry(b)
	if err != nil {
		corruptEntries.Inc()
		s.enqueue(write{key: key}) // deleted by the writer
		return nil
	}
	return e
}

func (s *shared) set(k Key, e *Entry, ttl time.Duration) {
	s.enqueue(write{key: redisKey(k), val: e.Encode(nil), ttl: ttl})
}

func (s *shared) enqueue(w write) {
	select {
	case s.writes <- w:
	default:
		l2Dropped.Inc()
	}
}

func (s *shared) writer() {
	defer s.wg.Done()
	for {
		select {
		case w := <-s.writes:
			s.do(w)
		case <-s.done:
			return
		}
	}
}

func (s *shared) do(w write) {
	if !s.available() {
		l2Dropped.Inc()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*s.timeout+100*time.Millisecond)
	defer cancel()
	var err error
	if w.val == nil {
		err = s.rdb.Del(ctx, w.key).Err()
	} else {
		err = s.rdb.Set(ctx, w.key, w.val, w.ttl).Err()
	}
	if err != nil {
		l2Errors.Inc()
		s.failed()
	}
}

func (s *shared) close() {
	close(s.done)
	s.wg.Wait()
}
