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
	match    func(text []byte, ks, ke int) (start, end int, score float64, ok bool)
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
		if !seenKind[r.kind] {
			seenKind[r.kind] = true
			d.kinds = append(d.kinds, r.kind)
		}
		d.maxSpanB = max(d.maxSpanB, r.maxSpan)
	}
	d.ac = newAhoCorasick(pats, true)
	return d
}

func (d *secretDetector) Kinds() []string { return d.kinds }
func (d *secretDetector) Form() Form      { return FormSafe }
func (d *secretDetector) MaxSpan() int    { return d.maxSpanB }

func (d *secretDetector) Detect(text []byte, dst []Finding) []Finding {
	ac := d.ac
	st := int32(0)
	covered := 0 // keyword hits inside an earlier secret are not re-read
	for i := 0; i < len(text); i++ {
		st = ac.step(st, text[i])
		if !ac.anyMatch[st] {
			continue
		}
		for o := ac.outHead[st]; o >= 0; o = ac.outNext[o] {
			pat := ac.outPat[o]
			ks := i + 1 - int(ac.patLen[pat])
			if ks < covered {
				continue
			}
			for _, r := range d.rulesOf[pat] {
				s, e, score, ok := r.match(text, ks, i+1)
				if ok {
					dst = append(dst, Finding{Kind: r.kind, Start: s, End: e, Score: score})
					covered = max(covered, e)
				}
			}
		}
	}
	return dst
}
