// Package injection scores text for prompt injection and jailbreak attempts:
// a calibrated probability in [0,1] from a small linear model over hashed
// word and character n-grams plus phrase heuristics, trained offline
// (filters/injection/train, `make train`) and shipped as model.bin.
//
// Long texts are scored in overlapping windows and the highest window wins,
// so an instruction buried in a long benign document (indirect injection in
// a tool result or a retrieved page) is not averaged away.
package injection

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
)

// DefaultThreshold is the score at or above which the shipped model's
// verdict is "injection": chosen for at most 2% false positives on held-out
// benign prompts (docs/filters.md, "Prompt injection").
const DefaultThreshold = 0.42

//go:embed model.bin
var shipped []byte

var (
	defaultOnce  sync.Once
	defaultModel *Model
)

// Default returns the shipped model, decoded once. It panics if the
// embedded file is corrupt, which a test catches before release.
func Default() *Model {
	defaultOnce.Do(func() {
		m, err := Load(shipped)
		if err != nil {
			panic("injection: embedded model: " + err.Error())
		}
		defaultModel = m
	})
	return defaultModel
}

// Model is a trained detector. Its methods are safe for concurrent use.
type Model struct {
	bits   uint    // log2 of the hashed weight table size
	window int     // folded bytes per window
	stride int     // folded bytes between window starts; a power of two dividing window
	alpha  float64 // hashed sums are divided by (events in window)^alpha
	scale  float64 // weight of one quantum of w
	bias   float64
	heur   []float64 // one weight per heuristic feature
	w      []int8    // hashed feature weights, quantised
	plattA float64   // calibration: p = sigmoid(plattA*z + plattB)
	plattB float64

	pool sync.Pool // *scratch
}

const (
	magic   = "TGINJ\x00\x00\x01"
	hdrSize = len(magic) + 4*4 + 6*8
)

// MarshalBinary encodes the model in the format Load reads: a fixed
// little-endian header, the heuristic weights, then the int8 table.
func (m *Model) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, hdrSize+8*len(m.heur)+len(m.w))
	b = append(b, magic...)
	for _, v := range []uint32{uint32(m.bits), uint32(m.window), uint32(m.stride), uint32(len(m.heur))} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	for _, v := range []float64{m.alpha, m.scale, m.bias, m.plattA, m.plattB, 0} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	for _, v := range m.heur {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	for _, v := range m.w {
		b = append(b, byte(v))
	}
	return b, nil
}

// Load decodes a model written by MarshalBinary.
func Load(b []byte) (*Model, error) {
	if len(b) < hdrSize || string(b[:len(magic)]) != magic {
		return nil, errors.New("not an injection model")
	}
	p := b[len(magic):]
	u := func() uint32 { v := binary.LittleEndian.Uint32(p); p = p[4:]; return v }
	f := func() float64 { v := math.Float64frombits(binary.LittleEndian.Uint64(p)); p = p[8:]; return v }
	m := &Model{bits: uint(u()), window: int(u()), stride: int(u())}
	nh := int(u())
	m.alpha, m.scale, m.bias, m.plattA, m.plattB = f(), f(), f(), f(), f()
	f() // reserved
	if nh != len(heuristics) {
		return nil, fmt.Errorf("model has %d heuristic weights, code has %d heuristics: retrain (make train)", nh, len(heuristics))
	}
	if m.bits < 8 || m.bits > 24 || m.stride <= 0 || m.stride&(m.stride-1) != 0 || m.window < m.stride || m.window%m.stride != 0 {
		return nil, errors.New("injection model: bad header")
	}
	if len(p) != 8*nh+1<<m.bits {
		return nil, fmt.Errorf("injection model: %d bytes after the header, want %d", len(p), 8*nh+1<<m.bits)
	}
	for range nh {
		m.heur = append(m.heur, f())
	}
	m.w = make([]int8, 1<<m.bits)
	for i := range m.w {
		m.w[i] = int8(p[i])
	}
	return m, nil
}

// Size is the encoded model's size in bytes.
func (m *Model) Size() int { return hdrSize + 8*len(m.heur) + len(m.w) }
