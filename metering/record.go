package metering

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// Record is one request in the ledger. The gateway fills it after the response; Ledger.Add copies it,
// so the caller may reuse rec at once. Strings must be owned Go strings (not views of fasthttp buffers).
type Record struct {
	Time           time.Time         `json:"time"`
	RequestID      string            `json:"request_id"`
	Tenant         string            `json:"tenant,omitempty"`
	Team           string            `json:"team,omitempty"`
	KeyID          string            `json:"key_id,omitempty"`
	ModelRequested string            `json:"model_requested,omitempty"`
	ModelServed    string            `json:"model_served,omitempty"`
	Deployment     string            `json:"deployment,omitempty"`
	Endpoint       string            `json:"endpoint,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
	Usage
	// CostPicos is the exact cost in pico-USD; CostMicros the same rounded up to micro-USD.
	// Set either: Add derives the other (picos win when both are set).
	CostPicos       int64 `json:"cost_picos"`
	CostMicros      int64 `json:"cost_micros"`
	CostSavedPicos  int64 `json:"cost_saved_picos,omitempty"`
	CostSavedMicros int64 `json:"cost_saved_micros,omitempty"`
	Status          int   `json:"status"`
	CacheHit        bool  `json:"cache_hit,omitempty"`
	LatencyMs       int64 `json:"latency_ms"`
	Flags           Flags `json:"flags,omitempty"`
}

// model is the model a record is grouped and priced under: what served it, else what was asked for.
func (r *Record) model() string {
	if r.ModelServed != "" {
		return r.ModelServed
	}
	return r.ModelRequested
}

// normalize fills derived fields and flags bad input instead of rejecting it: a record is never lost
// for being odd, but it is marked.
func (r *Record) normalize() {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.UTC()
	if err := r.Usage.Validate(); err != nil {
		r.Flags |= FlagInvalidUsage
		r.Usage = r.Usage.clamped()
	}
	r.CostPicos, r.CostMicros = normalizeCost(r.CostPicos, r.CostMicros)
	r.CostSavedPicos, r.CostSavedMicros = normalizeCost(r.CostSavedPicos, r.CostSavedMicros)
	if r.Flags != 0 {
		ledgerFlaggedTotal.Inc()
	}
}

func normalizeCost(picos, micros int64) (int64, int64) {
	switch {
	case picos < 0 || micros < 0:
		return max(picos, 0), max(micros, 0)
	case picos != 0:
		return picos, PicosToMicros(picos)
	default:
		return micros * picosPerMicro, micros
	}
}

// clone copies r so the caller may reuse it; maps are the only shared references.
func (r *Record) clone() *Record {
	c := *r
	if r.Tags != nil {
		c.Tags = maps.Clone(r.Tags)
	}
	return &c
}

// appendJSON appends r as one JSON line (with the trailing newline): the ledger and spool format.
func (r *Record) appendJSON(dst []byte) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return dst, fmt.Errorf("encode ledger record %q: %w", r.RequestID, err)
	}
	return append(append(dst, b...), '\n'), nil
}

// parseRecordLine decodes one ledger or spool line; the caller skips and reports lines that fail.
func parseRecordLine(line []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, err
	}
	if r.RequestID == "" || r.Time.IsZero() {
		return nil, fmt.Errorf("record lacks request_id or time")
	}
	return &r, nil
}
