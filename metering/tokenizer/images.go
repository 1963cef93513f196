package tokenizer

import "strings"

// imageRule is OpenAI's tile rule for image inputs: detail "low" costs base
// tokens; "high" (and "auto"/unset, counted as high so budgets err on the
// safe side) costs base + perTile × 512px tiles after the image is scaled to
// fit 2048×2048 and then so its short side is at most 768px. Without a
// known size a high-detail image is Unknown. Models that price images by
// 32px patches (gpt-4.1-mini, gpt-4.1-nano, o4-mini) are always Unknown.
type imageRule struct {
	base, perTile int
	known         bool
}

func imageRuleFor(canonical string) imageRule {
	switch {
	case strings.HasPrefix(canonical, "gpt-4.1-mini"), strings.HasPrefix(canonical, "gpt-4.1-nano"),
		strings.HasPrefix(canonical, "o4-mini"):
		return imageRule{}
	case strings.HasPrefix(canonical, "gpt-4o-mini"):
		return imageRule{base: 2833, perTile: 5667, known: true}
	default:
		return imageRule{base: 85, perTile: 170, known: true}
	}
}

func (r imageRule) tokens(detail string, w, h int) (int, bool) {
	if !r.known {
		return 0, false
	}
	if detail == "low" {
		return r.base, true
	}
	if (detail != "high" && detail != "auto" && detail != "") || w <= 0 || h <= 0 {
		return 0, false
	}
	return r.base + r.perTile*tiles(w, h), true
}

// tiles returns the number of 512px tiles of a w×h image after OpenAI's
// scaling.
func tiles(w, h int) int {
	fw, fh := float64(w), float64(h)
	if fw > 2048 || fh > 2048 {
		s := 2048 / max(fw, fh)
		fw, fh = fw*s, fh*s
	}
	if short := min(fw, fh); short > 768 {
		s := 768 / short
		fw, fh = fw*s, fh*s
	}
	return ceilDiv(fw, 512) * ceilDiv(fh, 512)
}

func ceilDiv(x, d float64) int {
	n := int(x / d)
	if float64(n)*d < x {
		n++
	}
	return n
}
