package rollouts

import (
	"context"
	"time"
)

// record is a rollout's shared state: what every replica routes by, and
// where the analysis stands. Version orders writes (compare-and-set).
type record struct {
	Version     int64     `json:"version"`
	Fingerprint string    `json:"fingerprint"` // of what restarts a rollout: targets, mode, steps
	State       string    `json:"state"`
	Step        int       `json:"step"`
	Started     time.Time `json:"started"`
	Updated     time.Time `json:"updated"`
	Reason      string    `json:"reason,omitempty"`
	Failures    int       `json:"failures"`
	// WindowStart is the first interval of the window the next analysis
	// judges; LastJudged the last interval judged.
	WindowStart int64 `json:"window_start"`
	LastJudged  int64 `json:"last_judged"`
}

// shared is what a replica reloads each sync.
type shared struct {
	rec       record
	decisions []Decision // newest first
	last      *Analysis
}

// store keeps rollouts' shared state: Redis when configured, else memory.
// Every key of one rollout shares a hash slot.
type store interface {
	load(ctx context.Context, model string) (shared, bool, error)
	// commit writes rec if the stored version is still old.Version, with a
	// decision and an analysis (either may be nil).
	commit(ctx context.Context, model string, oldVersion int64, rec record, d *Decision, a *Analysis) (bool, error)
	putAggregate(ctx context.Context, model string, interval int64, replica string, p *variantPair, ttl time.Duration) error
	aggregates(ctx context.Context, model string, from, to int64) ([]*variantPair, error)
	putBaseline(ctx context.Context, model string, a *aggregate) error
	baseline(ctx context.Context, model string) (*aggregate, error)
	// lock claims the judgement of one interval for this replica.
	lock(ctx context.Context, model string, interval int64, replica string, ttl time.Duration) (bool, error)
	// addSpend adds to a rollout's shadow spend of a day and returns the total.
	addSpend(ctx context.Context, model, day string, micros int64) (int64, error)
}

// variantPair is both variants' aggregates of one interval on one replica.
type variantPair struct {
	Stable    aggregate `json:"stable"`
	Candidate aggregate `json:"candidate"`
}

// maxDecisions bounds the decisions kept per rollout.
const maxDecisions = 50
