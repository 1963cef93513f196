package filterstage

import (
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/policy"
)

// FindInResponse reports the answer's findings to the response-phase
// policy: a buffered answer's (scanned here, kept for InspectResponse) or
// a stream's (what its filter released).
func (s *Stage) FindInResponse(v gateway.View, body []byte, findings []policy.Finding) []policy.Finding {
	st, _ := v.State().(*reqState)
	if st == nil {
		return findings
	}
	if body == nil {
		return aggregate(findings, st.outFound, &st.t.out)
	}
	st.scanAnswer(body)
	st.flagOutput(v)
	return aggregate(findings, st.outFound, &st.t.out)
}

// scanAnswer finds the findings in a buffered answer's texts.
func (st *reqState) scanAnswer(body []byte) {
	st.answer, _ = answerTexts(body, st.answer[:0])
	st.outFound = st.outFound[:0]
	for i, sp := range st.answer {
		st.fbuf = st.outScanner().Scan(st.tx.text(body, sp), st.fbuf[:0])
		for _, f := range st.fbuf {
			st.outFound = append(st.outFound, found{text: i, f: f})
		}
	}
	st.outBody = body
}

// InspectResponse applies the output actions to a buffered answer (the
// response policy's redact list raising kinds to redact): a deny withholds
// it (400 content_filter), redactions replace values by placeholders, and
// the request's pseudonyms are put back.
func (s *Stage) InspectResponse(v gateway.View, body []byte) ([]byte, *gateway.APIError) {
	st, _ := v.State().(*reqState)
	if st == nil {
		return body, nil
	}
	if len(st.outBody) != len(body) || len(body) == 0 || &st.outBody[0] != &body[0] {
		st.scanAnswer(body) // not scanned yet (no response policy), or the body moved
	}
	st.flagOutput(v)
	for _, fd := range st.outFound { // for later stages' Finish (the evals sample)
		v.AddResponseFinding(fd.f.Kind, 1)
	}
	restore := st.vault.restorable()
	if len(st.outFound) == 0 && !restore {
		return body, nil
	}
	redact := v.ResponseRedact()
	st.outCounted = true
	var denied []string
	rewrite := restore
	for _, fd := range st.outFound {
		a := decided(&st.t.out, fd.f.Kind, redact)
		st.tally.add(fd.f.Kind, true, a)
		switch {
		case a == actDeny:
			denied = appendUnique(denied, fd.f.Kind)
		case a.rewrites():
			rewrite = true
		}
	}
	if denied != nil {
		return nil, contentFilter("the answer was withheld by the gateway's content filters: it contains ", denied)
	}
	if !rewrite {
		return body, nil
	}
	out, from, k := st.replacement[:0], 0, 0
	for i, sp := range st.answer {
		st.edits = st.edits[:0]
		for ; k < len(st.outFound) && st.outFound[k].text == i; k++ {
			f := st.outFound[k].f
			if a := decided(&st.t.out, f.Kind, redact); a.rewrites() {
				st.edits = addEdit(st.edits, edit{start: f.Start, end: f.End, kind: f.Kind, act: actRedact, restore: -1})
			}
		}
		text := st.tx.text(body, sp)
		if restore {
			st.edits, st.etmp = addRestores(st.edits, st.etmp, text, 0, &st.vault)
		}
		if len(st.edits) == 0 {
			continue
		}
		out, from = spliceString(out, body, from, sp, text, st.edits, &st.vault, &st.tmp)
	}
	if from == 0 {
		return body, nil
	}
	st.replacement = append(out, body[from:]...)
	return st.replacement, nil
}

// flagOutput tells the cache not to keep the answer when a kind not
// allowed on output was found in it.
func (st *reqState) flagOutput(v gateway.View) {
	for _, fd := range st.outFound {
		if st.t.out.action(fd.f.Kind) != actAllow {
			v.FlagOutput()
			return
		}
	}
}
