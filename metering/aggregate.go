package metering

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// Aggregates are kept per UTC hour and per full set of dimensions (tenant, team, key, model, tags);
// queries sum hours and regroup. So a query's time resolution is one hour.
const bucketWidth = time.Hour

// Totals are the summed numbers of a group of records.
type Totals struct {
	Requests         int64 `json:"requests"`
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	CachedTokens     int64 `json:"cached_tokens"`
	ReasoningTokens  int64 `json:"reasoning_tokens"`
	CostPicos        int64 `json:"cost_picos"`
	CostSavedPicos   int64 `json:"cost_saved_picos"`
	CacheHits        int64 `json:"cache_hits"`
	Errors           int64 `json:"errors"`
	LatencyMsSum     int64 `json:"latency_ms_sum"`
	Flagged          int64 `json:"flagged"`
}

// totalsFields names each Totals field in Redis hashes, in a fixed order shared with the Lua script.
var totalsFields = []string{"n", "p", "c", "ca", "r", "cost", "saved", "hit", "err", "lat", "flag"}

func (t *Totals) ptrs() []*int64 {
	return []*int64{&t.Requests, &t.PromptTokens, &t.CompletionTokens, &t.CachedTokens, &t.ReasoningTokens,
		&t.CostPicos, &t.CostSavedPicos, &t.CacheHits, &t.Errors, &t.LatencyMsSum, &t.Flagged}
}

func (t *Totals) add(o *Totals) {
	a, b := t.ptrs(), o.ptrs()
	for i := range a {
		*a[i] += *b[i]
	}
}

func recordTotals(r *Record) Totals {
	t := Totals{
		Requests:         1,
		PromptTokens:     int64(r.PromptTokens),
		CompletionTokens: int64(r.CompletionTokens),
		CachedTokens:     int64(r.CachedTokens),
		ReasoningTokens:  int64(r.ReasoningTokens),
		CostPicos:        r.CostPicos,
		CostSavedPicos:   r.CostSavedPicos,
		LatencyMsSum:     max(r.LatencyMs, 0),
	}
	if r.CacheHit {
		t.CacheHits = 1
	}
	if r.Status >= 400 || r.Status == 0 {
		t.Errors = 1
	}
	if r.Flags != 0 {
		t.Flagged = 1
	}
	return t
}

// Separators inside an encoded dimension string; stripped from names so they cannot forge fields.
const (
	sepField = "\x1f"
	sepTag   = "\x1e"
	sepKV    = "\x1c"
)

// encodeDims encodes a record's dimensions as one string: tenant, team, key, model, sorted tags.
func encodeDims(r *Record) string { return string(appendDims(nil, r)) }

// appendDims appends encodeDims(r) to dst: with a reused dst, the file
// store looks a record's aggregate up without allocating.
func appendDims(dst []byte, r *Record) []byte {
	for _, s := range [4]string{r.Tenant, r.Team, r.KeyID, r.model()} {
		dst = append(appendStripped(dst, s), sepField...)
	}
	switch len(r.Tags) {
	case 0:
		return dst
	case 1: // nothing to sort
		for k, v := range r.Tags {
			dst = appendStripped(append(appendStripped(dst, k), sepKV...), v)
		}
		return dst
	}
	var buf [8]string
	keys := buf[:0]
	for k := range r.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, sepTag...)
		}
		dst = append(appendStripped(dst, k), sepKV...)
		dst = appendStripped(dst, r.Tags[k])
	}
	return dst
}

// appendStripped appends s without the separator bytes (0x1c–0x1f), so a
// name cannot forge fields.
func appendStripped(dst []byte, s string) []byte {
	for {
		i := 0
		for i < len(s) && (s[i] < 0x1c || s[i] > 0x1f) {
			i++
		}
		dst = append(dst, s[:i]...)
		if i == len(s) {
			return dst
		}
		s = s[i+1:]
	}
}

// dims is a decoded dimension string.
type dims struct {
	tenant, team, key, model string
	tags                     map[string]string
}

func decodeDims(s string) dims {
	parts := strings.SplitN(s, sepField, 5)
	for len(parts) < 5 {
		parts = append(parts, "")
	}
	d := dims{tenant: parts[0], team: parts[1], key: parts[2], model: parts[3]}
	if parts[4] != "" {
		d.tags = map[string]string{}
		for _, kv := range strings.Split(parts[4], sepTag) {
			k, v, _ := strings.Cut(kv, sepKV)
			d.tags[k] = v
		}
	}
	return d
}

func (d dims) value(group string) string {
	switch group {
	case "tenant":
		return d.tenant
	case "team":
		return d.team
	case "key":
		return d.key
	case "model":
		return d.model
	}
	if name, ok := strings.CutPrefix(group, "tag:"); ok {
		return d.tags[name]
	}
	return ""
}

// hourOf returns the bucket (hours since the Unix epoch) holding t.
func hourOf(t time.Time) int64 { return t.Unix() / int64(bucketWidth/time.Second) }

// grouper sums (hour, dims) aggregates into query rows.
type grouper struct {
	q    UsageQuery
	rows map[string]*UsageRow
}

func newGrouper(q UsageQuery) *grouper { return &grouper{q: q, rows: map[string]*UsageRow{}} }

func (g *grouper) add(hour int64, encodedDims string, t *Totals) {
	if hour < hourOf(g.q.From) || hour >= hourOf(g.q.To) {
		return
	}
	d := decodeDims(encodedDims)
	vals := make([]string, len(g.q.GroupBy))
	for i, gb := range g.q.GroupBy {
		if gb == "day" {
			vals[i] = time.Unix(hour*3600, 0).UTC().Format(time.DateOnly)
			continue
		}
		vals[i] = d.value(gb)
	}
	k := strings.Join(vals, sepField)
	row := g.rows[k]
	if row == nil {
		row = &UsageRow{GroupBy: g.q.GroupBy, Values: vals}
		g.rows[k] = row
	}
	row.Totals.add(t)
}

// result returns rows sorted by group values, so output is stable.
func (g *grouper) result() []UsageRow {
	out := make([]UsageRow, 0, len(g.rows))
	for _, r := range g.rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		return strings.Join(out[i].Values, sepField) < strings.Join(out[j].Values, sepField)
	})
	return out
}
