package evals

import (
	"sort"
	"time"

	"github.com/tollgate-ai/tollgate/metering"
)

// LedgerFeedbackRow is one group's requests from the ledger with the
// feedback given on them. Cost is the ledger's, unchanged: feedback adds
// no cost and no request.
type LedgerFeedbackRow struct {
	Group     string  `json:"group"`
	Requests  int     `json:"requests"`
	CostUSD   float64 `json:"cost_usd"`
	Feedback  int     `json:"feedback"`   // requests with feedback
	Rate      float64 `json:"rate"`       // Feedback / Requests
	MeanScore float64 `json:"mean_score"` // over the requests with feedback
	Negative  int     `json:"negative"`
	Positive  int     `json:"positive"`
}

// LedgerFeedback is the join of feedback to ledger records.
type LedgerFeedback struct {
	GroupBy string              `json:"group_by"`
	Rows    []LedgerFeedbackRow `json:"rows"`
	// Unmatched counts feedback whose (tenant, request id) is in no
	// ledger record of the range: a mistyped id, a request outside the
	// range, or another tenant's id.
	Unmatched   int `json:"unmatched_feedback"`
	LedgerBad   int `json:"ledger_bad_lines"`
	FeedbackBad int `json:"feedback_malformed_lines"`
}

// LedgerGroups are the groupings JoinLedgerFeedback knows.
var LedgerGroups = map[string]func(*metering.Record) string{
	"model":  func(r *metering.Record) string { return firstNonEmpty(r.ModelServed, r.ModelRequested) },
	"key":    func(r *metering.Record) string { return r.KeyID },
	"tenant": func(r *metering.Record) string { return r.Tenant },
	"team":   func(r *metering.Record) string { return r.Team },
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// JoinLedgerFeedback reads the ledger (metering.ReadLedger: a directory,
// its ledger.jsonl or redis://…) in [from, to) and the feedback records
// of a sample source (ReadRecords), joins them by (tenant, request id)
// and returns per group the requests, their cost and the feedback on
// them. Feedback counts every request, sampled or not. groupBy is a key
// of LedgerGroups.
func JoinLedgerFeedback(ledgerSrc, feedbackSrc, groupBy string, from, to time.Time) (*LedgerFeedback, error) {
	group := LedgerGroups[groupBy]
	ix := FeedbackIndex{}
	st, err := ReadRecords(feedbackSrc, nil, func(f *Feedback) error { ix.Add(f); return nil })
	if err != nil {
		return nil, err
	}
	out := &LedgerFeedback{GroupBy: groupBy, FeedbackBad: st.Malformed}
	rows := map[string]*LedgerFeedbackRow{}
	sums := map[string]float64{}
	matched := map[JoinKey]bool{}
	_, bad, err := metering.ReadLedger(ledgerSrc, from, to, func(r *metering.Record) error {
		g := group(r)
		row := rows[g]
		if row == nil {
			row = &LedgerFeedbackRow{Group: g}
			rows[g] = row
		}
		row.Requests++
		row.CostUSD += float64(r.CostPicos) / 1e12
		k := JoinKey{r.Tenant, r.RequestID}
		f := ix[k]
		if f == nil || matched[k] {
			return nil // a request id seen twice (a replayed spool) is rated once
		}
		matched[k] = true
		row.Feedback++
		sums[g] += f.Score
		switch {
		case f.Score < 0:
			row.Negative++
		case f.Score > 0:
			row.Positive++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.LedgerBad = bad
	out.Unmatched = len(ix) - len(matched)
	for g, row := range rows {
		if row.Requests > 0 {
			row.Rate = float64(row.Feedback) / float64(row.Requests)
		}
		if row.Feedback > 0 {
			row.MeanScore = sums[g] / float64(row.Feedback)
		}
		out.Rows = append(out.Rows, *row)
	}
	sort.Slice(out.Rows, func(i, j int) bool { return out.Rows[i].Group < out.Rows[j].Group })
	return out, nil
}
