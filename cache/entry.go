package cache

import (
	"encoding/binary"
	"errors"
	"hash/crc32"

	"github.com/klauspost/compress/s2"
	"github.com/tollgate-ai/tollgate/metering"
)

// Kind is the shape of a stored answer.
type Kind uint8

const (
	// KindChat is a chat.completion object (the neutral form every chat
	// answer is stored in, streamed or not): served as JSON or replayed as
	// SSE chunks.
	KindChat Kind = 1
	// KindJSON is any other buffered answer (embeddings, completions),
	// served as it was.
	KindJSON Kind = 2
)

// Entry is one stored answer.
type Entry struct {
	Kind  Kind
	Model string // the model that answered: the cost saved is priced under it
	Usage metering.Usage
	Body  []byte // the answer as a buffered client gets it; never changed once stored
}

// size is what an entry weighs in memory (the L1 bound counts it).
func (e *Entry) size() int { return len(e.Body) + len(e.Model) + 64 }

// The encoded form (L2 values):
//
//	"TGC1" kind uvarint(prompt, completion, cached, reasoning) uvarint(len model) model
//	crc32c(header, body) uvarint(len body) s2(body)
//
// The checksum covers the header and the uncompressed body, so a corrupt or truncated
// value is detected (ErrCorrupt) and never served.
var magic = []byte("TGC1")

// ErrCorrupt reports a stored value that does not decode.
var ErrCorrupt = errors.New("cache: corrupt entry")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Encode appends e's encoded, compressed form to dst.
func (e *Entry) Encode(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, magic...)
	dst = append(dst, byte(e.Kind))
	for _, n := range [...]int{e.Usage.PromptTokens, e.Usage.CompletionTokens, e.Usage.CachedTokens, e.Usage.ReasoningTokens} {
		dst = binary.AppendUvarint(dst, uint64(max(n, 0)))
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Model)))
	dst = append(dst, e.Model...)
	sum := crc32.Update(crc32.Checksum(dst[start:], castagnoli), castagnoli, e.Body)
	dst = binary.BigEndian.AppendUint32(dst, sum)
	dst = binary.AppendUvarint(dst, uint64(len(e.Body)))
	return append(dst, s2.Encode(nil, e.Body)...)
}

// maxDecodedBody bounds what Decode inflates (a corrupt length must not
// allocate gigabytes).
const maxDecodedBody = 64 << 20

// DecodeEntry decodes what Encode wrote; anything else is ErrCorrupt.
func DecodeEntry(b []byte) (*Entry, error) {
	all := b
	if len(b) < len(magic)+1 || string(b[:len(magic)]) != string(magic) {
		return nil, ErrCorrupt
	}
	b = b[len(magic):]
	e := &Entry{Kind: Kind(b[0])}
	b = b[1:]
	if e.Kind != KindChat && e.Kind != KindJSON {
		return nil, ErrCorrupt
	}
	var u [4]int
	for i := range u {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > 1<<40 {
			return nil, ErrCorrupt
		}
		u[i], b = int(n), b[k:]
	}
	e.Usage = metering.Usage{PromptTokens: u[0], CompletionTokens: u[1], CachedTokens: u[2], ReasoningTokens: u[3]}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, ErrCorrupt
	}
	e.Model, b = string(b[k:k+int(n)]), b[k+int(n):]
	if len(b) < 4 {
		return nil, ErrCorrupt
	}
	header := all[:len(all)-len(b)]
	sum := binary.BigEndian.Uint32(b)
	b = b[4:]
	size, k := binary.Uvarint(b)
	if k <= 0 || size > maxDecodedBody {
		return nil, ErrCorrupt
	}
	b = b[k:]
	if dl, err := s2.DecodedLen(b); err != nil || uint64(dl) != size {
		return nil, ErrCorrupt
	}
	body, err := s2.Decode(nil, b)
	if err != nil || uint64(len(body)) != size || crc32.Update(crc32.Checksum(header, castagnoli), castagnoli, body) != sum {
		return nil, ErrCorrupt
	}
	e.Body = body
	return e, nil
}
