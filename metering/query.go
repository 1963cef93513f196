package metering

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// UsageQuery selects and groups ledger aggregates. From is rounded down and To up to whole UTC hours
// (the aggregate resolution); the response reports the range actually used.
type UsageQuery struct {
	GroupBy []string // tenant, team, key, model, day, tag:NAME; empty = one total row
	From    time.Time
	To      time.Time
}

// maxQueryRange bounds a query so one request cannot scan years of Redis hashes.
const maxQueryRange = 400 * 24 * time.Hour

// QueryError is a bad query parameter; the HTTP layer answers 400 with Param.
type QueryError struct {
	Param string
	Msg   string
}

func (e *QueryError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Param, e.Msg) }

// ParseUsageQuery builds a query from the group_by, from and to parameters (get returns "" when absent).
// Defaults: from = start of the current UTC month, to = now.
func ParseUsageQuery(get func(name string) string, now time.Time) (UsageQuery, error) {
	var q UsageQuery
	if gb := strings.TrimSpace(get("group_by")); gb != "" {
		seen := map[string]bool{}
		for _, g := range strings.Split(gb, ",") {
			g = strings.TrimSpace(g)
			if err := validGroup(g); err != nil {
				return q, &QueryError{Param: "group_by", Msg: err.Error()}
			}
			if !seen[g] {
				seen[g] = true
				q.GroupBy = append(q.GroupBy, g)
			}
		}
	}
	now = now.UTC()
	q.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	q.To = now
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		v := strings.TrimSpace(get(p.name))
		if v == "" {
			continue
		}
		t, err := parseTimeParam(v)
		if err != nil {
			return q, &QueryError{Param: p.name, Msg: err.Error()}
		}
		*p.dst = t
	}
	return q, q.normalize()
}

func parseTimeParam(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-01-02T15:04:05Z) or a date (2026-01-02)", v)
}

// normalize rounds the range to whole hours and checks it.
func (q *UsageQuery) normalize() error {
	q.From = q.From.UTC().Truncate(bucketWidth)
	if to := q.To.UTC(); to.Truncate(bucketWidth).Equal(to) {
		q.To = to
	} else {
		q.To = to.Truncate(bucketWidth).Add(bucketWidth)
	}
	if !q.To.After(q.From) {
		return &QueryError{Param: "to", Msg: fmt.Sprintf("to (%s) must be after from (%s)", q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))}
	}
	if q.To.Sub(q.From) > maxQueryRange {
		return &QueryError{Param: "from", Msg: fmt.Sprintf("range %s is longer than the maximum %s; query in parts", q.To.Sub(q.From), maxQueryRange)}
	}
	for _, g := range q.GroupBy {
		if err := validGroup(g); err != nil {
			return &QueryError{Param: "group_by", Msg: err.Error()}
		}
	}
	return nil
}

func validGroup(g string) error {
	switch g {
	case "tenant", "team", "key", "model", "day":
		return nil
	}
	if name, ok := strings.CutPrefix(g, "tag:"); ok && name != "" {
		return nil
	}
	return fmt.Errorf("unknown group %q; use tenant, team, key, model, day or tag:NAME", g)
}

// UsageRow is one group of a usage query.
type UsageRow struct {
	GroupBy []string // the query's groups
	Values  []string // one value per group
	Totals
}

// CostUSD is the row's cost in dollars: the float conversion happens only here, at the edge.
func (r UsageRow) CostUSD() float64 { return float64(r.CostPicos) / 1e12 }

// usageMetricColumns are the numeric columns of JSON and CSV output, in order.
var usageMetricColumns = []string{"requests", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens",
	"cost_usd", "cost_saved_usd", "cache_hits", "errors", "avg_latency_ms", "flagged"}

func (r UsageRow) metricValues() []string {
	avg := "0"
	if r.Requests > 0 {
		avg = strconv.FormatInt(r.LatencyMsSum/r.Requests, 10)
	}
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	return []string{i(r.Requests), i(r.PromptTokens), i(r.CompletionTokens), i(r.CachedTokens), i(r.ReasoningTokens),
		FormatUSD(r.CostPicos), FormatUSD(r.CostSavedPicos), i(r.CacheHits), i(r.Errors), avg, i(r.Flagged)}
}

// MarshalJSON writes {"tenant":"a",…,"requests":N,…,"cost_usd":X}; numbers are JSON numbers.
func (r UsageRow) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, g := range r.GroupBy {
		b = appendJSONString(b, groupColumn(g))
		b = append(b, ':')
		b = appendJSONString(b, r.Values[i])
		b = append(b, ',')
	}
	for i, v := range r.metricValues() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, usageMetricColumns[i])
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// groupColumn names a group in output: tag:team → tag_team avoids ':' in CSV headers and JSON keys.
func groupColumn(g string) string {
	if name, ok := strings.CutPrefix(g, "tag:"); ok {
		return "tag_" + name
	}
	return g
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // cannot fail for a string
	return append(b, q...)
}

// usageResponse is the JSON body of GET /v1/usage.
type usageResponse struct {
	Object  string     `json:"object"`
	From    string     `json:"from"`
	To      string     `json:"to"`
	GroupBy []string   `json:"group_by"`
	Data    []UsageRow `json:"data"`
}

// WriteUsageJSON writes rows as the /v1/usage JSON body.
func WriteUsageJSON(w io.Writer, q UsageQuery, rows []UsageRow) error {
	gb := q.GroupBy
	if gb == nil {
		gb = []string{}
	}
	if rows == nil {
		rows = []UsageRow{}
	}
	return json.NewEncoder(w).Encode(usageResponse{Object: "list", From: q.From.Format(time.RFC3339), To: q.To.Format(time.RFC3339), GroupBy: gb, Data: rows})
}

// WriteUsageCSV writes rows as CSV with a header line.
func WriteUsageCSV(w io.Writer, q UsageQuery, rows []UsageRow) error {
	cw := csv.NewWriter(w)
	header := make([]string, 0, len(q.GroupBy)+len(usageMetricColumns))
	for _, g := range q.GroupBy {
		header = append(header, groupColumn(g))
	}
	if err := cw.Write(append(header, usageMetricColumns...)); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(append(append([]string{}, r.Values...), r.metricValues()...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
