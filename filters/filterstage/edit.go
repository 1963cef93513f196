package filterstage

import (
	"github.com/tollgate-ai/tollgate/internal/jsonscan"
	"github.com/tollgate-ai/tollgate/internal/jsonw"
)

// edit replaces text[start:end]: by a placeholder for a finding of kind
// (act redact or pseudonymize), or by vault item restore's original.
type edit struct {
	start, end int
	kind       string
	act        action
	restore    int // -1 unless the edit puts a pseudonymised value back
}

// addEdit appends e to edits sorted by start, merging an overlap into the
// edit before it (one placeholder covers both).
func addEdit(edits []edit, e edit) []edit {
	if n := len(edits); n > 0 && e.start < edits[n-1].end {
		last := &edits[n-1]
		last.end = max(last.end, e.end)
		if last.restore >= 0 { // a finding over a restored placeholder: redact the lot
			last.restore, last.kind, last.act = -1, e.kind, e.act
		}
		return edits
	}
	return append(edits, e)
}

// addRestores adds an edit for each pseudonym placeholder in text[from:]
// that lies outside the edits already there, keeping edits sorted.
func addRestores(edits, tmp []edit, text []byte, from int, v *vault) (out, scratch []edit) {
	tmp = append(tmp[:0], edits...)
	out = edits[:0]
	k := 0
	for i := from; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		item, n := v.match(text[i:])
		if item < 0 {
			continue
		}
		for k < len(tmp) && tmp[k].end <= i {
			out = append(out, tmp[k])
			k++
		}
		if k < len(tmp) && tmp[k].start < i+n {
			continue // inside a finding's edit
		}
		out = append(out, edit{start: i, end: i + n, restore: item})
		i += n - 1
	}
	out = append(out, tmp[k:]...)
	return out, tmp
}

// appendEdited appends text with edits applied (unescaped).
func appendEdited(dst, text []byte, edits []edit, v *vault) []byte {
	last := 0
	for _, e := range edits {
		dst = append(dst, text[last:e.start]...)
		if e.restore >= 0 {
			dst = append(dst, v.value(e.restore)...)
		} else {
			dst = v.placeholder(dst, e.kind, text[e.start:e.end], e.act == actPseudo)
		}
		last = e.end
	}
	return append(dst, text[last:]...)
}

// texter unescapes the JSON strings it is asked for into its own buffer.
type texter struct{ buf []byte }

// text returns s's text in body: the bytes themselves when s has no
// escapes, else its unescaped copy (valid until the next call).
func (t *texter) text(body []byte, s strSpan) []byte {
	if !s.escaped {
		return body[s.start:s.end]
	}
	t.buf, _ = jsonscan.AppendUnescaped(t.buf[:0], body[s.start:])
	return t.buf
}

// spliceString appends body[from:s.start-1] and then text with edits as a
// quoted JSON string in place of s; it returns where body continues.
func spliceString(dst, body []byte, from int, s strSpan, text []byte, edits []edit, v *vault, tmp *[]byte) ([]byte, int) {
	dst = append(dst, body[from:s.start-1]...)
	*tmp = appendEdited((*tmp)[:0], text, edits, v)
	dst = jsonw.Bytes(dst, *tmp)
	return dst, s.end + 1
}
