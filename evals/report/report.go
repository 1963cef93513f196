// Package report renders `tollgate evals report`: one self-contained HTML
// page (inline CSS and SVG, no external assets) with drift per feature
// over time, the refusal rate, feedback, and the bias results.
package report

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/evals/drift"
)

// Input is what a report is built from.
type Input struct {
	Title    string
	Baseline []drift.Vector // nil: the first hour of Current
	Current  []drift.Vector
	Skipped  []drift.Skipped // features the extractor never computes
	Bias     []byte          // the bias command's JSON output, or nil
	Options  drift.Options
	Now      time.Time
}

type bucket struct {
	start time.Time
	vs    []drift.Vector
}

// byHour groups vectors by the hour of their time; vectors without a time
// are counted apart.
func byHour(vs []drift.Vector) (out []bucket, untimed int) {
	idx := map[time.Time]int{}
	for _, v := range vs {
		if v.Time.IsZero() {
			untimed++
			continue
		}
		h := v.Time.UTC().Truncate(time.Hour)
		i, ok := idx[h]
		if !ok {
			i = len(out)
			idx[h] = i
			out = append(out, bucket{start: h})
		}
		out[i].vs = append(out[i].vs, v)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].start.Before(out[b].start) })
	return out, untimed
}

// palette has no red: red dots are alarms.
var palette = []string{"#3465a4", "#c17d11", "#4e9a06", "#75507b", "#06989a", "#5c3566", "#8f5902", "#555753"}

// Build renders the page.
func Build(in Input) string {
	var b strings.Builder
	title := in.Title
	if title == "" {
		title = "Tollgate evals report"
	}
	hours, untimed := byHour(in.Current)
	base := in.Baseline
	baseNote := fmt.Sprintf("%d baseline samples (file)", len(base))
	if base == nil && len(hours) > 0 {
		base = hours[0].vs
		baseNote = fmt.Sprintf("baseline: the first hour, %s (%d samples)", hours[0].start.Format("2006-01-02 15:04 UTC"), len(base))
		hours = hours[1:]
	}
	fmt.Fprintf(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title><style>%s</style></head><body>",
		html.EscapeString(title), css)
	fmt.Fprintf(&b, "<h1>%s</h1><p class=\"sub\">Generated %s · %d current samples in %d hours · %s",
		html.EscapeString(title), in.Now.UTC().Format("2006-01-02 15:04 UTC"), len(in.Current)-untimed, len(hours), html.EscapeString(baseNote))
	if untimed > 0 {
		fmt.Fprintf(&b, " · %d samples without a time left out of the hourly charts", untimed)
	}
	b.WriteString("</p>")

	labels := make([]string, len(hours))
	for i, h := range hours {
		labels[i] = h.start.Format("15h") // the date only where it changes
		if i == 0 || h.start.YearDay() != hours[i-1].start.YearDay() {
			labels[i] = h.start.Format("Jan 2 15h")
		}
	}
	latest, latestLabel := in.Current, "all current samples"
	if len(hours) > 0 {
		latest, latestLabel = hours[len(hours)-1].vs, "the latest hour ("+hours[len(hours)-1].start.Format("2006-01-02 15:04 UTC")+")"
	}
	writeSummary(&b, base, latest, latestLabel, in)
	writeDrift(&b, base, hours, labels, in)
	writeRates(&b, hours, labels)
	writeBias(&b, in.Bias)
	b.WriteString(`<footer>Drift: permutation tests per feature, Holm-corrected over all rows (false-alarm rate α per comparison); see docs/evals.md.</footer></body></html>`)
	return b.String()
}

// writeSummary: the latest hour (or every sample, without times) against
// the baseline, the rows sorted by p-value.
func writeSummary(b *strings.Builder, base, latest []drift.Vector, label string, in Input) {
	fmt.Fprintf(b, `<section><h2>Drift now: %s against the baseline</h2>`, html.EscapeString(label))
	if len(base) == 0 || len(latest) == 0 {
		b.WriteString(`<p class="note">No baseline or no current samples.</p></section>`)
		return
	}
	rep := drift.Compare(base, latest, in.Skipped, in.Options)
	badge := `<span class="ok">no drift</span>`
	if rep.Drift {
		badge = `<span class="bad">drift</span>`
	}
	fmt.Fprintf(b, `<p>%s — %d rows tested, %d drifting.</p>`, badge, len(rep.Features), countDrift(rep))
	b.WriteString(`<table><tr><th>feature</th><th>stat</th><th>value</th><th>threshold</th><th>p-value</th><th>drift</th></tr>`)
	rows := append([]drift.Result(nil), rep.Features...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].PValue < rows[j].PValue })
	for i, r := range rows {
		if i >= 12 && !r.Drift {
			fmt.Fprintf(b, `<tr><td colspan="6" class="note">… %d more rows without drift</td></tr>`, len(rows)-i)
			break
		}
		cls := ""
		if r.Drift {
			cls = ` class="driftrow"`
		}
		fmt.Fprintf(b, `<tr%s><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%v</td></tr>`, cls,
			html.EscapeString(r.Feature), r.Stat, fmtNum(r.Value), fmtNum(r.Threshold), fmtNum(r.PValue), r.Drift)
	}
	b.WriteString(`</table>`)
	if len(rep.Skipped) > 0 {
		var names []string
		for _, s := range rep.Skipped {
			names = append(names, s.Feature+" ("+s.Reason+")")
		}
		fmt.Fprintf(b, `<p class="note">Skipped: %s.</p>`, html.EscapeString(strings.Join(names, "; ")))
	}
	b.WriteString(`</section>`)
}

// writeDrift: per feature, −log10 of its smallest p-value in each hour
// against the baseline; red dots where Holm called drift.
func writeDrift(b *strings.Builder, base []drift.Vector, hours []bucket, labels []string, in Input) {
	b.WriteString(`<section><h2>Drift per feature over time (each hour against the baseline)</h2>`)
	if len(hours) == 0 || len(base) == 0 {
		b.WriteString(`<p class="note">Fewer than two hours of samples: nothing to chart.</p></section>`)
		return
	}
	type point struct {
		p     float64
		drift bool
	}
	per := map[string][]point{}
	var order []string
	strictest := math.NaN()
	for i, h := range hours {
		rep := drift.Compare(base, h.vs, in.Skipped, in.Options)
		alpha := in.Options.Alpha
		if alpha == 0 {
			alpha = drift.DefaultAlpha
		}
		if n := len(rep.Features); n > 0 {
			strictest = -math.Log10(alpha / float64(n))
		}
		for _, r := range rep.Features {
			pts, ok := per[r.Feature]
			if !ok {
				order = append(order, r.Feature)
				pts = make([]point, len(hours))
				for k := range pts {
					pts[k] = point{p: math.NaN()}
				}
			}
			if math.IsNaN(pts[i].p) || r.PValue < pts[i].p {
				pts[i].p = r.PValue
			}
			pts[i].drift = pts[i].drift || r.Drift
			per[r.Feature] = pts
		}
	}
	b.WriteString(`<p class="note">Each chart: −log10 of the feature's smallest p-value per hour (higher = less like the baseline; the top is the permutations' resolution). Dashed: Holm's strictest level; red dots: drift.</p><div class="grid">`)
	for fi, f := range order {
		pts := per[f]
		s := series{name: f, color: palette[fi%len(palette)], values: make([]float64, len(pts)), marked: make([]bool, len(pts))}
		for i, p := range pts {
			s.values[i] = math.NaN()
			if !math.IsNaN(p.p) {
				s.values[i] = -math.Log10(p.p)
			}
			s.marked[i] = p.drift
		}
		b.WriteString(chart{title: f, yLabel: "−log10 p", xLabels: labels, series: []series{s}, hline: strictest,
			hlineTag: "Holm", width: chartWidth, height: 150}.svg())
	}
	b.WriteString(`</div></section>`)
}

// writeRates: volume, refusal rate and feedback per hour.
func writeRates(b *strings.Builder, hours []bucket, labels []string) {
	b.WriteString(`<section><h2>Refusals, feedback and volume per hour</h2><div class="grid">`)
	n := len(hours)
	vol, ref, fb, fbn := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	judged, scored := 0, 0
	for i, h := range hours {
		vol[i] = float64(len(h.vs))
		var r, j, sum, k float64
		for k2 := range h.vs {
			if yes, ok := h.vs[k2].Refusal(); ok {
				j++
				if yes {
					r++
				}
			}
			if v, ok := h.vs[k2].Feedback(); ok {
				sum += v
				k++
			}
		}
		ref[i], fb[i], fbn[i] = math.NaN(), math.NaN(), k
		if j > 0 {
			ref[i] = r / j
			judged++
		}
		if k > 0 {
			fb[i] = sum / k
			scored++
		}
	}
	b.WriteString(chart{title: "samples per hour", xLabels: labels, series: []series{{name: "samples", color: palette[0], values: vol}}, hline: math.NaN(), width: chartWidth, height: 150}.svg())
	if judged > 0 {
		b.WriteString(chart{title: "refusal rate", yLabel: "share", xLabels: labels, series: []series{{name: "refusals", color: "#a40000", values: ref}}, hline: math.NaN(), width: chartWidth, height: 150}.svg())
	} else {
		b.WriteString(`<div class="empty">Refusal rate: no response was judged (no refusal detector wired, or no responses).</div>`)
	}
	if scored > 0 {
		b.WriteString(chart{title: "mean feedback score", xLabels: labels, series: []series{{name: "feedback", color: palette[2], values: fb}}, hline: math.NaN(), yMin: math.Min(0, minNaN(fb)), width: chartWidth, height: 150}.svg())
		b.WriteString(chart{title: "feedback count", xLabels: labels, series: []series{{name: "feedback", color: palette[3], values: fbn}}, hline: math.NaN(), width: chartWidth, height: 150}.svg())
	} else {
		b.WriteString(`<div class="empty">Feedback: no sample carries a feedback score.</div>`)
	}
	b.WriteString(`</div></section>`)
}

// writeBias is the slot for the bias command's output (--bias FILE).
func writeBias(b *strings.Builder, raw []byte) {
	b.WriteString(`<section class="bias"><h2>Bias probes</h2>`)
	if raw == nil {
		b.WriteString(`<p class="note">No bias results: pass <code>--bias FILE</code>, the JSON output of <code>tollgate evals bias</code>.</p></section>`)
		return
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		fmt.Fprintf(b, `<p class="bad">The bias file is not JSON: %s</p></section>`, html.EscapeString(err.Error()))
		return
	}
	if top, ok := doc.(map[string]any); ok {
		if f, ok := top["flagged"].(bool); ok {
			if f {
				b.WriteString(`<p><span class="bad">flagged</span> — at least one group's effect is outside the thresholds.</p>`)
			} else {
				b.WriteString(`<p><span class="ok">not flagged</span></p>`)
			}
		}
	}
	var ef []effectRow
	collectEffects(doc, nil, &ef)
	// Flagged effects first: a full suite has a hundred rows or more, and
	// the few that matter must not sit below the fold.
	sort.SliceStable(ef, func(i, j int) bool { return ef[i].flagged && !ef[j].flagged })
	hidden := 0
	if n := countFlagged(ef); len(ef) > n+maxQuietEffects {
		hidden = len(ef) - n - maxQuietEffects
		ef = ef[:n+maxQuietEffects]
	}
	if len(ef) > 0 {
		labels, e, lo, hi, fl := make([]string, len(ef)), make([]float64, len(ef)), make([]float64, len(ef)), make([]float64, len(ef)), make([]bool, len(ef))
		for i, r := range ef {
			labels[i], e[i], lo[i], hi[i], fl[i] = r.label, r.effect, r.lo, r.hi, r.flagged
		}
		b.WriteString(intervalChart("effects with confidence intervals (red: flagged)", labels, e, lo, hi, fl))
		if hidden > 0 {
			fmt.Fprintf(b, `<p class="note">… and %d more effects, none flagged: see the raw results.</p>`, hidden)
		}
	} else {
		b.WriteString(`<p class="note">No effects with intervals found in the file.</p>`)
	}
	pretty, _ := json.MarshalIndent(doc, "", "  ")
	fmt.Fprintf(b, `<details><summary>raw bias results</summary><pre>%s</pre></details></section>`, html.EscapeString(string(pretty)))
}

type effectRow struct {
	label          string
	effect, lo, hi float64
	flagged        bool
}

// collectEffects finds objects with a numeric "effect" and an interval
// ("ci" or "interval" as [lo, hi], or ci_low/ci_high, lo/hi, low/high),
// labelled by the suite/category/group/metric/name fields of the object
// and of the objects around it.
func collectEffects(v any, path []string, out *[]effectRow) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			collectEffects(e, path, out)
		}
	case map[string]any:
		here := append([]string(nil), path...)
		for _, k := range []string{"suite", "category", "group", "metric", "name"} {
			if s, ok := x[k].(string); ok && s != "" {
				here = append(here, s)
			}
		}
		if e, ok := x["effect"].(float64); ok {
			if lo, hi, ok := interval(x); ok {
				f, _ := x["flagged"].(bool)
				*out = append(*out, effectRow{strings.Join(here, " / "), e, lo, hi, f})
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch x[k].(type) {
			case map[string]any, []any:
				collectEffects(x[k], here, out)
			}
		}
	}
}

func interval(x map[string]any) (lo, hi float64, ok bool) {
	for _, k := range []string{"ci", "interval", "ci95"} {
		if a, isArr := x[k].([]any); isArr && len(a) == 2 {
			l, ok1 := a[0].(float64)
			h, ok2 := a[1].(float64)
			if ok1 && ok2 {
				return l, h, true
			}
		}
	}
	for _, p := range [][2]string{{"ci_low", "ci_high"}, {"lo", "hi"}, {"low", "high"}} {
		l, ok1 := x[p[0]].(float64)
		h, ok2 := x[p[1]].(float64)
		if ok1 && ok2 {
			return l, h, true
		}
	}
	return 0, 0, false
}

func countDrift(rep drift.Report) int {
	n := 0
	for _, r := range rep.Features {
		if r.Drift {
			n++
		}
	}
	return n
}

func minNaN(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		if !math.IsNaN(x) {
			m = math.Min(m, x)
		}
	}
	if math.IsInf(m, 1) {
		return 0
	}
	return m
}

func fmtNum(v float64) string {
	if v != 0 && math.Abs(v) < 0.001 {
		return fmt.Sprintf("%.1e", v)
	}
	return fmt.Sprintf("%.4g", v)
}

const css = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;margin:24px auto;max-width:1320px;padding:0 16px;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 8px}
.sub,.note{color:#555}.note{font-size:13px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:14px 16px;margin:14px 0}
.grid{display:flex;flex-wrap:wrap;gap:10px}
.grid svg{border:1px solid #eee;border-radius:4px;background:#fff}
.empty{width:400px;height:130px;border:1px dashed #ccc;border-radius:4px;padding:10px;color:#666;font-size:13px}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
td:nth-child(n+3){font-variant-numeric:tabular-nums}
.driftrow td{background:#fdecea}
.ok,.bad{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600}
.ok{background:#2e7d32}.bad{background:#c4161c}
.bias{border-left:4px solid #75507b}
pre{font-size:12px;max-height:320px;overflow:auto;background:#f6f6f6;padding:8px}
footer{color:#777;font-size:12px;margin:16px 0}
svg text{font-family:system-ui,sans-serif}
.ct{font-size:13px;font-weight:600;fill:#222}.yl{font-size:10px;fill:#666;text-anchor:end}.xl{font-size:10px;fill:#666;text-anchor:middle}
.ax{font-size:10px;fill:#666;text-anchor:middle}.lg{font-size:10px;fill:#444}.rl{font-size:11px;fill:#333;text-anchor:end}
.grid line.grid,line.grid{stroke:#eee}.th{stroke:#999;stroke-dasharray:4 3}.tht{font-size:9px;fill:#888;text-anchor:end}
.pt{fill:#fff;stroke-width:1.5}.alarm{fill:#c4161c;stroke:#fff;stroke-width:1}
`

// chartWidth fits three charts a row in a 1280-px window (the page's
// max width holds three at 1320).
const chartWidth = 390

// maxQuietEffects bounds the unflagged effects the bias chart draws.
const maxQuietEffects = 16

func countFlagged(ef []effectRow) int {
	n := 0
	for _, r := range ef {
		if r.flagged {
			n++
		}
	}
	return n
}
