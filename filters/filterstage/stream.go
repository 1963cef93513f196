package filterstage

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/jsonscan"
	"github.com/tollgate-ai/tollgate/internal/jsonw"
)

// InspectStream gives a streamed request its filter. It holds text back
// (the window) only when an output kind is redacted or denied, or when
// pseudonyms must be restored; otherwise text flows at once and the filter
// only counts what it sees.
func (s *Stage) InspectStream(v gateway.View) gateway.StreamFilter {
	st, _ := v.State().(*reqState)
	if st == nil {
		return nil
	}
	out := &st.t.out
	restore := st.vault.restorable()
	if !restore && out.def == actAllow && len(out.exact) == 0 && len(out.families) == 0 {
		return nil
	}
	st.outCounted = true // the filter counts what it releases
	f := &st.stream
	f.st, f.view, f.hold = st, v, out.holds || restore
	f.window, f.block = st.set.window, st.set.block
	if restore {
		f.window = max(f.window, maxPlaceholder)
	}
	return f
}

// streamFilter is one stream's hold-back window. Each text (a choice's
// content, each of its tool calls' arguments) is a lane, released once no
// finding can still start in what goes out (see holdPoint); a finding that
// started before that point is released whole, rewritten. The last
// contextKeep bytes released stay as the next scan's left context.
type streamFilter struct {
	st     *reqState
	view   gateway.View // to flag the answer for the cache (FlagOutput)
	hold   bool
	window int  // the longest run of text held back
	block  int  // the longest block held back (a private key, MaxSpan)
	compl  bool // a completions stream (choices[].text)
	lanes  []lane
	ch     chunk
	env    []byte // the last chunk with choices: the envelope of the chunks the filter makes
	open   int    // its choices array's '[' and ']'
	close  int
	out    []byte
	rel    []byte
	tmp    []byte
	ph     []byte
	edits  []edit
	etmp   []edit
	fbuf   []filters.Finding
}

var _ gateway.StreamFilter = (*streamFilter)(nil)

// lane is one text of the stream: buf[:ctx] is released context,
// buf[ctx:] is held.
type lane struct {
	choice, tool int
	buf          []byte
	ctx          int
	released     bool // the first text went out
	scanned      int  // len(buf) at the last scan
	done         bool
}

func (f *streamFilter) reset() {
	f.st, f.lanes, f.env, f.out, f.rel, f.tmp = nil, f.lanes[:0], keep(f.env), keep(f.out), keep(f.rel), keep(f.tmp)
}

func (f *streamFilter) lane(choice, tool int) *lane {
	for i := range f.lanes {
		if l := &f.lanes[i]; l.choice == choice && l.tool == tool {
			return l
		}
	}
	if len(f.lanes) < cap(f.lanes) {
		f.lanes = f.lanes[:len(f.lanes)+1]
		l := &f.lanes[len(f.lanes)-1]
		*l = lane{choice: choice, tool: tool, buf: l.buf[:0]}
		return l
	}
	f.lanes = append(f.lanes, lane{choice: choice, tool: tool})
	return &f.lanes[len(f.lanes)-1]
}

// Event takes one event of the stream and emits it with its text deltas
// replaced by what the window releases.
func (f *streamFilter) Event(ev []byte, out *gateway.Events) *gateway.APIError {
	data := jsonscan.EventData(ev)
	if data == nil || !parseChunk(data, &f.ch) || len(f.ch.texts)+len(f.ch.finished) == 0 {
		out.Emit(ev)
		return nil
	}
	f.env, f.open, f.close, f.compl = append(f.env[:0], data...), f.ch.open, f.ch.close, f.ch.completions
	f.out = f.out[:0]
	from := 0
	for _, t := range f.ch.texts {
		l := f.lane(t.choice, t.tool)
		l.buf, _ = appendText(l.buf, data, t.span)
		rel, denied := f.release(l, f.finishes(t.choice))
		if denied != "" {
			return f.deny(l, rel, denied, out)
		}
		if f.hold {
			f.out = append(f.out, data[from:t.span.start-1]...)
			f.out = jsonw.Bytes(f.out, rel)
			from = t.span.end + 1
		}
	}
	for _, c := range f.ch.finished { // the rest of a finished choice's texts goes out before its end
		for i := range f.lanes {
			if l := &f.lanes[i]; l.choice == c && !l.done {
				rel, denied := f.release(l, true)
				if denied != "" {
					return f.deny(l, rel, denied, out)
				}
				if f.hold && len(rel) > 0 {
					f.emitText(out, l, rel)
				}
			}
		}
	}
	if !f.hold {
		out.Emit(ev)
		return nil
	}
	f.out = append(f.out, data[from:]...)
	out.EmitData(f.out)
	return nil
}

// finishes reports whether this chunk ends choice c.
func (f *streamFilter) finishes(c int) bool {
	for _, x := range f.ch.finished {
		if x == c {
			return true
		}
	}
	return false
}

// Flush releases what every lane still holds at the end of the stream.
func (f *streamFilter) Flush(out *gateway.Events) *gateway.APIError {
	for i := range f.lanes {
		l := &f.lanes[i]
		if l.done {
			continue
		}
		rel, denied := f.release(l, true)
		if denied != "" {
			return f.deny(l, rel, denied, out)
		}
		if f.hold && len(rel) > 0 {
			f.emitText(out, l, rel)
		}
	}
	return nil
}

// deny ends the stream: the clean text before the denied finding, a chunk
// with finish_reason content_filter, then the error event (the gateway's).
func (f *streamFilter) deny(l *lane, clean []byte, kind string, out *gateway.Events) *gateway.APIError {
	if f.hold {
		if len(clean) > 0 {
			f.emitText(out, l, clean)
		}
		f.emitChoice(out, l, nil, true)
	}
	return contentFilter("the answer was stopped by the gateway's content filters: it contains ", []string{kind})
}

func (f *streamFilter) emitText(out *gateway.Events, l *lane, text []byte) {
	f.emitChoice(out, l, text, false)
}

// emitChoice emits a chunk of the filter's own in the last chunk's
// envelope (id, model, created kept): one choice carrying text, or the
// choice's end with finish_reason content_filter.
func (f *streamFilter) emitChoice(out *gateway.Events, l *lane, text []byte, filtered bool) {
	b := append(f.tmp[:0], f.env[:f.open+1]...)
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(l.choice), 10)
	switch {
	case filtered && f.compl:
		b = append(b, `,"text":"","finish_reason":"content_filter"}`...)
	case filtered:
		b = append(b, `,"delta":{},"finish_reason":"content_filter"}`...)
	case f.compl:
		b = append(b, `,"text":`...)
		b = jsonw.Bytes(b, text)
		b = append(b, `,"finish_reason":null}`...)
	case l.tool >= 0:
		b = append(b, `,"delta":{"tool_calls":[{"index":`...)
		b = strconv.AppendInt(b, int64(l.tool), 10)
		b = append(b, `,"function":{"arguments":`...)
		b = jsonw.Bytes(b, text)
		b = append(b, `}}]},"finish_reason":null}`...)
	default:
		b = append(b, `,"delta":{"content":`...)
		b = jsonw.Bytes(b, text)
		b = append(b, `},"finish_reason":null}`...)
	}
	b = append(b, f.env[f.close:]...)
	f.tmp = b
	out.EmitData(b)
}

// appendText appends the string s of data, unescaped.
func appendText(dst, data []byte, s strSpan) ([]byte, int) {
	if !s.escaped {
		return append(dst, data[s.start:s.end]...), s.end - s.start
	}
	return jsonscan.AppendUnescaped(dst, data[s.start:])
}

// release decides what lane l lets go (all of it when final): the text
// rewritten (redactions, restored pseudonyms), or, when a finding to deny
// is final, the clean text before it and the kind.
func (f *streamFilter) release(l *lane, final bool) (rel []byte, denied string) {
	st := f.st
	b := l.buf
	p := len(b)
	if !final {
		if l.released && len(b)-l.scanned < releaseBatch {
			return nil, ""
		}
		if p = f.holdPoint(b, l.ctx); p <= l.ctx {
			return nil, ""
		}
		l.scanned = len(b)
	}
	f.fbuf = st.outScanner().Scan(b, f.fbuf[:0])
	f.edits = f.edits[:0]
	restore := st.vault.restorable()
	k, scanned := 0, l.ctx
	for k < len(f.fbuf) && f.fbuf[k].Start < l.ctx {
		k++ // found before, in released text
	}
	for changed := true; changed; {
		changed = false
		for ; k < len(f.fbuf) && f.fbuf[k].Start < p; k++ {
			fd := f.fbuf[k]
			a := st.t.out.action(fd.Kind)
			st.tally.add(fd.Kind, true, a)
			if a != actAllow {
				st.outFound = append(st.outFound, found{text: -1, f: fd})
				f.view.FlagOutput()
				f.view.AddResponseFinding(fd.Kind, 1) // for later stages' Finish (the evals sample)
			}
			switch {
			case a == actDeny:
				return f.edited(b[:fd.Start], l.ctx), fd.Kind
			case a.rewrites():
				f.edits = insertEdit(f.edits, edit{start: fd.Start, end: fd.End, kind: fd.Kind, act: actRedact, restore: -1})
				if fd.End > p {
					p, changed = fd.End, true
				}
			}
		}
		for ; restore && scanned < p; scanned++ {
			if b[scanned] != '[' {
				continue
			}
			if item, n := st.vault.match(b[scanned:]); item >= 0 {
				f.edits = insertEdit(f.edits, edit{start: scanned, end: scanned + n, restore: item})
				if scanned+n > p {
					p, changed = scanned+n, true
				}
				scanned += n - 1
			}
		}
	}
	for p < len(b) && p > l.ctx && !utf8.RuneStart(b[p]) {
		p-- // never split a character
	}
	rel = f.edited(b[:p], l.ctx)
	// Keep the last bytes released as context for the next scan.
	keep := max(0, p-contextKeep)
	n := copy(b, b[keep:])
	l.buf, l.ctx, l.released, l.scanned = b[:n], p-keep, true, l.scanned-keep
	if final {
		l.done = true
	}
	return rel, ""
}

// How the window holds text back. Findings are runs without white space
// (addresses, tokens, keys, placeholders), short ones with spaces (cards,
// phones, IBANs: spacedSpan), or key blocks: so the last spacedSpan bytes
// are held, plus the run of non-space bytes they cut (up to window bytes),
// plus an open "-----BEGIN " block (up to block bytes).
const (
	spacedSpan   = 48 // the longest finding with spaces in it (a spaced card is 19+18)
	contextKeep  = 64 // left context a detector may read before a finding (a key's name)
	releaseBatch = 8  // bytes that must arrive before the next scan
)

// holdPoint is where lane text b (released up to ctx) may be released to.
func (f *streamFilter) holdPoint(b []byte, ctx int) int {
	n := len(b)
	p := n - spacedSpan
	if p <= ctx {
		return ctx
	}
	for floor := max(ctx, n-f.window); p > floor && !isSpace(b[p-1]) && !isSpace(b[p]); {
		p-- // not inside a run: back to its start
	}
	if i := bytes.LastIndex(b[ctx:p], pemBegin); i >= 0 && !bytes.Contains(b[ctx+i:], pemEnd) && n-(ctx+i) < f.block {
		p = ctx + i
	}
	for p > ctx && !utf8.RuneStart(b[p]) {
		p-- // never split a character
	}
	return p
}

var pemBegin, pemEnd = []byte("-----BEGIN "), []byte("-----END ")

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// edited returns text[from:] with the filter's edits that lie in it
// applied (overlaps merged).
func (f *streamFilter) edited(text []byte, from int) []byte {
	f.etmp = f.etmp[:0]
	for _, e := range f.edits {
		if e.start >= from && e.end <= len(text) {
			e.start, e.end = e.start-from, e.end-from
			f.etmp = addEdit(f.etmp, e)
		}
	}
	f.rel = appendEdited(f.rel[:0], text[from:], f.etmp, &f.st.vault)
	return f.rel
}

// insertEdit inserts e keeping edits sorted by start.
func insertEdit(edits []edit, e edit) []edit {
	edits = append(edits, e)
	for i := len(edits) - 1; i > 0 && edits[i-1].start > edits[i].start; i-- {
		edits[i-1], edits[i] = edits[i], edits[i-1]
	}
	return edits
}
