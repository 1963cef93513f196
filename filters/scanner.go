package filters

import (
	"slices"
	"sync"
)

// Scanner runs the configured detectors over texts. It is built once per
// configuration and safe for concurrent use; scratch buffers come from a
// pool, so a scan that finds nothing allocates nothing.
type Scanner struct {
	safe    []detectorRun
	folded  []detectorRun
	blobs   bool
	maxBlob int // the longest encoded run decoded: a finding inside spans it
	maxSpan int
	pool    sync.Pool
}

// detectorRun is a detector with the thresholds of its kinds resolved.
type detectorRun struct {
	d         Detector
	runs      runDetector        // d, when it starts from digit runs
	threshold map[string]float64 // only enabled kinds
}

// scratch is one scan's working memory.
type scratch struct {
	safe, folded view
	found        []Finding
	runs         []int32 // digit runs of the view being scanned
	clusters     []int32 // digits in each run's number cluster
	gated        []int32 // the runs one detector reads
	haveRuns     bool
	blob         []byte
	inner        *scratch // for decoded blobs (one level deep)
}

// maxPooledBytes bounds the scratch buffers the pool keeps.
const maxPooledBytes = 1 << 20

// New builds a Scanner for cfg.
func New(cfg Config) (*Scanner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	long := cfg.MaxSpan
	if long == 0 {
		long = DefaultMaxSpan
	}
	// Blobs are decoded up to maxDecodedBlob, past the long-kind cap: a
	// jailbreak of a few KB is a longer base64 run than any key or token.
	s := &Scanner{blobs: cfg.DecodeBlobs, maxBlob: max(long, maxDecodedBlob)}
	all := builtinDetectors(long)
	bl, err := newBlocklists(cfg.Blocklists)
	if err != nil {
		return nil, err
	}
	if bl != nil {
		all = append(all, bl)
	}
	all = append(all, cfg.Extra...)
	for _, d := range all {
		run := detectorRun{d: d, threshold: map[string]float64{}}
		run.runs, _ = d.(runDetector)
		for _, k := range d.Kinds() {
			if isBlocklistKind(k) || cfg.enabled(k) || isExtra(d, cfg.Extra) {
				run.threshold[k] = cfg.threshold(k)
			}
		}
		if len(run.threshold) == 0 {
			continue
		}
		if w, ok := d.(interface{ warm() }); ok {
			w.warm() // tables decoded now, not in the first request's scan
		}
		if d.Form() == FormFolded {
			s.folded = append(s.folded, run)
		} else {
			s.safe = append(s.safe, run)
		}
		s.maxSpan = max(s.maxSpan, d.MaxSpan())
	}
	if s.blobs {
		s.maxSpan = max(s.maxSpan, long)
	}
	s.pool.New = func() any { return &scratch{inner: &scratch{}} }
	return s, nil
}

func isExtra(d Detector, extra []Detector) bool {
	for _, e := range extra {
		if e == d {
			return true
		}
	}
	return false
}

// MaxSpan is the longest span, in bytes of the original text, that a
// finding can have when the text carries no invisible padding: the longest
// detector span or, with DecodeBlobs, the longest decoded blob. PEM
// blocks, JWTs and blobs are capped at Config.MaxSpan (default 4096);
// every other kind is far shorter (an email 254, an IBAN 42). Characters the normaliser removes or expands
// (zero-width runs inside a token) can stretch a finding beyond it; such a
// finding is still reported whole by Scan.
func (s *Scanner) MaxSpan() int { return s.maxSpan }

// Scan appends the findings in text to dst and returns it: spans in text's
// own bytes, sorted by Start, each at or above its kind's threshold. When
// a pii or secret finding lies inside another of its family with a higher
// or equal score only the outer one is kept (a phone-shaped run inside a
// card number, say); each blocklist reports on its own.
func (s *Scanner) Scan(text []byte, dst []Finding) []Finding {
	sc := s.pool.Get().(*scratch)
	n0 := len(dst)
	dst = s.scan(sc, text, dst, true)
	found := dst[n0:]
	if len(found) > 1 {
		slices.SortFunc(found, byStart)
		dst = dst[:n0+dropContained(found)]
	}
	if cap(sc.safe.b) <= maxPooledBytes && cap(sc.folded.b) <= maxPooledBytes && cap(sc.blob) <= maxPooledBytes {
		s.pool.Put(sc) // a huge text's buffers are left to the GC, not kept for every later scan
	}
	return dst
}

func byStart(a, b Finding) int {
	if a.Start != b.Start {
		return a.Start - b.Start
	}
	if a.End != b.End {
		return b.End - a.End // the longer first, so contained ones follow
	}
	switch { // the same span: the surer (more specific) kind first
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return 0
}

// dropContained removes findings inside an earlier, not-weaker one, in
// place, and returns how many remain.
func dropContained(f []Finding) int {
	n := 0
	for i := range f {
		inside := false
		for j := n - 1; j >= 0 && j >= n-8; j-- {
			o := f[j]
			if f[i].Start >= o.Start && f[i].End <= o.End && o.Score >= f[i].Score &&
				(o.Kind == f[i].Kind || sharesFamily(o.Kind, f[i].Kind)) {
				inside = true
				break
			}
		}
		if !inside {
			f[n] = f[i]
			n++
		}
	}
	return n
}

// sharesFamily: a pii or secret finding inside another of its family is
// the same thing seen twice; two blocklists are two separate verdicts.
func sharesFamily(a, b string) bool {
	fa := familyOf(a)
	return (fa == "pii" || fa == "secret") && fa == familyOf(b)
}

func familyOf(kind string) string {
	for i := 0; i < len(kind); i++ {
		if kind[i] == '.' {
			return kind[:i]
		}
	}
	return kind
}

// scan runs every detector over text; outer is false inside a decoded blob.
func (s *Scanner) scan(sc *scratch, text []byte, dst []Finding, outer bool) []Finding {
	normalizeSafe(&sc.safe, text)
	dst = s.runAll(sc, s.safe, &sc.safe, dst)
	if len(s.folded) > 0 {
		foldInto(&sc.folded, &sc.safe)
		dst = s.runAll(sc, s.folded, &sc.folded, dst)
	}
	if outer && s.blobs {
		dst = s.scanBlobs(sc, dst)
	}
	return dst
}

func (s *Scanner) runAll(sc *scratch, runs []detectorRun, v *view, dst []Finding) []Finding {
	sc.haveRuns = false
	for _, r := range runs {
		if r.runs != nil {
			if !sc.haveRuns {
				sc.runs = digitRuns(v.b, sc.runs[:0])
				sc.clusters = clusterDigits(v.b, sc.runs, sc.clusters)
				sc.haveRuns = true
			}
			runs := sc.runs
			if m := r.runs.minDigits(); m > 0 {
				sc.gated = gateRuns(sc.runs, sc.clusters, m, sc.gated)
				runs = sc.gated
			}
			sc.found = r.runs.detectRuns(v.b, runs, sc.found[:0])
		} else {
			sc.found = r.d.Detect(v.b, sc.found[:0])
		}
		for _, f := range sc.found {
			th, ok := r.threshold[f.Kind]
			if !ok || f.Score < th {
				continue
			}
			f.Start, f.End = v.span(f.Start, f.End)
			dst = append(dst, f)
		}
	}
	return dst
}
