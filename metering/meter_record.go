package metering

import "time"

// Facts are what the gateway knows about a request once it is over: who
// asked, what answered, how it ended. The Meter adds usage and cost.
type Facts struct {
	Start     time.Time
	Duration  time.Duration
	RequestID []byte // copied into the record
	Tenant    string
	Team      string
	KeyID     string
	Tags      map[string]string // the ledger copies it

	ModelRequested string
	ModelServed    string // "" when nothing answered
	Deployment     string // the deployment that answered, else the last one that failed
	UpstreamModel  string // the answering deployment's name for the model: priced and counted under it first
	Endpoint       string
	Status         int
	BytesIn        int64 // pass-through body sizes
	BytesOut       int64

	// Committed: an answer was committed to the client, so the request is
	// charged. A failed attempt is never charged.
	Committed bool
	// CountUnreported: when the upstream reported no usage, charge the
	// prompt estimate and the count of the relayed text (flagged
	// estimated_usage). Off for pass-through bodies, which have no known shape.
	CountUnreported bool
	ClientAborted   bool // the client left mid-answer: usage counts what was relayed
}

// Charge is what a request is charged: its usage (reported or counted),
// the exact cost and the flags a record carries.
type Charge struct {
	Usage     Usage
	CostPicos int64
	Flags     Flags
}

// CostMicros is the cost rounded up to micro-USD, as budgets settle it.
func (c Charge) CostMicros() int64 { return PicosToMicros(c.CostPicos) }

// Charge prices the request: the upstream's usage, else (CountUnreported)
// the estimate and the relayed text's count, priced under the upstream's
// model name, else the served (or requested) name: an alias like
// "fast-chat" has no price. No allocation.
func (m *Meter) Charge(f *Facts, prices *Prices) Charge {
	c := Charge{Usage: m.usage}
	if f.ClientAborted {
		c.Flags |= FlagClientAborted
	}
	if !f.Committed || (!m.usageKnown && !f.CountUnreported) {
		return c
	}
	if !m.usageKnown {
		est := 0
		if m.estimated {
			est = m.estimate
		}
		c.Usage = Usage{PromptTokens: est, CompletionTokens: m.countOutput(f.UpstreamModel)}
		c.Flags |= FlagEstimatedUsage
	}
	model := f.ModelServed
	if model == "" {
		model = f.ModelRequested
	}
	tried, known := false, false
	for _, name := range [2]string{f.UpstreamModel, model} {
		if name == "" {
			continue
		}
		tried = true
		if c.CostPicos, known = prices.CostPicos(name, c.Usage); known {
			break
		}
	}
	if tried && !known {
		c.Flags |= FlagUnknownPrice
	}
	return c
}

// Record builds the request's ledger record from its facts and charge.
func (c Charge) Record(f *Facts) Record {
	return Record{
		Time: f.Start, RequestID: string(f.RequestID), Tenant: f.Tenant, Team: f.Team, KeyID: f.KeyID,
		ModelRequested: f.ModelRequested, ModelServed: f.ModelServed, Deployment: f.Deployment,
		Endpoint: f.Endpoint, Tags: f.Tags, Usage: c.Usage, CostPicos: c.CostPicos, CostMicros: c.CostMicros(),
		Status: f.Status, LatencyMs: f.Duration.Milliseconds(), Flags: c.Flags, BytesIn: f.BytesIn, BytesOut: f.BytesOut,
	}
}
