package metering

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReadLedger calls fn for each ledger record of src with a time in
// [from, to) (a zero bound is open), for offline joins (feedback by
// tenant and request id). src is the ledger's directory (its day files
// ledger-YYYY-MM-DD[.N].jsonl, the legacy ledger.jsonl and the Redis
// archive's day files under archive/), one JSON-lines file, or
// redis://[user:pass@]host:port/db[?shards=N]: the record streams of every
// shard of the days in [from, to) (both bounds are required for Redis;
// the streams hold only what their retention keeps). Bad lines are skipped
// and counted in bad.
func ReadLedger(src string, from, to time.Time, fn func(*Record) error) (good, bad int, err error) {
	in := func(r *Record) bool {
		return (from.IsZero() || !r.Time.Before(from)) && (to.IsZero() || r.Time.Before(to))
	}
	each := func(r *Record) error {
		if !in(r) {
			return nil
		}
		return fn(r)
	}
	if strings.HasPrefix(src, "redis://") || strings.HasPrefix(src, "rediss://") {
		return readLedgerRedis(src, from, to, each)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, serr := os.Stat(src)
	if serr != nil || !st.IsDir() {
		return readRecordFile(src, quiet, each)
	}
	for _, dir := range []string{src, filepath.Join(src, archiveDir)} {
		names, err := listDayFiles(dir)
		if err != nil {
			return good, bad, err
		}
		if dir == src {
			if _, err := os.Stat(filepath.Join(dir, legacyLedgerFile)); err == nil {
				names = append([]string{legacyLedgerFile}, names...)
			}
		}
		for _, n := range names {
			if day, _, ok := parseDayFileName(n); ok && !dayInRange(day, from, to) {
				continue
			}
			g, b, err := readRecordFile(filepath.Join(dir, n), quiet, each)
			good, bad = good+g, bad+b
			if err != nil {
				return good, bad, err
			}
		}
	}
	return good, bad, nil
}

// dayInRange reports whether the UTC day may hold records of [from, to) (zero bounds are open).
func dayInRange(day string, from, to time.Time) bool {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return true
	}
	return (from.IsZero() || d.Add(24*time.Hour).After(from)) && (to.IsZero() || d.Before(to))
}

func readLedgerRedis(src string, from, to time.Time, fn func(*Record) error) (good, bad int, err error) {
	if from.IsZero() || to.IsZero() {
		return 0, 0, fmt.Errorf("ledger in redis: a time range is required (the records are kept per day)")
	}
	shards := defaultLedgerShards
	if u, perr := url.Parse(src); perr == nil && u.Query().Has("shards") {
		if shards, err = strconv.Atoi(u.Query().Get("shards")); err != nil || shards <= 0 || shards > maxLedgerShards {
			return 0, 0, fmt.Errorf("ledger in redis: shards must be in [1, %d]", maxLedgerShards)
		}
		q := u.Query()
		q.Del("shards")
		u.RawQuery = q.Encode()
		src = u.String()
	}
	opt, err := redis.ParseURL(src)
	if err != nil {
		return 0, 0, fmt.Errorf("ledger in redis: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	var streams []string
	for day := from.UTC().Truncate(24 * time.Hour); day.Before(to); day = day.Add(24 * time.Hour) {
		for sh := range shards {
			_, _, s := shardKeys(day.Format(time.DateOnly), sh, 0)
			streams = append(streams, s)
		}
		streams = append(streams, legacyDayPrefix(day.Format(time.DateOnly))+"records")
	}
	for _, stream := range streams {
		start := "-"
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			msgs, err := rdb.XRangeN(ctx, stream, start, "+", 1000).Result()
			cancel()
			if err != nil {
				return good, bad, fmt.Errorf("ledger in redis: read %s: %w", stream, err)
			}
			for _, m := range msgs {
				v, _ := m.Values["r"].(string)
				r, perr := parseRecordLine([]byte(v))
				if perr != nil {
					bad++
					continue
				}
				good++
				if err := fn(r); err != nil {
					return good, bad, err
				}
			}
			if len(msgs) < 1000 {
				break
			}
			start = "(" + msgs[len(msgs)-1].ID
		}
	}
	return good, bad, nil
}
