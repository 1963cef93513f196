package health

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// /ui links to the evals report and serves it at /ui/report.html only
// once evals.report.path is set and the file exists.
func TestUIServesAndLinksTheEvalsReport(t *testing.T) {
	r := uiRegistry(t)
	c := serveInMemory(t, r.ServeUI)
	link := func() *UIReport {
		t.Helper()
		_, _, body := get(t, c, "GET", "/ui/data.json")
		var d struct {
			Report *UIReport `json:"report"`
		}
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		return d.Report
	}
	if code, _, _ := get(t, c, "GET", ReportURL); code != 404 || link() != nil {
		t.Fatalf("no path: %d, link %v; want 404 and no link", code, link())
	}
	path := filepath.Join(t.TempDir(), "report.html")
	r.SetReportFile(path)
	if code, _, _ := get(t, c, "GET", ReportURL); code != 404 || link() != nil {
		t.Fatalf("path not written yet: %d, link %v", code, link())
	}
	page := `<!doctype html><html><body><h1>Tollgate evals report</h1><svg></svg></body></html>`
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	code, ctype, body := get(t, c, "GET", ReportURL)
	if code != 200 || !strings.HasPrefix(ctype, "text/html") || body != page {
		t.Fatalf("GET %s: %d %q %.100q", ReportURL, code, ctype, body)
	}
	l := link()
	if l == nil || l.URL != ReportURL || l.Bytes != int64(len(page)) || l.GeneratedAt.IsZero() {
		t.Fatalf("link %+v", l)
	}
	_, _, html := get(t, c, "GET", "/ui/")
	js, _ := uiFiles.ReadFile("ui/app.js")
	if !strings.Contains(html, `id="report" href="report.html"`) || !strings.Contains(string(js), "data.report") {
		t.Fatal("the page has no link slot for the report")
	}
}
