package health

import (
	"encoding/json"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestDriftStatusInModelsHealth(t *testing.T) {
	r := newTestRegistry(t, Options{Models: []ModelSpec{{Name: "a", Deployments: []string{"d"}}, {Name: "b", Deployments: []string{"d"}}}}, nil)
	drift := func() map[string]any {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("GET")
		r.ServeModelsHealth(&ctx)
		var doc struct{ Models []map[string]any }
		if err := json.Unmarshal(ctx.Response.Body(), &doc); err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		for _, m := range doc.Models {
			if d, ok := m["drift"]; ok {
				out[m["model"].(string)] = d
			}
		}
		return out
	}
	if got := drift(); len(got) != 0 {
		t.Errorf("no monitor: drift %v", got)
	}
	r.SetDriftStatus(func(m string) (string, bool) {
		if m == "a" {
			return "drift", true
		}
		return "", false
	})
	if got := drift(); len(got) != 1 || got["a"] != "drift" {
		t.Errorf("a monitored, b not: drift %v", got)
	}
	r.SetDriftStatus(nil)
	if got := drift(); len(got) != 0 {
		t.Errorf("monitor removed: drift %v", got)
	}
}
