package mockllm

import (
	"encoding/base64"
	"encoding/binary"
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"math"
	"slices"

	"github.com/valyala/fastjson"
)

const maxEmbeddingInputs = 2048 // OpenAI's limit on inputs per request

// embedPlan is a parsed embeddings request.
type embedPlan struct {
	genPlan
	dims    int
	base64  bool
	lexical bool            // Options.Embeddings or x-mock-embeddings is "lexical"
	input   *fastjson.Value // the request's input, read again by lexical vectors
}

// parseEmbedding fills p from an embeddings body.
func (s *Server) parseEmbedding(v *fastjson.Value, deployment []byte, p *embedPlan) *apiError {
	if deployment != nil {
		p.model = deployment
	} else {
		m := v.Get("model")
		if m == nil || m.Type() != fastjson.TypeString || len(m.GetStringBytes()) == 0 {
			return badRequest("model", `missing required field "model" (a non-empty string)`)
		}
		p.model = m.GetStringBytes()
	}
	p.input = v.Get("input")
	if err := s.parsePrompts(v, "input", false, &p.genPlan); err != nil {
		return err
	}
	if p.prompts > maxEmbeddingInputs {
		return badRequest("input", `"input" may hold at most 2048 entries`)
	}
	var err *apiError
	if p.dims, err = optionalInt(v, "dimensions", DefaultDimensions, 1, maxDimensions); err != nil {
		return err
	}
	if f := v.Get("encoding_format"); f != nil && f.Type() != fastjson.TypeNull {
		switch string(f.GetStringBytes()) {
		case "float":
		case "base64":
			p.base64 = true
		default:
			return badRequest("encoding_format", `"encoding_format" must be "float" or "base64"`)
		}
	}
	p.ep, p.n = epEmbedding, 1
	p.seed = mix64(uint64(s.opts.Seed) + golden64)
	return nil
}

// embeddingComponent returns the unnormalised component d of the vector seeded by seed, in [-1, 1).
func embeddingComponent(seed uint64, d int) float64 {
	return float64(int64(mix64(seed+uint64(d+1)*golden64))) / (1 << 63)
}

// embeddingScale returns 1/|v| so that the vector of seed has unit length.
func embeddingScale(seed uint64, dims int) float64 {
	var sum float64
	for d := 0; d < dims; d++ {
		x := embeddingComponent(seed, d)
		sum += x * x
	}
	return 1 / math.Sqrt(sum)
}

// appendEmbeddingResponse renders the list of embeddings. scratch is reused for base64's raw bytes.
func (s *Server) appendEmbeddingResponse(dst, scratch []byte, p *embedPlan, usage bool) ([]byte, []byte) {
	dst = append(dst, `{"object":"list","data":[`...)
	for i := 0; i < p.prompts; i++ {
		it := p.prompt(i)
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"object":"embedding","index":`...)
		dst = appendInt(dst, i)
		dst = append(dst, `,"embedding":`...)
		if p.lexical {
			dst, scratch = appendLexical(dst, scratch, p, i)
			dst = append(dst, '}')
			continue
		}
		seed := mix64(it.hash ^ p.seed)
		scale := embeddingScale(seed, p.dims)
		if p.base64 {
			scratch = scratch[:0]
			for d := 0; d < p.dims; d++ {
				f := float32(embeddingComponent(seed, d) * scale)
				scratch = binary.LittleEndian.AppendUint32(scratch, math.Float32bits(f))
			}
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, scratch)
			dst = append(dst, '"')
		} else {
			dst = append(dst, '[')
			for d := 0; d < p.dims; d++ {
				if d > 0 {
					dst = append(dst, ',')
				}
				f := float32(embeddingComponent(seed, d) * scale)
				dst = appendFloat32(dst, f)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `],"model":`...)
	dst = jsonw.Bytes(dst, p.model)
	if usage {
		dst = p.appendUsage(dst)
	}
	return append(dst, '}'), scratch
}

// appendLexical renders the lexical vector of input i (see EmbeddingsLexical).
func appendLexical(dst, scratch []byte, p *embedPlan, i int) ([]byte, []byte) {
	vp := vecPool.Get().(*[]float32)
	vec := slices.Grow((*vp)[:0], p.dims)[:p.dims]
	lexicalInput(vec, p.input, i, p.seed)
	if p.base64 {
		scratch = scratch[:0]
		for _, f := range vec {
			scratch = binary.LittleEndian.AppendUint32(scratch, math.Float32bits(f))
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, scratch)
		dst = append(dst, '"')
	} else {
		dst = append(dst, '[')
		for d, f := range vec {
			if d > 0 {
				dst = append(dst, ',')
			}
			dst = appendFloat32(dst, f)
		}
		dst = append(dst, ']')
	}
	*vp = vec
	vecPool.Put(vp)
	return dst, scratch
}
