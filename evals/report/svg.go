package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// series is one line of a chart; NaN values are gaps. Marked points are
// drawn as red dots (a drift alarm, a flagged group).
type series struct {
	name   string
	color  string
	values []float64
	marked []bool
}

// chart is a small inline SVG line chart over labelled x positions.
type chart struct {
	title    string
	yLabel   string
	xLabels  []string
	series   []series
	yMin     float64
	yMax     float64 // 0 = from the data
	hline    float64 // a dashed reference line (a threshold); NaN = none
	hlineTag string
	width    int
	height   int
}

const (
	padLeft   = 48
	padRight  = 12
	padTop    = 26
	padBottom = 34
)

func (c chart) svg() string {
	w, h := c.width, c.height
	if w == 0 {
		w = 460
	}
	if h == 0 {
		h = 170
	}
	yMax := c.yMax
	if yMax == 0 {
		for _, s := range c.series {
			for _, v := range s.values {
				if !math.IsNaN(v) {
					yMax = max(yMax, v)
				}
			}
		}
		if !math.IsNaN(c.hline) {
			yMax = max(yMax, c.hline)
		}
		if yMax <= c.yMin {
			yMax = c.yMin + 1
		}
		yMax *= 1.1
	}
	pw, ph := float64(w-padLeft-padRight), float64(h-padTop-padBottom)
	n := len(c.xLabels)
	x := func(i int) float64 {
		if n <= 1 {
			return padLeft + pw/2
		}
		return padLeft + pw*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 { return padTop + ph*(1-(v-c.yMin)/(yMax-c.yMin)) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		w, h, w, h, html.EscapeString(c.title))
	fmt.Fprintf(&b, `<text x="%d" y="16" class="ct">%s</text>`, padLeft, html.EscapeString(c.title))
	// Axes, three y grid lines with labels.
	for k := 0; k <= 2; k++ {
		v := c.yMin + (yMax-c.yMin)*float64(k)/2
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>`, padLeft, w-padRight, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="yl">%s</text>`, padLeft-4, y(v)+3, shortNum(v))
	}
	if c.yLabel != "" {
		fmt.Fprintf(&b, `<text x="10" y="%.1f" class="ax" transform="rotate(-90 10 %.1f)">%s</text>`,
			padTop+ph/2, padTop+ph/2, html.EscapeString(c.yLabel))
	}
	step := max(1, (n+5)/6)
	for i, l := range c.xLabels {
		if i%step == 0 || i == n-1 {
			anchor := "middle"
			if i == n-1 && n > 1 {
				anchor = "end"
			} else if i == 0 && n > 1 {
				anchor = "start"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="xl" style="text-anchor:%s">%s</text>`, x(i), h-padBottom+14, anchor, html.EscapeString(l))
		}
	}
	if !math.IsNaN(c.hline) {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="th"/>`, padLeft, w-padRight, y(c.hline), y(c.hline))
		if c.hlineTag != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="tht">%s</text>`, w-padRight, y(c.hline)-3, html.EscapeString(c.hlineTag))
		}
	}
	for _, s := range c.series {
		var path strings.Builder
		pen := false
		for i, v := range s.values {
			if math.IsNaN(v) {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i), y(v))
			pen = true
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.8"/>`, strings.TrimSpace(path.String()), s.color)
		for i, v := range s.values {
			if math.IsNaN(v) {
				continue
			}
			cls := "pt"
			if i < len(s.marked) && s.marked[i] {
				cls = "alarm"
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%s" class="%s" stroke="%s"><title>%s %s: %s</title></circle>`,
				x(i), y(v), map[string]string{"pt": "2.5", "alarm": "4.5"}[cls], cls, s.color,
				html.EscapeString(s.name), html.EscapeString(c.xLabels[i]), shortNum(v))
		}
	}
	if len(c.series) > 1 {
		lx := float64(padLeft + 8)
		for _, s := range c.series {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="10" height="3" fill="%s"/><text x="%.1f" y="%d" class="lg">%s</text>`,
				lx, padTop-2, s.color, lx+13, padTop+2, html.EscapeString(s.name))
			lx += 18 + 6.5*float64(len(s.name))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// intervalChart draws effects with their confidence intervals, one row
// each, around a zero line; flagged rows in red.
func intervalChart(title string, labels []string, effect, lo, hi []float64, flagged []bool) string {
	const rowH, w, labelW = 20, 760, 330
	h := padTop + rowH*len(labels) + 24
	span := 0.0
	for i := range labels {
		span = max(span, math.Abs(lo[i]), math.Abs(hi[i]), math.Abs(effect[i]))
	}
	if span == 0 {
		span = 1
	}
	span *= 1.1
	x := func(v float64) float64 { return labelW + (float64(w-labelW-padRight))*(v+span)/(2*span) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		w, h, w, h, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="4" y="16" class="ct">%s</text>`, html.EscapeString(title))
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="th"/>`, x(0), x(0), padTop-4, h-20)
	for i, l := range labels {
		cy := float64(padTop + rowH*i + rowH/2)
		color := "#3465a4"
		if flagged[i] {
			color = "#c4161c"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="rl">%s</text>`, labelW-8, cy+4, html.EscapeString(l))
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, x(lo[i]), x(hi[i]), cy, cy, color)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s: %s [%s, %s]</title></circle>`,
			x(effect[i]), cy, color, html.EscapeString(l), shortNum(effect[i]), shortNum(lo[i]), shortNum(hi[i]))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="xl">%s</text><text x="%.1f" y="%d" class="xl">0</text><text x="%.1f" y="%d" class="xl">%s</text>`,
		x(-span), h-6, shortNum(-span), x(0), h-6, x(span), h-6, shortNum(span))
	b.WriteString(`</svg>`)
	return b.String()
}

func shortNum(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return fmt.Sprintf("%.2g", v)
	case a >= 0.01:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.0e", v)
}
