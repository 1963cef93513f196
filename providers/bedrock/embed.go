package bedrock

import (
	"strings"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fastjson"
)

type embedFamily uint8

const (
	titan embedFamily = iota + 1
	cohere
)

func familyOf(model string) embedFamily {
	switch {
	case strings.Contains(model, "titan-embed"):
		return titan
	case strings.Contains(model, "cohere.embed"):
		return cohere
	}
	return 0
}

// appendEmbed appends an InvokeModel body: Titan takes one inputText (and
// dimensions), Cohere a list of texts with an input_type (the request's
// input_type, else search_document).
func appendEmbed(dst []byte, v *fastjson.Value, model string) ([]byte, *providers.Error) {
	if err := wire.CheckEmbedFields(v, name); err != nil {
		return dst, err
	}
	fam := familyOf(model)
	if fam == 0 {
		return dst, wire.Unsupported(name, "model", "embeddings only for Titan (amazon.titan-embed-*) and Cohere (cohere.embed-*) models")
	}
	in := v.Get("input")
	var texts []*fastjson.Value
	switch {
	case in == nil:
		return dst, wire.Invalid(name, "input", "missing")
	case in.Type() == fastjson.TypeString:
		texts = []*fastjson.Value{in}
	case in.Type() == fastjson.TypeArray:
		texts = in.GetArray()
	}
	if len(texts) == 0 {
		return dst, wire.Invalid(name, "input", "want a string or a non-empty array of strings")
	}
	for _, t := range texts {
		if t.Type() != fastjson.TypeString {
			return dst, wire.Unsupported(name, "input", "token ids: Bedrock embeds text only")
		}
	}
	dims := v.Get("dimensions")
	if dims != nil && dims.Type() == fastjson.TypeNull {
		dims = nil
	}
	if fam == titan {
		if len(texts) > 1 {
			return dst, wire.Unsupported(name, "input", "Titan embeds one text per call: send a string or a list of one")
		}
		dst = append(dst, `{"inputText":`...)
		dst = jsonw.Bytes(dst, texts[0].GetStringBytes())
		if dims != nil {
			dst = append(dst, `,"dimensions":`...)
			dst = dims.MarshalTo(dst)
		}
		return append(dst, '}'), nil
	}
	dst = append(dst, `{"texts":[`...)
	for i, t := range texts {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.Bytes(dst, t.GetStringBytes())
	}
	dst = append(dst, `],"input_type":`...)
	if it := v.GetStringBytes("input_type"); len(it) > 0 {
		dst = jsonw.Bytes(dst, it)
	} else {
		dst = append(dst, `"search_document"`...)
	}
	if dims != nil {
		if !strings.Contains(model, "embed-v4") {
			return dst, wire.Unsupported(name, "dimensions", "only Cohere Embed v4 sets an output dimension")
		}
		dst = append(dst, `,"output_dimension":`...)
		dst = dims.MarshalTo(dst)
	}
	return append(dst, '}'), nil
}

// appendEmbeddingList writes OpenAI's list for a Titan
// ({"embedding":[…],"inputTextTokenCount":n}) or Cohere
// ({"embeddings":[[…]]} or {"embeddings":{"float":[[…]]}}) answer. Cohere
// reports no tokens in the body: no usage then, and the gateway estimates.
func appendEmbeddingList(dst []byte, v *fastjson.Value, c *providers.Call) ([]byte, error) {
	f := wire.EmbedFormatOf(c.Body)
	dst = append(dst, `{"object":"list","data":[`...)
	tokens := -1
	switch familyOf(c.Model) {
	case titan:
		e := v.GetArray("embedding")
		if e == nil {
			return dst, wire.Malformed(name, "Titan answer without embedding")
		}
		dst = wire.AppendEmbedding(dst, 0, e, f)
		if n := v.Get("inputTextTokenCount"); n != nil {
			tokens = n.GetInt()
		}
	default:
		list := v.GetArray("embeddings")
		if list == nil {
			list = v.GetArray("embeddings", "float")
		}
		if list == nil {
			return dst, wire.Malformed(name, "Cohere answer without embeddings")
		}
		for i, e := range list {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = wire.AppendEmbedding(dst, i, e.GetArray(), f)
		}
	}
	dst = append(dst, `],"model":`...)
	dst = jsonw.String(dst, c.Model)
	if tokens >= 0 {
		dst = append(dst, `,"usage":{"prompt_tokens":`...)
		dst = append(dst, itoa(tokens)...)
		dst = append(dst, `,"total_tokens":`...)
		dst = append(dst, itoa(tokens)...)
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}
