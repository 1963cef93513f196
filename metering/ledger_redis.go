package metering

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisStore keeps records and hourly aggregates in Redis, per UTC day, all keys of a day sharing the
// hash tag {YYYY-MM-DD} so the script runs on Redis Cluster:
//
//	tg:ledger:{day}:ids      SET of request ids seen (idempotency), expires after idsTTL
//	tg:ledger:{day}:agg      HASH "HH␝dims␝metric" → integer (HINCRBY)
//	tg:ledger:{day}:records  STREAM of records, field r = the record's JSON line
type redisStore struct {
	rdb    redis.UniversalClient
	idsTTL time.Duration
}

// recordScript adds one record exactly once: SADD of the request id gates the increments and XADD.
var recordScript = redis.NewScript(`
local fields = {` + luaFieldList() + `}
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[2])
for i = 1, #fields do
  local v = tonumber(ARGV[4 + i])
  if v ~= 0 then redis.call('HINCRBY', KEYS[2], ARGV[4] .. fields[i], v) end
end
redis.call('XADD', KEYS[3], '*', 'r', ARGV[3])
return 1
`)

func luaFieldList() string {
	q := make([]string, len(totalsFields))
	for i, f := range totalsFields {
		q[i] = strconv.Quote(f)
	}
	return strings.Join(q, ",")
}

const fieldSep = "\x1d"

func dayKeys(day string) (ids, agg, records string) {
	p := "tg:ledger:{" + day + "}:"
	return p + "ids", p + "agg", p + "records"
}

// write stores a batch in one pipeline of EVALSHA calls. Redis forgets scripts on restart: on
// NOSCRIPT the script is loaded and the batch sent again (records already applied are deduplicated).
func (s *redisStore) write(ctx context.Context, recs []*Record) error {
	err := s.writeOnce(ctx, recs)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if lerr := recordScript.Load(ctx, s.rdb).Err(); lerr != nil {
			return fmt.Errorf("ledger to redis: load script: %w", lerr)
		}
		err = s.writeOnce(ctx, recs)
	}
	return err
}

func (s *redisStore) writeOnce(ctx context.Context, recs []*Record) error {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(recs))
	for i, r := range recs {
		line, err := r.appendJSON(nil)
		if err != nil {
			return err
		}
		ids, agg, stream := dayKeys(r.Time.Format(time.DateOnly))
		t := recordTotals(r)
		args := make([]any, 0, 4+len(totalsFields))
		args = append(args, r.RequestID, int64(s.idsTTL/time.Second), line[:len(line)-1],
			fmt.Sprintf("%02d", r.Time.Hour())+fieldSep+encodeDims(r)+fieldSep)
		for _, p := range t.ptrs() {
			args = append(args, *p)
		}
		cmds[i] = recordScript.EvalSha(ctx, pipe, []string{ids, agg, stream}, args...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ledger to redis: %w", err)
	}
	for _, c := range cmds {
		if n, _ := c.Int64(); n == 0 {
			ledgerDuplicatesTotal.Inc()
		}
	}
	return nil
}

func (s *redisStore) query(ctx context.Context, q UsageQuery) ([]UsageRow, error) {
	g := newGrouper(q)
	for day := q.From.Truncate(24 * time.Hour); day.Before(q.To); day = day.Add(24 * time.Hour) {
		_, agg, _ := dayKeys(day.Format(time.DateOnly))
		h, err := s.rdb.HGetAll(ctx, agg).Result()
		if err != nil {
			return nil, fmt.Errorf("usage from redis %s: %w", agg, err)
		}
		dayHour := hourOf(day)
		sums := map[aggKey]*Totals{}
		for field, val := range h {
			hh, rest, ok1 := strings.Cut(field, fieldSep)
			i := strings.LastIndex(rest, fieldSep)
			hour, err1 := strconv.Atoi(hh)
			v, err2 := strconv.ParseInt(val, 10, 64)
			if !ok1 || i < 0 || err1 != nil || err2 != nil {
				ledgerCorruptTotal.Inc()
				continue
			}
			k := aggKey{hour: dayHour + int64(hour), dims: rest[:i]}
			t := sums[k]
			if t == nil {
				t = &Totals{}
				sums[k] = t
			}
			if idx := fieldIndex(rest[i+len(fieldSep):]); idx >= 0 {
				*t.ptrs()[idx] += v
			}
		}
		for k, t := range sums {
			g.add(k.hour, k.dims, t)
		}
	}
	return g.result(), nil
}

func fieldIndex(name string) int {
	for i, f := range totalsFields {
		if f == name {
			return i
		}
	}
	return -1
}

func (s *redisStore) sync() error  { return nil }
func (s *redisStore) close() error { return nil }
