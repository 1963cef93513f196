package policy

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// fieldMask is a set of the input's fields: bit kind*maxObjectKeys+i is
// field i of object kind (objectKeys), so every field the lazy input can
// be asked for has a bit (5 objects × 11 keys fit in 64 bits).
type fieldMask uint64

func fieldBit(kind objectKind, i int) fieldMask { return 1 << (int(kind)*maxObjectKeys + i) }

// kindFields is every field of one object.
func kindFields(kind objectKind) fieldMask {
	return (1<<len(objectKeys[kind]) - 1) << (int(kind) * maxObjectKeys)
}

// allFields is every field of every object.
var allFields = func() (m fieldMask) {
	for k := range objectKinds {
		m |= kindFields(k)
	}
	return m
}()

// reads is the set of fields this decision looked at: each field asked for
// by a lookup (a field asked for twice is cached in got), and every field of
// an object built whole. Building the document itself whole reads
// everything. A deterministic program that sees the same values for these
// fields takes the same steps, so it reaches the same decision.
func (li *lazyInput) reads() fieldMask {
	if li.full&(1<<objInput) != 0 {
		return allFields
	}
	var m fieldMask
	for k := range objectKinds {
		switch {
		case li.full&(1<<k) != 0:
			m |= kindFields(k)
		case li.touched&(1<<k) != 0:
			for i := range objectKeys[k] {
				if li.got[k][i] != nil {
					m |= fieldBit(k, i)
				}
			}
		}
	}
	return m
}

// memoKeyMax caps a memo key: an input whose read fields take more (a long
// health map, many findings) is evaluated, not memoised.
const memoKeyMax = 512

// appendMemoKey appends the values of the fields in m, taken from in, to
// dst; false when they take more than memoKeyMax bytes. The encoding
// cannot collide: every field is self-delimiting (fixed-size numbers,
// length-prefixed strings, counted lists, maps in key order), the fields
// come in bit order, and a key is only compared with keys of the same mask.
// Each field encodes every Go value its term is built from (input_ast.go's
// field, principalTerm, healthTerm, timeTerm), so equal keys mean equal
// terms; TestMemoKeyCoversEveryField changes each value and checks the key.
// A bit outside allFields (no field) makes no key.
func appendMemoKey(dst []byte, in *Input, m fieldMask) ([]byte, bool) {
	for rest := m & allFields; rest != 0; rest &= rest - 1 { // set bits, lowest first
		b := bits.TrailingZeros64(uint64(rest))
		var ok bool
		if dst, ok = appendField(dst, in, objectKind(b/maxObjectKeys), b%maxObjectKeys); !ok || len(dst) > memoKeyMax {
			return dst, false
		}
	}
	return dst, m&^allFields == 0
}

// appendField encodes field i of object kind (see appendMemoKey).
func appendField(dst []byte, in *Input, kind objectKind, i int) ([]byte, bool) {
	switch kind {
	case objInput:
		switch i {
		case 0: // phase
			return appendStr(dst, in.Phase), true
		case 2: // principal
			p := &in.Principal
			dst = appendStr(appendStr(appendStr(dst, p.Tenant), p.Team), p.KeyID)
			return appendStrMap(dst, p.Tags)
		case 4: // findings
			return appendFindings(dst, in.Findings), true
		case 6: // health
			return appendHealth(dst, in.Health)
		case 7: // time
			return appendStr(appendInt(appendStr(dst, in.Time.Now), in.Time.Hour), in.Time.Weekday), true
		case 8: // response: the lazy object, present in the response phase only
			return appendBool(dst, in.Phase == "response"), true
		}
		return dst, true // request, estimate, spend: lazy objects, always there (their fields have bits)
	case objRequest:
		r := &in.Request
		switch i {
		case 0:
			return appendStr(dst, r.Endpoint), true
		case 1:
			return appendStr(dst, r.Model), true
		case 2:
			return appendBool(dst, r.Stream), true
		case 3:
			return appendInt(dst, r.MaxTokens), true
		case 4:
			return appendOptFloat(dst, r.HasTemperature, r.Temperature), true
		case 5:
			return appendInt(dst, r.N), true
		case 6:
			dst = appendInt(dst, len(r.Tools))
			for _, t := range r.Tools {
				dst = appendStr(dst, t)
			}
			return dst, true
		case 7:
			return appendInt(dst, r.MessageCount), true
		case 8:
			return appendInt(dst, r.PromptChars), true
		case 9:
			return appendStr(dst, r.User), true
		case 10:
			return appendStrMap(dst, r.Metadata)
		}
	case objEstimate:
		if i == 0 {
			return appendInt(dst, in.Estimate.PromptTokens), true
		}
		return appendF64(dst, in.Estimate.MaxCostUSD), true
	case objSpend:
		s := &in.Spend
		if i == 6 {
			return appendOptFloat(dst, s.HasBudget, s.BudgetRemaining), true
		}
		spent := [...]float64{s.TenantToday, s.TenantMonth, s.TeamToday, s.TeamMonth, s.KeyToday, s.KeyMonth}
		if i < len(spent) {
			return appendF64(dst, spent[i]), true
		}
	case objResponse:
		r := &in.Response
		switch i {
		case 0:
			return appendStr(dst, r.Model), true
		case 1:
			return appendStr(dst, r.FinishReason), true
		case 2:
			u := &r.Usage
			return appendInt(appendInt(appendInt(dst, u.PromptTokens), u.CompletionTokens), u.TotalTokens), true
		case 3:
			return appendFindings(dst, r.Findings), true
		}
	}
	return dst, false // a field this encoder does not know: never memoise it
}

func appendInt(dst []byte, i int) []byte { return binary.AppendVarint(dst, int64(i)) }

func appendF64(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendOptFloat(dst []byte, has bool, f float64) []byte {
	if !has {
		return append(dst, 0)
	}
	return appendF64(append(dst, 1), f)
}

func appendStr(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

func appendFindings(dst []byte, fs []Finding) []byte {
	dst = appendInt(dst, len(fs))
	for i := range fs {
		dst = appendInt(appendF64(appendStr(dst, fs[i].Kind), fs[i].Score), fs[i].Count)
	}
	return dst
}

// maxMemoMapKeys bounds the maps a key sorts (on the stack).
const maxMemoMapKeys = 16

func appendStrMap(dst []byte, m map[string]string) ([]byte, bool) {
	var buf [maxMemoMapKeys]string
	keys, ok := sortedMapKeys(buf[:0], m)
	if !ok {
		return dst, false
	}
	dst = appendInt(dst, len(keys))
	for _, k := range keys {
		dst = appendStr(appendStr(dst, k), m[k])
	}
	return dst, true
}

func appendHealth(dst []byte, m map[string]ModelHealth) ([]byte, bool) {
	var buf [maxMemoMapKeys]string
	keys, ok := sortedMapKeys(buf[:0], m)
	if !ok {
		return dst, false
	}
	dst = appendInt(dst, len(keys))
	for _, k := range keys {
		h := m[k]
		dst = appendF64(appendF64(appendStr(appendStr(dst, k), h.Status), h.ErrorRate), h.P99Ms)
	}
	return dst, true
}

func sortedMapKeys[V any](dst []string, m map[string]V) ([]string, bool) {
	if len(m) > cap(dst) {
		return dst, false
	}
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst)
	return dst, true
}
