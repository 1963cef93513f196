package metering

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
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
	// BytesIn and BytesOut are the request and response body sizes of
	// pass-through requests (0 = not measured; absent from older lines).
	BytesIn  int64 `json:"bytes_in,omitempty"`
	BytesOut int64 `json:"bytes_out,omitempty"`
	// AnsweredBy names the pipeline stage that answered the request itself
	// (a cache hit, a coalesced follower); "" when an upstream did.
	AnsweredBy string `json:"answered_by,omitempty"`
	// Stages holds the short notes pipeline stages leave on the request,
	// keyed by stage name (each stage writes only its own key, so stages
	// never collide): {"cache":"hit","filters":"redacted:email"}. Absent
	// from older lines and when no stage noted anything.
	Stages map[string]string `json:"stages,omitempty"`
	// Rollout is the variant of a rolled-out model that served the request
	// ("stable" or "candidate"), or "shadow" for a rollout's background
	// copy of a request (not charged to the key's budgets). Absent when no
	// rollout covers the model.
	Rollout string `json:"rollout,omitempty"`
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

// clone copies r so the caller may reuse it (Put copies the maps).
func (r *Record) clone() *Record {
	c := *r
	return &c
}

// appendJSON appends r as one JSON line (with the trailing newline): the ledger and spool format.
// Hand-written (the writer runs it for every request, and encoding/json's reflection was a tenth of
// the gateway's CPU under load); parseRecordLine reads it with encoding/json, and a test keeps the two
// in step.
func (r *Record) appendJSON(dst []byte) ([]byte, error) { return r.appendJSONClock(dst, nil) }

// appendJSONClock is appendJSON with the writer's clock formatting the
// time (a batch's records share their second); nil formats it afresh.
func (r *Record) appendJSONClock(dst []byte, clock *jsonw.Clock) ([]byte, error) {
	dst = append(dst, `{"time":"`...)
	if clock != nil {
		dst = clock.AppendRFC3339Nano(dst, r.Time)
	} else {
		dst = r.Time.AppendFormat(dst, time.RFC3339Nano)
	}
	dst = append(dst, `","request_id":`...)
	dst = jsonw.String(dst, r.RequestID)
	dst = optString(dst, `,"tenant":`, r.Tenant)
	dst = optString(dst, `,"team":`, r.Team)
	dst = optString(dst, `,"key_id":`, r.KeyID)
	dst = optString(dst, `,"model_requested":`, r.ModelRequested)
	dst = optString(dst, `,"model_served":`, r.ModelServed)
	dst = optString(dst, `,"deployment":`, r.Deployment)
	dst = optString(dst, `,"endpoint":`, r.Endpoint)
	dst = appendStringMap(dst, `,"tags":`, r.Tags)
	dst = appendInt(dst, `,"prompt_tokens":`, int64(r.PromptTokens))
	dst = appendInt(dst, `,"completion_tokens":`, int64(r.CompletionTokens))
	dst = optInt(dst, `,"cached_tokens":`, int64(r.CachedTokens))
	dst = optInt(dst, `,"reasoning_tokens":`, int64(r.ReasoningTokens))
	dst = appendInt(dst, `,"cost_picos":`, r.CostPicos)
	dst = appendInt(dst, `,"cost_micros":`, r.CostMicros)
	dst = optInt(dst, `,"cost_saved_picos":`, r.CostSavedPicos)
	dst = optInt(dst, `,"cost_saved_micros":`, r.CostSavedMicros)
	dst = appendInt(dst, `,"status":`, int64(r.Status))
	if r.CacheHit {
		dst = append(dst, `,"cache_hit":true`...)
	}
	dst = appendInt(dst, `,"latency_ms":`, r.LatencyMs)
	dst = optInt(dst, `,"flags":`, int64(r.Flags))
	dst = optInt(dst, `,"bytes_in":`, r.BytesIn)
	dst = optInt(dst, `,"bytes_out":`, r.BytesOut)
	dst = optString(dst, `,"answered_by":`, r.AnsweredBy)
	dst = appendStringMap(dst, `,"stages":`, r.Stages)
	dst = optString(dst, `,"rollout":`, r.Rollout)
	return append(dst, "}\n"...), nil
}

// appendStringMap appends key and m as a JSON object with sorted keys, or
// nothing when m is empty (omitempty).
func appendStringMap(dst []byte, key string, m map[string]string) []byte {
	if len(m) == 0 {
		return dst
	}
	dst = append(dst, key...)
	dst = append(dst, '{')
	if len(m) == 1 { // the usual tags: one pair, nothing to sort
		for k, v := range m {
			dst = appendPair(dst, k, v)
		}
		return append(dst, '}')
	}
	var buf [8]string // sorted on the stack for small maps
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendPair(dst, k, m[k])
	}
	return append(dst, '}')
}

func appendPair(dst []byte, k, v string) []byte {
	dst = jsonw.String(dst, k)
	dst = append(dst, ':')
	return jsonw.String(dst, v)
}

func optString(dst []byte, key, v string) []byte {
	if v == "" {
		return dst
	}
	return jsonw.String(append(dst, key...), v)
}

func appendInt(dst []byte, key string, v int64) []byte {
	return strconv.AppendInt(append(dst, key...), v, 10)
}

func optInt(dst []byte, key string, v int64) []byte {
	if v == 0 {
		return dst
	}
	return appendInt(dst, key, v)
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
