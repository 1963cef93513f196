package metering

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisStore keeps records and hourly aggregates in Redis, spread over Shards shards per UTC day: a
// record's shard is a hash of its request id, and all keys of one (day, shard) share the hash tag
// {YYYY-MM-DD/sNN}, so one record's script touches one Cluster slot while a day's writes spread over
// Shards slots (and a new set of slots each day):
//
//	tg:ledger:{day/sNN}:ids:HH   SET of request ids of hour HH (idempotency), expires IDRetention after the hour
//	tg:ledger:{day/sNN}:agg      HASH "HH␝dims␝metric" → integer (HINCRBY), expires AggRetention after the day
//	tg:ledger:{day/sNN}:records  STREAM of records, field r = the record's JSON line; trimmed (see redisLayout)
type redisStore struct {
	rdb redis.UniversalClient
	lay redisLayout
	now func() time.Time
}

func newRedisStore(o LedgerOptions) *redisStore {
	lay := redisLayout{Shards: o.Shards, IDRetention: o.IDRetention, AggRetention: o.AggRetention,
		StreamRetention: o.StreamRetention, StreamMaxLen: o.StreamMaxLen, WaitReplicas: o.WaitReplicas, WaitTimeout: o.WaitTimeout}
	if o.Archive {
		lay.ArchiveGroup = ledgerArchiveGroupKey
	}
	lay.defaults()
	return &redisStore{rdb: o.Redis, lay: lay, now: time.Now}
}

// redisLayout is where and how long the Redis ledger keeps things. Zero values take the defaults.
type redisLayout struct {
	Shards          int           // shards per day (default 16); set once: queries read shards 0..Shards-1
	IDRetention     time.Duration // request ids kept for replay dedup, after their hour (default 48h)
	AggRetention    time.Duration // hourly aggregates kept, after their day (default 400 days: the query cap)
	StreamRetention time.Duration // records kept in the streams by age (default 24h)
	StreamMaxLen    int64         // hard cap per shard stream, approximate (default 500,000)
	ArchiveGroup    string        // consumer group handing records to the archive; "" = none (trim by age)
	WaitReplicas    int           // > 0: a batch counts as stored once this many replicas have it (WAIT)
	WaitTimeout     time.Duration // how long WAIT waits (default 100ms)
}

const (
	defaultLedgerShards   = 16
	defaultIDRetention    = 48 * time.Hour
	defaultAggRetention   = maxQueryRange
	defaultStreamKeep     = 24 * time.Hour
	defaultStreamMaxLen   = 500_000
	maxLedgerShards       = 1024
	archiveExpiryPadding  = 7 * 24 * time.Hour // unarchived records outlive an archiver outage this long
	ledgerArchiveGroupKey = "tg-archive"
)

func (l *redisLayout) defaults() {
	if l.Shards <= 0 {
		l.Shards = defaultLedgerShards
	}
	l.Shards = min(l.Shards, maxLedgerShards)
	if l.IDRetention <= 0 {
		l.IDRetention = defaultIDRetention
	}
	if l.AggRetention <= 0 {
		l.AggRetention = defaultAggRetention
	}
	if l.StreamRetention <= 0 {
		l.StreamRetention = defaultStreamKeep
	}
	if l.StreamMaxLen <= 0 {
		l.StreamMaxLen = defaultStreamMaxLen
	}
	if l.WaitTimeout <= 0 {
		l.WaitTimeout = 100 * time.Millisecond
	}
}

// shardOf picks a record's shard from its request id: stable, so a replay lands where the first write did.
func shardOf(requestID string, shards int) int {
	h := fnv.New32a()
	h.Write([]byte(requestID))
	return int(h.Sum32() % uint32(shards))
}

// shardPrefix is "tg:ledger:{YYYY-MM-DD/sNN}:".
func shardPrefix(day string, shard int) string {
	return "tg:ledger:{" + day + "/s" + fmt.Sprintf("%02d", shard) + "}:"
}

// legacyDayPrefix is "tg:ledger:{YYYY-MM-DD}:", the unsharded layout of earlier versions: one hash and one
// stream per day, never expired. Queries and ReadLedger still read them (one more key a day), so usage of
// the days before an upgrade answers the same.
func legacyDayPrefix(day string) string { return "tg:ledger:{" + day + "}:" }

func shardKeys(day string, shard, hour int) (ids, agg, records string) {
	p := shardPrefix(day, shard)
	return p + "ids:" + fmt.Sprintf("%02d", hour), p + "agg", p + "records"
}

// recordScript adds one record exactly once: SADD of the request id gates the increments and XADD.
// The stream is capped (MAXLEN ~). The key upkeep is done by the first record of a batch per key (the
// client passes "" otherwise), so a batch pays it once per key, not per record: expiries, the trim by age
// (MINID ~, when no archiver consumes the stream) and, on a new stream, the archive's consumer group.
// A key is always created by a record that does the upkeep: a first record that is a duplicate implies
// the key existed already.
var recordScript = redis.NewScript(`
local fields = {` + luaFieldList() + `}
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] ~= '' then redis.call('EXPIREAT', KEYS[1], ARGV[2]) end
for i = 1, #fields do
  local v = tonumber(ARGV[9 + i])
  if v ~= 0 then redis.call('HINCRBY', KEYS[2], ARGV[4] .. fields[i], v) end
end
if ARGV[5] ~= '' then redis.call('EXPIREAT', KEYS[2], ARGV[5]) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'r', ARGV[3])
if ARGV[6] ~= '' then
  if ARGV[7] ~= '' then redis.call('XTRIM', KEYS[3], 'MINID', '~', ARGV[7]) end
  redis.call('EXPIREAT', KEYS[3], ARGV[6])
  if ARGV[9] ~= '' and redis.call('XLEN', KEYS[3]) == 1 then
    redis.pcall('XGROUP', 'CREATE', KEYS[3], ARGV[9], '0')
  end
end
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

// write stores a batch in one pipeline of EVALSHA calls. Redis forgets scripts on restart: on
// NOSCRIPT the script is loaded and the batch sent again (records already applied are deduplicated).
func (s *redisStore) write(ctx context.Context, recs []*Record) error {
	err := s.writeOnce(ctx, recs)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if lerr := s.loadScript(ctx); lerr != nil {
			return fmt.Errorf("ledger to redis: load script: %w", lerr)
		}
		err = s.writeOnce(ctx, recs)
	}
	return err
}

// loadScript loads the record script on every master (a Cluster routes SCRIPT LOAD to one node only).
func (s *redisStore) loadScript(ctx context.Context) error {
	if c, ok := s.rdb.(*redis.ClusterClient); ok {
		return c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			return recordScript.Load(ctx, m).Err()
		})
	}
	return recordScript.Load(ctx, s.rdb).Err()
}

func (s *redisStore) writeOnce(ctx context.Context, recs []*Record) error {
	now := s.now()
	minID := ""
	if s.lay.ArchiveGroup == "" {
		minID = strconv.FormatInt(now.Add(-s.lay.StreamRetention).UnixMilli(), 10)
	}
	maxLen := strconv.FormatInt(s.lay.StreamMaxLen, 10)
	streamKeep := s.lay.StreamRetention
	if s.lay.ArchiveGroup != "" {
		streamKeep += archiveExpiryPadding
	}
	calls := make([]scriptCall, len(recs))
	seen := make(map[string]bool, 3*s.lay.Shards)
	for i, r := range recs {
		line, err := r.appendJSON(nil)
		if err != nil {
			return err
		}
		day := r.Time.Format(time.DateOnly)
		hourEnd := r.Time.Truncate(time.Hour).Add(time.Hour)
		dayEnd := r.Time.Truncate(24 * time.Hour).Add(24 * time.Hour)
		if hourEnd.Add(s.lay.IDRetention).Before(now) {
			ledgerLateTotal.Inc() // its hour's ids may be gone: had it been stored before, it now counts twice
		}
		// Retention runs from the end of the record's hour or day, or from now for a late record
		// (a replayed spool), so what is written is kept at least its retention.
		hourEnd, dayEnd = latest(hourEnd, now), latest(dayEnd, now)
		ids, agg, stream := shardKeys(day, shardOf(r.RequestID, s.lay.Shards), r.Time.Hour())
		t := recordTotals(r)
		args := make([]any, 0, 9+len(totalsFields))
		args = append(args, r.RequestID, upkeep(seen, ids, hourEnd.Add(s.lay.IDRetention).Unix()), line[:len(line)-1],
			fmt.Sprintf("%02d", r.Time.Hour())+fieldSep+encodeDims(r)+fieldSep,
			upkeep(seen, agg, dayEnd.Add(s.lay.AggRetention).Unix()), upkeep(seen, stream, dayEnd.Add(streamKeep).Unix()),
			minID, maxLen, s.lay.ArchiveGroup)
		for _, p := range t.ptrs() {
			args = append(args, *p)
		}
		calls[i] = scriptCall{keys: []string{ids, agg, stream}, args: args}
	}
	if s.lay.WaitReplicas > 0 {
		return s.writeReplicated(ctx, calls)
	}
	return s.run(ctx, s.rdb, calls, false)
}

// upkeep returns the expiry for the first record of the batch that writes key, "" for the others.
func upkeep(seen map[string]bool, key string, expireAt int64) any {
	if seen[key] {
		return ""
	}
	seen[key] = true
	return expireAt
}

// scriptCall is one record's recordScript invocation.
type scriptCall struct {
	keys []string
	args []any
}

// run sends calls in one pipeline; with wait, the pipeline ends in WAIT, which counts the replicas
// that have every write of the connection: fewer than WaitReplicas fails the batch (it is spooled and
// replayed, and the replay is deduplicated where the writes did survive).
func (s *redisStore) run(ctx context.Context, c redis.Cmdable, calls []scriptCall, wait bool) error {
	pipe := c.Pipeline()
	cmds := make([]*redis.Cmd, len(calls))
	for i, sc := range calls {
		cmds[i] = recordScript.EvalSha(ctx, pipe, sc.keys, sc.args...)
	}
	var acked *redis.Cmd
	if wait {
		acked = pipe.Do(ctx, "wait", s.lay.WaitReplicas, s.lay.WaitTimeout.Milliseconds())
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ledger to redis: %w", err)
	}
	if acked != nil {
		if n, _ := acked.Int64(); n < int64(s.lay.WaitReplicas) {
			ledgerUnreplicatedTotal.Inc()
			return fmt.Errorf("ledger to redis: batch reached %d of %d replicas within %s", n, s.lay.WaitReplicas, s.lay.WaitTimeout)
		}
	}
	for _, c := range cmds {
		if n, _ := c.Int64(); n == 0 {
			ledgerDuplicatesTotal.Inc()
		}
	}
	return nil
}

// writeReplicated sends each master its records in one pipeline on one connection, ended by WAIT
// (WAIT covers the writes of its own connection, so a Cluster's batch is split by master).
func (s *redisStore) writeReplicated(ctx context.Context, calls []scriptCall) error {
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return s.run(ctx, s.rdb, calls, true)
	}
	byMaster := map[*redis.Client][]scriptCall{}
	var order []*redis.Client
	for _, sc := range calls {
		m, err := cc.MasterForKey(ctx, sc.keys[0])
		if err != nil {
			return fmt.Errorf("ledger to redis: %w", err)
		}
		if byMaster[m] == nil {
			order = append(order, m)
		}
		byMaster[m] = append(byMaster[m], sc)
	}
	for _, m := range order {
		if err := s.run(ctx, m, byMaster[m], true); err != nil {
			return err
		}
	}
	return nil
}

// queryPipeline bounds how many hashes one pipeline reads, so a long range is a few round trips of
// bounded size rather than one huge reply.
const queryPipeline = 64

// query reads every shard's aggregate hash of every day in range: days × Shards HGETALLs, pipelined.
func (s *redisStore) query(ctx context.Context, q UsageQuery) ([]UsageRow, error) {
	g := newGrouper(q)
	var keys []string
	var dayHours []int64
	for day := q.From.Truncate(24 * time.Hour); day.Before(q.To); day = day.Add(24 * time.Hour) {
		d := day.Format(time.DateOnly)
		for sh := range s.lay.Shards {
			_, agg, _ := shardKeys(d, sh, 0)
			keys = append(keys, agg)
			dayHours = append(dayHours, hourOf(day))
		}
		keys = append(keys, legacyDayPrefix(d)+"agg") // days written before sharding; usually absent
		dayHours = append(dayHours, hourOf(day))
	}
	ledgerQueryKeysTotal.Add(len(keys))
	sums := map[aggKey]*Totals{}
	for start := 0; start < len(keys); start += queryPipeline {
		end := min(start+queryPipeline, len(keys))
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.MapStringStringCmd, end-start)
		for i := start; i < end; i++ {
			cmds[i-start] = pipe.HGetAll(ctx, keys[i])
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("usage from redis: %w", err)
		}
		for i, c := range cmds {
			addAggHash(sums, dayHours[start+i], c.Val())
		}
	}
	for k, t := range sums {
		g.add(k.hour, k.dims, t)
	}
	return g.result(), nil
}

// addAggHash sums one aggregate hash (fields "HH␝dims␝metric") of the day starting at dayHour.
func addAggHash(sums map[aggKey]*Totals, dayHour int64, h map[string]string) {
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

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
