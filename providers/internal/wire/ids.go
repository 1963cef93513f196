package wire

import (
	"crypto/rand"
	"encoding/binary"
	"sync/atomic"
)

// IDs makes answer and tool-call ids unique within the process: a random
// salt mixed with a sequence, 24 hex digits.
type IDs struct {
	salt uint64
	seq  atomic.Uint64
}

// NewIDs returns a generator with a fresh random salt.
func NewIDs() *IDs {
	var b [8]byte
	rand.Read(b[:])
	return &IDs{salt: binary.LittleEndian.Uint64(b[:])}
}

// Append appends prefix and a fresh id.
func (g *IDs) Append(dst []byte, prefix string) []byte {
	n := g.seq.Add(1)
	dst = append(dst, prefix...)
	for _, x := range [2]uint64{mix(g.salt ^ n), mix(g.salt + n*0x9e3779b97f4a7c15)} {
		for shift := 44; shift >= 0; shift -= 4 {
			dst = append(dst, "0123456789abcdef"[(x>>uint(shift))&0xf])
		}
	}
	return dst
}

func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// SeededIDs returns a generator with a fixed salt, for golden tests.
func SeededIDs(salt uint64) *IDs { return &IDs{salt: salt} }
