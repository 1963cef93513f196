// Package refusal tells whether a model's answer refuses the request: a
// score in [0,1] from a small logistic regression over phrase heuristics
// (how any assistant says no, or yes) and hashed word n-grams, trained
// offline on the XSTest completions (evals/refusal/train, `make
// train-refusal`) and shipped as model.bin. Full refusals and partial
// ones (a refusal with a redirect or a diluted answer) count as refusals.
//
// The model is trained on one model's completions (Mistral-Instruct) and
// measured on another's (GPT-4), so its quality numbers (docs/evals.md,
// "Refusal detector") are for a model it has never seen.
package refusal

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"math"
	"sync"
)

// Threshold is the score at or above which Detect says "refusal": 0.5,
// the calibrated midpoint; on the held-out model it balances precision
// and recall (docs/evals.md, "Refusal detector").
const Threshold = 0.5

//go:embed model.bin
var shipped []byte

var (
	defaultOnce  sync.Once
	defaultModel *Model
)

// Default returns the shipped model, decoded once. It panics if the
// embedded file is corrupt, which the package tests catch before release.
func Default() *Model {
	defaultOnce.Do(func() {
		m, err := Load(shipped)
		if err != nil {
			panic("refusal: embedded model: " + err.Error())
		}
		defaultModel = m
	})
	return defaultModel
}

// Score is Default().Score(text).
func Score(text string) float64 { return Default().Score(text) }

// Detect is Default().Detect(text).
func Detect(text string) (refusal bool, score float64) { return Default().Detect(text) }

// Model is a trained detector; its methods are safe for concurrent use.
type Model struct {
	bits uint
	bias float64
	heur [numHeuristics]float64
	w    []float32

	pool sync.Pool // *scratch
}

type scratch struct {
	norm []byte
	f    features
}

const magic = "TGREF\x00\x00\x01"

// MarshalBinary encodes the model: magic, bits, heuristic count, bias and
// heuristic weights as float64, then the hashed weights as float32, all
// little-endian.
func (m *Model) MarshalBinary() ([]byte, error) {
	b := append([]byte(nil), magic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(m.bits))
	b = binary.LittleEndian.AppendUint32(b, numHeuristics)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.bias))
	for _, v := range m.heur {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	for _, v := range m.w {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b, nil
}

// Load decodes a model written by MarshalBinary.
func Load(b []byte) (*Model, error) {
	hdr := len(magic) + 8 + 8 + 8*numHeuristics
	if len(b) < hdr || string(b[:len(magic)]) != magic {
		return nil, errors.New("not a refusal model")
	}
	p := b[len(magic):]
	bits := binary.LittleEndian.Uint32(p)
	if binary.LittleEndian.Uint32(p[4:]) != numHeuristics {
		return nil, errors.New("refusal model: heuristic count differs from this build")
	}
	if bits < 8 || bits > 24 || len(b) != hdr+4<<bits {
		return nil, errors.New("refusal model: bad size")
	}
	m := &Model{bits: uint(bits), bias: math.Float64frombits(binary.LittleEndian.Uint64(p[8:]))}
	p = p[16:]
	for i := range m.heur {
		m.heur[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*i:]))
	}
	p = p[8*numHeuristics:]
	m.w = make([]float32, 1<<bits)
	for i := range m.w {
		m.w[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
	}
	return m, nil
}

// Score returns the probability in [0,1] that text is a refusal.
func (m *Model) Score(text string) float64 {
	s, _ := m.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	s.norm = extract(text, m.bits, s.norm, &s.f)
	z := m.logit(&s.f)
	m.pool.Put(s)
	return 1 / (1 + math.Exp(-z))
}

// Detect returns the verdict at Threshold and the score.
func (m *Model) Detect(text string) (bool, float64) {
	p := m.Score(text)
	return p >= Threshold, p
}

// logit is the linear part; hashed counts are scaled by 1/sqrt(n) so long
// answers do not swamp the heuristics.
func (m *Model) logit(f *features) float64 {
	z := m.bias
	for i, v := range f.heur {
		z += m.heur[i] * v
	}
	if n := len(f.idx); n > 0 {
		var sum float64
		for _, i := range f.idx {
			sum += float64(m.w[i])
		}
		z += sum / math.Sqrt(float64(n))
	}
	return z
}
