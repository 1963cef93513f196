package gemini

import (
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fastjson"
)

// appendEmbed appends an embedContent body for one input string, or a
// batchEmbedContents body (batch true) for a list of strings.
func appendEmbed(dst []byte, v *fastjson.Value, model string) ([]byte, bool, *providers.Error) {
	if err := wire.CheckEmbedFields(v, name); err != nil {
		return dst, false, err
	}
	dims := v.Get("dimensions")
	if dims != nil && dims.Type() == fastjson.TypeNull {
		dims = nil
	}
	if dims != nil && dims.GetInt() < 1 {
		return dst, false, wire.Invalid(name, "dimensions", "want a positive integer")
	}
	in := v.Get("input")
	switch {
	case in == nil:
		return dst, false, wire.Invalid(name, "input", "missing")
	case in.Type() == fastjson.TypeString:
		dst = appendEmbedRequest(dst, in.GetStringBytes(), dims, "")
		return dst, false, nil
	case in.Type() != fastjson.TypeArray || len(in.GetArray()) == 0:
		return dst, false, wire.Invalid(name, "input", "want a string or a non-empty array of strings")
	}
	dst = append(dst, `{"requests":[`...)
	for i, s := range in.GetArray() {
		if s.Type() != fastjson.TypeString {
			return dst, false, wire.Unsupported(name, "input", "token ids: Gemini embeds text only")
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendEmbedRequest(dst, s.GetStringBytes(), dims, model)
	}
	return append(dst, "]}"...), true, nil
}

// appendEmbedRequest writes one EmbedContentRequest; model is needed only
// inside a batch.
func appendEmbedRequest(dst, text []byte, dims *fastjson.Value, model string) []byte {
	dst = append(dst, '{')
	if model != "" {
		dst = append(dst, `"model":"models/`...)
		dst = append(dst, model...)
		dst = append(dst, `",`...)
	}
	dst = append(dst, `"content":{"parts":[{"text":`...)
	dst = jsonw.Bytes(dst, text)
	dst = append(dst, `}]}`...)
	if dims != nil {
		dst = append(dst, `,"outputDimensionality":`...)
		dst = dims.MarshalTo(dst)
	}
	return append(dst, '}')
}

func embedFormat(body []byte) wire.EmbedFormat { return wire.EmbedFormatOf(body) }

// appendEmbeddingList writes OpenAI's embeddings list for an
// embedContent ({"embedding":{"values"}}) or batchEmbedContents
// ({"embeddings":[{"values"}]}) answer. No usage: Gemini reports none.
func appendEmbeddingList(dst []byte, v *fastjson.Value, model string, f wire.EmbedFormat) ([]byte, error) {
	dst = append(dst, `{"object":"list","data":[`...)
	if one := v.Get("embedding"); one != nil {
		values := one.GetArray("values")
		if values == nil {
			return dst, wire.Malformed(name, "embedding without values")
		}
		dst = wire.AppendEmbedding(dst, 0, values, f)
	} else {
		list := v.GetArray("embeddings")
		if list == nil {
			return dst, wire.Malformed(name, "no embedding or embeddings")
		}
		for i, e := range list {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = wire.AppendEmbedding(dst, i, e.GetArray("values"), f)
		}
	}
	dst = append(dst, `],"model":`...)
	dst = jsonw.String(dst, model)
	return append(dst, '}'), nil
}
