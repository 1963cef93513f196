package mockllm

import (
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// KServe v2 (Open Inference Protocol) stand-in for the gateway's pass-through routes: POST /v2/models/{name}/infer
// checks the body has an "inputs" array and answers one small FP32 output derived from a hash of the inputs, so
// a relayed answer can be compared byte for byte with a direct one.

func (s *Server) appendInferResponse(dst []byte, name []byte, v *fastjson.Value) ([]byte, *apiError) {
	inputs := v.Get("inputs")
	if inputs == nil || inputs.Type() != fastjson.TypeArray || len(inputs.GetArray()) == 0 {
		return dst, badRequest("inputs", `missing required field "inputs" (a non-empty array of tensors)`)
	}
	h := hashBytes(fnvOffset64, inputs.MarshalTo(nil))
	dst = append(dst, `{"model_name":`...)
	dst = jsonw.Bytes(dst, name)
	dst = append(dst, `,"model_version":"1"`...)
	if id := v.Get("id"); id != nil && id.Type() == fastjson.TypeString {
		dst = append(dst, `,"id":`...)
		dst = jsonw.Bytes(dst, id.GetStringBytes())
	}
	dst = append(dst, `,"outputs":[{"name":"output0","shape":[1,2],"datatype":"FP32","data":[`...)
	dst = appendFloat32(dst, float32(embeddingComponent(h, 0)))
	dst = append(dst, ',')
	dst = appendFloat32(dst, float32(embeddingComponent(h, 1)))
	return append(dst, "]}]}"...), nil
}

func (s *Server) serveInfer(ctx *fasthttp.RequestCtx, name []byte) {
	if !s.allow(ctx, fasthttp.MethodPost) {
		return
	}
	p := s.parsers.Get()
	defer s.parsers.Put(p)
	v, err := p.ParseBytes(ctx.PostBody())
	if err != nil || v.Type() != fastjson.TypeObject {
		s.writeBadRequest(ctx, badRequest("", "request body must be a JSON object with \"inputs\""))
		return
	}
	bb := bufPool.Get()
	defer bufPool.Put(bb)
	var aerr *apiError
	if bb.B, aerr = s.appendInferResponse(bb.B[:0], name, v); aerr != nil {
		s.writeBadRequest(ctx, aerr)
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBody(bb.B)
}
