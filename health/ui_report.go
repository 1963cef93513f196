package health

import (
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// ReportURL is where /ui serves the latest evals report (SetReportFile).
const ReportURL = "/ui/report.html"

// maxReportBytes bounds the report file /ui serves (a report of a large
// sample file is a few hundred KB).
const maxReportBytes = 32 << 20

// UIReport is /ui/data.json's link to the latest evals report.
type UIReport struct {
	URL         string    `json:"url"`
	GeneratedAt time.Time `json:"generated_at"` // the file's modification time
	Bytes       int64     `json:"bytes"`
}

// reportFile holds the path SetReportFile set ("" = none).
type reportFile struct{ p atomic.Pointer[string] }

// SetReportFile makes /ui link to and serve the HTML file at path (the
// latest `tollgate evals report --out PATH`, or the gateway's scheduled
// report) at ReportURL, under /ui's protection; "" turns it off. The file
// is read on each request, so a report rewritten in place (write to a
// temporary file, then rename) is served at once.
func (r *Registry) SetReportFile(path string) { r.report.p.Store(&path) }

func (r *Registry) reportPath() string {
	if p := r.report.p.Load(); p != nil {
		return *p
	}
	return ""
}

// uiReport is the link for data.json: nil while no report file exists.
func (r *Registry) uiReport() *UIReport {
	p := r.reportPath()
	if p == "" {
		return nil
	}
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	return &UIReport{URL: ReportURL, GeneratedAt: st.ModTime().UTC(), Bytes: st.Size()}
}

// serveReport serves the report file: self-contained HTML (inline CSS and
// SVG, no script), so its CSP forbids scripts and every fetch.
func (r *Registry) serveReport(ctx *fasthttp.RequestCtx) {
	p := r.reportPath()
	if p == "" {
		writeJSONError(ctx, fasthttp.StatusNotFound, "no evals report: set evals.report.path in the gateway's config")
		return
	}
	f, err := os.Open(p)
	if err != nil {
		writeJSONError(ctx, fasthttp.StatusNotFound, "the evals report has not been written yet")
		return
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReportBytes+1))
	if err != nil || len(b) > maxReportBytes {
		writeJSONError(ctx, fasthttp.StatusInternalServerError, "the evals report could not be read (or is over 32 MiB)")
		return
	}
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Response.Header.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'")
	ctx.SetBody(b)
}
