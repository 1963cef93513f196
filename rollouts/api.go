// Package rollouts rolls a new version of a model out the way Flagger rolls
// out a service: a sticky share of the model's traffic goes to a candidate
// (canary) or is copied to it in the background (shadow), and each interval
// an analysis of candidate against stable, with confidence bounds rather
// than point values, promotes the candidate a step, holds, or rolls it back.
// State is shared by replicas through Redis; the gateway's hot path (Route,
// Observe) never calls Redis and never allocates.
package rollouts

import (
	"encoding/json"
	"math"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/redis/go-redis/v9"
)

// Variant is who serves a request of a rolled-out model.
type Variant uint8

// Variants.
const (
	Stable Variant = iota
	Candidate
)

func (v Variant) String() string {
	if v == Candidate {
		return "candidate"
	}
	return "stable"
}

// Route is the split's decision for one request. The zero value: no
// rollout covers the model.
type Route struct {
	Active  bool    // a rollout covers this model
	Variant Variant // who serves the client
	Shadow  bool    // also send the request to the candidate in the background (shadow mode, sampled)
}

// Options wire a Controller to the rest of the gateway.
type Options struct {
	Redis   redis.UniversalClient // nil: state in memory (a single gateway)
	Metrics *metrics.Set          // nil: a private set
	Alert   func(Alert)           // rollbacks and promotions for operators (the gateway's alert path)
	Now     func() time.Time      // tests; default time.Now
	Replica string                // this replica's id (default: hostname and pid)
	// QueueSize bounds the observations waiting for the aggregating worker
	// (default 8192); a full queue drops and counts.
	QueueSize int
	// Sync is how often state is reloaded from Redis and this replica's
	// aggregate written (default 1s, at most the shortest interval / 4).
	Sync time.Duration
	// Seed makes drift's permutation tests reproducible (default 1).
	Seed uint64
}

// Observation is one finished request of a variant. Text and ToolCall must
// be the caller's own copies (they are kept after the call returns).
type Observation struct {
	Status       int           // HTTP status the variant produced (0: transport error)
	Latency      time.Duration // whole request
	TTFT         time.Duration // streams; 0 otherwise
	OutputTokens int
	CostMicros   int64  // USD × 1e6
	Text         string // the answer's text
	ToolCall     string // first tool call's name, "" if none
}

// Alert is a rollout event for operators: the gateway turns it into a
// health alert (TollgateRolloutRolledBack, …).
type Alert struct {
	Name     string // TollgateRolloutRolledBack | TollgateRolloutPromoted
	Severity string // critical | info
	Model    string
	Reason   string
	At       time.Time
}

// Rollout states.
const (
	StateRunning    = "running"
	StatePaused     = "paused"
	StatePromoted   = "promoted"
	StateRolledBack = "rolled_back"
)

// Analysis outcomes (decisions).
const (
	OutcomePromote  = "promote"
	OutcomePromoted = "promoted" // the last step passed
	OutcomeHold     = "hold"
	OutcomeFail     = "fail" // a failing interval, not yet rollback_after in a row
	OutcomeRollback = "rollback"
	OutcomePause    = "pause"
	OutcomeResume   = "resume"
	OutcomeStart    = "start" // a run of the rollout began (first load or a changed config)
)

// Status is one rollout for /ui, /v1/health/models, GET /admin/rollouts and
// `tollgate rollouts status`.
type Status struct {
	Model     string        `json:"model"`
	Mode      string        `json:"mode"`
	State     string        `json:"state"`
	Step      int           `json:"step"`    // index into Steps
	Percent   float64       `json:"percent"` // candidate's share of traffic now (0 in shadow mode)
	Steps     []float64     `json:"steps,omitempty"`
	Candidate string        `json:"candidate"` // the candidate target's model (or deployment) name
	Stable    string        `json:"stable"`
	Started   time.Time     `json:"started"`
	Updated   time.Time     `json:"updated"`
	Reason    string        `json:"reason,omitempty"`    // why the last state change happened
	Failures  int           `json:"failures"`            // consecutive failing analyses
	Last      *Analysis     `json:"last,omitempty"`      // the last analysis
	Decisions []Decision    `json:"decisions,omitempty"` // newest first, bounded
	Shadow    *ShadowStatus `json:"shadow,omitempty"`
}

// ShadowStatus is the shadow traffic's spend and skips.
type ShadowStatus struct {
	Active         bool    `json:"active"` // requests are being shadowed
	Share          float64 `json:"share"`
	InFlight       int     `json:"in_flight"`
	MaxConcurrency int     `json:"max_concurrency"`
	SpentUSD       float64 `json:"spent_usd_today"`
	DailyUSD       float64 `json:"daily_usd"`
}

// Decision is one analysis outcome or manual action.
type Decision struct {
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	Step    int       `json:"step"`
	Percent float64   `json:"percent"`
	Reason  string    `json:"reason,omitempty"`
	By      string    `json:"by,omitempty"` // replica or "admin"
}

// Analysis is one judgement of candidate against stable.
type Analysis struct {
	At        time.Time `json:"at"`
	Outcome   string    `json:"outcome"`
	Window    string    `json:"window"` // e.g. "3 intervals"
	Stable    Counts    `json:"stable"`
	Candidate Counts    `json:"candidate"`
	Checks    []Check   `json:"checks"`
	Reason    string    `json:"reason,omitempty"`
}

// Counts summarise one variant's window.
type Counts struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	Pairs    int64 `json:"pairs,omitempty"` // shadow pairs compared
}

// Check is one check's verdict: pass (confidently within the limit), fail
// (confidently past it), inconclusive (the interval straddles the limit),
// or skipped (no data or off). Low and High bound the compared value at the
// check's confidence.
type Check struct {
	Name    string  `json:"name"`
	Value   float64 `json:"value"`
	Low     float64 `json:"low"`
	High    float64 `json:"high"`
	Limit   string  `json:"limit"`
	Verdict string  `json:"verdict"`
	Detail  string  `json:"detail,omitempty"`
}

// Check verdicts.
const (
	VerdictPass         = "pass"
	VerdictFail         = "fail"
	VerdictInconclusive = "inconclusive"
	VerdictSkipped      = "skipped"
)

// MarshalJSON writes an unbounded side (±Inf: too few values) or an
// undefined value as null: JSON has no infinities.
func (c Check) MarshalJSON() ([]byte, error) {
	type plain Check
	return json.Marshal(struct {
		plain
		Value *float64 `json:"value"`
		Low   *float64 `json:"low"`
		High  *float64 `json:"high"`
	}{plain(c), finite(c.Value), finite(c.Low), finite(c.High)})
}

// UnmarshalJSON reads null sides back as unbounded.
func (c *Check) UnmarshalJSON(b []byte) error {
	type plain Check
	var w struct {
		plain
		Value *float64 `json:"value"`
		Low   *float64 `json:"low"`
		High  *float64 `json:"high"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Check(w.plain)
	c.Value, c.Low, c.High = orInf(w.Value, math.NaN()), orInf(w.Low, math.Inf(-1)), orInf(w.High, math.Inf(1))
	return nil
}

func finite(x float64) *float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	return &x
}

func orInf(p *float64, inf float64) float64 {
	if p == nil {
		return inf
	}
	return *p
}
