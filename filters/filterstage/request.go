package filterstage

import (
	"sort"
	"strings"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/policy"
)

// InspectRequest scans every text of the request and reports the kinds not
// allowed to the policy, aggregated ({kind, max score, count}).
func (s *Stage) InspectRequest(v gateway.View, findings []policy.Finding) []policy.Finding {
	set := s.cur.Load()
	st := statePool.Get().(*reqState)
	st.set = set
	tenant, key := "", ""
	if p := v.Principal(); p != nil {
		tenant, key = p.Tenant, p.KeyID
	}
	st.t = set.pol.tablesFor(tenant, key, v.Model())
	v.SetState(st)
	v.SetOutputProfile(st.t.profile)
	body := v.Body()
	st.inspected = body
	st.texts, _ = requestTexts(body, st.texts[:0]) // the gateway parsed the body: it is valid JSON
	for i, sp := range st.texts {
		st.fbuf = set.sc.Scan(st.tx.text(body, sp), st.fbuf[:0])
		for _, f := range st.fbuf {
			st.found = append(st.found, found{text: i, f: f})
		}
	}
	return aggregate(findings, st.found, &st.t.in)
}

// aggregate appends the findings the policy sees (kinds not allowed), one
// per kind with its highest score and its count.
func aggregate(dst []policy.Finding, fs []found, t *table) []policy.Finding {
	base := len(dst)
	for _, fd := range fs {
		if t.action(fd.f.Kind) == actAllow {
			continue
		}
		i := base
		for i < len(dst) && dst[i].Kind != fd.f.Kind {
			i++
		}
		if i == len(dst) {
			dst = append(dst, policy.Finding{Kind: fd.f.Kind})
		}
		dst[i].Count++
		dst[i].Score = max(dst[i].Score, fd.f.Score)
	}
	return dst
}

// ApplyDecision acts on the request's findings: the configured action per
// kind, raised to redact for the kinds in the policy's redact list. A deny
// refuses the request (400 content_filter); redactions and pseudonyms
// rewrite the body the upstream gets.
func (s *Stage) ApplyDecision(v gateway.View, d *policy.Decision) *gateway.APIError {
	st, _ := v.State().(*reqState)
	if st == nil {
		return nil
	}
	if len(d.Redact) > 0 { // the answer's redaction follows the policy too
		v.SetOutputProfile(withRedact(st.t.profile, d.Redact))
	}
	if len(st.found) == 0 {
		return nil
	}
	st.counted = true
	var denied []string
	rewrite := false
	for _, fd := range st.found {
		a := decided(&st.t.in, fd.f.Kind, d.Redact)
		st.tally.add(fd.f.Kind, false, a)
		switch {
		case a == actDeny:
			denied = appendUnique(denied, fd.f.Kind)
		case a.rewrites():
			rewrite = true
		}
	}
	if denied != nil {
		return contentFilter("the request was refused by the gateway's content filters: it contains ", denied)
	}
	if rewrite {
		body := v.Body()
		if len(body) != len(st.inspected) || len(body) == 0 || &body[0] != &st.inspected[0] {
			// The policy edited the body since (a max_tokens cap): the texts,
			// unchanged and in the same order, moved.
			st.texts, _ = requestTexts(body, st.texts[:0])
		}
		v.SetBody(st.rewriteRequest(body, d.Redact))
	}
	return nil
}

// rewriteRequest returns a new body with the request's texts rewritten:
// each redacted or pseudonymised finding replaced by its placeholder, the
// strings re-escaped. The body is the request's own (never pooled: the
// gateway reads it until the request is accounted).
func (st *reqState) rewriteRequest(body []byte, redact []string) []byte {
	out := make([]byte, 0, len(body)+len(body)/8+32)
	from, k := 0, 0
	for i, sp := range st.texts {
		st.edits = st.edits[:0]
		for ; k < len(st.found) && st.found[k].text == i; k++ {
			f := st.found[k].f
			if a := decided(&st.t.in, f.Kind, redact); a.rewrites() {
				st.edits = addEdit(st.edits, edit{start: f.Start, end: f.End, kind: f.Kind, act: a, restore: -1})
			}
		}
		if len(st.edits) == 0 {
			continue
		}
		out, from = spliceString(out, body, from, sp, st.tx.text(body, sp), st.edits, &st.vault, &st.tmp)
	}
	return append(out, body[from:]...)
}

func appendUnique(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// contentFilter is the error a denied request or answer gets: the code
// OpenAI and Azure clients know, the kinds named, never the values.
func contentFilter(msg string, kinds []string) *gateway.APIError {
	sort.Strings(kinds)
	return &gateway.APIError{Status: 400, Type: "invalid_request_error", Code: "content_filter",
		Message: msg + strings.Join(kinds, ", ")}
}

// Finish counts the request's findings (metrics, the ledger note) and
// drops its state.
func (s *Stage) Finish(v gateway.View, _ []byte) {
	st, _ := v.State().(*reqState)
	if st == nil {
		return
	}
	v.SetState(nil)
	if !st.counted { // refused before ApplyDecision: the configured actions
		for _, fd := range st.found {
			st.tally.add(fd.f.Kind, false, st.t.in.action(fd.f.Kind))
		}
	}
	if !st.outCounted {
		for _, fd := range st.outFound {
			st.tally.add(fd.f.Kind, true, st.t.out.action(fd.f.Kind))
		}
	}
	for _, r := range st.tally.rows {
		findingsTotal.inc(r.kind, r.act, r.n)
	}
	if len(st.tally.rows) > 0 {
		v.Note(st.tally.note())
	}
	st.release()
}
