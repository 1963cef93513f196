package filters

// secretDetector runs the credential rules behind one keyword prefilter:
// an Aho–Corasick automaton over every rule's keywords (the way gitleaks
// gates its rules), so text with no keyword costs one table lookup per
// byte and no rule runs at all. A keyword hit runs only the rules that own
// it, each a small hand-written matcher that reads forward from the hit:
// no regular expressions, no backtracking.
type secretDetector struct {
	ac       *ahoCorasick
	rulesOf  [][]*secretRule // pattern id -> rules
	kinds    []string
	maxSpanB int
}

// secretRule matches at a keyword hit [ks, ke) and returns the secret's span.
type secretRule struct {
	kind     string
	keywords []string
	maxSpan  int
	also     []string // further kinds match may report
	// match returns the span and score, and the kind: "=" for the rule's
	// own kind, another kind from also, or "" for no match.
	match func(text []byte, ks, ke int) (start, end int, score float64, kind string)
}

func newSecretDetector(rules []*secretRule) *secretDetector {
	d := &secretDetector{}
	ids := map[string]int{}
	var pats []string
	seenKind := map[string]bool{}
	for _, r := range rules {
		for _, k := range r.keywords {
			id, ok := ids[k]
			if !ok {
				id = len(pats)
				ids[k] = id
				pats = append(pats, k)
				d.rulesOf = append(d.rulesOf, nil)
			}
			d.rulesOf[id] = append(d.rulesOf[id], r)
		}
		for _, k := range append([]string{r.kind}, r.also...) {
			if !seenKind[k] {
				seenKind[k] = true
				d.kinds = append(d.kinds, k)
			}
		}
		d.maxSpanB = max(d.maxSpanB, r.maxSpan)
	}
	d.ac = newAhoCorasick(pats, true, true)
	return d
}

func (d *secretDetector) Kinds() []string { return d.kinds }
func (d *secretDetector) Form() Form      { return FormSafe }
func (d *secretDetector) MaxSpan() int    { return d.maxSpanB }

func (d *secretDetector) Detect(text []byte, dst []Finding) []Finding {
	ac := d.ac
	st := int32(0)
	// Keyword hits inside a secret already found are not re-read (a PEM
	// body, a JWT's payload); hits before its value (the "AccountKey=" of
	// a value the generic rule took) or at its first byte (the "ghp_" of
	// GITHUB_TOKEN=ghp_…) still run, and the more specific kind, scoring
	// higher, wins in Scan.
	coveredStart, coveredEnd := 0, 0
	for i := 0; i < len(text); i++ {
		if st != 0 {
			st = ac.step(st, text[i])
		} else if i, st = ac.skipToStart(text, i); st == 0 {
			continue
		}
		if st >= 0 {
			continue
		}
		head := ac.outputs(st)
		st = -st
		for o := head; o >= 0; o = ac.outNext[o] {
			pat := ac.outPat[o]
			ks := i + 1 - int(ac.patLen[pat])
			if ks > coveredStart && ks < coveredEnd {
				continue
			}
			for _, r := range d.rulesOf[pat] {
				s, e, score, kind := r.match(text, ks, i+1)
				if kind == "" {
					continue
				}
				if kind == "=" {
					kind = r.kind
				}
				dst = append(dst, Finding{Kind: kind, Start: s, End: e, Score: score})
				if e > coveredEnd {
					coveredStart, coveredEnd = s, e
				}
			}
		}
	}
	return dst
}
