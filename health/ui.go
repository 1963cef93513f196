package health

import (
	"embed"
	"mime"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

//go:embed ui
var uiFiles embed.FS

type uiSource struct {
	name string
	fn   func() any
}

// AddUISource adds (or replaces) a named section of /ui/data.json: the one way a package shows its state on the
// ops page. A pipeline stage does not call it: the gateway registers its gateway.UISection under the stage's name
// ("filters", "cache", "evals"), so stages never collide. The page renders these names specially:
//
//	"cost_by_tenant": []{"tenant","team","cost_usd"} (e.g. today's spend from the ledger; replaces the built-in
//	                  since-start view)
//	"policy":         {"revision","loaded_at", …}
//	"drift":          {"status", …}
//
// Any other name is shown as a key/value card. fn runs on every poll (every few seconds per open page): keep it
// cheap, return JSON-encodable values and never secrets.
func (r *Registry) AddUISource(name string, fn func() any) {
	r.uiMu.Lock()
	defer r.uiMu.Unlock()
	for i := range r.uiSources {
		if r.uiSources[i].name == name {
			r.uiSources[i].fn = fn
			return
		}
	}
	r.uiSources = append(r.uiSources, uiSource{name, fn})
}

// TenantCost is the spend of one tenant since the process started, summed over models.
type TenantCost struct {
	Tenant  string  `json:"tenant"`
	CostUSD float64 `json:"cost_usd"`
}

// uiData is the document /ui/data.json serves.
type uiData struct {
	GeneratedAt  time.Time      `json:"generated_at"`
	Models       []ModelHealth  `json:"models"`
	Alerts       []AlertEvent   `json:"alerts"`
	TenantCosts  []TenantCost   `json:"tenant_costs_since_start"`
	CacheHitRate float64        `json:"cache_hit_rate_5m"`
	LastHour     []MinuteSeries `json:"last_hour"`
	Report       *UIReport      `json:"report,omitempty"` // the latest evals report
	Sources      map[string]any `json:"sources"`
	SourceOrder  []string       `json:"source_order"`
}

// ServeUI serves the ops page: /ui redirects to /ui/, /ui/ is the page, /ui/data.json its data, other /ui/* the
// embedded static files. Mount it on /ui and /ui/*.
func (r *Registry) ServeUI(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		writeJSONError(ctx, fasthttp.StatusMethodNotAllowed, "use GET")
		return
	}
	p := string(ctx.Path())
	switch p {
	case "/ui":
		ctx.Redirect("/ui/", fasthttp.StatusFound)
		return
	case "/ui/":
		p = "/ui/index.html"
	case "/ui/data.json":
		writeJSON(ctx, r.uiData())
		return
	case ReportURL:
		r.serveReport(ctx)
		return
	}
	name := path.Clean(strings.TrimPrefix(p, "/"))
	if !strings.HasPrefix(name, "ui/") {
		ctx.NotFound()
		return
	}
	b, err := uiFiles.ReadFile(name)
	if err != nil {
		ctx.NotFound()
		return
	}
	ctx.SetContentType(contentType(name))
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	// Everything is same-origin: the page works offline and cannot load or send anything elsewhere.
	ctx.Response.Header.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	ctx.SetBody(b)
}

func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (r *Registry) uiData() *uiData {
	d := &uiData{GeneratedAt: r.now().UTC(), Models: r.Snapshot(), Alerts: r.RecentAlerts(), Sources: map[string]any{}}
	hits, lookups := r.cacheTotals()
	if lookups > 0 {
		d.CacheHitRate = round(hits/lookups, 4)
	}
	d.TenantCosts = r.tenantCosts()
	d.LastHour = r.LastHour()
	d.Report = r.uiReport()
	r.uiMu.RLock()
	srcs := append([]uiSource(nil), r.uiSources...)
	r.uiMu.RUnlock()
	for _, s := range srcs {
		d.Sources[s.name] = s.fn()
		d.SourceOrder = append(d.SourceOrder, s.name)
	}
	if d.Alerts == nil {
		d.Alerts = []AlertEvent{}
	}
	return d
}

// cacheTotals sums cache hits and lookups (hit+miss) over the 5 min window of all models.
func (r *Registry) cacheTotals() (hits, lookups float64) {
	e := epochOf(r.now().Unix())
	for _, m := range r.state.Load().list {
		for _, d := range m.deps.Load().list {
			var s stats
			d.win.collect(e, longSlots, &s)
			hits += float64(s.cacheHits)
			lookups += float64(s.cacheLookups)
		}
	}
	return hits, lookups
}

func (r *Registry) tenantCosts() []TenantCost {
	sum := map[string]float64{}
	for _, m := range r.state.Load().list {
		for _, c := range m.tenants.Load().cells {
			if fc := c.c.Load(); fc != nil {
				sum[c.tenant] += fc.Get()
			}
		}
	}
	out := make([]TenantCost, 0, len(sum))
	for t, v := range sum {
		out = append(out, TenantCost{Tenant: t, CostUSD: round(v, 6)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CostUSD > out[j].CostUSD })
	return out
}
