package gateway

import (
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fasthttp"
)

// handleModels lists the models the caller's key may use, OpenAI-style.
func (s *Server) handleModels(ctx *fasthttp.RequestCtx) {
	rt := s.rt.Load()
	p, err := rt.keys.authenticate(&ctx.Request.Header)
	if err != nil {
		writeError(ctx, err)
		return
	}
	b := append(make([]byte, 0, 64+64*len(rt.order)), `{"object":"list","data":[`...)
	n := 0
	for _, m := range rt.order {
		if !p.Allows(m.name) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendModelJSON(b, m.name)
		n++
	}
	b = append(b, "]}"...)
	ctx.SetContentType("application/json")
	ctx.Response.SetBodyRaw(b)
}

// handleModel answers GET /v1/models/{id}.
func (s *Server) handleModel(ctx *fasthttp.RequestCtx, id []byte) {
	rt := s.rt.Load()
	p, err := rt.keys.authenticate(&ctx.Request.Header)
	if err != nil {
		writeError(ctx, err)
		return
	}
	m := rt.models[string(id)]
	if m == nil || !p.Allows(m.name) {
		writeError(ctx, &APIError{Status: 404, Type: typeInvalidRequest, Code: "model_not_found", Param: "model",
			Message: "the model '" + truncate(string(id), 200) + "' does not exist on this gateway"})
		return
	}
	ctx.SetContentType("application/json")
	ctx.Response.SetBodyRaw(appendModelJSON(nil, m.name))
}

func appendModelJSON(b []byte, name string) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.String(b, name)
	return append(b, `,"object":"model","created":0,"owned_by":"tollgate"}`...)
}
