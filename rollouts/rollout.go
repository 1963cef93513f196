package rollouts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"

	"github.com/tollgate-ai/tollgate/config"
)

// rollout is one configured rollout at run time. Route and Observe read
// only its atomics; the worker owns cur; mu guards the shared state copy.
type rollout struct {
	model string
	fp    string
	cfg   atomic.Pointer[config.Rollout]

	// threshold: buckets below it go to the candidate. shadowCut: a
	// request is shadowed when a random 53-bit number is below it (0: none).
	threshold atomic.Int32
	shadowCut atomic.Uint64

	// Shadow traffic: calls in flight, today's spend (the shared total
	// last read plus what this replica added since), what is still to be
	// added to the shared total, and the UTC day they count for.
	inflight atomic.Int64
	spent    atomic.Int64
	pending  atomic.Int64
	day      atomic.Int64

	skipConcurrency, skipBudget, skipInactive *metrics.Counter

	mu       sync.Mutex
	sh       shared
	known    bool // sh was loaded (or, without Redis, created)
	initDone bool // this replica started its config's run (or found it started)

	cur   map[int64]*variantPair // worker only: this replica's open intervals
	ready map[int64]*variantPair // finished intervals for the syncer to write (under mu)
}

// fingerprint names what restarts a rollout when it changes: its targets,
// mode, steps and interval (other limits change in place).
func fingerprint(r *config.Rollout) string {
	b, _ := json.Marshal(struct {
		C, S     config.RolloutTarget
		M        string
		Steps    []float64
		Interval int64
	}{r.Candidate, r.Stable, r.Mode, r.Steps, int64(r.Interval)})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

func (r *rollout) snapshot() (shared, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sh, r.known
}

// apply makes sh the state this replica routes by.
func (r *rollout) apply(sh shared) {
	r.mu.Lock()
	r.sh, r.known = sh, true
	r.mu.Unlock()
	r.route(sh.rec)
}

// route sets the atomics Route reads from a record.
func (r *rollout) route(rec record) {
	cfg := r.cfg.Load()
	var th int32
	var cut uint64
	switch {
	case cfg.Mode == config.RolloutModeShadow:
		if rec.State == StateRunning || rec.State == StatePaused {
			cut = uint64(cfg.Shadow.Share * (1 << 53))
		}
	case rec.State == StatePromoted:
		th = buckets
	case rec.State == StateRunning || rec.State == StatePaused:
		th = percentBuckets(stepPercent(cfg, rec.Step))
	}
	r.threshold.Store(th)
	r.shadowCut.Store(cut)
}

func stepPercent(cfg *config.Rollout, step int) float64 {
	if len(cfg.Steps) == 0 {
		return 0
	}
	return cfg.Steps[min(max(step, 0), len(cfg.Steps)-1)]
}

// percent is the candidate's share of traffic now.
func (r *rollout) percent() float64 { return float64(r.threshold.Load()) * 100 / buckets }

// started: this replica started its config's run, or found it started.
func (r *rollout) started() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.initDone
}
