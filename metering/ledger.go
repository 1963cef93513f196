package metering

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// LedgerOptions configure OpenLedger.
type LedgerOptions struct {
	// Dir holds the embedded ledger file (when Redis is nil) and the spool. Required.
	Dir string
	// Redis, when set, stores records and aggregates there (shared by replicas); nil = embedded file.
	Redis redis.UniversalClient
	// QueueSize bounds the in-memory queue between Add and the writer; default 8192.
	QueueSize int
	// FlushInterval is how often the writer retries the spool and syncs the file; default 1s.
	FlushInterval time.Duration
	// Linger is how long the writer waits for more records after the first
	// of a batch before writing it (group commit); default 5ms. Without it a
	// steady trickle costs one store write per one or two records.
	Linger time.Duration
	// StoreTimeout bounds one batch write to the store; default 2s.
	StoreTimeout time.Duration
	// IDRetention is how long Redis remembers request ids for idempotent replay, after their hour;
	// default 48h. A spool replayed later than that is still stored, counted in
	// tollgate_ledger_late_records_total (a record it holds twice would count twice).
	IDRetention time.Duration
	Logger      *slog.Logger

	// Shards spreads each UTC day's Redis keys over this many Cluster slots (by a hash of the request
	// id); default 16. Set it once: queries read shards 0..Shards-1.
	Shards int
	// AggRetention is how long Redis keeps a day's hourly aggregates (default 400 days, the longest
	// query); the embedded ledger drops older aggregates at its checkpoints.
	AggRetention time.Duration
	// StreamRetention is how long Redis keeps records in the day streams (default 24h); StreamMaxLen
	// caps each shard's stream (approximately; default 500,000) whatever the age.
	StreamRetention time.Duration
	StreamMaxLen    int64
	// WaitReplicas > 0 makes a Redis batch count as stored only once that many replicas acknowledged
	// it (WAIT, up to WaitTimeout, default 100ms); otherwise it is spooled and replayed. Without it a
	// failover can lose the last writes a master acknowledged before they replicated.
	WaitReplicas int
	WaitTimeout  time.Duration
	// Archive (with Redis) hands records from the streams to day files under Dir/archive, in the
	// embedded ledger's format, through a consumer group, before they are trimmed (ledger_archive.go).
	Archive bool
	// FileMaxBytes rotates a day file (embedded ledger, archive) past this size; default 256 MiB.
	FileMaxBytes int64
	// FileRetention deletes day files (embedded ledger, archive) older than this; 0 keeps them all.
	FileRetention time.Duration
	// CheckpointInterval is how often the embedded ledger checkpoints its aggregates; default 1 min.
	CheckpointInterval time.Duration

	wrapStore func(ledgerStore) ledgerStore // tests: wrap the real store before the writer starts
}

// Ledger records one Record per request without making the request wait: Add queues a copy; a single
// writer goroutine batches records into the store (file or Redis). What cannot go to the store now
// (queue full, store down, after Close) goes to the spool file and is replayed later.
type Ledger struct {
	opts  LedgerOptions
	log   *slog.Logger
	store ledgerStore
	spool *spool

	mu     sync.RWMutex // guards closed against Add sending on a closed queue
	closed bool
	queue  chan *Record
	// wake ends the writer's linger early: Add sends when the queue holds
	// wakeAt records (with the one the writer holds, a batch; or half a
	// small queue); closing is closed with the queue.
	wake    chan struct{}
	wakeAt  int
	closing chan struct{}

	abort   chan struct{} // Close's context expired: spool what is left instead of writing to the store
	stopped chan struct{} // writer exited

	today todayCosts // today's cost by tenant and team, for the ops page

	archive *archiver // Redis streams → local day files; nil without Redis or Archive
}

type ledgerStore interface {
	write(ctx context.Context, recs []*Record) error
	query(ctx context.Context, q UsageQuery) ([]UsageRow, error)
	sync() error
	close() error
}

const ledgerBatch = 256

// OpenLedger opens (or creates) the ledger in opts.Dir, rebuilds embedded aggregates and starts the writer.
// Spool files left by an earlier run are replayed.
func OpenLedger(opts LedgerOptions) (*Ledger, error) {
	if opts.Dir == "" {
		return nil, errors.New("ledger: Dir is required (the embedded ledger file and the spool live there)")
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 8192
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = time.Second
	}
	if opts.Linger <= 0 {
		opts.Linger = 5 * time.Millisecond
	}
	if opts.StoreTimeout <= 0 {
		opts.StoreTimeout = 2 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "ledger")
	l := &Ledger{opts: opts, log: log, queue: make(chan *Record, opts.QueueSize), wake: make(chan struct{}, 1),
		wakeAt: max(1, min(ledgerBatch-1, opts.QueueSize/2)), closing: make(chan struct{}), abort: make(chan struct{}),
		stopped: make(chan struct{})}
	var err error
	if opts.Redis != nil {
		rs := newRedisStore(opts)
		l.store = rs
		if opts.Archive {
			if l.archive, err = newArchiver(rs, opts, log); err != nil {
				return nil, err
			}
		}
	} else if l.store, err = openFileStore(opts.Dir, fileStoreOptions{MaxBytes: opts.FileMaxBytes, Retention: opts.FileRetention,
		CheckpointInterval: opts.CheckpointInterval, AggRetention: opts.AggRetention}, log); err != nil {
		return nil, err
	}
	if opts.wrapStore != nil {
		l.store = opts.wrapStore(l.store)
	}
	if l.spool, err = openSpool(opts.Dir, log); err != nil {
		l.store.close()
		return nil, err
	}
	go l.run()
	if l.archive != nil {
		l.archive.start()
	}
	return l, nil
}

// Add queues a copy of rec and returns at once. When the queue is full it appends the record to the
// spool file instead (a page-cache write, only under overload); when even that fails the record is
// counted in tollgate_ledger_dropped_total and logged with its request id.
func (l *Ledger) Add(rec *Record) { l.Put(rec.clone()) }

// Put is Add for a record the caller gives up: r itself is queued (its
// maps are still copied: they may be shared). The caller must not touch r
// afterwards.
func (l *Ledger) Put(r *Record) {
	if r.Tags != nil {
		r.Tags = maps.Clone(r.Tags)
	}
	if r.Stages != nil {
		r.Stages = maps.Clone(r.Stages)
	}
	if r.RequestID == "" {
		r.RequestID = newRequestID() // a stable id makes spool replay idempotent
	}
	r.normalize()
	l.mu.RLock()
	if !l.closed {
		select {
		case l.queue <- r:
			l.mu.RUnlock()
			if len(l.queue) >= l.wakeAt {
				l.nudge()
			}
			return
		default:
		}
	}
	closed := l.closed
	l.mu.RUnlock()
	if closed {
		ledgerSpooledClosed.Inc()
	} else {
		ledgerSpooledQueueFull.Inc()
		queueDroppedLedgerSpilled.Inc()
	}
	l.spill([]*Record{r})
}

// nudge wakes the writer from its linger (it does not wait on the queue
// meanwhile, so a record queued wakes nobody).
func (l *Ledger) nudge() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// spill appends records to the spool; the last resort before a counted drop.
func (l *Ledger) spill(recs []*Record) {
	if err := l.spool.append(recs...); err != nil {
		ledgerDroppedTotal.Add(len(recs))
		queueDroppedLedger.Add(len(recs))
		for _, r := range recs {
			l.log.Error("LEDGER RECORD LOST: spool write failed", "request_id", r.RequestID, "err", err)
		}
	}
}

// Close stops accepting records into the queue, writes what is queued, and replays the spool if the
// store is reachable. When ctx ends first, what is left goes to the spool for the next start.
func (l *Ledger) Close(ctx context.Context) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.stopped
		return nil
	}
	l.closed = true
	close(l.queue)
	close(l.closing)
	l.mu.Unlock()
	select {
	case <-l.stopped:
	case <-ctx.Done():
		close(l.abort)
		<-l.stopped
	}
	var aerr error
	if l.archive != nil {
		aerr = l.archive.stop(ctx)
	}
	err := errors.Join(aerr, l.store.close(), l.spool.close())
	if err != nil {
		return fmt.Errorf("close ledger: %w", err)
	}
	return ctx.Err()
}

// Query sums the stored records of q's range into rows. Records still queued or spooled are not included.
func (l *Ledger) Query(ctx context.Context, q UsageQuery) ([]UsageRow, error) {
	if err := q.normalize(); err != nil {
		return nil, err
	}
	return l.store.query(ctx, q)
}

// run is the single writer: it batches queued records into the store and replays the spool.
func (l *Ledger) run() {
	defer close(l.stopped)
	tick := time.NewTicker(l.opts.FlushInterval)
	defer tick.Stop()
	w := writer{l: l, down: l.spool.hasPending()}
	l.loadToday()
	lastLoad := time.Now()
	if w.down {
		w.replay() // records of an earlier run first
	}
	batch := make([]*Record, 0, ledgerBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		select {
		case r, ok := <-l.queue:
			if !ok {
				w.replay()
				return
			}
			batch, ok = l.gather(append(batch[:0], r), linger)
			w.write(batch)
			clear(batch)
			if !ok {
				w.replay()
				return
			}
		case <-tick.C:
			if l.opts.Redis != nil && time.Since(lastLoad) >= todayRefresh {
				l.loadToday() // take in other replicas' records
				lastLoad = time.Now()
			}
			if l.spool.hasPending() {
				w.replay()
			}
			if err := l.store.sync(); err != nil {
				l.log.Error("ledger: sync file", "err", err)
			}
		}
	}
}

// gather fills batch (its first record taken) for one group commit: it
// waits out the linger, or until Add finds the queue holding wakeAt records
// or Close closes it, then takes what is queued, up to a full batch. While
// it waits it does not receive, so queueing a record wakes no goroutine: the
// writer wakes once a batch, not once a record. ok is false when the queue
// was closed.
func (l *Ledger) gather(batch []*Record, linger *time.Timer) (_ []*Record, ok bool) {
	select {
	case <-l.wake: // left by an Add while the last batch was written: the length says
	default:
	}
	if len(l.queue) < l.wakeAt {
		linger.Reset(l.opts.Linger)
		select {
		case <-linger.C:
		case <-l.wake:
			linger.Stop()
		case <-l.closing:
			linger.Stop()
		case <-l.abort:
			linger.Stop()
		}
	}
	for len(batch) < ledgerBatch {
		select {
		case r, ok := <-l.queue:
			if !ok {
				return batch, false
			}
			batch = append(batch, r)
		default:
			return batch, true
		}
	}
	return batch, true
}

// writer is the state of run: whether the store is failing (then records go straight to the spool
// until a replay succeeds, so order is kept and a dead store costs one timeout per FlushInterval).
type writer struct {
	l    *Ledger
	down bool
}

func (w *writer) aborted() bool {
	select {
	case <-w.l.abort:
		return true
	default:
		return false
	}
}

func (w *writer) write(batch []*Record) {
	if w.down || w.aborted() {
		ledgerSpooledStoreDown.Add(len(batch))
		w.l.spill(batch)
		return
	}
	if err := w.storeWrite(batch); err != nil {
		w.down = true
		w.l.log.Warn("ledger: store unreachable; spooling records to disk until it returns", "records", len(batch), "err", err)
		ledgerSpooledStoreDown.Add(len(batch))
		w.l.spill(batch)
		return
	}
	ledgerRecordsTotal.Add(len(batch))
}

func (w *writer) storeWrite(batch []*Record) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.l.opts.StoreTimeout)
	defer cancel()
	go func() { // Close's deadline cuts a slow store write short
		select {
		case <-w.l.abort:
			cancel()
		case <-ctx.Done():
		}
	}()
	err := w.l.store.write(ctx, batch)
	if err != nil {
		ledgerStoreErrorsTotal.Inc()
		return err
	}
	w.l.today.add(batch)
	return nil
}

// replay moves spooled records into the store, file by file; a file is deleted only after all its
// records are stored. Redis dedups by request id, so a replay cut short is safe to repeat.
func (w *writer) replay() {
	if w.aborted() {
		return
	}
	files, err := w.l.spool.rotate()
	if err != nil {
		w.l.log.Error("ledger: rotate spool", "err", err)
		return
	}
	for _, path := range files {
		if err := w.replayFile(path); err != nil {
			w.down = true
			w.l.spool.markPending()
			w.l.log.Warn("ledger: spool replay paused; store still unreachable", "file", path, "err", err)
			return
		}
		if err := os.Remove(path); err != nil {
			w.l.log.Error("ledger: remove replayed spool file (its records would be replayed again)", "file", path, "err", err)
		}
	}
	if w.down {
		w.l.log.Info("ledger: store reachable again; spool replayed")
	}
	w.down = false
}

func (w *writer) replayFile(path string) error {
	batch := make([]*Record, 0, ledgerBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if w.aborted() {
			return errors.New("ledger closing")
		}
		if err := w.storeWrite(batch); err != nil {
			return err
		}
		ledgerRecordsTotal.Add(len(batch))
		ledgerReplayedTotal.Add(len(batch))
		batch = batch[:0]
		return nil
	}
	_, _, err := readRecordFile(path, w.l.log, func(r *Record) error {
		batch = append(batch, r)
		if len(batch) == ledgerBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return "tg-" + hex.EncodeToString(b[:])
}
