package metering

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// archiver hands records from the Redis ledger's streams to day files under Dir/archive (the embedded
// ledger's format) before the streams are trimmed. Every replica runs one; they share the consumer
// group tg-archive, so each record is delivered to one replica, written and synced to its files, and
// only then acknowledged. Trimming by age never passes the group's oldest unacknowledged record.
// A replica that dies holding records lets another claim them after archiveClaimIdle. A crash between
// the file write and the XACK writes a record twice (at-least-once: dedup by request_id when loading).
type archiver struct {
	rs       *redisStore
	files    *dayFiles
	keep     time.Duration // day files' retention
	consumer string
	interval time.Duration
	idle     time.Duration // claim another consumer's records unacknowledged this long
	log      *slog.Logger

	mu        sync.Mutex // one pass at a time (loop, tests)
	lastSweep time.Time
	lastPrune time.Time
	stopc     chan struct{}
	done      chan struct{}
	ctx       context.Context // cancelled when stop's deadline passes: cuts a pass stuck on Redis short
	cancel    context.CancelFunc
}

const (
	archiveDir       = "archive"
	archiveBatch     = 1000
	archiveRounds    = 20 // passes per tick while streams still return full batches
	archiveSweep     = time.Minute
	archiveClaimIdle = time.Minute
)

func newArchiver(rs *redisStore, o LedgerOptions, log *slog.Logger) (*archiver, error) {
	files, err := newDayFiles(filepath.Join(o.Dir, archiveDir), o.FileMaxBytes, log)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.Background())
	return &archiver{rs: rs, files: files, ctx: ctx, cancel: cancel, keep: o.FileRetention, interval: o.FlushInterval, idle: archiveClaimIdle, log: log,
		consumer: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:])),
		stopc:    make(chan struct{}), done: make(chan struct{})}, nil
}

func (a *archiver) start() { go a.loop() }

func (a *archiver) loop() {
	defer close(a.done)
	t := time.NewTicker(a.interval)
	defer t.Stop()
	for {
		select {
		case <-a.stopc:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
			if err := a.pass(ctx); err != nil {
				ledgerArchiveErrorsTotal.Inc()
				a.log.Warn("ledger archive: pass failed; records stay in Redis until the next", "err", err)
			}
			cancel()
		}
	}
}

// stop ends the loop (records not yet handed off stay in Redis for the others or the next start).
func (a *archiver) stop(ctx context.Context) error {
	close(a.stopc)
	select {
	case <-a.done:
	case <-ctx.Done():
		a.cancel() // a pass waiting on a hung Redis ends now; its records stay in Redis
		<-a.done
	}
	a.cancel()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.files.close()
}

// pass reads new records of today's and yesterday's streams; once a minute it also sweeps every day a
// stream may still hold (claims records of dead consumers, trims by age) and prunes old files.
func (a *archiver) pass(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.rs.now()
	recent := a.streams(now.Add(-24*time.Hour), now)
	for range archiveRounds {
		full, err := a.readNew(ctx, recent)
		if err != nil || !full {
			if err != nil {
				return err
			}
			break
		}
	}
	if now.Sub(a.lastSweep) < archiveSweep {
		return nil
	}
	a.lastSweep = now
	all := a.streams(now.Add(-a.rs.lay.StreamRetention-archiveExpiryPadding), now)
	if err := a.claim(ctx, all); err != nil {
		return err
	}
	if _, err := a.readNew(ctx, all); err != nil {
		return err
	}
	if err := a.trim(ctx, all, now); err != nil {
		return err
	}
	if now.Sub(a.lastPrune) >= pruneInterval {
		a.lastPrune = now
		if _, err := a.files.prune(now, a.keep); err != nil {
			return err
		}
	}
	return nil
}

// streams lists the shard streams of the days from..to.
func (a *archiver) streams(from, to time.Time) []string {
	var out []string
	for day := from.UTC().Truncate(24 * time.Hour); !day.After(to); day = day.Add(24 * time.Hour) {
		for sh := range a.rs.lay.Shards {
			_, _, s := shardKeys(day.Format(time.DateOnly), sh, 0)
			out = append(out, s)
		}
	}
	return out
}

// readNew delivers new entries of streams to this consumer and archives them; full reports whether a
// stream returned a whole batch (more may be waiting).
func (a *archiver) readNew(ctx context.Context, streams []string) (full bool, err error) {
	g := a.rs.lay.ArchiveGroup
	pipe := a.rs.rdb.Pipeline()
	cmds := make([]*redis.XStreamSliceCmd, len(streams))
	for i, s := range streams {
		cmds[i] = pipe.XReadGroup(ctx, &redis.XReadGroupArgs{Group: g, Consumer: a.consumer, Streams: []string{s, ">"}, Count: archiveBatch, Block: -1})
	}
	_, _ = pipe.Exec(ctx) // errors are per stream below
	var got []redis.XStream
	var noGroup []string
	for i, c := range cmds {
		switch err := c.Err(); {
		case err == nil:
			got = append(got, c.Val()...)
		case errors.Is(err, redis.Nil):
		case redis.HasErrorPrefix(err, "NOGROUP"):
			noGroup = append(noGroup, streams[i]) // written while the archive was off, or no such stream
		default:
			return false, fmt.Errorf("ledger archive: read %s: %w", streams[i], err)
		}
	}
	if len(noGroup) > 0 {
		pipe := a.rs.rdb.Pipeline()
		for _, s := range noGroup {
			pipe.XGroupCreate(ctx, s, g, "0") // fails harmlessly when the stream does not exist
		}
		_, _ = pipe.Exec(ctx)
	}
	for _, st := range got {
		full = full || len(st.Messages) == archiveBatch
	}
	return full, a.archive(ctx, got)
}

// archive writes the entries to the day files, syncs them and only then acknowledges them.
func (a *archiver) archive(ctx context.Context, streams []redis.XStream) error {
	var recs []*Record
	n := 0
	for _, st := range streams {
		for _, m := range st.Messages {
			n++
			v, _ := m.Values["r"].(string)
			r, err := parseRecordLine([]byte(v))
			if err != nil {
				ledgerCorruptTotal.Inc()
				a.log.Error("ledger archive: skipped a bad stream entry", "stream", st.Stream, "id", m.ID, "err", err)
				continue
			}
			recs = append(recs, r)
		}
	}
	if n == 0 {
		return nil
	}
	if err := a.files.write(recs, nil); err != nil {
		return err
	}
	if err := a.files.sync(); err != nil {
		return err
	}
	pipe := a.rs.rdb.Pipeline()
	for _, st := range streams {
		if len(st.Messages) == 0 {
			continue
		}
		ids := make([]string, len(st.Messages))
		for i, m := range st.Messages {
			ids[i] = m.ID
		}
		pipe.XAck(ctx, st.Stream, a.rs.lay.ArchiveGroup, ids...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ledger archive: ack (the records will be claimed and written again): %w", err)
	}
	ledgerArchivedTotal.Add(len(recs))
	return nil
}

// claim takes over entries another consumer received but did not acknowledge for the claim idle time
// (it died or its disk failed) and archives them. One pipeline for all streams.
func (a *archiver) claim(ctx context.Context, streams []string) error {
	pipe := a.rs.rdb.Pipeline()
	cmds := make([]*redis.XAutoClaimCmd, len(streams))
	for i, s := range streams {
		cmds[i] = pipe.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: s, Group: a.rs.lay.ArchiveGroup,
			Consumer: a.consumer, MinIdle: a.idle, Start: "0-0", Count: archiveBatch})
	}
	_, _ = pipe.Exec(ctx) // errors are per stream below
	var got []redis.XStream
	for i, c := range cmds {
		msgs, _, err := c.Result()
		if err != nil {
			if errors.Is(err, redis.Nil) || redis.HasErrorPrefix(err, "NOGROUP") {
				continue // no such stream, or no group yet
			}
			return fmt.Errorf("ledger archive: claim %s: %w", streams[i], err)
		}
		if len(msgs) > 0 {
			got = append(got, redis.XStream{Stream: streams[i], Messages: msgs})
		}
	}
	return a.archive(ctx, got)
}

// trim removes entries older than StreamRetention, never past the group's last delivered entry or its
// oldest unacknowledged one, and forgets consumers gone a day. A few pipelines for all streams.
func (a *archiver) trim(ctx context.Context, streams []string, now time.Time) error {
	g := a.rs.lay.ArchiveGroup
	pipe := a.rs.rdb.Pipeline()
	infos := make([]*redis.XInfoGroupsCmd, len(streams))
	for i, s := range streams {
		infos[i] = pipe.XInfoGroups(ctx, s)
	}
	_, _ = pipe.Exec(ctx)
	type target struct {
		stream  string
		min     streamID
		pending *redis.XPendingCmd
	}
	var ts []*target
	pipe = a.rs.rdb.Pipeline()
	for i, c := range infos {
		groups, err := c.Result()
		if err != nil {
			continue // no such stream (expired, or no record that day and shard)
		}
		t := &target{stream: streams[i], min: streamID{ms: now.Add(-a.rs.lay.StreamRetention).UnixMilli()}}
		for _, gi := range groups {
			if gi.Name != g {
				continue
			}
			t.min = t.min.lower(parseStreamID(gi.LastDeliveredID))
			if gi.Pending > 0 {
				t.pending = pipe.XPending(ctx, t.stream, g)
			}
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("ledger archive: pending: %w", err)
	}
	pipe = a.rs.rdb.Pipeline()
	consumers := make([]*redis.XInfoConsumersCmd, len(ts))
	for i, t := range ts {
		if t.pending != nil {
			t.min = t.min.lower(parseStreamID(t.pending.Val().Lower))
		}
		pipe.XTrimMinIDApprox(ctx, t.stream, t.min.String(), 0)
		consumers[i] = pipe.XInfoConsumers(ctx, t.stream, g)
	}
	if _, err := pipe.Exec(ctx); err != nil && !redis.HasErrorPrefix(err, "NOGROUP") {
		return fmt.Errorf("ledger archive: trim: %w", err)
	}
	// Each replica start joins under a new name: forget consumers that hold nothing and were idle a day.
	pipe = a.rs.rdb.Pipeline()
	n := 0
	for i, c := range consumers {
		for _, ci := range c.Val() {
			if ci.Pending == 0 && ci.Idle > 24*time.Hour && ci.Name != a.consumer {
				pipe.XGroupDelConsumer(ctx, ts[i].stream, g, ci.Name)
				n++
			}
		}
	}
	if n > 0 {
		_, _ = pipe.Exec(ctx) // best effort: a name kept costs a few bytes
	}
	return nil
}

type streamID struct{ ms, seq int64 }

func parseStreamID(s string) streamID {
	a, b, _ := strings.Cut(s, "-")
	ms, _ := strconv.ParseInt(a, 10, 64)
	seq, _ := strconv.ParseInt(b, 10, 64)
	return streamID{ms, seq}
}

func (x streamID) lower(y streamID) streamID {
	if y.ms < x.ms || y.ms == x.ms && y.seq < x.seq {
		return y
	}
	return x
}

func (x streamID) String() string {
	return strconv.FormatInt(x.ms, 10) + "-" + strconv.FormatInt(x.seq, 10)
}
