package wire

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fastjson"
)

// EmbedFormat is the encoding_format a client asked for.
type EmbedFormat uint8

const (
	EmbedFloat  EmbedFormat = iota // a JSON array of numbers
	EmbedBase64                    // little-endian float32s, base64 (the OpenAI Python SDK's default)
)

// CheckEmbedFields refuses embeddings fields the translation cannot carry.
func CheckEmbedFields(v *fastjson.Value, provider string) *providers.Error {
	o, err := v.Object()
	if err != nil {
		return Invalid(provider, "body", "not a JSON object")
	}
	var perr *providers.Error
	o.Visit(func(k []byte, f *fastjson.Value) {
		if perr != nil {
			return
		}
		switch string(k) {
		case "model", "input", "dimensions", "user", "input_type":
		case "encoding_format":
			if s := string(f.GetStringBytes()); s != "float" && s != "base64" {
				perr = Invalid(provider, "encoding_format", "want float or base64")
			}
		default:
			perr = Unsupported(provider, string(k), "")
		}
	})
	return perr
}

// EmbedFormatOf reads encoding_format from an embeddings request body.
func EmbedFormatOf(body []byte) EmbedFormat {
	if string(fastjson.GetBytes(body, "encoding_format")) == "base64" {
		return EmbedBase64
	}
	return EmbedFloat
}

// AppendEmbedding appends one {"object":"embedding","index":i,"embedding":…}.
func AppendEmbedding(dst []byte, i int, values []*fastjson.Value, f EmbedFormat) []byte {
	dst = append(dst, `{"object":"embedding","index":`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	dst = append(dst, `,"embedding":`...)
	if f == EmbedBase64 {
		raw := make([]byte, 4*len(values))
		for j, x := range values {
			binary.LittleEndian.PutUint32(raw[4*j:], math.Float32bits(float32(x.GetFloat64())))
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, raw)
		return append(dst, `"}`...)
	}
	dst = append(dst, '[')
	for j, x := range values {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = x.MarshalTo(dst)
	}
	return append(dst, "]}"...)
}
