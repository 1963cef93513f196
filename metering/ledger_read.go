package metering

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReadLedger calls fn for each ledger record of src with a time in
// [from, to) (a zero bound is open), for offline joins (feedback by
// tenant and request id). src is the ledger's directory or its
// ledger.jsonl file, or redis://[user:pass@]host:port/db: the per-day
// record streams tg:ledger:{day}:records of the days in [from, to)
// (both bounds are required for Redis). Bad lines are skipped and counted
// in bad.
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
	path := src
	if st, serr := os.Stat(src); serr == nil && st.IsDir() {
		path = filepath.Join(src, ledgerFileName)
	}
	return readRecordFile(path, slog.New(slog.NewTextHandler(io.Discard, nil)), each)
}

func readLedgerRedis(src string, from, to time.Time, fn func(*Record) error) (good, bad int, err error) {
	if from.IsZero() || to.IsZero() {
		return 0, 0, fmt.Errorf("ledger in redis: a time range is required (the records are kept per day)")
	}
	opt, err := redis.ParseURL(src)
	if err != nil {
		return 0, 0, fmt.Errorf("ledger in redis: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	for day := from.UTC().Truncate(24 * time.Hour); day.Before(to); day = day.Add(24 * time.Hour) {
		_, _, stream := dayKeys(day.Format(time.DateOnly))
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
