package health

import (
	"encoding/json"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"
)

// ServeMetrics serves /metrics: every metric in the VictoriaMetrics default set (this package's and every other
// package's) plus go_* and process_* metrics, in Prometheus text format.
func (r *Registry) ServeMetrics(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	metrics.WritePrometheus(ctx, true)
}

// ServeModelsHealth serves GET /v1/health/models.
func (r *Registry) ServeModelsHealth(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		writeJSONError(ctx, fasthttp.StatusMethodNotAllowed, "use GET")
		return
	}
	r.uiMu.RLock()
	srcs := append([]uiSource(nil), r.healthSources...)
	r.uiMu.RUnlock()
	if len(srcs) == 0 {
		writeJSON(ctx, struct {
			Models []ModelHealth `json:"models"`
		}{r.Snapshot()})
		return
	}
	doc := map[string]any{"models": r.Snapshot()}
	for _, s := range srcs {
		doc[s.name] = s.fn()
	}
	writeJSON(ctx, doc)
}

// AddHealthSource adds (or replaces) a named member of /v1/health/models
// beside "models": the rollouts' state, for example. fn runs on every
// request of the endpoint: keep it cheap, JSON-encodable and free of
// secrets. The name "models" is the registry's own and is ignored.
func (r *Registry) AddHealthSource(name string, fn func() any) {
	if name == "models" {
		return
	}
	r.uiMu.Lock()
	defer r.uiMu.Unlock()
	for i := range r.healthSources {
		if r.healthSources[i].name == name {
			r.healthSources[i].fn = fn
			return
		}
	}
	r.healthSources = append(r.healthSources, uiSource{name, fn})
}

func writeJSON(ctx *fasthttp.RequestCtx, v any) {
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	if err := json.NewEncoder(ctx).Encode(v); err != nil {
		ctx.ResetBody()
		writeJSONError(ctx, fasthttp.StatusInternalServerError, "cannot encode response")
	}
}

// writeJSONError uses OpenAI's error shape like the rest of the gateway.
func writeJSONError(ctx *fasthttp.RequestCtx, code int, msg string) {
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "code": nil, "param": nil}})
	ctx.SetBody(b)
}
